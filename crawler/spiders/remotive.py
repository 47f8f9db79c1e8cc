"""Remotive: the public remote-jobs API, read whole in one request and matched locally.

Remotive's terms (the API's own legal notice) allow about four calls a day and delay jobs
by 24 hours, so a run makes one unfiltered request (`request_budget: 1` in sources.yaml)
and keeps the postings that name a search term or relevance hint; a per-term `search`
would spend the day's allowance on a few terms. Every listing names Remotive and keeps the
Remotive job URL (the link back the terms demand). Answers may start with a UTF-8 BOM.
"""

from __future__ import annotations

from typing import Any

from scrapy.http import Response

from crawler.items import JobListing
from crawler.sources import source_terms
from crawler.spiders.base import FeedSpider


class RemotiveSpider(FeedSpider):
    name = "remotive"
    default_base_url = "https://remotive.com/api/remote-jobs"
    attribution = source_terms("remotive").attribution_text

    def jobs_in(self, data: Any, response: Response) -> list[Any] | None:
        if not isinstance(data, dict) or not isinstance(data.get("jobs"), list):
            self.parse_failed(response, "no 'jobs' list in the answer")
            return None
        jobs = data["jobs"]
        total = data.get("total-job-count")
        if isinstance(total, int) and total > len(jobs):
            self.mark_partial(f"Remotive declared {total} jobs, returned {len(jobs)}")
        if not jobs:
            # An empty feed is far likelier an outage than a board with no jobs at all.
            self.mark_partial("Remotive answered with no jobs")
        return jobs

    def listing_from_job(self, job: Any, response: Response) -> JobListing | None:
        if (
            not isinstance(job, dict)
            or not job.get("id")
            or not job.get("title")
            or not job.get("url")
        ):
            self.skip("malformed_job", str(job)[:80], response)
            return None
        tags = [str(t) for t in [job.get("category"), *(job.get("tags") or [])] if t]
        description = job.get("description") or ""
        matched = self.matched_terms(job["title"], " ".join(tags), description)
        if not matched and not self.keep_unmatched:
            self._inc("evaljobs/unmatched")
            return None
        return self.make_listing(
            source_id=str(job["id"]),
            board="; ".join(matched) or None,
            url=job["url"],
            title=str(job["title"]).strip(),
            company=job.get("company_name"),
            description_html=description,
            location_raw=job.get("candidate_required_location"),
            remote_raw=True,  # Remotive lists remote jobs only
            pay_text=job.get("salary") or None,
            employment_type=job.get("job_type") or None,
            posted_raw=job.get("publication_date"),
            tags=tags,
        )
