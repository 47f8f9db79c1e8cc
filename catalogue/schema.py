"""The catalogue's schema: every table, index, full-text index and trigger, as migrations.

The schema only ever changes through a new migration appended here (or in another
catalogue module's own migration set, listed in `MIGRATION_SETS`), so an existing
catalogue is upgraded in place and never rebuilt by hand. `open_catalogue` is the one way
the project opens a catalogue: it sets WAL, a busy timeout and foreign keys, then migrates.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils
from sqlite_utils import Migrations

core = Migrations("evaljobs-catalogue")

# Columns of `listings` holding JSON arrays (Datasette facets them with _facet_array).
LISTING_JSON_COLUMNS = (
    "countries",
    "regions",
    "tags",
    "role_types",
    "domains",
    "languages",
    "missing_fields",
    "source_links",
)


@core()
def m001_listings(db: sqlite_utils.Database) -> None:
    db["listings"].create(
        {
            "id": str,  # "<source>:<source_id>"
            "source": str,
            "source_id": str,
            "url": str,
            "apply_url": str,
            "board": str,
            "attribution": str,
            "title": str,
            "company": str,
            "client": str,
            "employer_key": str,
            "description": str,  # clean text; never HTML (the site shows it as text)
            "location_raw": str,
            "remote_scope": str,
            "countries": str,
            "regions": str,
            "pay_text": str,
            "pay_min": float,
            "pay_max": float,
            "pay_currency": str,
            "pay_unit": str,
            "pay_hourly_min": float,
            "pay_hourly_max": float,
            "employment_type": str,
            "posted_at": str,
            "valid_through": str,
            "tags": str,
            "evergreen": int,
            "assessment": str,
            "relevant": int,
            "relevance_score": float,
            "role_types": str,
            "domains": str,
            "languages": str,
            "verdict": str,
            "scam_score": float,
            "model_version": str,
            "missing_fields": str,
            "first_seen": str,
            "last_seen": str,
            "closed_at": str,
            "fetched_at": str,
            "content_hash": str,
            "group_id": str,
            "is_canonical": int,
            "source_links": str,
            "last_run_id": int,
        },
        pk="id",
        not_null={"source", "source_id", "title", "first_seen", "last_seen"},
        defaults={"evergreen": 0, "relevant": 0, "is_canonical": 1},
    )
    for columns in (
        ["source"],
        ["employer_key"],
        ["company"],
        ["verdict"],
        ["group_id"],
        ["first_seen"],
        ["closed_at", "relevant", "first_seen"],
        ["pay_hourly_min"],
    ):
        db["listings"].create_index(columns)
    # FTS5 over title, company and description, kept in sync by triggers on every write.
    db["listings"].enable_fts(
        ["title", "company", "description"], fts_version="FTS5", create_triggers=True
    )


@core()
def m002_red_flags(db: sqlite_utils.Database) -> None:
    db["red_flags"].create(
        {"id": int, "listing_id": str, "flag": str, "evidence": str, "origin": str},
        pk="id",
        foreign_keys=[("listing_id", "listings", "id")],
    )
    db["red_flags"].create_index(["listing_id"])
    db["red_flags"].create_index(["flag"])


@core()
def m003_listing_versions(db: sqlite_utils.Database) -> None:
    db["listing_versions"].create(
        {
            "id": int,
            "listing_id": str,
            "seen_at": str,
            "content_hash": str,
            "changed": str,  # JSON array of field names that changed
            "before": str,  # JSON object: the changed fields' old values
            "after": str,  # JSON object: the changed fields' new values
        },
        pk="id",
        foreign_keys=[("listing_id", "listings", "id")],
    )
    db["listing_versions"].create_index(["listing_id", "seen_at"])


@core()
def m004_crawl_runs(db: sqlite_utils.Database) -> None:
    db["crawl_runs"].create(
        {
            "id": int,
            "source": str,
            "started_at": str,
            "finished_at": str,
            "status": str,  # running | ok | partial | failed | suspect
            "items": int,
            "new": int,
            "changed": int,
            "closed": int,
            "errors": int,
            "skipped": int,
            "duration_s": float,
            "stats": str,  # JSON object: the crawl's counters
            "note": str,
        },
        pk="id",
        defaults={"items": 0, "new": 0, "changed": 0, "closed": 0, "errors": 0, "skipped": 0},
    )
    db["crawl_runs"].create_index(["source", "started_at"])


@core()
def m005_employers_and_sources(db: sqlite_utils.Database) -> None:
    db["employers"].create(
        {
            "key": str,
            "name": str,
            "aliases": str,
            "kind": str,
            "web_domains": str,
            "apply_domains": str,
            "email_domains": str,
            "ats": str,
            "board": str,
            "board_confidence": str,
            "careers_url": str,
            "platform_url": str,
            "listing_interface": str,
            "note": str,
        },
        pk="key",
    )
    db["sources"].create(
        {
            "slug": str,
            "name": str,
            "kind": str,
            "enabled": int,
            "terms_url": str,
            "attribution_text": str,
            "attribution_url": str,
            "min_interval_hours": float,
            "download_delay": float,
            "request_budget": int,
            "republish": str,
            "notes": str,
        },
        pk="slug",
    )


@core()
def m006_grouping_keys(db: sqlite_utils.Database) -> None:
    # Keys that find the same job on another source (see catalogue/groups.py).
    for column in ("apply_key", "job_key", "company_key"):
        db["listings"].add_column(column, str)
        db["listings"].create_index([column])


@core()
def m007_registry_and_terms_columns(db: sqlite_utils.Database) -> None:
    # The registry and the source terms carry more than m005 foresaw: keep all of it.
    for column, kind in (
        ("parent", str),
        ("official_domains", str),
        ("unverified_domains", str),
        ("domains_note", str),
        ("board_region", str),
        ("board_note", str),
        ("jsonld_pages", str),
        ("fixture_only", int),
        ("notes", str),
    ):
        db["employers"].add_column(column, kind)
    for column in ("base_url", "search_param", "disabled_reason"):
        db["sources"].add_column(column, str)


def _migration_sets() -> list[Migrations]:
    """Every migration set of the catalogue, core first."""
    from catalogue.browse import browse  # the site's cards and facet index (catalogue/browse.py)
    from catalogue.digest import digest_migrations  # saved searches, outbox, deliveries

    return [core, browse, digest_migrations]


def migrate(db: sqlite_utils.Database) -> None:
    """Apply every pending migration of every set."""
    for migrations in _migration_sets():
        migrations.apply(db)


@contextmanager
def writing(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """A write transaction that takes the write lock at once (BEGIN IMMEDIATE).

    sqlite-utils' `atomic()` begins a deferred transaction; two processes that both read
    first and then write would make one fail with "database is locked" instead of waiting
    its busy timeout. Nested use (and sqlite-utils calls inside) become savepoints.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    else:
        db.conn.execute("COMMIT")


def open_catalogue(path: str | Path, *, migrate_schema: bool = True) -> sqlite_utils.Database:
    """Open (creating if needed) the catalogue at `path`, in WAL mode, migrated."""
    path = Path(path)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(path)
    db.conn.execute("PRAGMA busy_timeout = 30000")
    db.conn.execute("PRAGMA foreign_keys = ON")
    if str(path) != ":memory:":
        db.enable_wal()
    if migrate_schema:
        migrate(db)
    return db
