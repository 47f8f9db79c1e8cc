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
