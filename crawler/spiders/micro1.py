"""micro1 (jobs.micro1.ai): the job-board sitemap, then each ``/post/{uuid}`` page.

micro1 publishes no API and no terms (a design note reports robots.txt allowing all). The
sitemap lists every post; a post page is a Next.js app-router page whose server HTML is a
loading skeleton — everything is in the RSC flight: the native job record (``data`` with
``client_job_id``, ``job_role_name``, ``ideal_hourly_rate``…, ``job_description`` as a
reference to an HTML text row) and a schema.org JobPosting as a text row (eligible
countries, dates). The keyword POST API the site itself calls is not used, nor ever the
referral-scoped endpoint.

Verified by real captures: the sitemap (trimmed upstream to 3 posts) and a post page
(byte-verified). Not verified: a sitemap index (handled as nested sitemaps), binary flight
chunks (decoded, never seen).

Pay: the record's ``ideal_hourly_rate`` is an hourly figure, but a post may say
"Compensation is output-based; experts are paid per task". Such a post keeps pay per task
with no amount, and the hourly figure only in the pay text — never as an hourly rate.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.items import JobListing
from crawler.jsonld import find_job_postings, job_posting_fields
from crawler.nextdata import NextDataError, read_flight
from crawler.platform import (
    PlatformQueue,
    PlatformSpiderMixin,
    amount_text,
    assessment_statement,
    evergreen_evidence,
    looks_like_sitemap,
    per_task_statement,
)
from crawler.spiders.base import SourceSpider

_POST_ID = re.compile(r"/post/([0-9a-fA-F-]{36})")
_PLATFORM_NAMES = {"micro1"}


class Micro1Spider(PlatformSpiderMixin, SourceSpider):
    name = "micro1"
    default_base_url = "https://jobs.micro1.ai"
    attribution = "Listed on micro1"
    handle_httpstatus_list = [401, 403, 404, 410]
    sitemap_hosts = ("jobs.micro1.ai",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = PlatformQueue()
        self.sitemap_ids: list[str] | None = None
        self.read_ids: set[str] = set()  # posts answered (a listing, a skip or "gone")

    # ------------------------------------------------------------ requests

    def start_requests(self) -> Iterator[scrapy.Request]:
        yield from self.start_queue(
            [self.queue_request(f"{self.base_url}/sitemap.xml", self.parse_sitemap)]
        )

    @classmethod
    def capture_url(cls, path: Any) -> str:
        name = str(getattr(path, "name", path))
        match = re.search(r"([0-9a-f]{8})-", name)
        if name.endswith(".xml"):
            return f"{cls.default_base_url}/sitemap.xml"
        return f"{cls.default_base_url}/post/{match.group(1) if match else 'unknown'}"

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        """Dispatch on what the response is: sitemap or post page."""
        if looks_like_sitemap(response.body):
            yield from self.parse_sitemap(response)
        else:
            yield from self.parse_post(response)

    # ------------------------------------------------------------ sitemap

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        locs = self.sitemap_locs(response)
        if locs is None:
            yield from self.continue_queue()
            return
        ids = list(dict.fromkeys(m.group(1).lower() for m in map(_POST_ID.search, locs) if m))
        self.sitemap_ids = (self.sitemap_ids or []) + [
            i for i in ids if i not in (self.sitemap_ids or [])
        ]
        self.queue.add(
            self.queue_request(f"{self.base_url}/post/{post_id}", self.parse_post)
            for post_id in ids
        )
        yield from self.continue_queue()

    # ------------------------------------------------------------ post page

    def parse_post(self, response: Response) -> Iterator[Any]:
        if self.check_block(response):
            yield from self.continue_queue()
            return
        match = _POST_ID.search(response.url)
        if response.status in (404, 410):
            if match:
                self.read_ids.add(match.group(1).lower())
            self.skip("gone", f"HTTP {response.status}", response)
            yield from self.continue_queue()
            return
        listing = self.listing_from_post(response)
        if listing is not None:
            self.read_ids.add(listing["source_id"].lower())
        if match:
            # Counted as read even when skipped on purpose (closed post); a parse failure
            # has already marked the run partial.
            self.read_ids.add(match.group(1).lower())
        if listing is not None:
            yield listing
        yield from self.continue_queue()

    def listing_from_post(self, response: Response) -> JobListing | None:
        try:
            flight = read_flight(response.text)
        except NextDataError as error:
            self.parse_failed(response, f"post page: {error}")
            return None
        holders = flight.objects(
            lambda o: isinstance(o.get("data"), dict) and "client_job_id" in o["data"]
        )
        if not holders:
            self.parse_failed(
                response, "post page: no job record (data.client_job_id) in the flight"
            )
            return None
        record: dict[str, Any] = holders[0]["data"]
        postings = [p for doc in flight.json_in_text_rows() for p in find_job_postings(doc)]
        posting = job_posting_fields(postings[0]) if postings else {}
        job_id = str(record.get("client_job_id") or "").strip()
        title = _text(record.get("job_role_name")) or posting.get("title")
        if not job_id or not title:
            self.parse_failed(
                response, "post page: job record without client_job_id or job_role_name"
            )
            return None
        status = _text(record.get("job_status"))
        if status and status.lower() != "open":
            self.skip("not_open", f"{job_id} job_status={status}", response)
            return None
        description_html = record.get("job_description")
        if not isinstance(description_html, str) or re.fullmatch(
            r"\$[0-9a-fA-F]+", description_html or ""
        ):
            # The reference did not resolve: fall back to the JobPosting's copy of the text.
            description_html = posting.get("description_html")
        assessment = assessment_statement(description_html)
        client = _text((record.get("client_details") or {}).get("client_name"))
        return self.make_listing(
            source_id=job_id,
            board="sitemap",
            url=f"{self.default_base_url}/post/{job_id}",
            title=title,
            company="micro1",
            client=client if client and client.lower() not in _PLATFORM_NAMES else None,
            description_html=description_html,
            location_raw=_text(record.get("location_name")) or posting.get("location_raw"),
            countries_raw=posting.get("countries_raw"),
            remote_raw=_text(record.get("location_type")) or posting.get("remote_raw"),
            employment_type=posting.get("employment_type"),
            posted_raw=posting.get("posted_raw") or record.get("create_datetime"),
            valid_through_raw=posting.get("valid_through_raw"),
            tags=[
                t
                for t in [_text(record.get("domain_slug")), *(_texts(record.get("job_tags")))]
                if t
            ],
            evergreen=evergreen_evidence(title=title, text=description_html) is not None,
            assessment=assessment[0] if assessment else None,
            **micro1_pay(record, description_html),
        )

    # ------------------------------------------------------------ completeness

    def finish(self) -> Iterator[Any]:
        if self.sitemap_ids is not None:
            unread = [i for i in self.sitemap_ids if i not in self.read_ids]
            self.declared_unread("sitemap posts", len(self.sitemap_ids), len(unread))
        return iter(())


# ---------------------------------------------------------------- pure helpers


def micro1_pay(record: dict[str, Any], description: str | None) -> dict[str, Any]:
    """Pay fields of a micro1 record: its own pay field and unit, or per task when the post says so.

    micro1 states no currency in the record, so none is set.
    """
    hourly = (
        record.get("ideal_hourly_rate") if isinstance(record.get("ideal_hourly_rate"), dict) else {}
    )
    hourly_amount = amount_text(hourly.get("min"), hourly.get("max"))
    per_task = per_task_statement(description)
    if per_task:
        # The post says pay is per task: no amount is stated per task, so none is set; the
        # record's hourly figure stays visible in the text, never as an hourly rate.
        note = (
            f" micro1's job data also gives an ideal hourly rate of {hourly_amount}."
            if hourly_amount
            else ""
        )
        return {"pay_unit_raw": "per task", "pay_text": f"{per_task}{note}"}
    if hourly_amount:
        return {
            "pay_min_raw": hourly.get("min"),
            "pay_max_raw": hourly.get("max"),
            "pay_unit_raw": "hourly",
        }
    low, high = record.get("ideal_monthly_salary_min"), record.get("ideal_monthly_salary_max")
    if amount_text(low, high):
        return {"pay_min_raw": low, "pay_max_raw": high, "pay_unit_raw": "monthly"}
    yearly = record.get("ideal_yearly_compensation")
    if isinstance(yearly, dict) and amount_text(yearly.get("min"), yearly.get("max")):
        return {
            "pay_min_raw": yearly.get("min"),
            "pay_max_raw": yearly.get("max"),
            "pay_unit_raw": "yearly",
        }
    return {}


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list | bool):
        return None
    text = str(value).strip()
    return text or None


def _texts(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [t for t in (_text(v if not isinstance(v, dict) else v.get("name")) for v in value) if t]
