"""The site's own tables: denormalised listing cards and a facet index, kept in sync by triggers.

This module owns the catalogue's read side for the Datasette site. `listing_cards` is a narrow
copy of `listings` (no description) with the columns a card shows and a few derived ones
(`shown`, `pay_band`, `listed_at`, `flags`); its integer primary key `card` is the listing's
rowid, so the FTS5 index `listings_fts` searches it directly. `listing_facets(card, facet,
value, shown)` has one row per facet value of a listing (role types, domains, languages,
countries, employer, source, verdict, pay band, remote scope, red flags), and `facet_counts`
holds each value's count in the default view (open, relevant, unflagged): JSON-array facets
computed with `json_each` over 100,000 rows take seconds (DESIGN.md "Known costs"); a lookup
here takes microseconds, and a filtered view joins integer keys. All three are written only by
SQLite triggers on `listings`, `red_flags` and `listing_facets`, so every writer (store.py,
rebuilds, hand edits) keeps them right without knowing they exist. The migrations are
registered in `catalogue.schema._migration_sets()`.
"""

from __future__ import annotations

import sqlite_utils
from sqlite_utils import Migrations

browse = Migrations("evaljobs-browse")

# Hourly pay bands (in the listing's own currency): slug, lower bound inclusive.
PAY_BANDS: tuple[tuple[str, float], ...] = (
    ("under-15", 0.0),
    ("15-25", 15.0),
    ("25-40", 25.0),
    ("40-60", 40.0),
    ("60-100", 60.0),
    ("100-plus", 100.0),
)
PAY_NOT_STATED = "not-stated"

# Facet name -> SQL (over `new.` columns of listings) giving a JSON array of its values.
ARRAY_FACETS: dict[str, str] = {
    "role": "new.role_types",
    "domain": "new.domains",
    "lang": "new.languages",
    "country": "new.countries",
}


def _hourly(prefix: str) -> str:
    return (
        f"coalesce(({prefix}pay_hourly_min + {prefix}pay_hourly_max) / 2.0, "
        f"{prefix}pay_hourly_min, {prefix}pay_hourly_max)"
    )


def pay_band_sql(prefix: str = "new.") -> str:
    """A CASE expression giving the pay band slug of a listing row."""
    hourly = _hourly(prefix)
    whens = " ".join(f"when {hourly} >= {low} then '{slug}'" for slug, low in reversed(PAY_BANDS))
    return (
        f"(case when {hourly} is null then '{PAY_NOT_STATED}' {whens} else '{PAY_NOT_STATED}' end)"
    )


def _shown_sql(prefix: str = "new.") -> str:
    # The default view: open, judged relevant, not flagged as a likely scam, and one card
    # per job (the canonical listing of its cross-source group).
    return (
        f"({prefix}closed_at is null and coalesce({prefix}relevant, 0) = 1 "
        f"and coalesce({prefix}verdict, '') != 'flagged' and coalesce({prefix}is_canonical, 1) = 1)"
    )


_CARD_COLUMNS = (
    "card",
    "id",
    "title",
    "company",
    "employer_key",
    "employer",
    "source",
    "url",
    "apply_url",
    "pay_text",
    "pay_min",
    "pay_max",
    "pay_currency",
    "pay_unit",
    "pay_hourly_min",
    "pay_hourly_max",
    "pay_band",
    "remote_scope",
    "location_raw",
    "countries",
    "role_types",
    "domains",
    "languages",
    "employment_type",
    "verdict",
    "scam_score",
    "flags",
    "relevant",
    "is_open",
    "is_flagged",
    "shown",
    "listed_at",
    "posted_at",
    "first_seen",
    "last_seen",
    "closed_at",
    "group_id",
    "source_links",
)


