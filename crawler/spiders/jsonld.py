"""Careers pages carrying schema.org JobPosting JSON-LD: one request per registry page.

The pages are the `jsonld_pages` of the employers in crawler/employers.yaml (fixture-only
employers only when EVALJOBS_INCLUDE_FIXTURE_BOARDS is set, as the demo does), or
`-a pages=URL,URL`. Every JobPosting in a page's ``application/ld+json`` blocks becomes a
listing through `crawler.jsonld` (title, employer, dates, pay, remote flag, countries,
description). A page with no JobPosting, or with a block that is not JSON, is a counted
parse failure and leaves the run partial: a posting we could not read has not gone away.
Each page's own terms and robots.txt apply (robots.txt is obeyed); listings link out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response

from crawler.items import JobListing
from crawler.jsonld import job_posting_fields, read_json_ld_blocks
from crawler.sources import source_terms
from crawler.spiders.base import SourceSpider

_PAGE_URL = re.compile(
    r"<meta[^>]+property=[\"']og:url[\"'][^>]+content=[\"']([^\"']+)|"
    r"<link[^>]+rel=[\"']canonical[\"'][^>]+href=[\"']([^\"']+)",
    re.I,
)


class JsonLdSpider(SourceSpider):
    name = "jsonld"
    default_base_url = ""  # page URLs come from the registry
    attribution = source_terms("jsonld").attribution_text

    def __init__(self, *args: Any, pages: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.page_urls = [p.strip() for p in pages.split(",") if p.strip()] if pages else None

    @classmethod
    def capture_url(cls, path: Any) -> str:
        """The page's own address, as its og:url or canonical link states it."""
        try:
            head = Path(path).read_text(encoding="utf-8", errors="replace")[:200_000]
        except OSError:
            head = ""
        match = _PAGE_URL.search(head)
        if match:
            return match.group(1) or match.group(2)
        return "https://careers-page.invalid/"

    def pages(self) -> list[tuple[str | None, str]]:
        """(employer key, page URL) to read: the spider argument, else the registry."""
        if self.page_urls:
            return [(None, url) for url in self.page_urls]
        from crawler.registry import jsonld_pages_for, load_registry

        settings = getattr(self, "settings", None)
        include = bool(settings.getbool("EVALJOBS_INCLUDE_FIXTURE_BOARDS")) if settings else False
        return jsonld_pages_for(load_registry(), include_fixture_only=include)

    def start_requests(self) -> Iterator[scrapy.Request]:
        for employer, page_url in self.pages():
            url = self.routed(page_url)
            request = self.within_budget(
                scrapy.Request(
                    url,
                    callback=self.parse,
                    errback=self.on_request_error,
                    cb_kwargs={"employer": employer, "page_url": page_url},
                )
            )
            if request is None:
                return
            yield request

    def routed(self, page_url: str) -> str:
        """The page's URL, or its path on EVALJOBS_BASE_URLS["jsonld"] when one is set.

        Careers pages live on many hosts, so a loopback server (tests, the demo) stands in
        for all of them: it receives each page's path and query.
        """
        base = self.base_url
        if not base:
            return page_url
        parts = urlsplit(page_url)
        return base + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")

    def parse(
        self, response: Response, employer: str | None = None, page_url: str | None = None
    ) -> Iterator[JobListing]:
        text = getattr(response, "text", None)
        if text is None:
            self.parse_failed(response, "not a text page")
            return
        blocks = read_json_ld_blocks(text)
        for error in blocks.errors:
            self.parse_failed(response, error)
        postings = blocks.job_postings
        if not postings:
            self.parse_failed(response, "no schema.org JobPosting in the page's JSON-LD")
            return
        for index, posting in enumerate(postings):
            listing = self.listing_from_posting(
                posting, index, len(postings), employer, page_url or response.url, response
            )
            if listing is not None:
                yield listing

    def listing_from_posting(
        self,
        posting: dict[str, Any],
        index: int,
        count: int,
        employer: str | None,
        page_url: str,
        response: Response,
    ) -> JobListing | None:
        fields = job_posting_fields(posting)
        if not fields.get("title"):
            self.skip("malformed_posting", str(posting)[:80], response)
            return None
        # The posting's own url, else the page's real address (not a loopback stand-in).
        page_url = fields.pop("url", None) or page_url
        # Without an identifier the page address is the posting's key (one per page, or
        # the page with the posting's position when a page lists several).
        source_id = fields.pop("source_id", None) or (
            page_url if count == 1 else f"{page_url}#{index + 1}"
        )
        return self.make_listing(
            source_id=source_id,
            board=employer,
            url=page_url,
            **fields,
        )
