"""Ashby: the public job posting API of every registry employer on Ashby, with pay.

One request per board (`/posting-api/job-board/{board}?includeCompensation=true` answers the
whole board; there is no paging, so a big board is one big response). An unknown board
answers 404 with a plain-text body: counted under `evaljobs/unknown_boards` and logged.
Pay comes from the compensation Ashby computes for the board: the salary component of its
summary (or, failing that, of the first tier), with the interval ("1 YEAR", "1 HOUR")
naming the unit; equity and bonus components are not pay per period and are left in the
pay text only. Pay is taken only where the employer chose to show it on the posting.
Remote eligibility uses `workplaceType` (OnSite / Hybrid / Remote) and `isRemote`; the
primary and secondary locations give the location text and the countries named.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scrapy.http import Response

from crawler.items import JobListing
from crawler.spiders.base import BoardSpider

_PAY_TYPES = ("Salary", "Hourly")  # components that are pay per period (not equity/bonus)


class AshbySpider(BoardSpider):
    name = "ashby"
    default_base_url = "https://api.ashbyhq.com/posting-api/job-board"
    attribution = "Posted on the employer's Ashby job board"

    def board_url(self, board: str) -> str:
        return f"{self.base_url}/{board}?includeCompensation=true"

    def parse(self, response: Response, board: str | None = None) -> Iterator[JobListing]:
        board = board or board_from_url(response.url)
        data = self.board_json(response, board)
        if data is None:
            return
        if not isinstance(data, dict) or not isinstance(data.get("jobs"), list):
            self.parse_failed(response, "no 'jobs' list in the answer")
            return
        if not data["jobs"]:
            self.empty_board(response, board)
        for job in data["jobs"]:
            listing = self.listing_from_job(job, board, response)
            if listing is not None:
                yield listing

    def listing_from_job(
        self, job: Any, board: str | None, response: Response
    ) -> JobListing | None:
        if not self.well_formed(job, "id", "title", "malformed_job", response):
            return None
        if job.get("isListed") is False:
            # Unlisted jobs are reachable by link only; the employer does not advertise them.
            self.skip("unlisted_job", str(job.get("id")), response)
            return None
        secondary = [s for s in job.get("secondaryLocations") or [] if isinstance(s, dict)]
        locations = [str(job["location"]).strip()] if job.get("location") else []
        locations += [str(s["location"]).strip() for s in secondary if s.get("location")]
        countries = _countries([job.get("address"), *(s.get("address") for s in secondary)])
        pay = (
            pay_from_compensation(job)
            if job.get("shouldDisplayCompensationOnJobPostings") is not False
            else {}
        )
        html = job.get("descriptionHtml")
        return self.make_listing(
            source_id=str(job["id"]),
            board=board,
            url=job.get("jobUrl"),
            apply_url=job.get("applyUrl"),
            title=str(job["title"]).strip(),
            company=board,
            description_html=html or None,
            description=None if html else job.get("descriptionPlain"),
            location_raw="; ".join(dict.fromkeys(locations)) or None,
            countries_raw=countries or None,
            remote_raw=_remote(job),
            employment_type=_employment_type(job.get("employmentType")),
            posted_raw=job.get("publishedAt"),
            tags=list(dict.fromkeys(t for t in (job.get("department"), job.get("team")) if t)),
            **pay,
        )

    @classmethod
    def capture_url(cls, path: Any) -> str:
        board = Path(str(path)).name.split("-")[0]
        return f"{cls.default_base_url}/{board}?includeCompensation=true"


def pay_from_compensation(job: dict[str, Any]) -> dict[str, Any]:
    """Pay fields from Ashby's `compensation` object: the salary component, its interval."""
    compensation = job.get("compensation")
    if not isinstance(compensation, dict):
        return {}
    components = [c for c in compensation.get("summaryComponents") or [] if isinstance(c, dict)]
    if not any(c.get("compensationType") in _PAY_TYPES for c in components):
        tiers = [t for t in compensation.get("compensationTiers") or [] if isinstance(t, dict)]
        components = (
            [c for c in (tiers[0].get("components") or []) if isinstance(c, dict)] if tiers else []
        )
    salary = next((c for c in components if c.get("compensationType") in _PAY_TYPES), None)
    # The salary-only summary first: the tier summary also carries equity ("• 0.1% – 0.3%").
    text = compensation.get("scrapeableCompensationSalarySummary") or compensation.get(
        "compensationTierSummary"
    )
    if salary is None:
        return {"pay_text": text} if text else {}
    return {
        "pay_text": text,
        "pay_min_raw": salary.get("minValue"),
        "pay_max_raw": salary.get("maxValue"),
        "pay_currency_raw": salary.get("currencyCode"),
        "pay_unit_raw": salary.get("interval"),
    }


def _remote(job: dict[str, Any]) -> Any:
    # workplaceType is the finer answer (Hybrid is also isRemote=true); isRemote otherwise.
    if job.get("workplaceType"):
        return str(job["workplaceType"])
    return job.get("isRemote") if isinstance(job.get("isRemote"), bool) else None


def _countries(addresses: list[Any]) -> list[str]:
    found: list[str] = []
    for address in addresses:
        postal = address.get("postalAddress") if isinstance(address, dict) else None
        country = postal.get("addressCountry") if isinstance(postal, dict) else None
        if country and str(country).strip() not in found:
            found.append(str(country).strip())
    return found


def _employment_type(value: Any) -> str | None:
    # "FullTime" -> "Full Time", as a person would write it.
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", str(value)) if value else None


def board_from_url(url: str) -> str | None:
    match = re.search(r"/job-board/([^/?#]+)", url)
    return match.group(1) if match else None
