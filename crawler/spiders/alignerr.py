"""Alignerr (www.alignerr.com, Labelbox): the jobs list by offset, then each job page.

Alignerr publishes no API and no terms. The jobs list the site itself reads
(``/api/jobs?limit=120&offset=N`` → ``{jobs, limit, offset, total}``) is paged until its
declared ``total``; every listed job's page (``/jobs/{uuid}``, Next.js pages router,
``__NEXT_DATA__.props.pageProps.job``) gives the real record. Alignerr posts one copy of a
master job per country ("Generalist" × Vietnam, Brazil, …): the copies are merged into ONE
listing keyed by the job's own ``masterJobId``, with every copy's country in
``countries_raw`` — so listings are yielded when the run's requests are done, not page by
page. Pages are asked round-robin across master jobs (every job's first copy, then second
copies …), so a spent budget still reads every job once; the run is then partial.

Verified by a real capture: the job page (byte-verified). NOT verified by any capture: the
jobs list (its shape is from other crawlers' notes: v2 ``{jobs, limit, offset, total}``
with ``{id, title, location, applyUrl, category, pay}`` records, and an older bare array of
``{id, name, isActive, absolute_url, location}``) — both are read; anything else is a
counted parse failure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.items import JobListing
from crawler.nextdata import NextDataError, page_props, read_next_data
from crawler.platform import (
    PlatformQueue,
    PlatformSpiderMixin,
    amount_text,
    assessment_statement,
    evergreen_evidence,
    markdown_to_text,
    platform_pay_unit,
)
from crawler.spiders.base import SourceSpider

PAGE_SIZE = 120
APPLY_URL = "https://app.alignerr.com/signin?job="
MAX_PAGES = 100  # 12,000 copies: far above anything seen; a bound against a looping total
_JOB_ID = re.compile(r"/jobs/([0-9a-fA-F-]{36})")
# "**Location**: Remote" / "Location: Remote" in the description (the page's own words).
_REMOTE_LINE = re.compile(r"\blocation\W{0,6}:?\W{0,6}remote\b", re.I)


@dataclass
class Copy:
    """One per-country copy of a job, as its page gives it."""

    job: dict[str, Any]
    formatted_html: str | None = None
    list_record: dict[str, Any] = field(default_factory=dict)


class AlignerrSpider(PlatformSpiderMixin, SourceSpider):
    name = "alignerr"
    default_base_url = "https://www.alignerr.com"
    attribution = "Listed on Alignerr"
    handle_httpstatus_list = [401, 403, 404, 410]

    def __init__(self, *args: Any, jobs: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # `-a jobs=id1,id2` reads just those job pages (one-off checks, the offline demo).
        self.job_ids = [j.strip() for j in jobs.split(",") if j.strip()] if jobs else []
        self.queue = PlatformQueue()
        self.declared_total: int | None = None
        self.list_records: dict[str, dict[str, Any]] = {}  # job id -> list record
        self.copies: dict[str, Copy] = {}  # job id -> page read
        self.answered: set[str] = set()  # job ids whose page answered (read, gone or skipped)
        self.pages_read = 0

    # ------------------------------------------------------------ requests

    def list_url(self, offset: int) -> str:
        return f"{self.base_url}/api/jobs?limit={PAGE_SIZE}&offset={offset}"

    def start_requests(self) -> Iterator[scrapy.Request]:
        if self.job_ids:
            # Named pages only: the run cannot know what else is open, so it closes nothing.
            self.mark_partial("only the job pages named by -a jobs were read")
            yield from self.start_queue(self._job_request(job_id) for job_id in self.job_ids)
            return
        yield from self.start_queue([self._list_request(0)])

    def _list_request(self, offset: int) -> scrapy.Request:
        # The site's own list call sends this Referer; the answer is the same JSON either way.
        return scrapy.Request(
            self.list_url(offset),
            callback=self.parse_list,
            errback=self.on_queue_error,
            headers={"Referer": f"{self.base_url}/jobs", "Accept": "application/json"},
            cb_kwargs={"offset": offset},
            dont_filter=True,
        )

    def _job_request(self, job_id: str) -> scrapy.Request:
        return self.queue_request(f"{self.base_url}/jobs/{job_id}", self.parse_job)

    @classmethod
    def capture_url(cls, path: Any) -> str:
        name = str(getattr(path, "name", path))
        match = re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", name)
        if match:
            return f"{cls.default_base_url}/jobs/{match.group(0)}"
        if name.endswith(".json"):
            return f"{cls.default_base_url}/api/jobs?limit={PAGE_SIZE}&offset=0"
        return f"{cls.default_base_url}/jobs/unknown"

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        """Dispatch on what the response is: the jobs list (JSON) or a job page."""
        if response.body[:200].lstrip()[:1] in (b"{", b"["):
            yield from self.parse_list(response, offset=kwargs.get("offset", 0))
        else:
            yield from self.parse_job(response)

    # parse_capture (PlatformSpiderMixin): a job page gives its master job with this one
    # copy's country; a list page gives nothing by itself (the list has no country, pay
    # unit or description to trust).

    # ------------------------------------------------------------ jobs list

    def parse_list(self, response: Response, offset: int = 0) -> Iterator[Any]:
        if self.check_block(response):
            yield from self.continue_queue()
            return
        data = self.load_json(response)
        if data is None:
            yield from self.continue_queue()
            return
        if isinstance(data, list):
            records, total = data, len(data)  # the older payload: one bare array, no paging
            records = [
                r for r in records if not (isinstance(r, dict) and r.get("isActive") is False)
            ]
        elif (
            isinstance(data, dict)
            and isinstance(data.get("jobs"), list)
            and isinstance(data.get("total"), int)
        ):
            records, total = data["jobs"], data["total"]
        else:
            self.parse_failed(response, "jobs list: neither {jobs, total} nor a list of jobs")
            yield from self.continue_queue()
            return
        if self.declared_total is not None and total != self.declared_total:
            self.mark_partial(
                f"jobs list total changed from {self.declared_total} to {total} while paging"
            )
        self.declared_total = total if self.declared_total is None else self.declared_total
        new = 0
        for record in records:
            job_id = str(record.get("id") or "").strip() if isinstance(record, dict) else ""
            if not _JOB_ID.search(f"/jobs/{job_id}"):
                self.skip("malformed_job", str(record)[:80], response)
                continue
            if job_id not in self.list_records:
                self.list_records[job_id] = record
                new += 1
        self.pages_read += 1
        more = isinstance(data, dict) and records and new and len(self.list_records) < total
        if more and self.pages_read < MAX_PAGES:
            self.queue.pending.appendleft(self._list_request(offset + len(records)))
        else:
            if more:
                self.mark_partial(
                    f"jobs list: stopped after {MAX_PAGES} pages before total {total}"
                )
            # The list is done: fewer jobs than it declared means a partial run.
            self.declared_unread(
                "jobs list total", self.declared_total, self.declared_total - len(self.list_records)
            )
            self._queue_job_pages()
        yield from self.continue_queue()

    def _queue_job_pages(self) -> None:
        """Every listed job's page, round-robin across titles so each job is read once first."""
        groups: dict[str, list[str]] = {}
        for job_id, record in self.list_records.items():
            groups.setdefault(_list_key(record), []).append(job_id)
        order: list[str] = []
        depth = max((len(ids) for ids in groups.values()), default=0)
        for index in range(depth):
            order.extend(ids[index] for ids in groups.values() if index < len(ids))
        self.queue.add(self._job_request(job_id) for job_id in order)

    # ------------------------------------------------------------ job page

    def parse_job(self, response: Response) -> Iterator[Any]:
        if self.check_block(response):
            yield from self.continue_queue()
            return
        match = _JOB_ID.search(response.url)
        if match:
            self.answered.add(match.group(1))
        if response.status in (404, 410):
            self.skip("gone", f"HTTP {response.status}", response)
        else:
            self._read_copy(response, match.group(1) if match else None)
        yield from self.continue_queue()

    def _read_copy(self, response: Response, url_id: str | None) -> None:
        try:
            pp = page_props(read_next_data(response.text))
        except NextDataError as error:
            self.parse_failed(response, f"job page: {error}")
            return
        job = pp.get("job")
        if not isinstance(job, dict) or not job.get("id") or not job.get("name"):
            self.parse_failed(response, "job page: pageProps.job is missing or has no id/name")
            return
        if job.get("isActive") is False:
            self.skip("inactive", str(job.get("id")), response)
            return
        job_id = str(job["id"])
        formatted = pp.get("formattedHtml") if isinstance(pp.get("formattedHtml"), str) else None
        self.copies[job_id] = Copy(job, formatted, self.list_records.get(job_id) or {})

    # ------------------------------------------------------------ the end: one listing per master job

    def finish(self) -> Iterator[Any]:
        if self.declared_total is not None:
            unread = [job_id for job_id in self.list_records if job_id not in self.answered]
            self.declared_unread("job pages listed", len(self.list_records), len(unread))
        for copies in group_copies(self.copies.values()).values():
            listing = self.listing_from_copies(copies)
            if listing is not None:
                yield listing

    def listing_from_copies(self, copies: list[Copy]) -> JobListing | None:
        """One listing for all per-country copies of a master job."""
        copies = sorted(copies, key=lambda c: str(c.job.get("id")))
        first = copies[0].job
        master = _text(first.get("masterJobId"))
        description_md = _text(first.get("longDescription"))
        description_html = _text(first.get("htmlLongDescription")) or copies[0].formatted_html
        text_for_rules = markdown_to_text(description_md) if description_md else description_html
        countries = _countries(copies)
        list_location = [_text(c.list_record.get("location")) for c in copies]
        remote = any(loc and "remote" in loc.lower() for loc in list_location) or bool(
            _REMOTE_LINE.search(text_for_rules or "")
        )
        assessment = assessment_statement(text_for_rules)
        title = str(first["name"]).strip()
        return self.make_listing(
            # The master job's key when the page gives one; a copy's own id otherwise.
            source_id=master or str(first["id"]),
            board="jobs",
            url=f"{self.default_base_url}/jobs/{first['id']}",
            # The page's own apply button (seen in the capture): sign in on app.alignerr.com.
            apply_url=f"{APPLY_URL}{first['id']}",
            title=title,
            company="Alignerr",
            description_html=description_html if description_html else None,
            description=None if description_html else markdown_to_text(description_md),
            location_raw=", ".join(countries) or None,
            countries_raw=countries or None,
            remote_raw="Remote" if remote else None,
            employment_type=_text(first.get("jobType")),
            posted_raw=min(
                (c.job.get("firstPostDate") or c.job.get("createdAt") or "") for c in copies
            )
            or None,
            tags=[t for t in (_text(first.get("category")),) if t],
            evergreen=evergreen_evidence(title=title, text=text_for_rules) is not None,
            assessment=assessment[0] if assessment else None,
            **self._pay(copies),
        )

    def _pay(self, copies: list[Copy]) -> dict[str, Any]:
        """The pay range over all copies, with each country's range in the text where they differ."""
        ranges = []
        for copy in copies:
            low, high = copy.job.get("lowerBoundHourlyRate"), copy.job.get("upperBoundHourlyRate")
            if amount_text(low, high):
                ranges.append(
                    (low, high, copy.job.get("salaryType"), _text(copy.job.get("location")))
                )
        if not ranges:
            return {}
        lows = [r[0] for r in ranges if isinstance(r[0], int | float)]
        highs = [r[1] for r in ranges if isinstance(r[1], int | float)]
        unit_words = {str(r[2]) for r in ranges if r[2]}
        unit_word = unit_words.pop() if len(unit_words) == 1 else None
        known, unit = platform_pay_unit(self.name, unit_word)
        if unit_word and not known:
            self.skip("unknown_pay_unit", unit_word)
        suffix = {"hour": "/hr"}.get(unit or "", f" {unit_word.lower()}" if unit_word else "")
        distinct = {(r[0], r[1]) for r in ranges}
        if len(distinct) > 1:
            text = "; ".join(
                f"{amount_text(lo, hi)}{suffix} ({place or '?'})" for lo, hi, _u, place in ranges
            )
        else:
            text = f"{amount_text(ranges[0][0], ranges[0][1])}{suffix}"
        # The list's own pay text ("$30-50/hr") names the currency; the page does not.
        list_pay = next(
            (_text(c.list_record.get("pay")) for c in copies if _text(c.list_record.get("pay"))),
            None,
        )
        return {
            "pay_min_raw": min(lows) if lows else None,
            "pay_max_raw": max(highs) if highs else None,
            "pay_currency_raw": "USD" if list_pay and "$" in list_pay else None,
            "pay_unit_raw": unit_word,
            "pay_text": list_pay if list_pay and len(distinct) == 1 else text,
        }


# ---------------------------------------------------------------- pure helpers


def group_copies(copies: Any) -> dict[str, list[Copy]]:
    """Copies by their master job (``masterJobId``; a copy without one stands alone)."""
    groups: dict[str, list[Copy]] = {}
    for copy in copies:
        key = _text(copy.job.get("masterJobId")) or f"job:{copy.job.get('id')}"
        groups.setdefault(key, []).append(copy)
    return groups


def _countries(copies: list[Copy]) -> list[str]:
    names: list[str] = []
    for copy in copies:
        name = _text(copy.job.get("location")) or _text(copy.job.get("countryCode"))
        if name and name.lower() != "remote" and name not in names:
            names.append(name)
    return names


def _list_key(record: dict[str, Any]) -> str:
    title = _text(record.get("title")) or _text(record.get("name")) or ""
    return f"{title.lower()}|{(_text(record.get('category')) or '').lower()}"


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list | bool):
        return None
    text = str(value).strip()
    return text or None
