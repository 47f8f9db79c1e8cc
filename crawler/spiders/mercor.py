"""Mercor (work.mercor.com): the explore index, the sitemap, and job pages for the rest.

Mercor publishes no API and no terms; its robots.txt (as one research script reports)
allows ``/jobs/`` and disallows ``/api/``, so this spider reads only work.mercor.com pages:
the explore page (``/explore``, every public listing record in its ``__NEXT_DATA__``
React Query cache), the sitemap (``/sitemap.xml``, which lists listings the explore page
does not, and vice versa) and, for sitemap listings missing from the index, the job page
(``/jobs/{listingId}``: ``pageProps.role`` plus a schema.org JobPosting). The
aws.api.mercor.com JSON endpoint other crawlers call is a different origin with unknown
robots status and is not used.

Verified by a real capture: the job page (tests/fixtures/mercor). NOT verified by any
capture: the explore page's cache shape (``dehydratedState.queries[*].state.data.listings``
per CONTRACTOR-PLATFORMS.md §1) and the sitemap (a plain ``<urlset>`` of ``/jobs/list_…``
URLs per a third-party crawler) — both are read defensively and a new shape is a counted
parse failure, never an empty catalogue.

What a listing keeps: pay from ``rateMin``/``rateMax`` with ``payRateFrequency`` as its
unit (never the JSON-LD ``unitText``, which says HOUR on per-task listings); eligibility
only from the record's ISO-3 country arrays (the JSON-LD says "US" on listings open
everywhere); the client where the record names one and shows its brand; ``listingType:
evergreen`` and explicit pool wording as evergreen.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.items import JobListing
from crawler.jsonld import extract_job_postings, find_job_postings, job_posting_fields
from crawler.nextdata import NextDataError, dehydrated_query_data, page_props, read_next_data
from crawler.platform import (
    PlatformQueue,
    PlatformSpiderMixin,
    amount_text,
    assessment_statement,
    evergreen_evidence,
    looks_like_sitemap,
    markdown_to_text,
    platform_pay_unit,
)
from crawler.spiders.base import SourceSpider

_LISTING_ID = re.compile(r"/jobs/(list_[A-Za-z0-9_-]+)")
_PAY_WORDS = {
    "hourly": "per hour",
    "per-task": "per task",
    "one-time": "one-time",
    "yearly": "per year",
}
_HOSTS = ("work.mercor.com",)
# Mercor's own name in hiringOrganization / companyName when no client is shown.
_PLATFORM_NAMES = {"mercor", "mercor.com"}


class MercorSpider(PlatformSpiderMixin, SourceSpider):
    name = "mercor"
    default_base_url = "https://work.mercor.com"
    attribution = "Listed on Mercor"
    # 401/403 reach the callback so a block is seen as one; 404/410 mean a listing is gone.
    handle_httpstatus_list = [401, 403, 404, 410]
    sitemap_hosts = _HOSTS

    def __init__(self, *args: Any, jobs: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # `-a jobs=id1,id2` reads just those job pages (one-off checks, the offline demo).
        self.job_ids = [j.strip() for j in jobs.split(",") if j.strip()] if jobs else []
        self.queue = PlatformQueue()
        self.index_ids: set[str] = set()  # listings read from the explore page
        self.page_ids: set[str] = set()  # listings read from job pages
        self.sitemap_ids: set[str] | None = None  # None until the sitemap was read

    # ------------------------------------------------------------ requests

    def start_requests(self) -> Iterator[scrapy.Request]:
        if self.job_ids:
            # Named pages only: the run cannot know what else is open, so it closes nothing.
            self.mark_partial("only the job pages named by -a jobs were read")
            yield from self.start_queue(
                self.queue_request(f"{self.base_url}/jobs/{job_id}", self.parse_job)
                for job_id in self.job_ids
            )
            return
        yield from self.start_queue(
            [
                self.queue_request(f"{self.base_url}/explore", self.parse_explore),
                self.queue_request(f"{self.base_url}/sitemap.xml", self.parse_sitemap),
            ]
        )

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        """Dispatch on what the response is: sitemap, job page or explore page."""
        if looks_like_sitemap(response.body):
            yield from self.parse_sitemap(response)
        elif _LISTING_ID.search(response.url) or b'"page":"/jobs/' in response.body:
            yield from self.parse_job(response)
        else:
            yield from self.parse_explore(response)

    @classmethod
    def capture_url(cls, path: Any) -> str:
        """The URL a recorded Mercor response answered, from its file name."""
        name = str(getattr(path, "name", path))
        match = re.search(r"(list_[A-Za-z0-9]+)", name)
        if match:
            return f"{cls.default_base_url}/jobs/{match.group(1)}"
        if name.endswith(".xml"):
            return f"{cls.default_base_url}/sitemap.xml"
        return f"{cls.default_base_url}/explore"

    # ------------------------------------------------------------ explore page (index)

    def parse_explore(self, response: Response) -> Iterator[Any]:
        if self.check_block(response):
            yield from self.continue_queue()
            return
        records = self._index_records(response)
        if records is not None:
            for record in records:
                listing = self.listing_from_record(record, response, route="explore")
                if listing is not None:
                    self.index_ids.add(listing["source_id"])
                    yield listing
        yield from self.continue_queue()

    def _index_records(self, response: Response) -> list[Any] | None:
        try:
            pp = page_props(read_next_data(response.text))
        except NextDataError as error:
            self.parse_failed(response, f"explore page: {error}")
            return None
        for _key, data in dehydrated_query_data(pp):
            if isinstance(data, dict) and isinstance(data.get("listings"), list):
                return data["listings"]
        self.parse_failed(response, "explore page: no React Query entry with a 'listings' list")
        return None

    # ------------------------------------------------------------ sitemap

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        locs = self.sitemap_locs(response)
        if locs is None:
            yield from self.continue_queue()
            return
        # Sitemap order is kept: the budget, if it runs out, runs out at the same place each run.
        found = list(dict.fromkeys(m.group(1) for m in map(_LISTING_ID.search, locs) if m))
        self.sitemap_ids = (self.sitemap_ids or set()) | set(found)
        missing = [lid for lid in found if lid not in self.index_ids]
        self.queue.add(
            self.queue_request(f"{self.base_url}/jobs/{lid}", self.parse_job) for lid in missing
        )
        yield from self.continue_queue()

    # ------------------------------------------------------------ job page

    def parse_job(self, response: Response) -> Iterator[Any]:
        if self.check_block(response):
            yield from self.continue_queue()
            return
        if response.status in (404, 410):
            match = _LISTING_ID.search(response.url)
            if match:
                self.page_ids.add(match.group(1))  # asked and answered: the listing is gone
            self.skip("gone", f"HTTP {response.status}", response)
            yield from self.continue_queue()
            return
        listing = self._listing_from_page(response)
        if listing is not None:
            yield listing
        yield from self.continue_queue()

    def _listing_from_page(self, response: Response) -> JobListing | None:
        try:
            pp = page_props(read_next_data(response.text))
        except NextDataError as error:
            self.parse_failed(response, f"job page: {error}")
            return None
        role = pp.get("role")
        if not isinstance(role, dict) or not role.get("listingId") or not role.get("title"):
            self.parse_failed(
                response, "job page: pageProps.role is missing or has no listingId/title"
            )
            return None
        self.page_ids.add(str(role["listingId"]))
        structured = pp.get("structuredData")
        postings = find_job_postings(structured) if structured else []
        posting = postings[0] if postings else None
        if posting is None:
            found = extract_job_postings(response.text)
            posting = found[0] if found else None
        # Only the JobPosting's dates and currency are used: its country ("US" on listings
        # open everywhere) and unit ("HOUR" on per-task listings) are not to be trusted.
        fields = job_posting_fields(posting) if posting else {}
        return self.listing_from_record(role, response, route="job-page", posting=fields)

    # ------------------------------------------------------------ one record

    def listing_from_record(
        self, record: Any, response: Response, *, route: str, posting: dict[str, Any] | None = None
    ) -> JobListing | None:
        """A listing from one Mercor record; `posting` is the page's JobPosting as
        crawler.jsonld.job_posting_fields gives it (job pages only)."""
        if not isinstance(record, dict) or not record.get("listingId") or not record.get("title"):
            self.skip("malformed_listing", str(record)[:80], response)
            return None
        if (
            record.get("status") not in (None, "active")
            or record.get("deletedAt")
            or record.get("isPrivate")
        ):
            self.skip("not_public", str(record.get("listingId")), response)
            return None
        listing_id = str(record["listingId"])
        description = markdown_to_text(record.get("description"))
        title = str(record["title"]).strip()
        assessment = assessment_statement(description)
        return self.make_listing(
            source_id=listing_id,
            board=route,
            url=f"{self.default_base_url}/jobs/{listing_id}",
            title=title,
            company="Mercor",
            client=_client(record),
            description=description,
            location_raw=_text(record.get("location")),
            countries_raw=eligible_countries(record),
            remote_raw=_text(record.get("workArrangement")),
            employment_type=_commitment_as_employment(record.get("commitment")),
            posted_raw=record.get("postedAt") or record.get("createdAt"),
            valid_through_raw=(posting or {}).get("valid_through_raw"),
            tags=[t for t in (_text(record.get("listingDomain")),) if t],
            evergreen=evergreen_evidence(
                listing_type=record.get("listingType"), title=title, text=description
            )
            is not None,
            assessment=assessment[0] if assessment else None,
            **self._pay(record, posting, response),
        )

    def _pay(
        self, record: dict[str, Any], posting: dict[str, Any] | None, response: Response
    ) -> dict[str, Any]:
        low, high = record.get("rateMin"), record.get("rateMax")
        if low is None and high is None:
            low = high = record.get("hourlyPayRate")
        amount = amount_text(low, high)
        if amount is None:
            return {}
        frequency = record.get("payRateFrequency")
        known, _unit = platform_pay_unit(self.name, frequency)
        if frequency is not None and not known:
            # A new word: keep it raw (normalization leaves the unit unknown) and count it.
            self.skip("unknown_pay_unit", str(frequency), response)
        # Pay is in USD: the index has no currency field, and every job page's JobPosting
        # states baseSalary.currency USD; a page that says otherwise wins.
        currency = _currency((posting or {}).get("pay_currency_raw")) or "USD"
        words = _PAY_WORDS.get(str(frequency), str(frequency or "").strip())
        return {
            "pay_min_raw": low,
            "pay_max_raw": high if high is not None else low,
            "pay_currency_raw": currency,
            "pay_unit_raw": frequency,
            "pay_text": f"{'$' if currency == 'USD' else currency + ' '}{amount} {words}".strip(),
        }

    # ------------------------------------------------------------ completeness

    def finish(self) -> Iterator[Any]:
        """Sitemap listings neither in the index nor read from their page: the run is partial."""
        if self.sitemap_ids is None:
            return iter(())
        unread = self.sitemap_ids - self.index_ids - self.page_ids
        self.declared_unread("sitemap listings", len(self.sitemap_ids), len(unread))
        return iter(())


# ---------------------------------------------------------------- pure helpers


def eligible_countries(record: dict[str, Any]) -> list[str] | None:
    """ISO-3 codes a Mercor record allows, or None when it states no allow-list.

    ``eligibleLocation`` (where one is) and ``eligibleResidenceLocation`` (where one lives)
    both restrict: with both stated, a worker must meet both (their intersection). The
    ineligible lists are taken out of an allow-list; an "everywhere except …" listing has
    no allow-list, so it gives None rather than a wrong list (the JobListing has no field
    for exclusions).
    """
    allow: list[str] | None = None
    for key in ("eligibleLocation", "eligibleResidenceLocation"):
        codes = _codes(record.get(key))
        if codes:
            allow = codes if allow is None else [c for c in allow if c in codes]
    if allow is None:
        return None
    deny = set(_codes(record.get("ineligibleLocation"))) | set(
        _codes(record.get("ineligibleResidenceLocation"))
    )
    return [c for c in allow if c not in deny]


def _codes(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [str(v).strip().upper() for v in value if isinstance(v, str) and v.strip()]


def _client(record: dict[str, Any]) -> str | None:
    if record.get("companyBrandVisible") is False:
        return None  # Mercor hides the client's name on this listing
    name = _text(record.get("companyName"))
    return name if name and name.lower() not in _PLATFORM_NAMES else None


def _commitment_as_employment(value: Any) -> str | None:
    # `commitment` is hourly | part-time | full-time | task-based; only the last two name
    # an employment type (hourly / task-based describe pay, which has its own fields).
    text = _text(value)
    return text if text and text.lower() in {"part-time", "full-time"} else None


def _currency(value: Any) -> str | None:
    return value.strip().upper() if isinstance(value, str) and value.strip() else None


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list | bool):
        return None
    text = str(value).strip()
    return text or None
