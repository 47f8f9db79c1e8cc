"""Workable: the public widget API of every registry employer on Workable.

One request per account (`/api/v1/widget/accounts/{slug}?details=true` answers the
account's name and every published job with its HTML description; there is no paging).
An unknown account answers 404: counted under `evaljobs/unknown_boards` and logged. A job's
identity is its `shortcode` (the `/j/{shortcode}` link); `telecommuting` is Workable's
remote flag; locations marked `hidden` are not shown on the job page, so they are not used
for the location text (the job's own country still is). The account-metadata answer
(`/api/v1/accounts/{slug}`) holds no jobs: `evaljobs parse` accepts it and yields nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scrapy.http import Response

from crawler.items import JobListing
from crawler.spiders.base import BoardSpider


class WorkableSpider(BoardSpider):
    name = "workable"
    default_base_url = "https://apply.workable.com/api/v1/widget/accounts"
    attribution = "Posted on the employer's Workable job board"

    def board_url(self, board: str) -> str:
        return f"{self.base_url}/{board}?details=true"

    def parse(self, response: Response, board: str | None = None) -> Iterator[JobListing]:
        board = board or board_from_url(response.url)
        data = self.board_json(response, board)
        if data is None:
            return
        if isinstance(data, dict) and isinstance(data.get("jobs"), list):
            if not data["jobs"]:
                self.empty_board(response, board)
            company = data.get("name") or board
            for job in data["jobs"]:
                listing = self.listing_from_job(job, board, company, response)
                if listing is not None:
                    yield listing
        elif isinstance(data, dict) and "subdomain" in data:
            return  # account metadata (no jobs): nothing to list
        else:
            self.parse_failed(response, "no 'jobs' list in the answer")

    def listing_from_job(
        self, job: Any, board: str | None, company: str | None, response: Response
    ) -> JobListing | None:
        if not self.well_formed(job, "shortcode", "title", "malformed_job", response):
            return None
        shown = [
            loc
            for loc in job.get("locations") or []
            if isinstance(loc, dict) and not loc.get("hidden")
        ]
        if shown:
            location = "; ".join(
                _place(loc.get("city"), loc.get("region"), loc.get("country")) for loc in shown
            )
            countries = list(
                dict.fromkeys(loc.get("countryCode") or loc.get("country") for loc in shown)
            )
        else:
            location = job.get("country") or None
            countries = [job["country"]] if job.get("country") else []
        return self.make_listing(
            source_id=str(job["shortcode"]),
            board=board,
            url=job.get("url") or job.get("shortlink"),
            apply_url=job.get("application_url"),
            title=str(job["title"]).strip(),
            company=company,
            description_html=job.get("description") or None,
            location_raw=location or None,
            countries_raw=[c for c in countries if c] or None,
            remote_raw=job.get("telecommuting")
            if isinstance(job.get("telecommuting"), bool)
            else None,
            employment_type=job.get("employment_type") or None,
            posted_raw=job.get("published_on") or job.get("created_at"),
            tags=[t for t in (job.get("department"), job.get("function")) if t],
        )

    @classmethod
    def capture_url(cls, path: Any) -> str:
        name = Path(str(path)).name
        account = name.split("-")[0]
        if "-widget-" in name:
            return f"{cls.default_base_url}/{account}?details=true"
        return f"https://apply.workable.com/api/v1/accounts/{account}"


def _place(*parts: Any) -> str:
    return ", ".join(dict.fromkeys(str(p).strip() for p in parts if p and str(p).strip()))


def board_from_url(url: str) -> str | None:
    match = re.search(r"/accounts/([^/?#]+)", url)
    return match.group(1) if match else None