def _card_values() -> str:
    """SELECT list producing one `listing_cards` row from the trigger's `new` listing."""
    return ", ".join(
        [
            "new.rowid",
            "new.id",
            "new.title",
            "new.company",
            "new.employer_key",
            "coalesce(nullif(new.employer_key, ''), nullif(new.company, ''), 'unknown')",
            "new.source",
            "new.url",
            "new.apply_url",
            "new.pay_text",
            "new.pay_min",
            "new.pay_max",
            "new.pay_currency",
            "new.pay_unit",
            "new.pay_hourly_min",
            "new.pay_hourly_max",
            pay_band_sql(),
            "coalesce(new.remote_scope, 'unknown')",
            "new.location_raw",
            "coalesce(new.countries, '[]')",
            "coalesce(new.role_types, '[]')",
            "coalesce(new.domains, '[]')",
            "coalesce(new.languages, '[]')",
            "new.employment_type",
            "coalesce(new.verdict, 'clean')",
            "new.scam_score",
            "(select coalesce(json_group_array(flag), '[]') from "
            "(select distinct flag from red_flags where listing_id = new.id order by flag))",
            "coalesce(new.relevant, 0)",
            "(new.closed_at is null)",
            "(coalesce(new.verdict, '') = 'flagged')",
            _shown_sql(),
            # Newest first by the date the posting says, else the day we first saw it.
            "coalesce(new.posted_at, new.first_seen)",
            "new.posted_at",
            "new.first_seen",
            "new.last_seen",
            "new.closed_at",
            "coalesce(new.group_id, new.id)",
            "coalesce(new.source_links, '[]')",
        ]
    )


def _facet_inserts() -> str:
    """Statements (re)building a listing's `listing_facets` rows inside a trigger."""
    shown = _shown_sql()
    insert = "insert or ignore into listing_facets (card, facet, value, shown)"
    parts = ["delete from listing_facets where card = new.rowid;"]
    for facet, column in ARRAY_FACETS.items():
        parts.append(
            f"{insert} select new.rowid, '{facet}', j.value, {shown} "
            f"from json_each(coalesce({column}, '[]')) j where j.type = 'text' and j.value != '';"
        )
    # Worldwide remote work is open to every country: an "anywhere" country value says so.
    parts.append(
        f"{insert} select new.rowid, 'country', 'anywhere', {shown} where new.remote_scope = 'worldwide';"
    )
    scalars = {
        "employer": "coalesce(nullif(new.employer_key, ''), nullif(new.company, ''), 'unknown')",
        "source": "new.source",
        "verdict": "coalesce(new.verdict, 'clean')",
        "pay": pay_band_sql(),
        "remote": "coalesce(new.remote_scope, 'unknown')",
    }
    for facet, expression in scalars.items():
        parts.append(f"{insert} values (new.rowid, '{facet}', {expression}, {shown});")
    parts.append(
        f"{insert} select distinct new.rowid, 'flag', flag, {shown} from red_flags "
        "where listing_id = new.id and flag is not null;"
    )
    return "\n    ".join(parts)


def _card_upsert() -> str:
    columns = ", ".join(_CARD_COLUMNS)
    return f"insert or replace into listing_cards ({columns}) select {_card_values()};"


def _flags_refresh(ref: str) -> str:
    """Statements refreshing one listing's card flags and flag facets after a red_flags write."""
    card = f"(select card from listing_cards where id = {ref}.listing_id)"
    return f"""
    update listing_cards set flags = (
        select coalesce(json_group_array(flag), '[]') from
        (select distinct flag from red_flags where listing_id = {ref}.listing_id order by flag)
    ) where id = {ref}.listing_id;
    delete from listing_facets where card = {card} and facet = 'flag'
        and value not in (select flag from red_flags where listing_id = {ref}.listing_id
                          and flag is not null);
    insert or ignore into listing_facets (card, facet, value, shown)
        select distinct c.card, 'flag', r.flag, c.shown
        from red_flags r join listing_cards c on c.id = r.listing_id
        where r.listing_id = {ref}.listing_id and r.flag is not null;
    """


@browse()
def m001_listing_cards_and_facets(db: sqlite_utils.Database) -> None:
    # The first layout (text-keyed facets) was replaced by m003 before any release; this
    # name stays so catalogues that applied it upgrade in place, and it does nothing now.
    pass


@browse()
def m002_browse_support_indexes(db: sqlite_utils.Database) -> None:
    # Pages the site shows per listing and per employer: flags by flag, an employer's roles.
    db.execute(
        "create index if not exists idx_red_flags_flag_listing on red_flags (flag, listing_id)"
    )
    db.execute(
        "create index if not exists idx_listings_employer_key on listings (employer_key, first_seen)"
    )


