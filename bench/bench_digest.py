"""Benchmark: daily digests for 10,000 subscriptions over a 100,000-listing catalogue.

Builds a catalogue in a temporary folder (in a child process, so this process's peak
memory is the digest's own): 100,000 listings first seen over 30 days, 3% of them on
the last day, from real titles and employers (data/labels/yukuairoy.jsonl); 10,000 saved
searches with mixed filters (role types, domains, languages, pay, countries, employers,
full-text queries). Day one's digest is run (every subscription's first digest), then a
second day's crawl (new listings, pay changes, closures) and day two's digest, each to
.eml files (default) or to an aiosmtpd server on loopback (--smtp). Prints subscriptions
per second and peak memory. Target: 10,000 subscriptions in under 60 s on one core.

    .venv/bin/python bench/bench_digest.py [--listings 100000] [--subscriptions 10000] [--smtp]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DAY = datetime(2026, 9, 15, 6, 0, tzinfo=UTC)
ROLE_TYPES = ["response-rating", "ab-comparison", "prompt-evaluation", "fact-checking",
              "annotation", "rewriting", "safety-review", "domain-expert-review"]  # fmt: skip
DOMAINS = ["general", "coding", "math", "science", "medicine", "law", "finance",
           "education", "writing", "language", "marketing", "business"]  # fmt: skip
LANGUAGES = ["de", "fr", "es", "ja", "pt", "it", "zh", "ko"]
COUNTRIES = ["US", "GB", "DE", "IN", "BR", "PH", "CA", "FR", "NG", "MX"]
QUERIES = [
    "python",
    "medical",
    "legal",
    "tutor",
    "math",
    "spanish",
    "finance expert",
    "rubric",
    "physics",
]
SOURCES = ["greenhouse", "lever", "ashby", "remotive", "remoteok", "himalayas"]


def iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def real_postings() -> list[tuple[str, str]]:
    out = []
    for name in ("yukuairoy.jsonl", "fixtures.jsonl", "benture.jsonl"):
        path = ROOT / "data" / "labels" / name
        if path.exists():
            for line in filter(None, path.read_text(encoding="utf-8").split("\n")):
                item = json.loads(line)
                if item.get("relevant") and item.get("title") and item.get("company"):
                    out.append((item["title"], item["company"]))
    return out or [("AI Trainer", "Example Co")]


def listing_dict(
    rng: random.Random, n: int, postings: list[tuple[str, str]], employers: list[str]
) -> dict:
    title, company = postings[n % len(postings)]
    company = employers[n % len(employers)] if n % 3 else company
    low = rng.choice([12, 15, 20, 25, 30, 40, 50, 60, 80])
    high = low + rng.choice([0, 5, 10, 20, 40])
    hourly = rng.random() < 0.7
    scope = rng.choice(["worldwide", "countries", "countries", "unknown", "regions"])
    countries = rng.sample(COUNTRIES, rng.randint(1, 3)) if scope == "countries" else []
    return {
        "source": SOURCES[n % len(SOURCES)],
        "source_id": str(n),
        "url": f"https://jobs.example.com/{n}",
        "apply_url": f"https://jobs.example.com/{n}/apply",
        "attribution": "bench",
        "title": f"{title} #{n % 97}",
        "company": company,
        "employer_key": company.lower().replace(" ", "-"),
        "description": f"{title} at {company}. "
        + " ".join(
            rng.choice(QUERIES + ["evaluate", "model", "answers", "remote", "flexible"])
            for _ in range(60)
        ),
        "location_raw": "Remote",
        "remote_scope": scope,
        "countries": countries,
        "regions": [],
        "tags": [],
        "pay_text": f"${low}-{high}/hr" if hourly else None,
        "pay_min": low if hourly else None,
        "pay_max": high if hourly else None,
        "pay_currency": "USD" if hourly else None,
        "pay_unit": "hour" if hourly else None,
        "pay_hourly_min": low if hourly else None,
        "pay_hourly_max": high if hourly else None,
        "employment_type": "contract",
        "evergreen": n % 50 == 0,
        "judgement": {
            "relevant": rng.random() < 0.85,
            "relevance_score": 0.8,
            "role_types": rng.sample(ROLE_TYPES, rng.randint(1, 3)),
            "domains": rng.sample(DOMAINS, rng.randint(1, 2)),
            "languages": [rng.choice(LANGUAGES)] if rng.random() < 0.15 else [],
            "verdict": rng.choices(["clean", "review", "flagged"], [85, 10, 5])[0],
            "scam_score": 0.1,
            "model_version": "bench",
            "red_flags": [],
        },
    }


def build(path: Path, listings: int, subscriptions: int, seed: int = 7) -> None:
    """Catalogue + subscriptions, written fast (bulk inserts of store.listing_row rows)."""
    from catalogue import digest as d
    from catalogue import store
    from catalogue.schema import open_catalogue

    rng = random.Random(seed)
    postings = real_postings()
    employers = sorted({c for _, c in postings})[:150] + [f"Vendor {i}" for i in range(50)]
    db = open_catalogue(path)
    db.conn.execute("PRAGMA synchronous = OFF")
    new_today = int(listings * 0.03)
    rows = []
    for n in range(listings):
        row = store.listing_row(listing_dict(rng, n, postings, employers))
        if n >= listings - new_today:
            seen = DAY - timedelta(hours=rng.uniform(1, 20))
        else:
            seen = DAY - timedelta(days=1, hours=rng.uniform(0, 29 * 24))
        row.update(first_seen=iso(seen), last_seen=iso(DAY - timedelta(hours=1)), closed_at=None,
                   group_id=row["id"], is_canonical=1, source_links="[]", last_run_id=None)  # fmt: skip
        if n >= listings - new_today and n % 20 == 1:
            # The same job seen on a second source: one group, one digest entry.
            row.update(group_id=f"{SOURCES[(n - 1) % len(SOURCES)]}:{n - 1}", is_canonical=0)
        rows.append(row)
        if len(rows) == 5000:
            with db.atomic():
                db["listings"].insert_all(rows)
            rows = []
    if rows:
        with db.atomic():
            db["listings"].insert_all(rows)
    created = iso(DAY - timedelta(days=2))
    with db.atomic():
        for i in range(subscriptions):
            pick = rng.random
            filters = d.Filters(
                role_types=tuple(rng.sample(ROLE_TYPES, rng.randint(1, 2))) if pick() < 0.5 else (),
                domains=tuple(rng.sample(DOMAINS, rng.randint(1, 2))) if pick() < 0.6 else (),
                languages=(rng.choice(LANGUAGES),) if pick() < 0.1 else (),
                min_hourly_pay=float(rng.choice([15, 20, 30, 40])) if pick() < 0.3 else None,
                countries=(rng.choice(COUNTRIES),) if pick() < 0.2 else (),
                employers=(rng.choice(employers),) if pick() < 0.05 else (),
                exclude_employers=(rng.choice(employers),) if pick() < 0.05 else (),
                query=rng.choice(QUERIES) if pick() < 0.1 else None,
                include_flagged=pick() < 0.05,
            )
            d.subscribe(db, f"seeker{i}@example.org", filters, now=created)
        # A steady-state day: every subscription had yesterday's digest.
        db.execute("update subscriptions set last_digest_at = ?", [iso(DAY - timedelta(days=1))])
    db.close()


def second_day(path: Path, listings: int, seed: int = 8) -> None:
    """Day two's crawl: 2% new listings, pay changes on 1,000 listings, 1,000 closures."""
    from catalogue import store
    from catalogue.schema import open_catalogue

    rng = random.Random(seed)
    db = open_catalogue(path)
    db.conn.execute("PRAGMA synchronous = OFF")
    now = DAY + timedelta(days=1)
    postings = real_postings()
    employers = sorted({c for _, c in postings})[:150]
    fresh = []
    for n in range(listings, listings + int(listings * 0.02)):
        row = store.listing_row(listing_dict(rng, n, postings, employers))
        row.update(first_seen=iso(now), last_seen=iso(now), closed_at=None, group_id=row["id"],
                   is_canonical=1, source_links="[]", last_run_id=None)  # fmt: skip
        fresh.append(row)
    recent = [
        r["id"]
        for r in db.query(
            "select id from listings where first_seen > ? and is_canonical = 1",
            [iso(DAY - timedelta(days=1))],
        )
    ]
    rng.shuffle(recent)
    with db.atomic():
        db["listings"].insert_all(fresh)
        for lid in recent[:1000]:
            old = db["listings"].get(lid)
            new_pay = (old["pay_hourly_max"] or 20) + 5
            db.execute(
                "update listings set pay_hourly_max = ?, pay_max = ? where id = ?",
                [new_pay, new_pay, lid],
            )
            db["listing_versions"].insert({
                "listing_id": lid, "seen_at": iso(now), "content_hash": "x",
                "changed": json.dumps(["pay_max", "pay_text"]),
                "before": json.dumps({"pay_max": old["pay_max"], "pay_text": old["pay_text"]}),
                "after": json.dumps({"pay_max": new_pay, "pay_text": f"up to ${new_pay}/hr"}),
            })  # fmt: skip
        marks = ", ".join("?" for _ in recent[1000:2000])
        db.execute(
            f"update listings set closed_at = ? where id in ({marks})",
            [iso(now), *recent[1000:2000]],
        )
    db.close()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_day(path: Path, out: Path, digest_date: str, smtp: int) -> tuple[object, float, float]:
    from catalogue.digest import run_digest
    from catalogue.schema import open_catalogue
    from evaljobs.mailer import EmlDirectoryMailer, SmtpConfig, SmtpMailer

    db = open_catalogue(path)
    if smtp:
        mailer = SmtpMailer(
            SmtpConfig("127.0.0.1", smtp, "none", None, None, "digest@bench.example")
        )
    else:
        mailer = EmlDirectoryMailer(out)
    began = time.perf_counter()
    cpu_began = time.process_time()
    with mailer:
        report = run_digest(
            db, mailer, base_url="https://evaljobs.example.org", mail_from="evaljobs <digest@bench.example>",
            digest_date=digest_date,
        )  # fmt: skip
    elapsed = time.perf_counter() - began
    cpu = time.process_time() - cpu_began
    db.close()
    return report, elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument(
        "--smtp", action="store_true", help="send to an aiosmtpd server on loopback"
    )
    parser.add_argument("--build", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--second-day", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        build(args.build, args.listings, args.subscriptions)
        return
    if args.second_day:
        second_day(args.second_day, args.listings)
        return
    with tempfile.TemporaryDirectory(prefix="bench-digest-") as tmp:
        path = Path(tmp) / "catalogue.db"
        began = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--build", str(path), "--listings", str(args.listings),
                        "--subscriptions", str(args.subscriptions)], check=True)  # fmt: skip
        print(
            f"catalogue: {args.listings:,} listings, {args.subscriptions:,} subscriptions, built in {time.perf_counter() - began:.1f} s"
        )
        controller = None
        port = 0
        if args.smtp:
            import socket

            from aiosmtpd.controller import Controller

            class Sink:
                count = 0

                async def handle_DATA(self, server, session, envelope):  # noqa: ANN001
                    Sink.count += 1
                    return "250 OK"

            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            controller = Controller(Sink(), hostname="127.0.0.1", port=port)
            controller.start()
        try:
            for label, date in (
                ("day 1 (new listings)", "2026-09-15"),
                ("day 2 (new, changed, closed)", "2026-09-16"),
            ):
                if date == "2026-09-16":
                    subprocess.run(
                        [
                            sys.executable,
                            __file__,
                            "--second-day",
                            str(path),
                            "--listings",
                            str(args.listings),
                        ],
                        check=True,
                    )
                report, elapsed, cpu = run_day(
                    path, Path(tmp) / "outbox", date, port if args.smtp else 0
                )
                rate = report.subscriptions / elapsed if elapsed else 0.0
                cpu_rate = report.subscriptions / cpu if cpu else 0.0
                # CPU time is the one-core figure: on a shared machine wall time also counts waiting.
                print(
                    f"{label}: {report.subscriptions:,} subscriptions in {elapsed:.1f} s wall = {rate:,.0f}/s, "
                    f"{cpu:.1f} s CPU = {cpu_rate:,.0f} subscriptions/s on one core; "
                    f"{report.sent:,} messages, {report.listings:,} listings sent, {report.empty:,} with nothing new; "
                    f"peak memory {peak_mb():.0f} MB"
                )
        finally:
            if controller is not None:
                controller.stop()


if __name__ == "__main__":
    main()
