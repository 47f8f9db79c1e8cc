"""The Retry-After middleware: how long it waits, when it gives up, what it counts.

The wait itself is replaced by a recorder, so no test sleeps or reads the clock; the crawl
through a real loopback server is in test_greenhouse_faults.py.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from scrapy import Spider
from scrapy.http import Request, Response
from scrapy.utils.test import get_crawler

from crawler.middlewares import RetryAfterMiddleware, retry_after_seconds

NOW = datetime(2026, 9, 15, 12, 0, 0, tzinfo=UTC)


class _Spider(Spider):
    name = "retry-after-test"


@pytest.fixture
def middleware():
    crawler = get_crawler(
        _Spider,
        {"RETRY_TIMES": 2, "RETRY_HTTP_CODES": [429, 500, 503], "EVALJOBS_RETRY_AFTER_MAX": 30},
    )
    crawler.spider = _Spider.from_crawler(crawler)
    mw = RetryAfterMiddleware.from_crawler(crawler)
    mw.waits = []

    async def record(seconds: float) -> None:
        mw.waits.append(seconds)

    mw.wait = record
    return mw


def answer(mw, status: int, retry_after: str | None = None, request: Request | None = None):
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    request = request or Request("http://127.0.0.1/board")
    return asyncio.run(
        mw.process_response(request, Response(request.url, status=status, headers=headers))
    )


def stat(mw, key: str):
    return mw.crawler.stats.get_value(key)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        ("0", 0.0),
        (" 5 ", 5.0),
        ("Tue, 15 Sep 2026 12:00:30 GMT", 30.0),
        ("Tue, 15 Sep 2026 11:59:00 GMT", 0.0),
        ("soon", None),
        ("-5", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(header, seconds):
    assert retry_after_seconds(header, now=NOW) == seconds


def test_a_429_with_retry_after_waits_that_long_before_the_retry(middleware):
    retry = answer(middleware, 429, "7")
    assert isinstance(retry, Request) and retry.meta["retry_times"] == 1
    assert middleware.waits == [7.0]


def test_an_honoured_wait_is_counted_with_its_seconds(middleware):
    answer(middleware, 503, "4")
    assert stat(middleware, "evaljobs/retry_after/honoured") == 1
    assert stat(middleware, "evaljobs/retry_after/waited_seconds") == 4.0
    assert stat(middleware, "retry/count") == 1


def test_a_wait_longer_than_the_cap_gives_up_instead_of_retrying_early(middleware):
    result = answer(middleware, 429, "3600")
    assert isinstance(result, Response) and result.status == 429
    assert middleware.waits == []
    assert stat(middleware, "evaljobs/retry_after/too_long") == 1


def test_retries_stop_after_retry_times_even_with_retry_after(middleware):
    request = Request("http://127.0.0.1/board", meta={"retry_times": 2})
    result = answer(middleware, 429, "1", request=request)
    assert isinstance(result, Response) and result.status == 429
    assert stat(middleware, "retry/max_reached") == 1
    assert middleware.waits == []


def test_a_429_without_the_header_is_retried_as_scrapy_does(middleware):
    retry = answer(middleware, 429)
    assert isinstance(retry, Request)
    assert middleware.waits == []
    assert stat(middleware, "evaljobs/retry_after/honoured") is None


def test_a_500_is_retried_without_waiting_even_with_retry_after(middleware):
    retry = answer(middleware, 500, "10")
    assert isinstance(retry, Request)
    assert middleware.waits == []


def test_a_request_marked_dont_retry_is_left_alone(middleware):
    request = Request("http://127.0.0.1/board", meta={"dont_retry": True})
    result = answer(middleware, 429, "3", request=request)
    assert isinstance(result, Response) and middleware.waits == []


def test_a_200_passes_through(middleware):
    result = answer(middleware, 200, "3")
    assert isinstance(result, Response) and result.status == 200


def test_the_project_settings_put_the_middleware_in_place_of_scrapys_retry():
    from crawler import settings

    assert (
        settings.DOWNLOADER_MIDDLEWARES["scrapy.downloadermiddlewares.retry.RetryMiddleware"]
        is None
    )
    assert "crawler.middlewares.RetryAfterMiddleware" in settings.DOWNLOADER_MIDDLEWARES
