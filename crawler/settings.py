"""Scrapy settings of the evaljobs crawler: polite defaults, pipeline order, paths.

Paths and base URLs come from the environment so that tests, the demo and the scheduler
can point the same spiders at a loopback server and a temporary catalogue:
EVALJOBS_DB (catalogue path), EVALJOBS_RAW_DIR (raw archive; empty string turns it off),
EVALJOBS_BASE_URLS (JSON object: source slug -> base URL), EVALJOBS_FROZEN_NOW.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent

BOT_NAME = "evaljobs"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = (
    "evaljobs/0.1 (+https://github.com/evaljobs/evaljobs; job catalogue of human-feedback AI work)"
)
ROBOTSTXT_OBEY = True

# Politeness: one request at a time per site, a delay, and AutoThrottle on top of it.
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
# Scrapy's retry, plus waiting as long as a 429/503's Retry-After asks (crawler/middlewares.py).
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.RetryAfterMiddleware": 550,
}
EVALJOBS_RETRY_AFTER_MAX = 120  # seconds; a source asking for longer is given up, not hammered
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = os.environ.get("EVALJOBS_LOG_LEVEL", "INFO")

# Per-source delays, budgets and intervals live in crawler/sources.yaml (SourceTerms).

# Classify runs inside StorePipeline on each batch (BatchJudge): the judge vectorises.
ITEM_PIPELINES = {
    "crawler.pipelines.RawArchivePipeline": 100,
    "crawler.pipelines.NormalizePipeline": 200,
    "crawler.pipelines.StorePipeline": 400,
}

EVALJOBS_DB = os.environ.get("EVALJOBS_DB", str(_ROOT / "data" / "catalogue.db"))
EVALJOBS_RAW_DIR = os.environ.get("EVALJOBS_RAW_DIR", str(_ROOT / "data" / "raw"))
EVALJOBS_BASE_URLS = json.loads(os.environ.get("EVALJOBS_BASE_URLS", "{}") or "{}")
EVALJOBS_FROZEN_NOW = os.environ.get("EVALJOBS_FROZEN_NOW") or None
EVALJOBS_STORE_BATCH = 200
# False stores listings unjudged (crawl-only tests); `evaljobs rebuild` judges them later.
EVALJOBS_JUDGE = True
