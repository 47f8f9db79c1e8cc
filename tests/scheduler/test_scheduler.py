"""The scheduler without waiting in real time: its jobs and triggers, job functions, lock, signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from catalogue import store
from catalogue.schema import open_catalogue
from crawler.sources import load_sources
from evaljobs import crawling, scheduler
from evaljobs.crawling import CrawlResult
from evaljobs.locks import hold_lock
from evaljobs.paths import PROJECT_ROOT

NOW = datetime(2026, 9, 15, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def locks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EVALJOBS_LOCK_DIR", str(tmp_path / "locks"))
    return tmp_path / "locks"


@pytest.fixture
def config(tmp_path: Path) -> scheduler.ScheduleConfig:
    return scheduler.ScheduleConfig(
        db_path=tmp_path / "catalogue.db",
        digest_time="07:30",
        timezone="Europe/Berlin",
        crawl_timeout=600,
        digest_out=tmp_path / "outbox",
    )


def record_run(db_path: Path, source: str, started_at: str, items: int = 3) -> None:
    db = open_catalogue(db_path)
    run_id = store.start_run(db, source, started_at=started_at)
    store.finish_run(
        db,
        run_id,
        status="ok",
        counts=store.BatchCounts(items=items, new=items),
        finished_at=started_at,
    )
    db.close()


def fake_result(source: str, status: str = "ok") -> CrawlResult:
    return CrawlResult(
        source,
        0,
        False,
        {"status": status, "items": 7, "new": 2, "changed": 1, "closed": 1, "errors": 0},
        "",
    )


def test_each_enabled_source_gets_an_interval_job_of_its_min_interval_with_jitter(config):
    sched = scheduler.build_scheduler(config, now=NOW, scheduler_class=BackgroundScheduler)
    sources = load_sources()
    jobs = {job.id: job for job in sched.get_jobs()}
    enabled = {slug for slug, terms in sources.items() if terms.enabled}
    assert {j for j in jobs if j.startswith("crawl:")} == {f"crawl:{s}" for s in enabled}
    assert not any(f"crawl:{s}" in jobs for s, t in sources.items() if not t.enabled)
    for slug in enabled:
        trigger = jobs[f"crawl:{slug}"].trigger
        assert isinstance(trigger, IntervalTrigger)
        assert trigger.interval == timedelta(hours=sources[slug].min_interval_hours)
        assert (
            0 < trigger.jitter <= 1800 and trigger.jitter <= sources[slug].min_interval_hours * 360
        )
        assert jobs[f"crawl:{slug}"].executor == "crawls"


def test_jitter_only_ever_delays_a_crawl_past_its_interval(config):
    sched = scheduler.build_scheduler(config, now=NOW, scheduler_class=BackgroundScheduler)
    job = sched.get_job("crawl:greenhouse")
    start = job.trigger.start_date
    for _ in range(50):
        fire = job.trigger.get_next_fire_time(start, start + timedelta(seconds=1))
        assert timedelta(hours=6) <= fire - start <= timedelta(hours=6, seconds=job.trigger.jitter)


def test_the_digest_runs_daily_at_the_configured_local_time_and_zone(config):
    sched = scheduler.build_scheduler(config, now=NOW, scheduler_class=BackgroundScheduler)
    trigger = sched.get_job("digest").trigger
    assert isinstance(trigger, CronTrigger) and str(trigger.timezone) == "Europe/Berlin"
    fire = trigger.get_next_fire_time(None, NOW)
    assert (fire.hour, fire.minute) == (7, 30) and fire.utcoffset() == timedelta(hours=2)  # CEST
    winter = trigger.get_next_fire_time(None, datetime(2026, 12, 1, tzinfo=UTC))
    assert winter.astimezone(UTC).hour == 6  # still 07:30 in Berlin (CET)


def test_jobs_coalesce_run_one_at_a_time_and_have_a_misfire_grace_time(config):
    sched = scheduler.build_scheduler(config, now=NOW, scheduler_class=BackgroundScheduler)
    sched.start(paused=True)
    try:
        for job in sched.get_jobs():
            assert job.coalesce is True and job.max_instances == 1
            assert job.misfire_grace_time == scheduler.MISFIRE_GRACE_S
    finally:
        sched.shutdown(wait=False)


def test_a_source_is_first_due_one_interval_after_its_last_crawl(config):
    record_run(config.db_path, "greenhouse", "2026-09-15T10:00:00Z")
    record_run(config.db_path, "remotive", "2026-09-13T10:00:00Z")  # overdue
    sched = scheduler.build_scheduler(config, now=NOW, scheduler_class=BackgroundScheduler)
    assert sched.get_job("crawl:greenhouse").trigger.start_date == datetime(
        2026, 9, 15, 16, 0, tzinfo=UTC
    )
    overdue = sched.get_job("crawl:remotive").trigger.start_date
    assert NOW <= overdue < NOW + timedelta(minutes=15)


def test_options_and_environment_configure_the_digest_time_and_zone(tmp_path):
    env = {
        "EVALJOBS_DIGEST_TIME": "06:15",
        "EVALJOBS_TIMEZONE": "America/New_York",
        "EVALJOBS_CRAWL_TIMEOUT": "900",
    }
    from_env = scheduler.ScheduleConfig.from_env(tmp_path / "c.db", env=env)
    assert (from_env.digest_time, from_env.timezone, from_env.crawl_timeout) == (
        "06:15",
        "America/New_York",
        900.0,
    )
    option = scheduler.ScheduleConfig.from_env(
        tmp_path / "c.db", digest_time="07:00", timezone="Europe/Berlin", env=env
    )
    assert (option.digest_time, option.timezone) == ("07:00", "Europe/Berlin")
    with pytest.raises(scheduler.ScheduleConfigError, match="HH:MM"):
        scheduler.ScheduleConfig.from_env(tmp_path / "c.db", digest_time="7pm", env={})
    with pytest.raises(scheduler.ScheduleConfigError, match="time zone"):
        scheduler.ScheduleConfig.from_env(tmp_path / "c.db", timezone="Mars/Olympus", env={})


def test_a_crawl_job_runs_the_crawl_with_its_timeout_then_the_post_crawl_work(
    config, monkeypatch, caplog
):
    calls = []
    monkeypatch.setattr(
        crawling,
        "run_crawl",
        lambda source, db_path, timeout: (
            calls.append(("crawl", source, timeout)) or fake_result(source)
        ),
    )
    monkeypatch.setattr(
        crawling,
        "after_crawl",
        lambda db_path, source: calls.append(("after", source)),
        raising=False,
    )
    caplog.set_level("INFO", logger="evaljobs.scheduler")
    result = scheduler.crawl_job("remotive", str(config.db_path), 600)
    assert result.status == "ok" and calls == [("crawl", "remotive", 600), ("after", "remotive")]
    [line] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("crawl remotive")]
    assert "ok items=7 new=2 changed=1 closed=1" in line and "duration=" in line


def test_a_skipped_crawl_does_no_post_crawl_work_and_a_crashing_one_does_not_stop_the_scheduler(
    config, monkeypatch
):
    after = []
    monkeypatch.setattr(
        crawling, "after_crawl", lambda db_path, source: after.append(source), raising=False
    )
    monkeypatch.setattr(
        crawling,
        "run_crawl",
        lambda source, db_path, timeout: CrawlResult(source, 0, False, None, "", skipped=True),
    )
    assert (
        scheduler.crawl_job("remotive", str(config.db_path), 60).status == "skipped" and after == []
    )

    def boom(source, db_path, timeout):
        raise OSError("no such file: scrapy")

    monkeypatch.setattr(crawling, "run_crawl", boom)
    assert scheduler.crawl_job("remotive", str(config.db_path), 60) is None


def test_run_crawl_skips_a_source_whose_crawl_lock_is_held(tmp_path):
    with hold_lock("crawl-remotive", near=tmp_path / "c.db"):
        result = crawling.run_crawl("remotive", tmp_path / "c.db", timeout=5)
    assert result.status == "skipped" and "already running" in result.log_tail


def test_one_cycle_crawls_every_due_source_then_sends_the_digest(config, monkeypatch):
    record_run(
        config.db_path,
        "greenhouse",
        (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    crawled = []
    monkeypatch.setattr(
        crawling,
        "run_crawl",
        lambda source, db_path, timeout: crawled.append(source) or fake_result(source),
    )
    monkeypatch.delenv("EVALJOBS_SMTP_HOST", raising=False)
    report = scheduler.run_once(config)
    enabled = [s for s, t in load_sources().items() if t.enabled]
    assert crawled == [s for s in enabled if s != "greenhouse"]
    assert report.crawls["greenhouse"].startswith("not due until")
    assert report.digest is not None and report.digest.subscriptions == 0


def test_a_second_scheduler_cannot_start(config):
    with hold_lock(scheduler.SCHEDULER_LOCK, near=config.db_path):
        runner = scheduler.SchedulerRunner.create(config, scheduler_class=BackgroundScheduler)
        with pytest.raises(scheduler.SchedulerBusy, match="already running"):
            runner.run()
        with pytest.raises(scheduler.SchedulerBusy):
            scheduler.run_once(config)


def test_shutdown_waits_for_a_running_crawl_and_stops_the_digest(config, monkeypatch):
    finished = threading.Event()

    def slow_crawl(source, db_path, timeout):
        time.sleep(0.3)
        finished.set()
        return fake_result(source)

    monkeypatch.setattr(crawling, "run_crawl", slow_crawl)
    runner = scheduler.SchedulerRunner.create(config, scheduler_class=BackgroundScheduler)
    runner.scheduler.start()
    runner.scheduler.get_job("crawl:greenhouse").modify(next_run_time=datetime.now(UTC))
    time.sleep(0.1)
    runner.request_shutdown(signal.SIGTERM)
    assert finished.is_set() and runner.stop.is_set()  # waited for the crawl in flight
    assert runner.scheduler.state == scheduler.STATE_STOPPED
    runner.request_shutdown(signal.SIGTERM)  # a second signal while stopping is harmless


def test_sigterm_stops_a_blocking_scheduler_cleanly(config):
    runner = scheduler.SchedulerRunner.create(config)
    for job in runner.scheduler.get_jobs():
        job.modify(next_run_time=datetime.now(UTC) + timedelta(days=1))
    threading.Timer(0.3, os.kill, args=(os.getpid(), signal.SIGTERM)).start()
    before = signal.getsignal(signal.SIGTERM)
    runner.run()  # returns only once the signal handler has shut it down
    assert runner.stop.is_set() and signal.getsignal(signal.SIGTERM) is before
    db = open_catalogue(config.db_path)
    saved = {r["job_id"]: r["next_run_at"] for r in db.query("select * from scheduler_state")}
    assert "digest" in saved and "crawl:greenhouse" in saved


def test_status_shows_next_runs_and_last_results_and_the_last_digest(config):
    from click.testing import CliRunner

    from evaljobs.cli import main

    record_run(config.db_path, "greenhouse", "2026-09-15T10:00:00Z", items=12)
    result = CliRunner().invoke(main, ["status", "--db", str(config.db_path)])
    assert result.exit_code == 0, result.output
    [line] = [ln for ln in result.output.splitlines() if ln.startswith("greenhouse")]
    assert "2026-09-15T16:00:00Z" in line and "ok" in line and "12" in line
    assert "scheduler: not running" in result.output and "digest: none sent yet" in result.output


def test_the_scheduler_module_never_imports_scrapy():
    code = "import sys, evaljobs.scheduler, evaljobs.commands.schedule_cmds; print(any(m.split('.')[0] in ('scrapy', 'twisted') for m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_locks_live_beside_their_catalogue_so_two_catalogues_never_block_each_other(
    tmp_path, monkeypatch
):
    from evaljobs.locks import LockHeld, lock_dir

    monkeypatch.delenv("EVALJOBS_LOCK_DIR")
    one, two = tmp_path / "one" / "catalogue.db", tmp_path / "two" / "catalogue.db"
    assert lock_dir(one) == (tmp_path / "one" / "locks").resolve()
    with hold_lock("crawl-remotive", near=one):
        with hold_lock("crawl-remotive", near=two):
            pass
        with pytest.raises(LockHeld, match="already running"):
            with hold_lock("crawl-remotive", near=one):
                pass
    with hold_lock("crawl-remotive", near=one):  # released when the holder left
        pass


def test_schedule_once_runs_a_cycle_and_refuses_while_a_scheduler_runs(config, monkeypatch):
    from click.testing import CliRunner

    from evaljobs.cli import main

    monkeypatch.setattr(crawling, "run_crawl", lambda source, db_path, timeout: fake_result(source))
    monkeypatch.delenv("EVALJOBS_SMTP_HOST", raising=False)
    args = [
        "schedule",
        "--once",
        "--db",
        str(config.db_path),
        "--digest-out",
        str(config.digest_out),
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    with hold_lock(scheduler.SCHEDULER_LOCK, near=config.db_path):
        busy = CliRunner().invoke(main, args)
        status = CliRunner().invoke(main, ["status", "--db", str(config.db_path)])
    assert busy.exit_code == 1 and "already running" in busy.output
    assert "scheduler: running (pid" in status.output
    bad = CliRunner().invoke(main, [*args, "--timezone", "Mars/Olympus"])
    assert bad.exit_code == 2 and "unknown time zone" in bad.output
