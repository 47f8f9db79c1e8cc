"""Recruitee: the Careers Site API of every registry employer on Recruitee.

One request per company; the company is the host (`https://{board}.recruitee.com/api/offers/`),
so the base URL is a template with `{board}` in it (a loopback test server can use a path
instead: a base URL without `{board}` gets `/{board}/offers/` appended). The answer holds
every published offer with its HTML description and requirements. An unknown company answers
404 `{"error":"Not Found"}`: counted under `evaljobs/unknown_boards` and logged. Recruitee
states remote / hybrid / on-site as three flags, pay as `salary{min,max,period,currency}`,
and dates as "2023-07-25 17:53:46 UTC". For a remote offer the office address is not where
one may work from, so only the offer's own location text is kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scrapy.http import Response

from crawler.items import JobListing
from crawler.spiders.base import BoardSpider


class RecruiteeSpider(BoardSpider):
    name = "recruitee"
    default_base_url = "https://{board}.recruitee.com/api/offers"
    attribution = "Posted on the employer's Recruitee careers site"

    def offers_url(self, board: str) -> str:
        base = self.base_url
        if "{board}" in base:
            return base.replace("{board}", board) + "/"
        return f"{base}/{board}/offers/"

    def board_url(self, board: str) -> str:
        return self.offers_url(board)

    def parse(self, response: Response, board: str | None = None) -> Iterator[JobListing]:
        board = board or board_from_url(response.url)
        data = self.board_json(response, board)
        if data is None:
            return
        if isinstance(data, dict) and isinstance(data.get("offers"), list):
            offers = data["offers"]
            if not offers:
                self.empty_board(response, board)
        elif isinstance(data, dict) and isinstance(data.get("offer"), dict):
            offers = [data["offer"]]  # the single-offer endpoint (/api/offers/{slug})
        elif isinstance(data, dict) and data.get("error") and len(data) == 1:
            # The 404 body, read from a file (`evaljobs parse`) where no status survives.
            self.unknown_board(response, board)
            return
        else:
            self.parse_failed(response, "no 'offers' list in the answer")
            return
        for offer in offers:
            listing = self.listing_from_offer(offer, board, response)
            if listing is not None:
                yield listing

    def listing_from_offer(
        self, offer: Any, board: str | None, response: Response
    ) -> JobListing | None:
        if not self.well_formed(offer, "id", "title", "malformed_offer", response):
            return None
        salary = offer.get("salary") if isinstance(offer.get("salary"), dict) else {}
        remote = bool(offer.get("remote"))
        return self.make_listing(
            source_id=str(offer["id"]),
            board=board,
            url=offer.get("careers_url"),
            apply_url=offer.get("careers_apply_url"),
            title=str(offer["title"]).strip(),
            company=offer.get("company_name") or board,
            description_html=_description_html(offer) or None,
            location_raw=_location(offer, remote),
            countries_raw=None if remote else _countries(offer),
            remote_raw=_workplace(offer),
            employment_type=offer.get("employment_type_code") or None,
            posted_raw=offer.get("published_at") or offer.get("created_at"),
            valid_through_raw=offer.get("close_at"),
            tags=[
                t
                for t in (offer.get("department"), *(offer.get("tags") or []))
                if isinstance(t, str) and t
            ],
            pay_min_raw=salary.get("min"),
            pay_max_raw=salary.get("max"),
            pay_currency_raw=salary.get("currency"),
            pay_unit_raw=salary.get("period"),
        )

    @classmethod
    def capture_url(cls, path: Any) -> str:
        board = Path(str(path)).name.split("-")[0]
        return cls.default_base_url.replace("{board}", board) + "/"


def _description_html(offer: dict[str, Any]) -> str:
    parts = [str(offer["description"])] if offer.get("description") else []
    if offer.get("requirements"):
        parts.append(f"<h3>Requirements</h3>{offer['requirements']}")
    return "\n".join(parts)


def _workplace(offer: dict[str, Any]) -> str | None:
    # Three flags; the first one set names the workplace, as the careers page shows it.
    for flag, label in (("hybrid", "hybrid"), ("remote", "remote"), ("on_site", "onsite")):
        if offer.get(flag) is True:
            return label
    return None


def _location(offer: dict[str, Any], remote: bool) -> str | None:
    if remote or not offer.get("locations"):
        return offer.get("location") or None
    places = [
        ", ".join(str(p).strip() for p in (loc.get("city"), loc.get("country")) if p)
        for loc in offer["locations"]
        if isinstance(loc, dict)
    ]
    return "; ".join(p for p in dict.fromkeys(places) if p) or offer.get("location") or None


def _countries(offer: dict[str, Any]) -> list[str] | None:
    codes = [
        loc.get("country_code") for loc in offer.get("locations") or [] if isinstance(loc, dict)
    ]
    codes = [c for c in dict.fromkeys(codes) if c] or (
        [offer["country_code"]] if offer.get("country_code") else []
    )
    return codes or None


def board_from_url(url: str) -> str | None:
    match = re.match(r"https?://([^./]+)\.recruitee\.com/", url) or re.search(
        r"/([^/]+)/offers/?(?:[?#]|$)", url
    )
    return match.group(1) if match else None
