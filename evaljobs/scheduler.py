"""The scheduler: each enabled source crawled at its own interval, and the daily digest.

This module owns when things run. It builds an APScheduler 3.x `BlockingScheduler` with
one interval job per enabled source (its `min_interval_hours` from crawler/sources.yaml,
jittered only later, never earlier, so a source is never asked more often than its terms
allow), first due one interval after that source's last crawl, and one cron job for the
digest at a local time in a time zone. Every crawl is `run_crawl` (a `scrapy crawl`
subprocess with a timeout: this process never imports Scrapy) followed by the
catalogue's post-crawl work (`evaljobs.crawling.after_crawl`, when present). Only one
scheduler runs per catalogue (a file lock beside it); crawls also take their per-source lock
inside `run_crawl`, so a manual `evaljobs crawl` and the scheduler never overlap. On
SIGTERM or SIGINT the scheduler stops taking jobs, the digest stops after the message in
flight (the rest stays pending in the outbox), and a running crawl is let finish
(bounded by its timeout) before the process exits. Each run logs one line.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlite_utils
from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    EVENT_SCHEDULER_START,
    JobEvent,
    SchedulerEvent,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.base import STATE_STOPPED, BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from evaljobs import crawling
from evaljobs.health import last_runs
from evaljobs.locks import LockHeld, hold_lock, holder_of, is_locked

log = logging.getLogger("evaljobs.scheduler")

SCHEDULER_LOCK = "scheduler"
DIGEST_JOB_ID = "digest"
# Jitter: a share of the interval, at most half an hour; APScheduler 3 only ever adds it.
JITTER_SHARE = 0.1
JITTER_MAX_S = 1800.0
# A crawl or digest that could not start on time may still start this late (seconds):
# a scheduler that was busy or paused a little should catch up once, not skip a day.
MISFIRE_GRACE_S = 3600
# Sources never crawled (or overdue) start this far apart after a start, not all at once.
FIRST_RUN_STAGGER = timedelta(seconds=30)


class SchedulerBusy(RuntimeError):
    """Another scheduler holds the lock."""


class ScheduleConfigError(ValueError):
    """A setting of the scheduler cannot work; the message names it."""


def _parse_time(value: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", value.strip())
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ScheduleConfigError(f"digest time {value!r}: expected HH:MM, e.g. 07:00")
    return int(match.group(1)), int(match.group(2))


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleConfigError(
            f"unknown time zone {name!r}: expected an IANA name such as Europe/Berlin"
        ) from None


@dataclass(frozen=True)
class ScheduleConfig:
    """What the scheduler needs; `from_env` fills it from options and the environment."""

    db_path: Path
    digest_time: str = "07:00"
    timezone: str = "UTC"
    crawl_timeout: float = 1800.0
    base_url: str = "http://localhost:8001"
    digest_out: Path | None = None  # .eml folder when no SMTP host is set
    crawl_workers: int = 2  # crawls at once (each a subprocess writing the catalogue)
    misfire_grace_s: int = MISFIRE_GRACE_S

    def __post_init__(self) -> None:
        _parse_time(self.digest_time)
        _zone(self.timezone)
        if self.crawl_timeout <= 0:
            raise ScheduleConfigError(f"crawl timeout must be positive, not {self.crawl_timeout}")
        if self.crawl_workers < 1:
            raise ScheduleConfigError("crawl workers must be at least 1")

    @classmethod
    def from_env(
        cls,
        db_path: Path,
        *,
        digest_time: str | None = None,
        timezone: str | None = None,
        crawl_timeout: float | None = None,
        base_url: str | None = None,
        digest_out: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> ScheduleConfig:
        """Options win over EVALJOBS_DIGEST_TIME, EVALJOBS_TIMEZONE, EVALJOBS_CRAWL_TIMEOUT,
        EVALJOBS_BASE_URL, EVALJOBS_DIGEST_OUT and EVALJOBS_CRAWL_WORKERS, which win over defaults."""
        env = os.environ if env is None else env
        out = digest_out or (
            Path(env["EVALJOBS_DIGEST_OUT"]) if env.get("EVALJOBS_DIGEST_OUT") else None
        )
        try:
            timeout = float(crawl_timeout or env.get("EVALJOBS_CRAWL_TIMEOUT") or 1800)
            workers = int(env.get("EVALJOBS_CRAWL_WORKERS") or 2)
        except ValueError as error:
            raise ScheduleConfigError(f"bad number in the environment: {error}") from None
        return cls(
            db_path=Path(db_path),
            digest_time=digest_time or env.get("EVALJOBS_DIGEST_TIME") or "07:00",
            timezone=timezone or env.get("EVALJOBS_TIMEZONE") or "UTC",
            crawl_timeout=timeout,
            base_url=base_url or env.get("EVALJOBS_BASE_URL") or "http://localhost:8001",
            digest_out=out,
            crawl_workers=workers,
        )


def enabled_intervals(sources: Mapping[str, Any] | None = None) -> dict[str, float]:
    """Hours between crawls of each enabled source, from crawler/sources.yaml."""
    if sources is None:
        from crawler.sources import load_sources

        sources = load_sources()
    return {
        slug: float(terms.min_interval_hours) for slug, terms in sources.items() if terms.enabled
    }


def jitter_seconds(interval_hours: float) -> int:
    return int(min(interval_hours * 3600 * JITTER_SHARE, JITTER_MAX_S))


# ---------------------------------------------------------------------------- last runs


def _parse_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(value[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def next_due(last_run: Mapping[str, Any] | None, interval_hours: float) -> datetime | None:
    """When a source may next be crawled: one interval after its last crawl started; None = now."""
    if not last_run:
        return None
    started = _parse_iso(last_run.get("started_at"))
    return started + timedelta(hours=interval_hours) if started else None


# ---------------------------------------------------------------------------- jobs


def crawl_job(source: str, db_path: str, timeout: float) -> crawling.CrawlResult | None:
    """Crawl one source, then the catalogue's post-crawl work; log one line. Never raises."""
    began = time.monotonic()
    try:
        result = crawling.run_crawl(source, Path(db_path), timeout=timeout)
    except Exception:
        log.exception("crawl %s: failed to run", source)
        return None
    if result.status != "skipped":
        try:
            crawling.after_crawl(Path(db_path), source)
        except Exception:
            log.exception("crawl %s: post-crawl work failed", source)
    run = result.run or {}
    log.info(
        "crawl %s: %s items=%s new=%s changed=%s closed=%s errors=%s duration=%.1fs%s",
        source,
        result.status,
        run.get("items", 0),
        run.get("new", 0),
        run.get("changed", 0),
        run.get("closed", 0),
        run.get("errors", 0),
        time.monotonic() - began,
        f" ({run.get('note') or result.log_tail.strip()[-200:]})"
        if result.status in ("skipped", "failed")
        else "",
    )
    return result


