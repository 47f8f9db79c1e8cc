"""Lever: the public Postings API of every registry employer on Lever.

One request per job site (`/v0/postings/{site}?mode=json` answers the whole site as a bare
JSON array; no paging needed). EU-hosted sites live on `api.eu.lever.co`: a 404 from the
global host is asked again there before the site counts as an unknown board (a registry
entry to fix, counted under `evaljobs/unknown_boards`, not a failed run). A posting's
description is Lever's HTML in reading order: the opening and body, then each titled list
(`lists[].content` is bare `<li>` items), then the closing "additional" text. Pay comes
from `salaryRange` when the employer published one (its interval names the unit), the
workplace type from `workplaceType`, and location, commitment and team from `categories`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.items import JobListing
from crawler.spiders.base import BoardSpider

GLOBAL_API_HOST = "api.lever.co"
EU_API_HOST = "api.eu.lever.co"


class LeverSpider(BoardSpider):
    name = "lever"
    default_base_url = "https://api.lever.co/v0/postings"
    attribution = "Posted on the employer's Lever job site"

    def board_url(self, board: str, base_url: str | None = None) -> str:
        return f"{base_url or self.base_url}/{board}?mode=json"

    def parse(self, response: Response, board: str | None = None) -> Iterator[Any]:
        board = board or board_from_url(response.url)
        if response.status == 404:
            eu_request = self.eu_retry(response, board)
            if eu_request is not None:
                yield eu_request
            else:
                self.unknown_board(response, board)
            return
        data = self.load_json(response)
        if data is None:
            return
        if isinstance(data, list):
            postings = data
        elif isinstance(data, dict) and data.get("id") and "text" in data:
            postings = [data]  # the single-posting endpoint
        elif isinstance(data, dict) and data.get("ok") is False:
            # Lever's error shape ({"ok": false, "error": "Document not found"}) with a 200.
            self.unknown_board(response, board)
            return
        else:
            self.parse_failed(response, "neither a list of postings nor one posting")
            return
        for posting in postings:
            listing = self.listing_from_posting(posting, board, response)
            if listing is not None:
                yield listing

    def eu_retry(self, response: Response, board: str | None) -> scrapy.Request | None:
        """The same site on Lever's EU host, when the 404 came from the global host."""
        if board is None or GLOBAL_API_HOST not in response.url or EU_API_HOST in response.url:
            return None
        eu_base = self.base_url.replace(GLOBAL_API_HOST, EU_API_HOST)
        self.logger.info(
            "[lever] site %r not on %s; asking %s", board, GLOBAL_API_HOST, EU_API_HOST
        )
        return self.within_budget(
            self.board_request(board).replace(url=self.board_url(board, eu_base))
        )

    def listing_from_posting(
        self, posting: Any, board: str | None, response: Response
    ) -> JobListing | None:
        if not self.well_formed(posting, "id", "text", "malformed_posting", response):
            return None
        categories = (
            posting.get("categories") if isinstance(posting.get("categories"), dict) else {}
        )
        locations = [str(loc) for loc in categories.get("allLocations") or [] if loc]
        location = "; ".join(locations) or categories.get("location")
        salary = posting.get("salaryRange") if isinstance(posting.get("salaryRange"), dict) else {}
        pay_text = _plain(posting.get("salaryDescriptionPlain")) or None
        return self.make_listing(
            source_id=str(posting["id"]),
            board=board,
            url=posting.get("hostedUrl") or _hosted_url(board, posting["id"]),
            apply_url=posting.get("applyUrl"),
            title=str(posting["text"]).strip(),
            company=board,
            description_html=description_html(posting),
            location_raw=location,
            countries_raw=[posting["country"]] if posting.get("country") else None,
            remote_raw=posting.get("workplaceType") or None,
            employment_type=categories.get("commitment"),
            posted_raw=posting.get("createdAt"),
            tags=_tags(categories),
            pay_text=pay_text,
            pay_min_raw=salary.get("min"),
            pay_max_raw=salary.get("max"),
            pay_currency_raw=salary.get("currency"),
            pay_unit_raw=salary.get("interval"),
        )

    @classmethod
    def capture_url(cls, path: Any) -> str:
        site = Path(str(path)).name.split("-")[0]
        return f"{cls.default_base_url}/{site}?mode=json"


def description_html(posting: dict[str, Any]) -> str:
    """Lever's description parts as one HTML document, in the order the job page shows them."""
    parts: list[str] = []
    if posting.get("description"):
        parts.append(str(posting["description"]))  # opening + body
    else:
        parts.extend(str(posting[k]) for k in ("opening", "descriptionBody") if posting.get(k))
    for block in posting.get("lists") or []:
        if not isinstance(block, dict):
            continue
        if block.get("text"):
            parts.append(f"<h3>{html.escape(str(block['text']))}</h3>")
        if block.get("content"):
            parts.append(f"<ul>{block['content']}</ul>")
    for key in ("additional", "salaryDescription"):
        if posting.get(key):
            parts.append(str(posting[key]))
    if not parts and posting.get("descriptionPlain"):
        parts.append(f"<p>{html.escape(str(posting['descriptionPlain']))}</p>")
    return "\n".join(parts)


def _tags(categories: dict[str, Any]) -> list[str]:
    # Lever uses "-" for "no team"; it is not a tag.
    values = [categories.get("department"), categories.get("team")]
    tags: list[str] = []
    for value in values:
        text = str(value or "").strip()
        if text and text != "-" and text not in tags:
            tags.append(text)
    return tags


def _plain(value: Any) -> str:
    return re.sub(r"\s+", " ", str(value or "")).strip()


def _hosted_url(board: str | None, posting_id: Any) -> str | None:
    return f"https://jobs.lever.co/{board}/{posting_id}" if board else None


def board_from_url(url: str) -> str | None:
    match = re.search(r"/postings/([^/?#]+)", url)
    return match.group(1) if match else None