@browse()
def m003_integer_keyed_cards_facets_and_counts(db: sqlite_utils.Database) -> None:
    for trigger in (
        "listings_browse_ai",
        "listings_browse_au",
        "listings_browse_ad",
        "red_flags_browse_ai",
        "red_flags_browse_ad",
    ):
        db.execute(f"drop trigger if exists {trigger}")
    for table in ("listing_facets", "listing_cards", "facet_counts"):
        db.execute(f"drop table if exists {table}")
    db.execute(
        """
        create table listing_cards (
            card integer primary key, id text not null unique, title text, company text,
            employer_key text, employer text, source text, url text, apply_url text,
            pay_text text, pay_min float, pay_max float, pay_currency text, pay_unit text,
            pay_hourly_min float, pay_hourly_max float, pay_band text, remote_scope text,
            location_raw text, countries text, role_types text, domains text, languages text,
            employment_type text, verdict text, scam_score float, flags text,
            relevant integer, is_open integer, is_flagged integer, shown integer,
            listed_at text, posted_at text, first_seen text, last_seen text,
            closed_at text, group_id text, source_links text
        )
        """
    )
    db.execute(
        """
        create table listing_facets (
            card integer not null, facet text not null, value text not null,
            shown integer not null default 0,
            primary key (card, facet, value)
        ) without rowid
        """
    )
    db.execute(
        """
        create table facet_counts (
            facet text not null, value text not null, n integer not null default 0,
            primary key (facet, value)
        ) without rowid
        """
    )
    for name, sql in {
        # The default page: open relevant listings, newest first, read in index order.
        "idx_listing_cards_shown_listed": "listing_cards (shown, listed_at)",
        "idx_listing_cards_listed": "listing_cards (listed_at)",
        "idx_listing_cards_group": "listing_cards (group_id)",
        "idx_listing_cards_employer": "listing_cards (employer, listed_at)",
        "idx_listing_cards_flagged": "listing_cards (is_open, is_flagged, listed_at)",
        "idx_listing_cards_source": "listing_cards (source, is_open)",
        # Filters: the cards having a facet value (the index holds the card too).
        "idx_listing_facets_value": "listing_facets (facet, value)",
    }.items():
        db.execute(f"create index if not exists {name} on {sql}")
    db.execute(
        f"""
        create trigger listings_browse_ai after insert on listings begin
            {_card_upsert()}
            {_facet_inserts()}
        end
        """
    )
    db.execute(
        f"""
        create trigger listings_browse_au after update on listings begin
            delete from listing_facets where card = old.rowid and old.rowid != new.rowid;
            delete from listing_cards where card = old.rowid and old.rowid != new.rowid;
            {_card_upsert()}
            {_facet_inserts()}
        end
        """
    )
    db.execute(
        """
        create trigger listings_browse_ad after delete on listings begin
            delete from listing_facets where card = old.rowid;
            delete from listing_cards where card = old.rowid;
        end
        """
    )
    db.execute(
        f"""
        create trigger red_flags_browse_ai after insert on red_flags begin
            {_flags_refresh("new")}
        end
        """
    )
    db.execute(
        f"""
        create trigger red_flags_browse_ad after delete on red_flags begin
            {_flags_refresh("old")}
        end
        """
    )
    # The default view's counts follow every facet row that enters or leaves it.
    db.execute(
        """
        create trigger listing_facets_counts_ai after insert on listing_facets when new.shown = 1 begin
            insert into facet_counts (facet, value, n) values (new.facet, new.value, 1)
                on conflict (facet, value) do update set n = n + 1;
        end
        """
    )
    db.execute(
        """
        create trigger listing_facets_counts_ad after delete on listing_facets when old.shown = 1 begin
            update facet_counts set n = n - 1 where facet = old.facet and value = old.value;
        end
        """
    )
    # Listings stored before this migration get their cards and facets now, through the very
    # triggers above (a no-op update fires them; store.py's versions are not involved).
    if db["listings"].exists():
        db.execute("update listings set id = id")


@browse()
def m004_verdict_and_shown_indexes(db: sqlite_utils.Database) -> None:
    # Scam watch and the home page's count: open listings by verdict, newest first.
    db.execute(
        "create index if not exists idx_listing_cards_open_verdict on listing_cards (is_open, verdict, listed_at)"
    )
    # Filters read a facet value's cards already split by the default view (index-only).
    db.execute(
        "create index if not exists idx_listing_facets_value_shown on listing_facets (facet, value, shown)"
    )
    db.execute("drop index if exists idx_listing_facets_value")
