"""The `serve` command: the catalogue as the evaljobs Datasette site."""

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
    help="Catalogue to serve (default: data/catalogue.db or $EVALJOBS_DB).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8001, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--base-url",
    default=None,
    help="Public address (https://host/path/) used in feeds and the sitemap, or just a path prefix (/path/).",
)
def serve(db_path: Path | None, host: str, port: int, base_url: str | None) -> None:
    """Serve the catalogue as a browsable, searchable site with feeds (Datasette)."""
    from catalogue.site_app import serve as serve_site

    db_path = db_path or default_db_path()
    if not db_path.exists():
        raise click.UsageError(f"no catalogue at {db_path}: run `evaljobs demo` or a crawl first")
    click.echo(
        f"evaljobs site on http://{host}:{port}{'' if not base_url else ' (' + base_url + ')'} — Ctrl+C to stop",
        err=True,
    )
    serve_site(db_path, host=host, port=port, base_url=base_url)


COMMANDS = [serve]
