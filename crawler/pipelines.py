"""Normalize -> Classify -> Store: thin Scrapy adapters over the pure code.

RawArchivePipeline writes each item exactly as the spider yielded it to
``<raw dir>/<source>/<date>.jsonl`` (a pipeline rather than FEEDS, because feed exports see
items only after every pipeline has changed them). NormalizePipeline applies
`crawler.normalize.normalize_listing`; StorePipeline judges each batch with
`classifier.judge_many` (the classify step, batched because the judge vectorises) and
writes it to the catalogue in one transaction, and, when the spider
closes, records the run and lets a healthy, complete run close what it no longer saw.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import DropItem

from catalogue import groups, store
from catalogue.reference import sync_table
from catalogue.schema import open_catalogue
from crawler.normalize import normalize_listing
from crawler.run_status import error_count, run_status, skipped_count

logger = logging.getLogger(__name__)


class _CrawlerAware:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.settings = crawler.settings

    @classmethod
    def from_crawler(cls, crawler: Any) -> _CrawlerAware:
        return cls(crawler)

    @property
    def spider(self) -> Any:
        return self.crawler.spider


class RawArchivePipeline(_CrawlerAware):
    """Append every item, unchanged, to the raw archive (never edited afterwards)."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        raw_dir = self.settings.get("EVALJOBS_RAW_DIR")
        self.raw_dir = Path(raw_dir) if raw_dir else None
        self._file: Any = None

    def open_spider(self) -> None:
        if self.raw_dir is None:
            return
        day = datetime.now(UTC).strftime("%Y-%m-%d")
        path = self.raw_dir / self.spider.name / f"{day}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("a", encoding="utf-8")
        # Run markers let `evaljobs rebuild` replay each crawl as the run it was.
        self._write({"_run_start": {"source": self.spider.name, "started_at": self._now()}})
        self.crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self._file is None:
            return
        status, note = run_status(self.crawler.stats.get_stats(), reason)
        self._write(
            {
                "_run_end": {
                    "source": spider.name,
                    "status": status,
                    "note": note,
                    "finished_at": self._now(),
                }
            }
        )
        self._file.close()
        self._file = None

    def _now(self) -> str:
        return self.settings.get("EVALJOBS_FROZEN_NOW") or store.utc_now()

    def _write(self, record: dict[str, Any]) -> None:
        self._file.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        self._file.flush()

    def process_item(self, item: Any) -> Any:
        if self._file is not None:
            self._write(ItemAdapter(item).asdict())
        return item


def sync_reference_tables(db: Any) -> None:
    """Copy the employer registry and the source terms into the catalogue."""
    from crawler.registry import registry_rows
    from crawler.sources import source_rows

    sync_table(db, "employers", "key", registry_rows())
    sync_table(db, "sources", "slug", source_rows())


class NormalizePipeline(_CrawlerAware):
    """Fill the normalized fields; a posting with no id or title is dropped and counted.

    The employer is recognised in the registry by name or by the posting's link domain.
    """

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        from crawler.registry import load_registry

        self._employers = load_registry()

    def process_item(self, item: Any) -> dict[str, Any]:
        data = ItemAdapter(item).asdict()
        if not str(data.get("source_id") or "").strip() or not str(data.get("title") or "").strip():
            self.crawler.stats.inc_value("evaljobs/skipped")
            self.crawler.stats.inc_value("evaljobs/skipped/no_id_or_title")
            raise DropItem(
                f"[{data.get('source')}] listing without id or title at {data.get('url')}"
            )
        listing = normalize_listing(data)
        listing["employer_key"] = recognise_employer(listing, self._employers)
        return listing


def recognise_employer(listing: dict[str, Any], employers: Any) -> str | None:
    """Registry key of the listing's employer: by company name, else by its link's domain."""
    from crawler.registry import match_employer

    for candidate in (listing.get("company"), listing.get("apply_url"), listing.get("url")):
        if candidate:
            employer = match_employer(str(candidate), employers)
            if employer is not None:
                return employer.key
    return None


