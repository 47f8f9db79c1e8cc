"""Greenhouse: the public job-board API of every registry employer on Greenhouse.

One request per board (`/v1/boards/{token}/jobs?content=true` returns the whole board with
entity-escaped HTML content); boards, request budget and unknown (404) boards are handled
by `BoardSpider`, like every ATS spider.
Metadata of type ``user`` (recruiters' names and e-mails) is never kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from crawler.items import JobListing
from crawler.spiders.base import BoardSpider


class GreenhouseSpider(BoardSpider):
    name = "greenhouse"
    default_base_url = "https://boards-api.greenhouse.io/v1/boards"
    attribution = "Posted on the employer's Greenhouse job board"

    def board_url(self, board: str) -> str:
        return f"{self.base_url}/{board}/jobs?content=true"

    def parse(self, response: Response, board: str | None = None) -> Iterator[JobListing]:
        board = board or _board_from_url(response.url)
        data = self.board_json(response, board)
        if data is None:
            return
        if isinstance(data, dict) and isinstance(data.get("jobs"), list):
            jobs = data["jobs"]
            total = (data.get("meta") or {}).get("total")
            if isinstance(total, int) and total > len(jobs):
                self.mark_partial(f"board {board} declared {total} jobs, returned {len(jobs)}")
            if not jobs:
                self.empty_board(response, board)
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
        if not self.well_formed(job, "id", "title", "malformed_job", response):
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
