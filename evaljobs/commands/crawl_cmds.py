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
@click.option("--raw", is_flag=True, help="Print the items as the spider yields them, not normalized.")
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
@click.option("--db", "db_path", type=click.Path(path_type=Path), default=None, help="Catalogue path.")
@click.option("--timeout", type=float, default=1800, show_default=True, help="Seconds per source.")
def crawl(sources: tuple[str, ...], db_path: Path | None, timeout: float) -> None:
    """Crawl SOURCES live (all enabled sources when none is named) into the catalogue."""
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
    failed = 0
    for source in chosen:
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
@click.option("--db", "db_path", type=click.Path(path_type=Path), default=None, help="Catalogue path.")
@click.option("--raw", "raw_dir", type=click.Path(path_type=Path, file_okay=False), default=None, help="Raw archive folder.")
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
