"""Remote OK: the public API (about the 100 newest remote jobs), one request, matched locally.

The answer is a JSON array whose first element is the API's legal notice, not a job: it is
recognised and passed over (neither a listing nor an error). Its terms ask for a followed
link back to the Remote OK job URL and Remote OK named as the source, so `url` is always
the Remote OK page and the attribution names it. Descriptions come as UTF-8 read as
Latin-1 ("Youâ€™ll"); they are repaired here, since that is the source's encoding fault.
`salary_min`/`salary_max` are 0 when unknown and may be hourly figures: the unit is left
unstated. Rows without a position or company are skipped and counted.
"""

from __future__ import annotations

from typing import Any

from scrapy.http import Response

from crawler.items import JobListing
from crawler.normalize import repair_mojibake
from crawler.sources import source_terms
from crawler.spiders.base import FeedSpider


class RemoteOkSpider(FeedSpider):
    name = "remoteok"
    default_base_url = "https://remoteok.com/api"
    attribution = source_terms("remoteok").attribution_text

    def jobs_in(self, data: Any, response: Response) -> list[Any] | None:
        if not isinstance(data, list):
            self.parse_failed(response, "the answer is not a JSON array")
            return None
        jobs = [element for element in data if not _is_legal_notice(element)]
        if not jobs:
            self.mark_partial("Remote OK answered with no jobs")
        return jobs

    def listing_from_job(self, job: Any, response: Response) -> JobListing | None:
        if (
            not isinstance(job, dict)
            or not job.get("id")
            or not str(job.get("position") or "").strip()
            or not str(job.get("company") or "").strip()
            or not job.get("url")
        ):
            self.skip("malformed_job", str(job)[:80], response)
            return None
        title = repair_mojibake(str(job["position"]).strip())
        description = repair_mojibake(job.get("description") or "")
        tags = [str(t) for t in job.get("tags") or [] if t]
        matched = self.matched_terms(title, " ".join(tags), description)
        if not matched and not self.keep_unmatched:
            self._inc("evaljobs/unmatched")
            return None
        low, high = _amount(job.get("salary_min")), _amount(job.get("salary_max"))
        return self.make_listing(
            source_id=str(job["id"]),
            board="; ".join(matched) or None,
            url=job["url"],
            apply_url=job.get("apply_url") or None,
            title=title,
            company=repair_mojibake(str(job["company"]).strip()),
            description_html=description,
            location_raw=repair_mojibake(job.get("location") or "") or None,
            remote_raw=True,  # Remote OK lists remote jobs only
            pay_min_raw=low,
            pay_max_raw=high,
            # Remote OK shows every salary in US dollars; the period is never stated.
            pay_currency_raw="USD" if low is not None or high is not None else None,
            employment_type=next((t for t in tags if t.lower() in _EMPLOYMENT_TAGS), None),
            posted_raw=job.get("date") or job.get("epoch"),
            tags=tags,
        )


# Remote OK has no employment-type field; some postings say it in their tags.
_EMPLOYMENT_TAGS = {"full-time", "part-time", "contract", "contractor", "freelance", "internship"}


def _is_legal_notice(element: Any) -> bool:
    return isinstance(element, dict) and "legal" in element and "position" not in element


def _amount(value: Any) -> float | None:
    """A salary figure, or None for the 0 / empty that Remote OK uses for "not stated"."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None