def digest_job(config: ScheduleConfig, stop: threading.Event | None = None) -> Any:
    """The daily digest under its lock; log one line. Never raises."""
    from evaljobs.mailer import DigestBusy, MailerConfigError, digest_now

    began = time.monotonic()
    try:
        report = digest_now(
            config.db_path,
            out=config.digest_out,
            base_url=config.base_url,
            should_stop=stop.is_set if stop is not None else None,
        )
    except (DigestBusy, MailerConfigError) as error:
        log.warning("digest: skipped (%s) duration=%.1fs", error, time.monotonic() - began)
        return None
    except Exception:
        log.exception("digest: failed")
        return None
    log.info(
        "digest %s: %s sent=%d retried=%d listings=%d pending=%d rejected=%d duration=%.1fs",
        report.digest_date,
        "stopped: " + report.stopped if report.stopped else "ok",
        report.sent,
        report.resent,
        report.listings,
        report.temporary,
        report.rejected,
        time.monotonic() - began,
    )
    return report


# ---------------------------------------------------------------------------- the scheduler


def build_scheduler(
    config: ScheduleConfig,
    *,
    sources: Mapping[str, Any] | None = None,
    now: datetime | None = None,
    stop: threading.Event | None = None,
    scheduler_class: type[BaseScheduler] = BlockingScheduler,
) -> BaseScheduler:
    """A configured (not started) scheduler: one interval job per enabled source, one digest job."""
    zone = _zone(config.timezone)
    now = now or datetime.now(UTC)
    scheduler = scheduler_class(
        executors={
            "default": ThreadPoolExecutor(1),  # the digest
            "crawls": ThreadPoolExecutor(config.crawl_workers),
        },
        job_defaults={
            "coalesce": True,  # many missed runs make one run, not a burst
            "max_instances": 1,  # a source is never crawled twice at once
            "misfire_grace_time": config.misfire_grace_s,
        },
        timezone=zone,
    )
    runs = last_runs(config.db_path)
    stagger = timedelta(0)
    for source, hours in enabled_intervals(sources).items():
        due = next_due(runs.get(source), hours)
        if due is None or due <= now:
            due = now + stagger
            stagger += FIRST_RUN_STAGGER
        scheduler.add_job(
            crawl_job,
            IntervalTrigger(
                hours=hours, start_date=due, jitter=jitter_seconds(hours), timezone=zone
            ),
            id=f"crawl:{source}",
            name=f"crawl {source}",
            kwargs={
                "source": source,
                "db_path": str(config.db_path),
                "timeout": config.crawl_timeout,
            },
            executor="crawls",
            next_run_time=due,
        )
    hour, minute = _parse_time(config.digest_time)
    scheduler.add_job(
        digest_job,
        CronTrigger(hour=hour, minute=minute, timezone=zone),
        id=DIGEST_JOB_ID,
        name="daily digest",
        kwargs={"config": config, "stop": stop},
        executor="default",
    )
    return scheduler


