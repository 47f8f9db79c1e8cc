"""Running a crawl of one source: a `scrapy crawl` subprocess, its timeout, its result.

Each crawl runs in its own process because a Twisted reactor cannot restart inside one
process; the scheduler, `evaljobs crawl`, the demo and the end-to-end tests all use
`run_crawl`. The crawl's pipelines write the catalogue and record the run in `crawl_runs`;
this module only starts the process, waits (killing it past the timeout, which leaves
the catalogue as it was before the unfinished batch) and reads the run it recorded.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from catalogue.schema import writing
from evaljobs.paths import PROJECT_ROOT


@dataclass(frozen=True)
class CrawlResult:
    source: str
    returncode: int
    timed_out: bool
    run: dict[str, Any] | None  # the crawl_runs row the crawl recorded, if it got that far
    log_tail: str
    skipped: bool = False  # another crawl of the source held its lock; nothing ran

    @property
    def status(self) -> str:
        if self.skipped:
            return "skipped"
        if self.timed_out:
            return "failed"
        return (self.run or {}).get("status") or "failed"


def crawl_env(
    db_path: Path,
    *,
    raw_dir: Path | None = None,
    base_urls: dict[str, str] | None = None,
    frozen_now: str | None = None,
) -> dict[str, str]:
    env = dict(os.environ)
    env["EVALJOBS_DB"] = str(db_path)
    if raw_dir is not None:
        env["EVALJOBS_RAW_DIR"] = str(raw_dir)
    if base_urls:
        env["EVALJOBS_BASE_URLS"] = json.dumps(base_urls)
    if frozen_now:
        env["EVALJOBS_FROZEN_NOW"] = frozen_now
    env["SCRAPY_SETTINGS_MODULE"] = "crawler.settings"
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH", "")])
    )
    return env


def run_crawl(
    source: str,
    db_path: Path,
    *,
    raw_dir: Path | None = None,
    base_urls: dict[str, str] | None = None,
    settings: dict[str, Any] | None = None,
    spider_args: dict[str, str] | None = None,
    timeout: float | None = 1800,
    frozen_now: str | None = None,
) -> CrawlResult:
    """Crawl `source` into the catalogue at `db_path` in a subprocess; return how it went.

    Holds the source's crawl lock ("crawl-<source>" in the catalogue's locks/ folder, see
    evaljobs.locks) throughout, so a
    manual `evaljobs crawl` and the scheduler never crawl one source at once: when the
    lock is held, nothing runs and the result's status is "skipped" at once (no waiting).
    """
    from evaljobs.locks import LockHeld, hold_lock

    try:
        with hold_lock(f"crawl-{source}", near=db_path):
            return _run_crawl_locked(
                source,
                db_path,
                raw_dir=raw_dir,
                base_urls=base_urls,
                settings=settings,
                spider_args=spider_args,
                timeout=timeout,
                frozen_now=frozen_now,
            )
    except LockHeld as error:
        return CrawlResult(source, 0, False, None, f"skipped: {error}", skipped=True)


def _run_crawl_locked(
    source: str,
    db_path: Path,
    *,
    raw_dir: Path | None,
    base_urls: dict[str, str] | None,
    settings: dict[str, Any] | None,
    spider_args: dict[str, str] | None,
    timeout: float | None,
    frozen_now: str | None,
) -> CrawlResult:
    command = [sys.executable, "-m", "scrapy", "crawl", source]
    for key, value in (settings or {}).items():
        command += ["-s", f"{key}={value}"]
    for key, value in (spider_args or {}).items():
        command += ["-a", f"{key}={value}"]
    before = _last_run_id(db_path, source)
    process = subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        env=crawl_env(db_path, raw_dir=raw_dir, base_urls=base_urls, frozen_now=frozen_now),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    timed_out = False
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        # SIGTERM first: Scrapy shuts down and the open transaction is rolled back.
        os.killpg(process.pid, signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
        _mark_unfinished_runs_failed(db_path, source, before, "killed after the crawl timeout")
    run = _last_run(db_path, source, after=before)
    return CrawlResult(source, process.returncode, timed_out, run, (output or "")[-4000:])


def _last_run_id(db_path: Path, source: str) -> int:
    if not Path(db_path).exists():
        return 0
    db = sqlite_utils.Database(db_path)
    try:
        if "crawl_runs" not in db.table_names():
            return 0
        row = db.execute("select max(id) from crawl_runs where source = ?", [source]).fetchone()
        return int(row[0] or 0)
    finally:
        db.close()


def _last_run(db_path: Path, source: str, *, after: int) -> dict[str, Any] | None:
    if not Path(db_path).exists():
        return None
    db = sqlite_utils.Database(db_path)
    try:
        rows = list(
            db.query(
                "select * from crawl_runs where source = ? and id > ? order by id desc limit 1",
                [source, after],
            )
        )
        return rows[0] if rows else None
    finally:
        db.close()


def _mark_unfinished_runs_failed(db_path: Path, source: str, after: int, note: str) -> None:
    if not Path(db_path).exists():
        return
    db = sqlite_utils.Database(db_path)
    try:
        with writing(db):
            db.execute(
                "update crawl_runs set status = 'failed', note = ? "
                "where source = ? and id > ? and status = 'running'",
                [note, source, after],
            )
    finally:
        db.close()


def after_crawl(db_path: Path, source: str) -> None:
    """The catalogue's post-crawl work, run by the scheduler after each crawl.

    Grouping, closing and the site's precomputed tables are kept up to date inside the
    crawl itself (the store pipeline and SQLite triggers); what is left is housekeeping
    that keeps the served catalogue fast: refreshed query-planner statistics and a WAL
    checkpoint so the write-ahead log does not grow without bound.
    """
    if not Path(db_path).exists():
        return
    db = sqlite_utils.Database(db_path)
    try:
        db.conn.execute("PRAGMA busy_timeout = 30000")
        db.conn.execute("PRAGMA optimize")
        db.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    finally:
        db.close()
