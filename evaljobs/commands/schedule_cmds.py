"""Commands that keep the catalogue fresh on their own: `schedule` (run the scheduler) and `status`.

They read options and the environment into a `ScheduleConfig` and hand over to
`evaljobs.scheduler`; `status` reads the catalogue and the scheduler's lock only.
"""

from __future__ import annotations

from pathlib import Path

import click

from evaljobs.paths import default_db_path


@click.command()
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Catalogue path.",
)
@click.option(
    "--once",
    is_flag=True,
    help="Run one cycle now (every enabled source that is due, then the digest) and exit.",
)
@click.option(
    "--digest-time",
    default=None,
    help="Local time of the daily digest, HH:MM (default $EVALJOBS_DIGEST_TIME or 07:00).",
)
@click.option(
    "--timezone",
    default=None,
    help="Time zone of --digest-time, e.g. Europe/Berlin (default $EVALJOBS_TIMEZONE or UTC).",
)
@click.option(
    "--crawl-timeout",
    type=float,
    default=None,
    help="Seconds a crawl may take (default $EVALJOBS_CRAWL_TIMEOUT or 1800).",
)
@click.option(
    "--base-url", default=None, help="Site URL used in digest links (default $EVALJOBS_BASE_URL)."
)
@click.option(
    "--digest-out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write digests as .eml here when no SMTP host is set (default $EVALJOBS_DIGEST_OUT).",
)
def schedule(
    db_path: Path | None,
    once: bool,
    digest_time: str | None,
    timezone: str | None,
    crawl_timeout: float | None,
    base_url: str | None,
    digest_out: Path | None,
) -> None:
    """Crawl each enabled source at its own interval and send the digest daily, until stopped."""
    from evaljobs.scheduler import (
        ScheduleConfig,
        ScheduleConfigError,
        SchedulerBusy,
        SchedulerRunner,
        run_once,
    )

    try:
        config = ScheduleConfig.from_env(
            db_path or default_db_path(),
            digest_time=digest_time,
            timezone=timezone,
            crawl_timeout=crawl_timeout,
            base_url=base_url,
            digest_out=digest_out,
        )
    except ScheduleConfigError as error:
        raise click.UsageError(str(error)) from None
    try:
        if once:
            report = run_once(config, echo=click.echo)
            failed = [
                s
                for s, r in report.crawls.items()
                if getattr(r, "status", None) == "failed" or r is None
            ]
            if failed:
                raise SystemExit(1)
            return
        click.echo(
            f"scheduler: catalogue {config.db_path}, digest at {config.digest_time} {config.timezone}; "
            "SIGTERM or Ctrl-C stops it cleanly"
        )
        SchedulerRunner.create(config).run()
    except SchedulerBusy as error:
        raise click.ClickException(str(error)) from None


@click.command()
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Catalogue path.",
)
def status(db_path: Path | None) -> None:
    """Show each source's next crawl and last result, and the last digest."""
    from evaljobs.scheduler import last_digest, scheduler_running, source_statuses

    db_path = db_path or default_db_path()
    running = scheduler_running(db_path)
    click.echo(f"scheduler: {'running (' + running + ')' if running else 'not running'}")
    click.echo(
        f"{'source':<16} {'every':>6}  {'next run (UTC)':<21} {'last':<8} {'items':>6} {'new':>5} {'closed':>6}  finished"
    )
    for s in source_statuses(db_path):
        last = s.last or {}
        click.echo(
            f"{s.source:<16} {s.interval_hours:>5g}h  {s.next_run_at or 'due now':<21} {last.get('status') or '-':<8} "
            f"{last.get('items', '-') if last else '-':>6} {last.get('new', '-') if last else '-':>5} "
            f"{last.get('closed', '-') if last else '-':>6}  {last.get('finished_at') or '-'}"
        )
    info = last_digest(db_path)
    if not info or not info.get("digest_date"):
        subs = (info or {}).get("subscriptions", 0)
        click.echo(f"digest: none sent yet ({subs} subscription(s))")
    else:
        click.echo(
            f"digest: {info['digest_date']} sent={info.get('sent', 0)} pending={info.get('pending', 0)} "
            f"rejected={info.get('rejected', 0)} listings={info.get('listings', 0)} "
            f"last sent at {info.get('last_sent_at') or '-'}; {info['subscriptions']} subscription(s)"
        )


COMMANDS = [schedule, status]
