"""Arbeitnow: the free job-board API (mostly German and EU jobs), paged, matched locally.

Pages follow `links.next` while the run's request budget lasts; a budget spent before the
last page leaves the run partial. The API states no terms of its own (sources.yaml:
attribution and link-out), so each listing keeps the Arbeitnow URL and names Arbeitnow.
Postings are kept when they name a search term or relevance hint.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.items import JobListing
from crawler.sources import source_terms
from crawler.spiders.base import SourceSpider


class ArbeitnowSpider(SourceSpider):
    name = "arbeitnow"
    default_base_url = "https://www.arbeitnow.com/api/job-board-api"
    attribution = source_terms("arbeitnow").attribution_text

    def start_requests(self) -> Iterator[scrapy.Request]:
        request = self.within_budget(self.page_request(self.base_url))
        if request is not None:
            yield request

    def page_request(self, url: str) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse, errback=self.on_request_error)

    def parse(self, response: Response) -> Iterator[JobListing | scrapy.Request]:
        data = self.load_json(response)
        if data is None:
            return
        if not isinstance(data, dict) or not isinstance(data.get("data"), list):
            self.parse_failed(response, "no 'data' list in the answer")
            return
        jobs = data["data"]
        if not jobs and not (data.get("links") or {}).get("prev"):
            self.mark_partial("Arbeitnow answered with no jobs")
        for job in jobs:
            listing = self.listing_from_job(job, response)
            if listing is not None:
                yield listing
        next_url = (
            (data.get("links") or {}).get("next") if isinstance(data.get("links"), dict) else None
        )
        if next_url and jobs:
            request = self.within_budget(self.page_request(response.urljoin(str(next_url))))
            if request is not None:
                yield request

    def listing_from_job(self, job: Any, response: Response) -> JobListing | None:
        if (
            not isinstance(job, dict)
            or not job.get("slug")
            or not job.get("title")
            or not job.get("url")
        ):
            self.skip("malformed_job", str(job)[:80], response)
            return None
        tags = [str(t) for t in job.get("tags") or [] if t]
        description = job.get("description") or ""
        matched = self.matched_terms(job["title"], " ".join(tags), description)
        if not matched and not self.keep_unmatched:
            self._inc("evaljobs/unmatched")
            return None
        job_types = [str(t) for t in job.get("job_types") or [] if t]
        return self.make_listing(
            source_id=str(job["slug"]),
            board="; ".join(matched) or None,
            url=job["url"],
            title=str(job["title"]).strip(),
            company=job.get("company_name"),
            description_html=description,
            location_raw=job.get("location") or None,
            remote_raw=job.get("remote") if isinstance(job.get("remote"), bool) else None,
            employment_type=", ".join(job_types) or None,
            posted_raw=job.get("created_at"),
            tags=tags,
        )
