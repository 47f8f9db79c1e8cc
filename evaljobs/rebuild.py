"""Rebuilding the catalogue from the raw archive, judged by the current model.

The raw archive (``<raw>/<source>/<date>.jsonl``) holds every item as its spider yielded it,
between ``_run_start`` / ``_run_end`` markers. `rebuild` replays each run in time order
through the same normalization, employer recognition, judge and store as a live crawl,
into a new catalogue file that replaces the old one only when complete (os.replace), so
a crash during a rebuild leaves the old catalogue untouched. A run without an end marker
(a crawl that was killed) is replayed as failed: it closes nothing.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from catalogue import groups, store
from catalogue.schema import open_catalogue

logger = logging.getLogger(__name__)
BATCH = 500


@dataclass
class RawRun:
    source: str
    started_at: str
    items: list[dict[str, Any]] = field(default_factory=list)
    status: str = "failed"
    note: str = "no end marker: the crawl did not finish"
    finished_at: str | None = None


@dataclass
class RebuildReport:
    runs: int = 0
    items: int = 0
    skipped_lines: int = 0
    listings: int = 0
    kept_tables: list[str] = field(default_factory=list)


def read_raw_runs(raw_dir: Path, report: RebuildReport | None = None) -> list[RawRun]:
    """Every run in the raw archive, oldest first; unreadable lines counted and logged."""
    report = report or RebuildReport()
    runs: list[RawRun] = []
    for path in sorted(Path(raw_dir).glob("*/*.jsonl")):
        current: RawRun | None = None
        for number, line in enumerate(path.open(encoding="utf-8", errors="replace"), start=1):
            try:
                record = json.loads(line)
            except ValueError:
                report.skipped_lines += 1
                logger.warning("rebuild: skipped unreadable line %s:%s", path, number)
                continue
            if "_run_start" in record:
                current = RawRun(path.parent.name, record["_run_start"].get("started_at") or "")
                runs.append(current)
            elif "_run_end" in record:
                if current is not None:
                    end = record["_run_end"]
                    current.status = end.get("status") or "failed"
                    current.note = end.get("note") or ""
                    current.finished_at = end.get("finished_at")
                current = None
            else:
                if current is None:  # items written before run markers existed
                    current = RawRun(path.parent.name, record.get("fetched_at") or "")
                    runs.append(current)
                current.items.append(record)
    runs.sort(key=lambda run: (run.started_at, run.source))
    return runs


# Tables the raw archive rebuilds; every other table (subscriptions, deliveries, scheduler
# state: what people did, which no crawl can replay) is copied over from the old catalogue.
DERIVED_TABLES = {
    "listings",
    "red_flags",
    "listing_versions",
    "crawl_runs",
    "employers",
    "sources",
    "_sqlite_migrations",
}


def keep_people_tables(db: Any, old_path: Path) -> list[str]:
    """Copy the rows of the old catalogue's non-derived tables into the new one."""
    kept: list[str] = []
    db.execute("ATTACH DATABASE ? AS old", [str(old_path)])
    try:
        old_tables = [
            r[0]
            for r in db.execute(
                "select name from old.sqlite_master where type = 'table'"
            ).fetchall()
        ]
        new_tables = set(db.table_names())
        with db.atomic():
            for table in old_tables:
                if (
                    table in DERIVED_TABLES
                    or table.startswith(("listings_fts", "sqlite_"))
                    or table not in new_tables
                ):
                    continue
                if db[table].count:  # filled by the rebuild itself (a derived table we do not know)
                    continue
                old_columns = {
                    r[1] for r in db.execute(f"pragma old.table_info([{table}])").fetchall()
                }
                columns = [c for c in db[table].columns_dict if c in old_columns]
                names = ", ".join(f"[{c}]" for c in columns)
                db.execute(
                    f"insert into main.[{table}] ({names}) select {names} from old.[{table}]"
                )
                kept.append(table)
    finally:
        db.execute("DETACH DATABASE old")
    return kept


def _batches(items: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


def rebuild(db_path: Path, raw_dir: Path) -> RebuildReport:
    """Replay the raw archive into a fresh catalogue that replaces `db_path` when done."""
    from classifier import judge_many
    from crawler.normalize import normalize_listing
    from crawler.pipelines import recognise_employer, sync_reference_tables
    from crawler.registry import employers_for_rules, load_registry

    report = RebuildReport()
    db_path = Path(db_path)
    building = db_path.with_name(db_path.name + ".rebuilding")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{building}{suffix}").unlink(missing_ok=True)
    db = open_catalogue(building)
    sync_reference_tables(db)
    registry = load_registry()
    employers = employers_for_rules(registry)
    for run in read_raw_runs(raw_dir, report):
        run_id = store.start_run(db, run.source, started_at=run.started_at or store.utc_now())
        counts = store.BatchCounts()
        for batch in _batches(run.items):
            listings = []
            for item in batch:
                if (
                    not str(item.get("source_id") or "").strip()
                    or not str(item.get("title") or "").strip()
                ):
                    report.skipped_lines += 1
                    continue
                listing = normalize_listing(item)
                listing["employer_key"] = recognise_employer(listing, registry)
                listings.append(listing)
            for listing, judgement in zip(
                listings, judge_many(listings, employers=employers), strict=True
            ):
                listing["judgement"] = judgement.to_dict()
            counts.add(store.store_batch(db, run_id, listings, now=run.started_at or None))
        store.finish_run(
            db,
            run_id,
            status=run.status,
            counts=counts,
            note=f"rebuilt; {run.note}".rstrip("; "),
            finished_at=run.finished_at or run.started_at or None,
        )
        groups.group_run(db, run_id, now=run.finished_at or run.started_at or None)
        report.runs += 1
        report.items += counts.items
    report.listings = db["listings"].count
    if db_path.exists():
        report.kept_tables = keep_people_tables(db, db_path)
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{building}{suffix}").unlink(missing_ok=True)
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    os.replace(building, db_path)
    return report
