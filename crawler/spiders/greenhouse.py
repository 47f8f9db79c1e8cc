"""Greenhouse: the public job-board API of every registry employer on Greenhouse.

One request per board (`/v1/boards/{token}/jobs?content=true` returns the whole board with
entity-escaped HTML content). A 404 means the registry's board token is wrong: counted as
`evaljobs/unknown_boards` and logged so the entry can be fixed, without failing the run.
Metadata of type ``user`` (recruiters' names and e-mails) is never kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.items import JobListing
from crawler.spiders.base import SourceSpider

_PAY_DIV = re.compile(r"content-pay-transparency.*?(?:</div>\s*){2}", re.S | re.I)


class GreenhouseSpider(SourceSpider):
    name = "greenhouse"
    default_base_url = "https://boards-api.greenhouse.io/v1/boards"
    attribution = "Posted on the employer's Greenhouse job board"
    handle_httpstatus_list = [404]

    def __init__(self, *args: Any, boards: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.board_tokens = [b.strip() for b in boards.split(",") if b.strip()] if boards else None

    def start_requests(self) -> Iterator[scrapy.Request]:
        for token in self.board_tokens or board_tokens(self.name, self.settings):
            yield scrapy.Request(
                f"{self.base_url}/{token}/jobs?content=true",
                callback=self.parse,
                errback=self.on_request_error,
                cb_kwargs={"board": token},
            )

    def parse(self, response: Response, board: str | None = None) -> Iterator[JobListing]:
        if response.status == 404:
            self.unknown_board(response, board)
            return
        data = self.load_json(response)
        if data is None:
            return
        board = board or _board_from_url(response.url)
        if isinstance(data, dict) and isinstance(data.get("jobs"), list):
            jobs = data["jobs"]
            total = (data.get("meta") or {}).get("total")
            if isinstance(total, int) and total > len(jobs):
                self.mark_partial(f"board {board} declared {total} jobs, returned {len(jobs)}")
        elif isinstance(data, dict) and "id" in data and "title" in data:
            jobs = [data]  # the single-job endpoint
        else:
            self.parse_failed(response, "no 'jobs' list in the answer")
            return
        for job in jobs:
            listing = self.listing_from_job(job, board, response)
            if listing is not None:
                yield listing

    def listing_from_job(
        self, job: Any, board: str | None, response: Response
    ) -> JobListing | None:
        if not isinstance(job, dict) or not job.get("id") or not job.get("title"):
            self.skip("malformed_job", str(job)[:80], response)
            return None
        metadata = {
            str(m.get("name")): m.get("value")
            for m in job.get("metadata") or []
            if isinstance(m, dict)
            and m.get("value_type") != "user"
            and m.get("value") not in (None, "", [])
        }
        content = job.get("content") or ""
        pay = _pay_from_ranges(job.get("pay_input_ranges"))
        return self.make_listing(
            source_id=str(job["id"]),
            board=board,
            url=job.get("absolute_url"),
            title=str(job.get("title")).strip(),
            company=job.get("company_name") or board,
            description_html=content,
            location_raw=(job.get("location") or {}).get("name"),
            remote_raw=_text(metadata.get("Location Type") or metadata.get("Workplace Type")),
            posted_raw=job.get("first_published") or job.get("updated_at"),
            valid_through_raw=job.get("application_deadline"),
            employment_type=_text(metadata.get("Employment Type")),
            tags=[
                d.get("name")
                for d in job.get("departments") or []
                if isinstance(d, dict) and d.get("name")
            ],
            **pay,
        )

    def unknown_board(self, response: Response, board: str | None) -> None:
        self.logger.warning(
            "[greenhouse] board %r not found (404) at %s: fix crawler/employers.yaml",
            board,
            response.url,
        )
        self._inc("evaljobs/unknown_boards")
        self._inc(f"evaljobs/unknown_boards/{board}")


def _pay_from_ranges(ranges: Any) -> dict[str, Any]:
    if not isinstance(ranges, list) or not ranges or not isinstance(ranges[0], dict):
        return {}
    first = ranges[0]
    low, high = first.get("min_cents"), first.get("max_cents")
    return {
        "pay_min_raw": low / 100 if isinstance(low, int | float) else None,
        "pay_max_raw": high / 100 if isinstance(high, int | float) else None,
        "pay_currency_raw": first.get("currency_type"),
        "pay_text": first.get("title") or None,
    }


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _board_from_url(url: str) -> str | None:
    match = re.search(r"/boards/([^/?#]+)", url)
    return match.group(1) if match else None


def board_tokens(ats: str, settings: Any) -> list[str]:
    """Board tokens of the registry employers on `ats` (fixture-only boards when asked)."""
    from crawler.registry import boards_for, load_registry

    include = bool(settings.getbool("EVALJOBS_INCLUDE_FIXTURE_BOARDS")) if settings else False
    return [token for _key, token in boards_for(ats, load_registry(), include_fixture_only=include)]
