"""Downloader middleware of the crawler: retries that honour a source's Retry-After.

`RetryAfterMiddleware` replaces Scrapy's RetryMiddleware (same settings: RETRY_ENABLED,
RETRY_TIMES, RETRY_HTTP_CODES, per-request `max_retry_times` / `dont_retry`). When a 429 or
503 carries `Retry-After` (seconds, or an HTTP date), the retry waits that long before it is
sent again, instead of hammering a source that asked us to slow down. The wait never exceeds
EVALJOBS_RETRY_AFTER_MAX seconds: a source asking for longer is not retried earlier than it
asked, the request is given up (the spider's errback then marks the run partial, so it closes
nothing). Every honoured wait, its seconds and every give-up are counted in the crawl stats
under ``evaljobs/retry_after/...``, which is how tests check it (never by the clock). Without
the header, or for other codes, retries work exactly as Scrapy's own.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.http import Request, Response
from scrapy.utils.asyncio import sleep
from scrapy.utils.response import response_status_message

logger = logging.getLogger(__name__)

RETRY_AFTER_CODES = frozenset({429, 503})
DEFAULT_RETRY_AFTER_MAX = 120.0  # seconds; a polite crawl can wait this long, a run not much longer

STAT_HONOURED = "evaljobs/retry_after/honoured"
STAT_WAITED = "evaljobs/retry_after/waited_seconds"
STAT_TOO_LONG = "evaljobs/retry_after/too_long"


def retry_after_seconds(value: str | bytes | None, now: datetime | None = None) -> float | None:
    """Seconds a `Retry-After` header asks to wait, or None when it says nothing usable.

    The header is either delta-seconds ("120") or an HTTP date ("Wed, 21 Oct 2026 07:28:00
    GMT", RFC 9110 §10.2.3); a date in the past means "now" (0 seconds).
    """
    if value is None:
        return None
    text = (value.decode("latin-1") if isinstance(value, bytes) else str(value)).strip()
    if not text:
        return None
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


class RetryAfterMiddleware(RetryMiddleware):
    """RetryMiddleware that waits as long as a 429/503's Retry-After asks (up to a cap)."""

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.max_wait = settings.getfloat("EVALJOBS_RETRY_AFTER_MAX", DEFAULT_RETRY_AFTER_MAX)

    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        if (
            response.status not in RETRY_AFTER_CODES
            or response.status not in self.retry_http_codes
            or request.meta.get("dont_retry", False)
        ):
            return super().process_response(request, response)
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait is None:
            return super().process_response(request, response)
        stats = self.crawler.stats
        if wait > self.max_wait:
            # Retrying sooner than asked would be impolite; waiting longer would stall the run.
            logger.warning(
                "%s asks to retry after %.0f s (more than EVALJOBS_RETRY_AFTER_MAX=%.0f s); giving up on %s",
                response.status,
                wait,
                self.max_wait,
                request.url,
            )
            stats.inc_value(STAT_TOO_LONG)
            return response
        retry = self.retry_request(request, response)
        if retry is None:
            return response  # retries exhausted: the errback sees the 429/503
        stats.inc_value(STAT_HONOURED)
        stats.inc_value(STAT_WAITED, wait)
        logger.info(
            "%s with Retry-After %.0f s; waiting before retrying %s",
            response.status,
            wait,
            request.url,
        )
        await self.wait(wait)
        return retry

    def retry_request(self, request: Request, response: Response) -> Request | None:
        """The retry Scrapy's own RetryMiddleware would make (same counters and limits)."""
        assert self.crawler.spider is not None
        return get_retry_request(
            request,
            spider=self.crawler.spider,
            reason=response_status_message(response.status),
            max_retry_times=request.meta.get("max_retry_times", self.max_retry_times),
            priority_adjust=request.meta.get("priority_adjust", self.priority_adjust),
            give_up_log_level=request.meta.get("give_up_log_level", self.give_up_log_level),
        )

    async def wait(self, seconds: float) -> None:
        """Sleep without blocking the reactor (other sources' requests go on meanwhile)."""
        if seconds > 0:
            await sleep(seconds)
