"""How a crawl run ended: ok, partial or failed, from the crawl's own counters.

Pure: reads a stats mapping (Scrapy's crawl stats) and the close reason. Only an ``ok``
run may close listings, so anything that suggests we did not see the whole source — a
request that failed after its retries, a body we could not read, a budget cut short, a
run stopped before it finished — makes the run partial or failed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crawler.spiders.base import (
    STAT_FAILED,
    STAT_PARSE_FAILURES,
    STAT_PARTIAL,
    STAT_REQUEST_FAILURES,
    STAT_SKIPPED,
)


def run_status(stats: Mapping[str, Any], reason: str | None) -> tuple[str, str]:
    """Return (status, note) of a finished crawl: ok | partial | failed."""
    responses = sum(
        int(value)
        for key, value in stats.items()
        if key.startswith("downloader/response_status_count/2")
    )
    failures = int(stats.get(STAT_REQUEST_FAILURES, 0) or 0)
    errors = int(stats.get("log_count/ERROR", 0) or 0) + int(stats.get("spider_exceptions", 0) or 0)
    if stats.get(STAT_FAILED):
        return "failed", str(stats[STAT_FAILED])
    if reason not in (None, "finished"):
        return "failed", f"crawl stopped before it finished ({reason})"
    if responses == 0:
        return "failed", "no successful response"
    if stats.get(STAT_PARTIAL) or failures or errors or stats.get(STAT_PARSE_FAILURES):
        note = str(stats.get(STAT_PARTIAL) or "")
        if errors:
            note = (note + "; " if note else "") + f"{errors} errors in the log"
        return "partial", note or "some requests failed"
    return "ok", ""


def error_count(stats: Mapping[str, Any]) -> int:
    return (
        int(stats.get(STAT_REQUEST_FAILURES, 0) or 0)
        + int(stats.get(STAT_PARSE_FAILURES, 0) or 0)
        + int(stats.get("spider_exceptions", 0) or 0)
    )


def skipped_count(stats: Mapping[str, Any]) -> int:
    return int(stats.get(STAT_SKIPPED, 0) or 0) + int(stats.get("item_dropped_count", 0) or 0)
