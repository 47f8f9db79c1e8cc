"""Helpers for digest tests: listings, crawls through catalogue.store, a collecting SMTP handler.

The listings are real postings (titles, employers, pay) from data/labels/yukuairoy.jsonl
and data/labels/fixtures.jsonl, judged by hand as those files record.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from catalogue import store
from catalogue.schema import open_catalogue

DAY1 = "2026-09-14T08:00:00Z"
DAY2 = "2026-09-15T08:00:00Z"
DAY3 = "2026-09-16T08:00:00Z"
BASE_URL = "https://evaljobs.example.org"
MAIL_FROM = "evaljobs digest <digest@evaljobs.example.org>"


def listing(
    source_id: str,
    title: str,
    company: str,
    *,
    source: str = "greenhouse",
    hourly: tuple[float, float] | None = None,
    pay_text: str | None = None,
    role_types: tuple[str, ...] = ("response-rating",),
    domains: tuple[str, ...] = ("general",),
    languages: tuple[str, ...] = (),
    verdict: str = "clean",
    relevant: bool = True,
    remote_scope: str = "worldwide",
    countries: tuple[str, ...] = (),
    description: str = "",
    evergreen: bool = False,
) -> dict[str, Any]:
    """A normalized, judged listing as the pipelines hand it to catalogue.store."""
    low, high = hourly if hourly else (None, None)
    return {
        "source": source,
        "source_id": source_id,
        "url": f"https://jobs.example.com/{source}/{source_id}",
        "apply_url": f"https://jobs.example.com/{source}/{source_id}/apply",
        "attribution": f"Posted on {company}'s {source} board",
        "title": title,
        "company": company,
        "employer_key": company.lower().replace(" ", "-"),
        "description": description or f"{title} at {company}. Review and rate AI model answers.",
        "location_raw": "Remote",
        "remote_scope": remote_scope,
        "countries": list(countries),
        "regions": [],
        "tags": [],
        "pay_text": pay_text or (f"${low:g} - ${high:g}/hr" if hourly else None),
        "pay_min": low,
        "pay_max": high,
        "pay_currency": "USD" if hourly else None,
        "pay_unit": "hour" if hourly else None,
        "pay_hourly_min": low,
        "pay_hourly_max": high,
        "employment_type": "contract",
        "posted_at": DAY1,
        "evergreen": evergreen,
        "fetched_at": DAY1,
        "judgement": {
            "relevant": relevant,
            "relevance_score": 0.9 if relevant else 0.1,
            "role_types": list(role_types) if relevant else [],
            "domains": list(domains) if relevant else [],
            "languages": list(languages),
            "red_flags": [{"flag": "pay-to-apply", "evidence": "A $25 training fee is required."}]
            if verdict == "flagged"
            else [],
            "verdict": verdict,
            "scam_score": 0.9 if verdict == "flagged" else 0.05,
            "model_version": "test",
        },
    }


def crawl(
    db_path: Path, source: str, listings: list[dict[str, Any]], at: str, *, status: str = "ok"
) -> None:
    """One healthy crawl of `source` at time `at` that saw exactly `listings`."""
    db = open_catalogue(db_path)
    run_id = store.start_run(db, source, started_at=at)
    counts = store.store_batch(db, run_id, listings, now=at)
    store.finish_run(db, run_id, status=status, counts=counts, finished_at=at)
    db.close()


# Day-one catalogue: real postings (data/labels/yukuairoy.jsonl, fixtures.jsonl).
AFTERQUERY = [
    listing(
        "aq-1",
        "Finance Expert (US/EU ONLY)",
        "AfterQuery",
        hourly=(30, 40),
        role_types=("prompt-evaluation", "rewriting", "domain-expert-review"),
        domains=("finance",),
    ),
    listing(
        "aq-2",
        "Corporate Development / M&A Analyst Expert",
        "AfterQuery",
        hourly=(40, 100),
        role_types=("rewriting", "domain-expert-review"),
        domains=("finance", "business"),
    ),
    listing(
        "aq-3",
        "Healthcare Analyst Expert",
        "AfterQuery",
        hourly=(35, 80),
        role_types=("rewriting", "domain-expert-review"),
        domains=("medicine", "business"),
    ),
    listing(
        "aq-4",
        "Data Analyst Expert",
        "AfterQuery",
        hourly=(35, 75),
        role_types=("rewriting", "domain-expert-review"),
        domains=("business",),
    ),
    listing(
        "aq-5",
        "eCommerce Expert (US/EU ONLY)",
        "AfterQuery",
        hourly=(25, 40),
        role_types=("prompt-evaluation", "rewriting", "domain-expert-review"),
        domains=("business",),
    ),
]
ALIGNERR = [
    listing(
        "al-1",
        "Generalist",
        "Alignerr",
        source="lever",
        hourly=(40, 120),
        role_types=("response-rating", "fact-checking"),
        domains=("general",),
    ),
]
SCAM = [
    listing(
        "sc-1",
        "AI Rater - Instant Pay, No Experience",
        "Rate Stars Ltd",
        source="lever",
        hourly=(90, 150),
        verdict="flagged",
    ),
]
NOT_RELEVANT = [
    listing("cu-1", "Software Engineer, DevEx", "Cursor", relevant=False),
]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=policy.default)  # type: ignore[return-value]


@dataclass
class CollectingHandler:
    """An aiosmtpd handler that keeps every message and answers chosen RCPTs with errors."""

    refuse: dict[str, str] = field(default_factory=dict)  # address -> "550 ..." / "450 ..."
    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001
        answer = self.refuse.get(address.lower())
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
        )
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
