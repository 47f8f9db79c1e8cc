"""Commands that collect listings: `parse` (one capture, offline), `crawl` (live), `rebuild`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from evaljobs.paths import default_db_path


@click.command()
@click.argument("source")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--url", help="The URL the capture answered (default: the source's usual one).")
@click.option(
    "--raw", is_flag=True, help="Print the items as the spider yields them, not normalized."
)
def parse(source: str, file: Path, url: str | None, raw: bool) -> None:
    """Parse one recorded response FILE of SOURCE and print one JSON listing per line."""
    from crawler.capture import UnknownSourceError, parse_capture_file

    try:
        listings = parse_capture_file(source, file, url=url, normalize=not raw)
    except UnknownSourceError as error:
        raise click.UsageError(str(error)) from None
    for listing in listings:
        sys.stdout.write(json.dumps(listing, ensure_ascii=False, default=str) + "\n")
    click.echo(f"{len(listings)} listings from {file}", err=True)


COMMANDS = [parse]


@click.command()
@click.argument("sources", nargs=-1)
@click.option(
    "--db", "db_path", type=click.Path(path_type=Path), default=None, help="Catalogue path."
)
@click.option("--timeout", type=float, default=1800, show_default=True, help="Seconds per source.")
@click.option(
    "--force", is_flag=True, help="Crawl even if the source's least interval has not passed."
)
def crawl(sources: tuple[str, ...], db_path: Path | None, timeout: float, force: bool) -> None:
    """Crawl SOURCES live (all enabled sources when none is named) into the catalogue.

    A source crawled less than its terms' least interval ago (crawler/sources.yaml) is
    skipped unless --force: the sources' terms are kept by the tool, not by memory.
    """
    from crawler.capture import UnknownSourceError, spider_class
    from crawler.sources import load_sources
    from evaljobs.crawling import run_crawl

    db_path = db_path or default_db_path()
    enabled = [slug for slug, terms in load_sources().items() if terms.enabled]
    chosen = list(sources) or enabled
    for source in chosen:
        try:
            spider_class(source)
        except UnknownSourceError as error:
            raise click.UsageError(str(error)) from None
    from datetime import UTC, datetime

    from evaljobs.health import last_runs
    from evaljobs.scheduler import next_due

    terms = load_sources()
    runs = last_runs(db_path)
    failed = 0
    for source in chosen:
        due = next_due(runs.get(source), terms[source].min_interval_hours)
        if not force and due is not None and due > datetime.now(UTC):
            click.echo(
                f"{source}: skipped, not due until {due:%Y-%m-%d %H:%M} UTC; its terms allow one "
                f"crawl every {terms[source].min_interval_hours:g} h (use --force to override)"
            )
            continue
        result = run_crawl(source, db_path, timeout=timeout)
        run = result.run or {}
        click.echo(
            f"{source}: {result.status}  items={run.get('items', 0)} new={run.get('new', 0)} "
            f"changed={run.get('changed', 0)} closed={run.get('closed', 0)} errors={run.get('errors', 0)}"
            + (f"  ({run.get('note')})" if run.get("note") else "")
        )
        failed += result.status == "failed"
    if failed:
        raise SystemExit(1)


COMMANDS.append(crawl)


@click.command()
@click.option(
    "--db", "db_path", type=click.Path(path_type=Path), default=None, help="Catalogue path."
)
@click.option(
    "--raw",
    "raw_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Raw archive folder.",
)
def rebuild(db_path: Path | None, raw_dir: Path | None) -> None:
    """Rebuild the catalogue from the raw archive, re-judged with the current model."""
    from evaljobs.paths import raw_dir as default_raw_dir
    from evaljobs.rebuild import rebuild as rebuild_catalogue

    db_path = db_path or default_db_path()
    raw_dir = raw_dir or default_raw_dir()
    if not raw_dir.is_dir():
        raise click.UsageError(f"no raw archive at {raw_dir}")
    report = rebuild_catalogue(db_path, raw_dir)
    click.echo(
        f"rebuilt {db_path}: {report.runs} runs, {report.items} items, {report.listings} listings"
        + (f", {report.skipped_lines} unreadable lines skipped" if report.skipped_lines else "")
    )


COMMANDS.append(rebuild)


@click.command()
@click.option(
    "--db", "db_path", type=click.Path(path_type=Path), default=None, help="Catalogue path."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines instead of a table.")
def sources(db_path: Path | None, as_json: bool) -> None:
    """Each source's terms and health: last run, status, counts."""
    from crawler.sources import load_sources
    from evaljobs.health import source_health

    db_path = db_path or default_db_path()
    rows = source_health(db_path, load_sources())
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, default=str))
        return
    header = f"{'source':<16}{'on':<4}{'last run':<22}{'status':<9}{'items':>6}{'new':>5}{'chg':>5}{'closed':>7}{'err':>5}  {'every':>6}  republish"
    click.echo(header)
    click.echo("-" * len(header))
    for row in rows:
        click.echo(
            f"{row['source']:<16}{'yes' if row['enabled'] else 'no':<4}{(row['finished_at'] or '-'):<22}"
            f"{(row['status'] or '-'):<9}{row['items']:>6}{row['new']:>5}{row['changed']:>5}{row['closed']:>7}"
            f"{row['errors']:>5}  {row['min_interval_hours']:>5}h  {row['republish']}"
            + (f"  ({row['note']})" if row["note"] else "")
        )


COMMANDS.append(sources)
