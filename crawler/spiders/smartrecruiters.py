"""SmartRecruiters: the public Posting API of every registry employer on SmartRecruiters.

The list (`/v1/companies/{company}/postings?limit=100&offset=N`) pages by offset and has no
descriptions, so a crawl follows each posting to its detail (`…/postings/{id}`), whose
`jobAd.sections` hold the HTML text, and yields the listing from the detail. An unknown
company does not answer 404 but 200 with `totalFound: 0`, the same as a company with no
openings: counted under `evaljobs/empty_boards` and logged, the run stays healthy.
`parse_capture` reads either kind of recorded answer and follows nothing: a list gives
listings without descriptions, a detail gives the full listing.
Staff names (`creator`, custom fields naming a hiring manager) are never kept. A custom
field stating an annual salary ("Maximum Annual Salary: 75000 GBP") is the only pay the
API gives, and is read as such with its unit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.items import JobListing
from crawler.spiders.base import BoardSpider

PAGE_SIZE = 100  # the API's maximum `limit`
_SECTIONS = ("companyDescription", "jobDescription", "qualifications", "additionalInformation")
_SALARY_FIELD = re.compile(r"\b(?P<bound>min(?:imum)?|max(?:imum)?)?\b.*\bsalary\b", re.I)
_AMOUNT = re.compile(r"^\s*(?P<num>\d[\d,.]*)\s*(?P<cur>[A-Z]{3})?\s*$")
_UNIT_WORDS = {
    "annual": "year",
    "yearly": "year",
    "monthly": "month",
    "hourly": "hour",
    "daily": "day",
}


class SmartRecruitersSpider(BoardSpider):
    name = "smartrecruiters"
    default_base_url = "https://api.smartrecruiters.com/v1/companies"
    attribution = "Posted on the employer's SmartRecruiters job board"

    def board_request(self, board: str) -> scrapy.Request:
        # The first list page; `parse` follows each posting and the next pages from there.
        return self.list_request(board, offset=0)

    def list_request(self, company: str, offset: int) -> scrapy.Request:
        return scrapy.Request(
            f"{self.base_url}/{company}/postings?limit={PAGE_SIZE}&offset={offset}",
            callback=self.parse,
            errback=self.on_request_error,
            cb_kwargs={"board": company, "follow": True},
        )

    def parse(
        self, response: Response, board: str | None = None, follow: bool = False
    ) -> Iterator[Any]:
        """A list page (or, for `evaljobs parse`, a single posting's detail)."""
        board = board or board_from_url(response.url)
        data = self.board_json(response, board)
        if data is None:
            return
        if isinstance(data, dict) and "content" not in data and data.get("id") and data.get("name"):
            listing = self.listing_from_posting(data, board, response)
            if listing is not None:
                yield listing
            return
        if not isinstance(data, dict) or not isinstance(data.get("content"), list):
            self.parse_failed(response, "no 'content' list in the answer")
            return
        postings = data["content"]
        if not postings and not data.get("offset"):
            self.empty_board(response, board)
        for posting in postings:
            if not follow:
                listing = self.listing_from_posting(posting, board, response)
                if listing is not None:
                    yield listing
                continue
            if not isinstance(posting, dict) or not posting.get("id"):
                self.skip("malformed_posting", str(posting)[:80], response)
                continue
            request = self.within_budget(
                scrapy.Request(
                    f"{self.base_url}/{board}/postings/{posting['id']}",
                    callback=self.parse_detail,
                    errback=self.on_request_error,
                    cb_kwargs={"board": board},
                )
            )
            if request is None:
                return  # budget spent: counted, run marked partial
            yield request
        if follow:
            yield from self.next_page(data, board, len(postings))

    def next_page(
        self, data: dict[str, Any], board: str | None, count: int
    ) -> Iterator[scrapy.Request]:
        offset, total = data.get("offset") or 0, data.get("totalFound")
        if board and count and isinstance(total, int) and offset + count < total:
            request = self.within_budget(self.list_request(board, offset + count))
            if request is not None:
                yield request

    def parse_detail(self, response: Response, board: str | None = None) -> Iterator[JobListing]:
        if response.status == 404:
            # Withdrawn between the list and its detail: gone, so not listed (and not a fault).
            self.skip("posting_gone", "", response)
            return
        data = self.load_json(response)
        if data is None:
            return
        listing = self.listing_from_posting(data, board or board_from_url(response.url), response)
        if listing is not None:
            yield listing

    def listing_from_posting(
        self, posting: Any, board: str | None, response: Response
    ) -> JobListing | None:
        if not self.well_formed(posting, "id", "name", "malformed_posting", response):
            return None
        company = posting.get("company") if isinstance(posting.get("company"), dict) else {}
        # The posting's own company identifier keeps the case SmartRecruiters uses ("Gousto1").
        board = company.get("identifier") or board
        location = posting.get("location") if isinstance(posting.get("location"), dict) else {}
        country = str(location.get("country") or "").upper() or None
        employment = (
            posting.get("typeOfEmployment")
            if isinstance(posting.get("typeOfEmployment"), dict)
            else {}
        )
        return self.make_listing(
            source_id=str(posting["id"]),
            board=board,
            url=posting.get("postingUrl") or _posting_url(board, posting),
            apply_url=posting.get("applyUrl"),
            title=str(posting["name"]).strip(),
            company=company.get("name") or board,
            description_html=_job_ad_html(posting) or None,
            location_raw=location.get("fullLocation")
            or _place(location.get("city"), location.get("region"), country),
            countries_raw=[country] if country else None,
            remote_raw=location.get("remote") if isinstance(location.get("remote"), bool) else None,
            employment_type=employment.get("label"),
            posted_raw=posting.get("releasedDate"),
            tags=[
                t for t in (_label(posting.get("department")), _label(posting.get("function"))) if t
            ],
            **pay_from_custom_fields(posting.get("customField")),
        )

    @classmethod
    def capture_url(cls, path: Any) -> str:
        name = Path(str(path)).name
        company = name.split("-")[0]
        match = re.search(r"-posting-(\d+)", name)
        if match:
            return f"{cls.default_base_url}/{company}/postings/{match.group(1)}"
        return f"{cls.default_base_url}/{company}/postings"


def pay_from_custom_fields(fields: Any) -> dict[str, Any]:
    """Pay from custom fields such as "Maximum Annual Salary" = "75000 GBP", where stated."""
    pay: dict[str, Any] = {}
    texts: list[str] = []
    for field in fields or []:
        if not isinstance(field, dict):
            continue
        label, value = str(field.get("fieldLabel") or ""), str(field.get("valueLabel") or "")
        match, amount = _SALARY_FIELD.search(label), _AMOUNT.match(value)
        if not match or not amount:
            continue
        number = float(amount.group("num").replace(",", ""))
        bound = (match.group("bound") or "").lower()
        if bound.startswith("min"):
            pay["pay_min_raw"] = number
        elif bound.startswith("max"):
            pay["pay_max_raw"] = number
        else:
            pay["pay_min_raw"] = pay["pay_max_raw"] = number
        if amount.group("cur"):
            pay["pay_currency_raw"] = amount.group("cur")
        unit = next((u for word, u in _UNIT_WORDS.items() if word in label.lower()), None)
        if unit:
            pay["pay_unit_raw"] = unit
        texts.append(f"{label.strip()}: {value.strip()}")
    if texts:
        pay["pay_text"] = "; ".join(texts)
    return pay


def _job_ad_html(posting: dict[str, Any]) -> str:
    job_ad = posting.get("jobAd") if isinstance(posting.get("jobAd"), dict) else {}
    sections = job_ad.get("sections") if isinstance(job_ad.get("sections"), dict) else {}
    parts: list[str] = []
    for key in _SECTIONS:
        section = sections.get(key)
        if not isinstance(section, dict) or not str(section.get("text") or "").strip():
            continue
        if section.get("title"):
            parts.append(f"<h3>{section['title']}</h3>")
        parts.append(str(section["text"]))
    return "\n".join(parts)


def _label(value: Any) -> str | None:
    return value.get("label") if isinstance(value, dict) else None


def _place(*parts: Any) -> str | None:
    return ", ".join(str(p).strip() for p in parts if p and str(p).strip()) or None


def _posting_url(board: str | None, posting: dict[str, Any]) -> str | None:
    # The public job page; the list's `ref` is the API URL, not a page a person can read.
    if not board:
        return None
    slug = re.sub(r"[^a-z0-9]+", "-", str(posting.get("name") or "").lower()).strip("-")
    return f"https://jobs.smartrecruiters.com/{board}/{posting['id']}-{slug}"


def board_from_url(url: str) -> str | None:
    match = re.search(r"/companies/([^/?#]+)", url)
    return match.group(1) if match else None
