"""`evaljobs demo`: the whole product offline — recorded sources, real spiders, the site."""

from __future__ import annotations

from pathlib import Path

import click

from evaljobs.paths import data_dir


@click.command()
@click.option(
    "--db",
    "db_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Demo catalogue path (default data/demo/catalogue.db).",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Build the demo catalogue and exit.")
def demo(db_path: Path | None, host: str, port: int, no_serve: bool) -> None:
    """Crawl the bundled recorded responses into a fresh catalogue, then serve the site."""
    from evaljobs.demo import build_demo, summarize

    db_path = db_path or data_dir() / "demo" / "catalogue.db"
    click.echo(f"Building the demo catalogue at {db_path} from recorded responses (no network)...")
    results = build_demo(db_path)
    for row in summarize(results):
        click.echo(
            f"  {row['source']:<16} {row['status']:<8} {row['items']:>4} listings  {row['note']}"
        )
    if no_serve:
        return
    from catalogue.site_app import serve

    click.echo(f"Serving http://{host}:{port}/  (Ctrl-C to stop)")
    serve(db_path, host=host, port=port)


COMMANDS = [demo]
