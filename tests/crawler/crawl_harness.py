"""Shared harness of the crawler tests: real crawls on loopback, and a fake Twisted Failure.

Two kinds of real crawl stand here once instead of in every spider's test file:
`board_crawl` serves recorded board answers from `test_greenhouse_faults`' loopback server
and crawls an ATS spider over named boards (see `assert_board_crawl` for the common
"every posting stored, an unknown board counted" check); `platform_crawl` and
`loopback_crawl` run `evaljobs.crawling.run_crawl` for a platform spider (reading back the
stored listings) or a feed / search source against `evaljobs.fixture_server` routes. The registry checks every board spider shares
are `assert_boards_from_registry` and `assert_boards_argument_replaces_registry`; the
platform spiders' parse tests share `parsed` and `stat`, the feeds' `json_parse`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import scrapy
from scrapy.utils.test import get_crawler

from tests.conftest import FIXTURES, FROZEN_NOW

# The judge is left out (with no trained model it fails every run on purpose).
CRAWL_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "RETRY_TIMES": "0",
    "ITEM_PIPELINES": '{"crawler.pipelines.NormalizePipeline": 200, "crawler.pipelines.StorePipeline": 400}',
    "EVALJOBS_JUDGE": "False",
}
# Feed and search sources: the raw archive on too, robots.txt not asked of the loopback server.
LOOPBACK = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "RETRY_TIMES": "0",
    "ROBOTSTXT_OBEY": "False",
    "ITEM_PIPELINES": json.dumps(
        {
            "crawler.pipelines.RawArchivePipeline": 100,
            "crawler.pipelines.NormalizePipeline": 200,
            "crawler.pipelines.StorePipeline": 400,
        }
    ),
    "EVALJOBS_JUDGE": "False",
}


# ---------------------------------------------------------------- board spiders (ATS)


def board_crawl(
    tmp_path: Path, spider: str, boards: str, pages: dict[str, bytes], prefix: str
) -> tuple[dict[str, Any], Any]:
    """Serve `pages` (path -> 200 body) on loopback, crawl `boards` with the spider whose
    base URL is the server's `prefix`: (the crawl_runs row, the server with its hits)."""
    from tests.crawler.test_greenhouse_faults import Answer, LoopbackServer, crawl, last_run

    server = LoopbackServer()
    try:
        for path, body in pages.items():
            server.serve_path(path, Answer(200, body))
        crawl(server, tmp_path, boards, spider=spider, base_url=server.root + prefix)
    finally:
        server.close()
    return last_run(tmp_path), server


def assert_board_crawl(
    tmp_path: Path, spider: str, board: str, path: str, fixture: str, items: int
) -> None:
    """A crawl of `board` (answering `fixture` at `/{spider}{path}`) and of an unknown board
    is ok, stores `items` open listings and counts the unknown board."""
    from tests.crawler.test_greenhouse_faults import open_listings

    body = (FIXTURES / spider / fixture).read_bytes()
    run, _server = board_crawl(
        tmp_path, spider, f"{board},nosuchboard", {f"/{spider}{path}": body}, f"/{spider}"
    )
    assert (run["status"], run["items"]) == ("ok", items)
    assert run["stats"]["evaljobs/unknown_boards/nosuchboard"] == 1
    assert open_listings(tmp_path, spider) == items


def assert_boards_from_registry(
    spider_cls: type, fixture_board: str, live_board: str | None = None
) -> None:
    """The spider's boards come from the registry; fixture-only boards only when asked."""
    live = spider_cls.from_crawler(get_crawler(spider_cls)).boards()
    with_fixtures = spider_cls.from_crawler(
        get_crawler(spider_cls, {"EVALJOBS_INCLUDE_FIXTURE_BOARDS": True})
    ).boards()
    assert fixture_board not in live and fixture_board in with_fixtures
    if live_board is not None:
        assert live_board in live


def assert_boards_argument_replaces_registry(spider_cls: type) -> None:
    spider = spider_cls.from_crawler(get_crawler(spider_cls), boards="one, two")
    assert spider.boards() == ["one", "two"]


# ---------------------------------------------------------------- platform spiders


def loopback_run(
    source: str,
    routes: list[Any],
    tmp_path: Path,
    settings: dict[str, Any],
    spider_args: dict[str, str] | None = None,
) -> tuple[Any, list[str]]:
    """`scrapy crawl {source}` in a subprocess against `routes` on 127.0.0.1, into
    `tmp_path/c.db`: (the CrawlResult, every path the server was asked)."""
    from evaljobs.crawling import run_crawl
    from evaljobs.fixture_server import FixtureServer

    with FixtureServer(routes) as server:
        result = run_crawl(
            source,
            tmp_path / "c.db",
            raw_dir=tmp_path / "raw",
            base_urls={source: server.base_url(source)},
            settings=settings,
            spider_args=spider_args,
            timeout=120,
        )
    return result, server.requests


def loopback_crawl(tmp_path: Path, source: str, routes: list[Any], spider_args: dict[str, str]):
    """A feed or search source's crawl on loopback, raw answers archived: (result, paths asked)."""
    return loopback_run(source, routes, tmp_path, LOOPBACK, spider_args)


def platform_crawl(
    source: str, routes: list[Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, query: str
) -> tuple[Any, list[dict[str, Any]], list[str]]:
    """One `scrapy crawl {source}` against loopback `routes`: (result, rows of `query` on
    the catalogue, paths of the source asked)."""
    import sqlite_utils

    monkeypatch.setenv("EVALJOBS_LOCK_DIR", str(tmp_path / "locks"))
    result, requests = loopback_run(source, routes, tmp_path, CRAWL_SETTINGS)
    asked = [path for path in requests if path.startswith(f"/{source}/")]
    rows = list(sqlite_utils.Database(tmp_path / "c.db").query(query))
    return result, rows, asked


def parsed(spider: Any, response: Any, **kwargs: Any) -> tuple[Any, list[dict], list[Any]]:
    """(spider, normalized listings, requests) of `response` parsed by `spider` at FROZEN_NOW."""
    from crawler.normalize import normalize_listing

    spider.frozen_now = FROZEN_NOW
    results = list(spider.parse(response, **kwargs))
    listings = [normalize_listing(dict(r)) for r in results if not isinstance(r, scrapy.Request)]
    return spider, listings, [r for r in results if isinstance(r, scrapy.Request)]


def json_parse(spider: Any, url: str, body: bytes) -> tuple[list[Any], dict[str, Any]]:
    """Items and counters of `spider`'s live parse callback on a JSON `body` at `url`."""
    from scrapy.http import TextResponse

    from crawler.items import JobListing

    response = TextResponse(url=url, body=body, headers={"Content-Type": "application/json"})
    items = [item for item in spider.parse(response) if isinstance(item, JobListing)]
    return items, spider._stats_fallback


def stat(spider: Any, key: str) -> Any:
    """A counter of a spider run without a crawler (kept in its fallback stats)."""
    return spider._stats_fallback.get(key)


class FakeFailure:
    """The little of a Twisted Failure that the errback reads."""

    def __init__(self, request: scrapy.Request) -> None:
        self.request = request
        self.value = None
        self.type = TimeoutError

    def getErrorMessage(self) -> str:  # noqa: N802 - Twisted's name
        return "timeout"
