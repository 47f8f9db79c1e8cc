"""Parsing one recorded response with a source's real spider, offline.

`evaljobs parse`, the spider tests and the demo's checks all go through
`parse_capture_file`: it builds a Scrapy response from a file (HTML/XML or JSON), runs the
spider's `parse_capture` on it and returns the normalized listings. No reactor, no network.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy.http import HtmlResponse, TextResponse, XmlResponse
from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader

from crawler import settings as crawler_settings
from crawler.normalize import normalize_listing
from crawler.spiders.base import SourceSpider


class UnknownSourceError(LookupError):
    pass


def spider_class(source: str) -> type[SourceSpider]:
    """The spider class of a source slug; a clear error listing the known ones otherwise."""
    loader = SpiderLoader.from_settings(
        Settings({"SPIDER_MODULES": crawler_settings.SPIDER_MODULES})
    )
    try:
        return loader.load(source)
    except KeyError:
        known = ", ".join(sorted(loader.list()))
        raise UnknownSourceError(f"unknown source {source!r}; known sources: {known}") from None


def response_for_file(path: Path, url: str) -> TextResponse:
    body = path.read_bytes()
    suffix = path.suffix.lower()
    cls: type[TextResponse]
    if suffix in {".html", ".htm"}:
        cls = HtmlResponse
    elif suffix in {".xml", ".rss"}:
        cls = XmlResponse
    else:
        cls = TextResponse
    headers = {"Content-Type": "application/json"} if cls is TextResponse else {}
    return cls(
        url=url, body=body, headers=headers, encoding="utf-8" if cls is TextResponse else None
    )


def parse_capture_file(
    source: str,
    path: str | Path,
    *,
    url: str | None = None,
    frozen_now: str | None = None,
    normalize: bool = True,
) -> list[dict[str, Any]]:
    """Listings of one recorded response of `source`, normalized unless asked otherwise."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such capture file: {path}")
    cls = spider_class(source)
    spider = cls()
    spider.frozen_now = frozen_now
    response = response_for_file(path, url or cls.capture_url(path))
    items = [dict(item) for item in spider.parse_capture(response)]
    return [normalize_listing(item) for item in items] if normalize else items