class BatchJudge:
    """The judge as a crawl uses it: the model checked once, listings judged in batches.

    Judging happens on the store's batches rather than item by item because the judge
    vectorises: a batch of 200 is several times faster per listing than 200 single calls.
    A judge error on a batch is retried listing by listing, so one bad listing is counted
    and stored unjudged while the others keep their judgement.
    """

    def __init__(self, crawler: Any) -> None:
        from classifier import default_model, judge_many  # the model loads here, once
        from crawler.registry import employers_for_rules, load_registry

        self.crawler = crawler
        self._judge_many = judge_many
        self._employers = employers_for_rules(load_registry())
        self.unavailable: str | None = None
        self.enabled = crawler.settings.getbool("EVALJOBS_JUDGE", True)
        if not self.enabled:  # tests of crawling alone; rebuild judges such listings later
            return
        try:
            default_model()
        except Exception as error:  # no model, or one built with another scikit-learn
            # Listings are still stored (unjudged) but the run is failed, so it closes nothing;
            # `evaljobs rebuild` judges them once a model is there.
            self.unavailable = str(error)
            logger.error("the judge is unavailable: %s", error)
            crawler.stats.set_value("evaljobs/failed", f"judge unavailable: {error}")

    def judge_batch(self, items: list[dict[str, Any]]) -> None:
        if self.unavailable or not self.enabled:
            for item in items:
                item["judgement"] = {}
            return
        try:
            for item, judgement in zip(
                items, self._judge_many(items, employers=self._employers), strict=True
            ):
                item["judgement"] = judgement.to_dict()
        except Exception:
            for item in items:
                self._judge_one(item)

    def _judge_one(self, item: dict[str, Any]) -> None:
        try:
            item["judgement"] = self._judge_many([item], employers=self._employers)[0].to_dict()
        except Exception:  # a bad listing must never stop the crawl
            logger.exception("[%s] judge failed on %s", item.get("source"), item.get("url"))
            self.crawler.stats.inc_value("evaljobs/judge_failures")
            item["judgement"] = {}


class StorePipeline(_CrawlerAware):
    """Judge and write listings to the catalogue in batches, and record the crawl run."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self.db_path = self.settings.get("EVALJOBS_DB")
        self.batch_size = self.settings.getint("EVALJOBS_STORE_BATCH", 200)
        self.db: Any = None
        self.run_id: int | None = None
        self.buffer: list[dict[str, Any]] = []
        self.counts = store.BatchCounts()
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def open_spider(self) -> None:
        self.judge = BatchJudge(self.crawler)
        self.db = open_catalogue(self.db_path)
        sync_reference_tables(self.db)
        self.run_id = store.start_run(self.db, self.spider.name, started_at=self._now())

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        self.buffer.append(item)
        if len(self.buffer) >= self.batch_size:
            self._flush()
        return item

    def close_spider(self) -> None:
        self._flush()

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.db is None or self.run_id is None:
            return
        stats = self.crawler.stats.get_stats()
        status, note = run_status(stats, reason)
        summary = store.finish_run(
            self.db,
            self.run_id,
            status=status,
            counts=self.counts,
            errors=error_count(stats),
            skipped=skipped_count(stats),
            stats=stats,
            note=note,
            finished_at=self._now(),
        )
        grouped = groups.group_run(self.db, self.run_id, now=self._now())
        logger.info(
            "[%s] run %s %s: %s items, %s new, %s changed, %s closed, %s errors, %s grouped%s",
            summary.source,
            summary.run_id,
            summary.status,
            summary.items,
            summary.new,
            summary.changed,
            summary.closed,
            summary.errors,
            grouped,
            f" ({summary.note})" if summary.note else "",
        )
        self.crawler.stats.set_value("evaljobs/run_status", summary.status)
        self.db.close()

    def _flush(self) -> None:
        if not self.buffer:
            return
        self.judge.judge_batch(self.buffer)
        self.counts.add(store.store_batch(self.db, self.run_id, self.buffer, now=self._now()))
        self.buffer = []

    def _now(self) -> str:
        frozen = self.settings.get("EVALJOBS_FROZEN_NOW")
        return frozen or store.utc_now()