def save_next_runs(scheduler: BaseScheduler, db_path: Path) -> None:
    """Write each job's next run time to `scheduler_state` (for `evaljobs status`)."""
    rows = []
    stamp = _iso(datetime.now(UTC))
    for job in scheduler.get_jobs():
        next_run = getattr(job, "next_run_time", None)
        source = job.kwargs.get("source")
        rows.append(
            {
                "job_id": job.id,
                "kind": "crawl" if source else "digest",
                "source": source,
                "next_run_at": _iso(next_run),
                "updated_at": stamp,
            }
        )
    db = sqlite_utils.Database(db_path)
    try:
        db.conn.execute("PRAGMA busy_timeout = 30000")
        if "scheduler_state" in db.table_names():
            with db.atomic():
                db.execute("delete from scheduler_state")
                if rows:
                    db["scheduler_state"].insert_all(rows)
    finally:
        db.close()


@dataclass
class SchedulerRunner:
    """A scheduler with its stop flag, its signal handlers and its state file."""

    config: ScheduleConfig
    scheduler: BaseScheduler
    stop: threading.Event = field(default_factory=threading.Event)

    @classmethod
    def create(
        cls,
        config: ScheduleConfig,
        *,
        sources: Mapping[str, Any] | None = None,
        scheduler_class: type[BaseScheduler] = BlockingScheduler,
    ) -> SchedulerRunner:
        stop = threading.Event()
        scheduler = build_scheduler(
            config, sources=sources, stop=stop, scheduler_class=scheduler_class
        )
        runner = cls(config, scheduler, stop)
        scheduler.add_listener(
            runner._on_job_event,
            EVENT_JOB_EXECUTED
            | EVENT_JOB_ERROR
            | EVENT_JOB_MISSED
            | EVENT_JOB_MAX_INSTANCES
            | EVENT_SCHEDULER_START,
        )
        return runner

    def _on_job_event(self, event: JobEvent | SchedulerEvent) -> None:
        if event.code == EVENT_JOB_MISSED:
            log.warning(
                "%s: missed its run time %s (past the grace time)",
                event.job_id,
                event.scheduled_run_time,
            )
        elif event.code == EVENT_JOB_MAX_INSTANCES:
            log.info("%s: skipped, the previous run is still going", event.job_id)
        if self.scheduler.state != STATE_STOPPED:
            try:
                save_next_runs(self.scheduler, self.config.db_path)
            except Exception:  # the state table is a convenience; never stop the scheduler for it
                log.exception("could not save the next run times")

    def request_shutdown(self, signum: int | None = None, frame: FrameType | None = None) -> None:
        """Stop cleanly: no new jobs, the digest stops between messages, running crawls finish.

        Installed as the SIGTERM/SIGINT handler; a second signal while stopping is ignored.
        """
        if self.stop.is_set():
            return
        self.stop.set()
        name = signal.Signals(signum).name if signum else "request"
        log.info("scheduler: %s received, waiting for running jobs to finish", name)
        if self.scheduler.state != STATE_STOPPED:
            self.scheduler.shutdown(wait=True)
        log.info("scheduler: stopped")

    def install_signal_handlers(self) -> dict[int, Any]:
        """Route SIGTERM and SIGINT to `request_shutdown`; return the previous handlers."""
        previous = {}
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, self.request_shutdown)
        return previous

    def run(self) -> None:
        """Start and block until a signal stops the scheduler (under the scheduler lock)."""
        try:
            with hold_lock(SCHEDULER_LOCK, near=self.config.db_path):
                self.config.db_path.parent.mkdir(parents=True, exist_ok=True)
                _ensure_schema(self.config.db_path)
                previous = self.install_signal_handlers()
                try:
                    for job in self.scheduler.get_jobs():
                        log.info("scheduled %s: %s", job.id, job.trigger)
                    # Blocks (BlockingScheduler) until request_shutdown stops it.
                    self.scheduler.start()
                finally:
                    for signum, handler in previous.items():
                        signal.signal(signum, handler)
        except LockHeld as error:
            raise SchedulerBusy(
                f"a scheduler is already running ({error.holder or 'holder unknown'})"
            ) from None


