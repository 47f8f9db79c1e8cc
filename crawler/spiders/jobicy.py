"""Jobicy: the remote-jobs API v2, asked once per search term (`tag=`).

Jobicy's fair-use terms (Jobicy/remote-jobs-api README): jobs appear after 6 hours, poll at
most once an hour, do not redistribute to competing aggregators. So a run sends the few
core terms search_terms.yaml gives jobicy (within `request_budget: 5`), `count=100` each,
and the catalogue links out with attribution. A posting found under several terms is one
listing with every term in `board` (TermSearchSpider). Industries come entity-escaped
("Product &amp; Operations"); normalization unescapes them.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from scrapy.http import Response

from crawler.sources import source_terms
from crawler.spiders.base import TermSearchSpider

PAGE_SIZE = 100  # the API's maximum `count`


class JobicySpider(TermSearchSpider):
    name = "jobicy"
    default_base_url = "https://jobicy.com/api/v2/remote-jobs"
    attribution = source_terms("jobicy").attribution_text

    search_param = "tag"

    def search_url(self, term: str) -> str:
        return f"{self.base_url}?count={PAGE_SIZE}&tag={quote(term)}"

    def note_truncation(self, data: dict[str, Any], response: Response) -> None:
        if len(data["jobs"]) >= PAGE_SIZE:
            # A full page may hide more results: what is missing has not gone away.
            self._inc("evaljobs/search_truncated")
            self.mark_partial(f"{response.url} filled a whole page of {PAGE_SIZE}")

    def fields_of(self, job: Any, response: Response) -> dict[str, Any] | None:
        if (
            not isinstance(job, dict)
            or not job.get("id")
            or not job.get("jobTitle")
            or not job.get("url")
        ):
            self.skip("malformed_job", str(job)[:80], response)
            return None
        job_types = [str(t) for t in _as_list(job.get("jobType")) if t]
        tags = [str(t) for t in _as_list(job.get("jobIndustry")) if t]
        if job.get("jobLevel"):
            tags.append(str(job["jobLevel"]))
        has_pay = job.get("salaryMin") or job.get("salaryMax")
        return {
            "source_id": str(job["id"]),
            "url": job["url"],
            "title": str(job["jobTitle"]).strip(),
            "company": job.get("companyName") or None,
            "description_html": job.get("jobDescription") or job.get("jobExcerpt") or "",
            "location_raw": job.get("jobGeo") or None,
            "remote_raw": True,  # Jobicy lists remote jobs only
            "pay_min_raw": job.get("salaryMin") if has_pay else None,
            "pay_max_raw": job.get("salaryMax") if has_pay else None,
            "pay_currency_raw": job.get("salaryCurrency") if has_pay else None,
            "pay_unit_raw": job.get("salaryPeriod") if has_pay else None,
            "employment_type": ", ".join(job_types) or None,
            "posted_raw": job.get("pubDate"),
            "tags": tags,
        }


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
