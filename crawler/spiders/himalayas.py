"""Himalayas: the public jobs API, searched once per search term.

Each term of `search_terms.yaml` for himalayas is sent to `/jobs/api/search?q=` (one page,
within the run's request budget of sources.yaml); a posting found under several terms is
one listing with every term in `board` (TermSearchSpider). When a term has more results
than one page holds, the run is left partial: a listing missing from a truncated answer has
not gone away, so such a run must close nothing. The browse endpoint (`/jobs/api`) has the
same shape and parses the same. `pubDate`/`expiryDate` come in seconds or milliseconds
(normalize handles both). No terms were found (sources.yaml: attribution, link-out).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from scrapy.http import Response

from crawler.sources import source_terms
from crawler.spiders.base import TermSearchSpider

# A capture of the trimmed answer shows template placeholders where the company name and
# logo belong; such a name says nothing, so the company's slug stands in for it.
_PLACEHOLDER_NAMES = {"name", "companyname", ""}


class HimalayasSpider(TermSearchSpider):
    name = "himalayas"
    default_base_url = "https://himalayas.app/jobs/api"
    attribution = source_terms("himalayas").attribution_text

    search_param = "q"

    def search_url(self, term: str) -> str:
        return f"{self.base_url}/search?q={quote(term)}&page=1"

    def note_truncation(self, data: dict[str, Any], response: Response) -> None:
        total = data.get("totalCount")
        if isinstance(total, int) and total > len(data["jobs"]) + _int(data.get("offset")):
            self._inc("evaljobs/search_truncated")
            self.mark_partial(f"{response.url} holds {total} results, one page read")

    def fields_of(self, job: Any, response: Response) -> dict[str, Any] | None:
        if (
            not isinstance(job, dict)
            or not job.get("title")
            or not (job.get("guid") or job.get("applicationLink"))
        ):
            self.skip("malformed_job", str(job)[:80], response)
            return None
        page = str(job.get("guid") or job.get("applicationLink"))
        countries = [str(c) for c in job.get("locationRestrictions") or [] if c]
        categories = [str(c).replace("-", " ") for c in job.get("categories") or [] if c]
        has_pay = job.get("minSalary") or job.get("maxSalary")
        return {
            "source_id": _posting_key(page),
            "url": page,
            "apply_url": job.get("applicationLink") or None,
            "title": str(job["title"]).strip(),
            "company": _company(job),
            "description_html": job.get("description") or job.get("excerpt") or "",
            # Himalayas lists remote jobs only; no restriction means anywhere.
            "location_raw": ", ".join(countries) or "Worldwide",
            "countries_raw": countries,
            "remote_raw": True,
            "pay_min_raw": job.get("minSalary") if has_pay else None,
            "pay_max_raw": job.get("maxSalary") if has_pay else None,
            # `currency` and `salaryPeriod` are filled even where no amount is given.
            "pay_currency_raw": job.get("currency") if has_pay else None,
            "pay_unit_raw": job.get("salaryPeriod") if has_pay else None,
            "employment_type": job.get("employmentType") or None,
            "posted_raw": job.get("pubDate"),
            "valid_through_raw": job.get("expiryDate"),
            "tags": [str(c) for c in job.get("parentCategories") or [] if c] + categories,
        }


def _posting_key(page: str) -> str:
    """`<company slug>/<job slug>` from the job's page: job slugs repeat across companies."""
    match = re.search(r"/companies/([^/]+)/jobs/([^/?#]+)", page)
    return f"{match.group(1)}/{match.group(2)}" if match else page


def _company(job: dict[str, Any]) -> str | None:
    name = str(job.get("companyName") or "").strip()
    if name.casefold() not in _PLACEHOLDER_NAMES:
        return name
    slug = str(job.get("companySlug") or "").strip()
    return slug.replace("-", " ").title() or None


def _int(value: Any) -> int:
    return value if isinstance(value, int) else 0