def _ensure_schema(db_path: Path) -> None:
    from catalogue.schema import open_catalogue

    open_catalogue(db_path).close()


# ---------------------------------------------------------------------------- one cycle


@dataclass
class CycleReport:
    crawls: dict[str, Any] = field(
        default_factory=dict
    )  # source -> CrawlResult | "not due until ..."
    digest: Any = None


def run_once(
    config: ScheduleConfig,
    *,
    sources: Mapping[str, Any] | None = None,
    now: datetime | None = None,
    echo: Callable[[str], None] = log.info,
) -> CycleReport:
    """One full cycle now: every enabled source that its terms allow to be crawled, then the digest.

    A source crawled less than its `min_interval_hours` ago is left out (reported as not
    due): "now" never overrides a source's terms. Refuses while a scheduler runs.
    """
    report = CycleReport()
    now = now or datetime.now(UTC)
    try:
        with hold_lock(SCHEDULER_LOCK, near=config.db_path):
            _ensure_schema(config.db_path)
            runs = last_runs(config.db_path)
            for source, hours in enabled_intervals(sources).items():
                due = next_due(runs.get(source), hours)
                if due is not None and due > now:
                    report.crawls[source] = f"not due until {_iso(due)}"
                    echo(f"crawl {source}: not due until {_iso(due)} (every {hours:g} h)")
                    continue
                report.crawls[source] = crawl_job(source, str(config.db_path), config.crawl_timeout)
            report.digest = digest_job(config)
    except LockHeld as error:
        raise SchedulerBusy(
            f"a scheduler is already running ({error.holder or 'holder unknown'})"
        ) from None
    return report


# ---------------------------------------------------------------------------- status


@dataclass(frozen=True)
class SourceStatus:
    source: str
    interval_hours: float
    next_run_at: str | None  # None: due now
    last: dict[str, Any] | None


def scheduler_running(db_path: Path) -> str | None:
    """The holder line of the scheduler running on the catalogue `db_path`, or None."""
    if not is_locked(SCHEDULER_LOCK, near=db_path):
        return None
    return holder_of(SCHEDULER_LOCK, near=db_path) or "running"


def source_statuses(
    db_path: Path, *, sources: Mapping[str, Any] | None = None
) -> list[SourceStatus]:
    """Each enabled source's next run and last result.

    While a scheduler runs, its saved next run times are shown (they include jitter);
    otherwise the next run is one interval after the last crawl started.
    """
    runs = last_runs(db_path)
    saved: dict[str, str | None] = {}
    if scheduler_running(db_path) and Path(db_path).exists():
        db = sqlite_utils.Database(db_path)
        try:
            if "scheduler_state" in db.table_names():
                saved = {
                    r["source"]: r["next_run_at"]
                    for r in db.query("select * from scheduler_state where kind = 'crawl'")
                }
        finally:
            db.close()
    out = []
    for source, hours in enabled_intervals(sources).items():
        last = runs.get(source)
        next_run = saved.get(source) or _iso(next_due(last, hours))
        out.append(SourceStatus(source, hours, next_run, last))
    return out


def last_digest(db_path: Path) -> dict[str, Any] | None:
    """The latest digest: its date, messages by status and listings sent."""
    if not Path(db_path).exists():
        return None
    db = sqlite_utils.Database(db_path)
    try:
        if "digest_messages" not in db.table_names():
            return None
        latest = db.execute("select max(digest_date) from digest_messages").fetchone()[0]
        subscriptions = db.execute(
            "select count(*), max(last_digest_at) from subscriptions"
        ).fetchone()
        info: dict[str, Any] = {
            "digest_date": latest,
            "subscriptions": subscriptions[0],
            "last_digest_at": subscriptions[1],
        }
        if latest:
            for row in db.query(
                "select status, count(*) n from digest_messages where digest_date = ? group by status",
                [latest],
            ):
                info[row["status"]] = row["n"]
            info["listings"] = db.execute(
                "select count(*) from deliveries where digest_date = ? and status = 'sent'",
                [latest],
            ).fetchone()[0]
            info["last_sent_at"] = db.execute(
                "select max(sent_at) from digest_messages"
            ).fetchone()[0]
        info["pending"] = db.execute(
            "select count(*) from digest_messages where status = 'pending'"
        ).fetchone()[0]
        return info
    finally:
        db.close()
