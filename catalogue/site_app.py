"""The site: a Datasette 0.65 instance over the catalogue, configured for job seekers.

This module owns how the site is assembled: the catalogue opened (and migrated, so the
site's own tables of catalogue/browse.py exist) under the database name `catalogue`, the
metadata of catalogue/site/metadata.yml plus one canned query per background, the templates
and static files of catalogue/site/, the evaljobs plugin, and the settings that keep it fast
and read-only (a SQL time limit, no database download, no suggested facets). `make_datasette`
gives an in-process instance (tests and the benchmark use its `.client`); `serve` runs it
with uvicorn. No endpoint writes: the catalogue is opened read-only by Datasette and no
canned query is a write query.
"""

from __future__ import annotations

import copy
import urllib.parse
from pathlib import Path
from typing import Any

import yaml
from datasette.app import Datasette
from datasette.database import Database
from datasette.plugins import pm

from catalogue.schema import open_catalogue
from catalogue.site.plugins import evaljobs_site, evaljobs_subscriptions

SITE_DIR = Path(__file__).resolve().parent / "site"
DATABASE_NAME = evaljobs_site.DATABASE

# Fast, read-only defaults; see DESIGN.md "Known costs" for why facets are precomputed.
SETTINGS: dict[str, Any] = {
    "sql_time_limit_ms": 1500,
    "facet_time_limit_ms": 800,
    "suggest_facets": False,
    "default_page_size": 20,
    "max_returned_rows": 1000,
    "allow_download": False,
    "default_cache_ttl": 60,
    "num_sql_threads": 3,
    "truncate_cells_html": 400,
}


def background_query(slug: str, background: dict[str, Any]) -> dict[str, Any]:
    """The canned query of one "Search by background" page (also a feed: atom_* columns)."""
    # One primary-key probe per field: the newest shown cards are read in index order and
    # the first 100 that pass are kept (a common field stops early; a field with no listing
    # reads the whole default view once, still well under the page budget).
    probes = []
    for facet, values in (("domain", background["domains"]), ("role", background["roles"])):
        if values:
            listed = ", ".join(f"'{v}'" for v in values)
            probes.append(
                "exists (select 1 from listing_facets f where f.card = listing_cards.card "
                f"and f.facet = '{facet}' and f.value in ({listed}))"
            )
    where = " or ".join(probes)
    sql = f"""select c.id, c.title, c.company, c.employer, c.employer_key, c.source, c.url, c.pay_text,
  c.pay_hourly_min, c.pay_hourly_max, c.pay_currency, c.pay_band, c.remote_scope, c.location_raw,
  c.countries, c.role_types, c.domains, c.languages, c.verdict, c.flags, c.relevant, c.listed_at, c.first_seen,
  c.last_seen, c.closed_at, c.source_links,
  'tag:evaljobs,2026:background-{slug}:' || c.id as atom_id,
  c.title || ' — ' || coalesce(c.company, 'employer not named') as atom_title,
  coalesce(c.last_seen, c.first_seen) as atom_updated,
  '<p><strong>' || html_escape(coalesce(c.company, 'Employer not named')) || '</strong> · '
    || html_escape(coalesce(c.pay_text, 'pay not stated')) || '</p><p>Scam check: '
    || html_escape(verdict_label(c.verdict)) || '</p>' as atom_content_html,
  listing_url(c.id, c.url) as atom_link
from (
  select * from listing_cards
  where shown = 1 and ({where})
  order by listed_at desc
  limit 100
) c
order by c.listed_at desc"""
    return {
        "title": f"Jobs for {background['label'].lower()}",
        "description": "Open listings in "
        + ", ".join(evaljobs_site.DOMAIN_LABELS.get(d, d) for d in background["domains"])
        + (
            " or with role types "
            + ", ".join(evaljobs_site.ROLE_LABELS.get(r, r) for r in background["roles"])
            if background["roles"]
            else ""
        )
        + ", newest first.",
        "sql": sql,
    }


def load_metadata(path: Path | None = None) -> dict[str, Any]:
    """metadata.yml plus the generated background queries."""
    with open(path or SITE_DIR / "metadata.yml", encoding="utf-8") as handle:
        metadata = yaml.safe_load(handle)
    metadata = copy.deepcopy(metadata)
    queries = metadata["databases"][DATABASE_NAME].setdefault("queries", {})
    for slug, background in evaljobs_site.BACKGROUNDS.items():
        queries[f"background_{slug}"] = background_query(slug, background)
    return metadata


def _register_plugin() -> None:
    # Registered as a module (not through --plugins-dir) so tests and the benchmark can
    # import its pure helpers; registering twice would run every hook twice.
    for name, module in (
        ("evaljobs_site", evaljobs_site),
        ("evaljobs_subscriptions", evaljobs_subscriptions),
    ):
        if pm.get_plugin(name) is None and not pm.is_registered(module):
            pm.register(module, name=name)


def split_base_url(base_url: str | None) -> tuple[str, str]:
    """(public URL or "", Datasette base_url path) from --base-url.

    "https://jobs.example.org/evaljobs/" is a public address: feeds and the sitemap use it
    and the site is served under "/evaljobs/". "/evaljobs/" is only a path prefix.
    """
    if not base_url:
        return "", "/"
    parsed = urllib.parse.urlsplit(base_url)
    if parsed.scheme in ("http", "https") and parsed.netloc:
        path = parsed.path or "/"
        public = f"{parsed.scheme}://{parsed.netloc}{path}".rstrip("/")
    else:
        path = base_url
        public = ""
    if not path.startswith("/"):
        path = "/" + path
    if not path.endswith("/"):
        path += "/"
    return public, path


def make_datasette(
    db_path: str | Path,
    *,
    base_url: str | None = None,
    settings: dict[str, Any] | None = None,
    migrate: bool = True,
) -> Datasette:
    """A Datasette serving the catalogue at `db_path` as the evaljobs site."""
    db_path = Path(db_path)
    if migrate:
        # The site's tables (catalogue/browse.py) must exist before it reads them.
        open_catalogue(db_path).conn.close()
    elif not db_path.exists():
        raise FileNotFoundError(f"no catalogue at {db_path}")
    _register_plugin()
    public_url, path_prefix = split_base_url(base_url)
    evaljobs_site.set_public_url(public_url)
    ds = Datasette(
        [],
        metadata=load_metadata(),
        template_dir=str(SITE_DIR / "templates"),
        static_mounts=[("static", str(SITE_DIR / "static"))],
        settings={**SETTINGS, "base_url": path_prefix, **(settings or {})},
    )
    ds.add_database(Database(ds, path=str(db_path), is_mutable=True), name=DATABASE_NAME)
    return ds


def serve(
    db_path: str | Path, host: str = "127.0.0.1", port: int = 8001, base_url: str | None = None
) -> None:
    """Serve the site with uvicorn until interrupted."""
    import asyncio

    import uvicorn

    ds = make_datasette(db_path, base_url=base_url)
    asyncio.run(ds.invoke_startup())  # what `datasette serve` does before uvicorn starts
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning")
