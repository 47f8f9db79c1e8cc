"""Saved searches and their daily digests: which listings go to whom, once, and how they read.

This module owns the `subscriptions`, `digest_messages` (the outbox) and `deliveries`
tables (migration set ``evaljobs-digest``), the matching of listings against a saved
search, the selection of each digest's "new", "changed" and "closed" sections, its
rendering through the Jinja2 templates in ``catalogue/templates/`` and the outbox protocol
that makes each listing reach each subscriber exactly once. It never opens a network
connection: `run_digest` hands finished messages to a `Sender` (``evaljobs.mailer``).

Exactly-once protocol (write-ahead outbox with an idempotent Message-ID):

1. Plan: for a batch of subscriptions, one durable transaction (``synchronous=FULL``)
   inserts a ``digest_messages`` row (status ``pending``, a fresh Message-ID) and one
   ``deliveries`` row per listing shown, and moves ``last_digest_at`` on. A unique index
   on (subscription_id, listing_id, section, version) means a listing can be planned into
   one message only, whatever happens later.
2. Send the message over SMTP (or write it as ``.eml``).
3. Mark it: one transaction sets the message and its deliveries ``sent`` (or
   ``rejected`` on a 5xx answer; a 4xx answer or a refused connection leaves it
   ``pending``).

A crash between plan and send, or between two sends, leaves ``pending`` rows that the
next run sends first, rebuilt from the deliveries rows with the same Message-ID, and
nothing is planned twice. A crash after the SMTP server accepted a message but before
step 3 committed makes the next run send that message again with the same Message-ID
(SMTP offers no way to ask whether a message arrived); receivers and the test dedupe by
Message-ID, and the catalogue still holds exactly one delivery per listing.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import sqlite3
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes
from email import policy as email_policy
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from itertools import islice
from pathlib import Path
from typing import Any, Literal, Protocol
from urllib.parse import urlencode

import jinja2
import sqlite_utils
from markupsafe import Markup
from sqlite_utils import Migrations

digest_migrations = Migrations("evaljobs-digest")

SECTIONS: tuple[str, ...] = ("new", "changed", "closed")
# A new subscriber's first digest looks back this far, so it is not empty on day one.
FIRST_DIGEST_LOOKBACK = timedelta(days=7)
# Most listings of one employer shown per section; the rest are counted ("+N more").
PER_EMPLOYER = 3
# Most listings shown per section; the true total is always stated.
PER_SECTION = 30
# Subscriptions planned per durable transaction (an fsync costs ~4 ms; one per message
# would dominate a 10,000-subscription run).
PLAN_BATCH = 500
# A pending message (4xx answers, no server) is retried on later runs for this long.
PENDING_EXPIRY = timedelta(days=3)
# Fields of a listing version that make a "changed" entry: pay or remote terms.
CHANGE_FIELDS: tuple[str, ...] = (
    "pay_text",
    "pay_min",
    "pay_max",
    "pay_currency",
    "pay_unit",
    "remote_scope",
    "countries",
)
FILTER_LIST_FIELDS: tuple[str, ...] = (
    "role_types",
    "domains",
    "languages",
    "countries",
    "employers",
    "exclude_employers",
)
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
_EMAIL_RE = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
_LANGUAGE_RE = re.compile(r"^[a-z]{2}$")
_COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


# ---------------------------------------------------------------------------- schema


@digest_migrations()
def m001_subscriptions_and_deliveries(db: sqlite_utils.Database) -> None:
    db["subscriptions"].create(
        {
            "id": int,
            "email": str,
            "token": str,  # secrets.token_urlsafe: the unsubscribe link and the feed URL
            "role_types": str,  # JSON arrays; an empty array means "any"
            "domains": str,
            "languages": str,
            "min_hourly_pay": float,
            "countries": str,
            "employers": str,
            "exclude_employers": str,
            "query": str,  # full-text search terms, all required
            "include_flagged": int,
            "created_at": str,
            "last_digest_at": str,  # the cutoff ("as of") of its last planned digest
        },
        pk="id",
        not_null={"email", "token", "created_at"},
        defaults={"include_flagged": 0},
    )
    db["subscriptions"].create_index(["token"], unique=True)
    db["subscriptions"].create_index(["email"])
    db["digest_messages"].create(
        {
            "message_id": str,  # the Message-ID header, "<...@...>"
            "subscription_id": int,
            "digest_date": str,
            "as_of": str,
            "status": str,  # pending | sent | rejected | expired
            "attempts": int,
            "last_error": str,
            "summary": str,  # JSON: totals, "+N more" counts, changes; to rebuild on resend
            "created_at": str,
            "sent_at": str,
        },
        pk="message_id",
        defaults={"attempts": 0},
    )
    db["digest_messages"].create_index(["status", "subscription_id"])
    db["digest_messages"].create_index(["subscription_id", "digest_date"])
    db["deliveries"].create(
        {
            "id": int,
            "subscription_id": int,
            "listing_id": str,
            "group_id": str,
            "section": str,  # new | changed | closed
            "version": str,  # "" for new; listing_versions.id for changed; closed_at for closed
            "digest_date": str,
            "as_of": str,
            "message_id": str,
            "status": str,  # pending | sent | rejected | expired
            "sent_at": str,
        },
        pk="id",
        not_null={"subscription_id", "listing_id", "section", "version", "message_id"},
    )
    db["deliveries"].create_index(
        ["subscription_id", "listing_id", "section", "version"], unique=True
    )
    db["deliveries"].create_index(["subscription_id", "group_id", "section"])
    db["deliveries"].create_index(["listing_id"])
    db["deliveries"].create_index(["message_id"])
    # The scheduler's planned next runs, so `evaljobs status` can show them.
    db["scheduler_state"].create(
        {"job_id": str, "kind": str, "source": str, "next_run_at": str, "updated_at": str},
        pk="job_id",
    )


# ---------------------------------------------------------------------------- subscriptions


class SubscriptionError(ValueError):
    """A saved search that cannot be stored: the message says what is wrong."""


@dataclass(frozen=True)
class Filters:
    """A saved search. Values within one filter are alternatives; filters all apply."""

    role_types: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    min_hourly_pay: float | None = None
    countries: tuple[str, ...] = ()
    employers: tuple[str, ...] = ()
    exclude_employers: tuple[str, ...] = ()
    query: str | None = None
    include_flagged: bool = False

    def describe(self) -> str:
        parts = []
        for name in ("role_types", "domains", "languages", "countries", "employers"):
            values = getattr(self, name)
            if values:
                parts.append(f"{name.replace('_', ' ')}: {', '.join(values)}")
        if self.exclude_employers:
            parts.append(f"not from: {', '.join(self.exclude_employers)}")
        if self.min_hourly_pay is not None:
            parts.append(f"at least {self.min_hourly_pay:g}/hour")
        if self.query:
            parts.append(f'matching "{self.query}"')
        if self.include_flagged:
            parts.append("flagged listings included")
        return "; ".join(parts) or "all relevant listings"


@dataclass(frozen=True)
class Subscription:
    id: int
    email: str
    token: str
    filters: Filters
    created_at: str
    last_digest_at: str | None

    def since(self) -> str:
        """Listings first seen after this moment are new to this subscription."""
        if self.last_digest_at:
            return self.last_digest_at
        return _iso(_parse_iso(self.created_at) - FIRST_DIGEST_LOOKBACK)


def validate_email(email: str) -> str:
    """The address, trimmed; SubscriptionError when it is not a plain addr-spec."""
    email = email.strip()
    if len(email) > 254 or not _EMAIL_RE.match(email) or ".." in email:
        raise SubscriptionError(f"not an e-mail address: {email!r} (expected name@example.org)")
    return email


def validate_filters(filters: Filters) -> Filters:
    """Check slugs against the taxonomy and codes' shape; return the filters normalised."""
    # Imported here: importing the classifier package loads scikit-learn (~4 s), which a
    # digest run, the site's unsubscribe route and `evaljobs status` never need.
    from classifier.judgement import DOMAINS, ROLE_TYPES

    def slugs(values: Iterable[str], allowed: Sequence[str], what: str) -> tuple[str, ...]:
        out = []
        for value in values:
            value = value.strip().lower()
            if value not in allowed:
                raise SubscriptionError(
                    f"unknown {what} {value!r}; expected one of: {', '.join(allowed)}"
                )
            if value not in out:
                out.append(value)
        return tuple(out)

    def codes(
        values: Iterable[str], pattern: re.Pattern[str], upper: bool, what: str
    ) -> tuple[str, ...]:
        out = []
        for value in values:
            value = value.strip().upper() if upper else value.strip().lower()
            if not pattern.match(value):
                raise SubscriptionError(f"not {what}: {value!r}")
            if value not in out:
                out.append(value)
        return tuple(out)

    def names(values: Iterable[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v.strip() for v in values if v.strip()))

    pay = filters.min_hourly_pay
    if pay is not None and not (0 <= float(pay) < 100000):
        raise SubscriptionError(f"minimum hourly pay out of range: {pay!r}")
    query = (filters.query or "").strip() or None
    if query is not None and not re.search(r"\w", query):
        raise SubscriptionError(f"query has no words to search for: {query!r}")
    return Filters(
        role_types=slugs(filters.role_types, ROLE_TYPES, "role type"),
        domains=slugs(filters.domains, DOMAINS, "domain"),
        languages=codes(
            filters.languages, _LANGUAGE_RE, False, "an ISO 639-1 language code (e.g. de)"
        ),
        min_hourly_pay=float(pay) if pay is not None else None,
        countries=codes(
            filters.countries, _COUNTRY_RE, True, "an ISO 3166-1 alpha-2 country code (e.g. DE)"
        ),
        employers=names(filters.employers),
        exclude_employers=names(filters.exclude_employers),
        query=query,
        include_flagged=bool(filters.include_flagged),
    )


def new_token() -> str:
    """An unguessable URL-safe token that never starts with "-" (a command line would
    take `evaljobs unsubscribe -abc...` for an option)."""
    while True:
        token = secrets.token_urlsafe(24)
        if not token.startswith("-"):
            return token


def subscribe(
    db: sqlite_utils.Database, email: str, filters: Filters, *, now: str | None = None
) -> Subscription:
    """Store a saved search with a fresh unguessable token and return it."""
    email = validate_email(email)
    filters = validate_filters(filters)
    created = now or _utc_now()
    row = {
        "email": email,
        "token": new_token(),
        "min_hourly_pay": filters.min_hourly_pay,
        "query": filters.query,
        "include_flagged": int(filters.include_flagged),
        "created_at": created,
        "last_digest_at": None,
    }
    for name in FILTER_LIST_FIELDS:
        row[name] = json.dumps(list(getattr(filters, name)))
    with db.atomic():
        cursor = db.execute(
            f"insert into subscriptions ({', '.join(row)}) values ({', '.join('?' for _ in row)})",
            list(row.values()),
        )
    return Subscription(int(cursor.lastrowid), email, row["token"], filters, created, None)


def subscription_from_row(row: Mapping[str, Any]) -> Subscription:
    lists = {name: tuple(json.loads(row.get(name) or "[]")) for name in FILTER_LIST_FIELDS}
    filters = Filters(
        min_hourly_pay=row.get("min_hourly_pay"),
        query=row.get("query") or None,
        include_flagged=bool(row.get("include_flagged")),
        **lists,
    )
    return Subscription(
        int(row["id"]),
        row["email"],
        row["token"],
        filters,
        row["created_at"],
        row.get("last_digest_at"),
    )


def list_subscriptions(db: sqlite_utils.Database, email: str | None = None) -> list[Subscription]:
    if email is None:
        rows = db.query("select * from subscriptions order by id")
    else:
        rows = db.query(
            "select * from subscriptions where lower(email) = lower(?) order by id", [email.strip()]
        )
    return [subscription_from_row(row) for row in rows]


def subscription_by_token(db: sqlite_utils.Database, token: str) -> Subscription | None:
    rows = list(db.query("select * from subscriptions where token = ?", [token]))
    return subscription_from_row(rows[0]) if rows else None


def _delete_subscriptions(db: sqlite_utils.Database, ids: Sequence[int]) -> None:
    # Its outbox and delivery history go with it: nothing pending may still be sent, and
    # nothing about the person is kept.
    with db.atomic():
        for sid in ids:
            db.execute("delete from deliveries where subscription_id = ?", [sid])
            db.execute("delete from digest_messages where subscription_id = ?", [sid])
            db.execute("delete from subscriptions where id = ?", [sid])


def unsubscribe_by_token(db: sqlite_utils.Database, token: str) -> str | None:
    """Remove the subscription with this token; return its e-mail, or None if unknown."""
    found = subscription_by_token(db, token.strip()) if token and token.strip() else None
    if found is None:
        return None
    _delete_subscriptions(db, [found.id])
    return found.email


def unsubscribe_email(db: sqlite_utils.Database, email: str) -> int:
    """Remove every subscription of `email`; return how many there were."""
    found = list_subscriptions(db, email)
    _delete_subscriptions(db, [s.id for s in found])
    return len(found)


def subscription_feed_path(subscription: Subscription) -> str:
    """The site path of a subscription's Atom feed (the site adds the route)."""
    return f"/-/subscription/{subscription.token}.atom"


def unsubscribe_path(token: str) -> str:
    return f"/-/unsubscribe/{token}"


def subscription_feed_sql(
    subscription: Subscription, limit: int = 100
) -> tuple[str, dict[str, Any]]:
    """SQL and parameters for a subscription's Atom feed, in datasette-atom's columns.

    The same filters as the digest's "new" section, written in SQL so the site can run it
    for `/-/subscription/<token>.atom`: open, relevant, canonical listings, newest first.
    """
    f = subscription.filters
    where = ["l.relevant = 1", "l.closed_at is null", "coalesce(l.is_canonical, 1) = 1"]
    params: dict[str, Any] = {"limit": int(limit)}

    def any_of(column: str, values: Sequence[str], key: str) -> None:
        marks = []
        for i, value in enumerate(values):
            params[f"{key}{i}"] = value
            marks.append(f":{key}{i}")
        where.append(
            f"exists (select 1 from json_each(coalesce(l.{column}, '[]')) j where j.value in ({', '.join(marks)}))"
        )

    if f.role_types:
        any_of("role_types", f.role_types, "rt")
    if f.domains:
        any_of("domains", f.domains, "dm")
    if f.languages:
        any_of("languages", f.languages, "lg")
    if f.countries:
        marks = []
        for i, value in enumerate(f.countries):
            params[f"ct{i}"] = value
            marks.append(f":ct{i}")
        where.append(
            "(l.remote_scope = 'worldwide' or (coalesce(l.countries, '[]') = '[]' and "
            "coalesce(l.remote_scope, 'unknown') in ('unknown', 'regions')) or exists (select 1 from "
            f"json_each(coalesce(l.countries, '[]')) j where j.value in ({', '.join(marks)})))"
        )
    if f.min_hourly_pay is not None:
        params["pay"] = f.min_hourly_pay
        where.append("coalesce(l.pay_hourly_max, l.pay_hourly_min) >= :pay")
    for key, values, negate in (("em", f.employers, ""), ("xe", f.exclude_employers, "not ")):
        if values:
            marks = []
            for i, value in enumerate(values):
                params[f"{key}{i}"] = value.casefold()
                marks.append(f":{key}{i}")
            joined = ", ".join(marks)
            where.append(
                f"{negate}(lower(coalesce(l.employer_key, '')) in ({joined}) or "
                f"lower(coalesce(l.company, '')) in ({joined}))"
            )
    if not f.include_flagged:
        where.append("coalesce(l.verdict, '') != 'flagged'")
    if f.query:
        params["query"] = sqlite_utils.Database.quote_fts(None, f.query)  # type: ignore[arg-type]
        where.append("l.rowid in (select rowid from listings_fts where listings_fts match :query)")
    sql = (
        "select l.id as atom_id, l.title || coalesce(' (' || l.company || ')', '') as atom_title, "
        "l.first_seen as atom_updated, l.url as atom_link, l.description as atom_content, "
        "l.company as atom_author_name from listings l where "
        + " and ".join(where)
        + " order by l.first_seen desc limit :limit"
    )
    return sql, params


# ---------------------------------------------------------------------------- selection


@dataclass
class Entry:
    """One listing as a digest shows it."""

    listing_id: str
    group_id: str
    section: str
    version: str  # the deliveries key: "" (new), a listing_versions id, or closed_at
    row: dict[str, Any]  # the listing's display columns
    changes: list[tuple[str, Any, Any]] = field(default_factory=list)  # (field, before, after)


@dataclass
class Section:
    name: str
    entries: list[Entry]
    total: int  # every matching listing, shown or not
    more: dict[str, int] = field(default_factory=dict)  # employer -> listings not shown

    @property
    def hidden(self) -> int:
        return self.total - len(self.entries)


@dataclass
class Digest:
    subscription: Subscription
    digest_date: str
    as_of: str
    sections: dict[str, Section]
    message_id: str | None = None

    @property
    def empty(self) -> bool:
        return not any(s.entries for s in self.sections.values())

    def entries(self) -> Iterator[Entry]:
        for name in SECTIONS:
            section = self.sections.get(name)
            if section:
                yield from section.entries

    def summary(self) -> dict[str, Any]:
        """What a resend needs besides the deliveries rows (JSON-serialisable)."""
        return {
            "totals": {n: s.total for n, s in self.sections.items()},
            "more": {n: s.more for n, s in self.sections.items() if s.more},
            "changes": {
                e.listing_id: [[f, b, a] for f, b, a in e.changes]
                for e in self.entries()
                if e.changes
            },
        }


# Columns a digest shows (and matches on) for each listing.
_DISPLAY_COLUMNS = (
    "id",
    "title",
    "company",
    "employer_key",
    "source",
    "url",
    "attribution",
    "pay_text",
    "pay_min",
    "pay_max",
    "pay_currency",
    "pay_unit",
    "pay_hourly_min",
    "pay_hourly_max",
    "remote_scope",
    "countries",
    "role_types",
    "domains",
    "languages",
    "verdict",
    "first_seen",
    "closed_at",
    "group_id",
    "evergreen",
)


def _listing_rows(db: sqlite_utils.Database, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    columns = ", ".join(_DISPLAY_COLUMNS)
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        marks = ", ".join("?" for _ in chunk)
        for row in db.query(f"select {columns} from listings where id in ({marks})", chunk):
            found[row["id"]] = row
    return found


def employer_of(row: Mapping[str, Any]) -> str:
    return (row.get("company") or row.get("employer_key") or "an unnamed employer").strip()


class _Window:
    """The new listings of a run, indexed so each subscription is matched with set operations.

    One pass loads every open, relevant, canonical listing first seen in the widest
    window any subscription needs; inverted indexes (role type, domain, language,
    country, employer) turn each saved search into a few C-speed set intersections
    instead of a scan, and `--query` searches run against a small in-memory FTS5 copy
    of the window (same tokenizer as the catalogue's), once per distinct query.
    """

    def __init__(self, db: sqlite_utils.Database, since: str, as_of: str, need_text: bool) -> None:
        columns = ", ".join(f"l.{c}" for c in _DISPLAY_COLUMNS)
        text = ", l.description" if need_text else ""
        sql = (
            f"select {columns}{text}, (select min(g.first_seen) from listings g "
            "where g.group_id = l.group_id) as group_first_seen from listings l "
            "where l.first_seen > ? and l.first_seen <= ? and l.relevant = 1 "
            "and l.closed_at is null and coalesce(l.is_canonical, 1) = 1"
        )
        rows = list(db.query(sql, [since, as_of]))
        rows.sort(key=lambda r: (r["group_first_seen"] or r["first_seen"], r["id"]))
        self.rows = rows
        self.group_first_seen = [r["group_first_seen"] or r["first_seen"] for r in rows]
        self.index: dict[tuple[str, str], set[int]] = defaultdict(set)
        self.flagged: set[int] = set()
        self.open_country: set[int] = set()
        self.hourly: list[float | None] = []
        self.fts: sqlite3.Connection | None = None
        self._cache: dict[Any, frozenset[int]] = {}
        for i, row in enumerate(rows):
            for column in ("role_types", "domains", "languages", "countries"):
                for value in json.loads(row.get(column) or "[]"):
                    self.index[(column, value)].add(i)
            for name in {
                (row.get("employer_key") or "").casefold(),
                (row.get("company") or "").casefold(),
            }:
                if name:
                    self.index[("employer", name)].add(i)
            if row.get("verdict") == "flagged":
                self.flagged.add(i)
            scope = row.get("remote_scope") or "unknown"
            if scope == "worldwide" or (
                scope in ("unknown", "regions") and row.get("countries") in (None, "", "[]")
            ):
                self.open_country.add(i)
            hourly = row.get("pay_hourly_max")
            self.hourly.append(hourly if hourly is not None else row.get("pay_hourly_min"))
        if need_text and rows:
            self.fts = sqlite3.connect(":memory:")
            self.fts.execute("create virtual table w using fts5(title, company, description)")
            self.fts.executemany(
                "insert into w(rowid, title, company, description) values (?, ?, ?, ?)",
                ((i, r["title"], r["company"], r.get("description")) for i, r in enumerate(rows)),
            )
            for row in rows:
                row.pop("description", None)

    def _any(self, column: str, values: Sequence[str]) -> frozenset[int]:
        key = (column, tuple(values))
        if key not in self._cache:
            found: set[int] = set()
            for value in values:
                found |= self.index.get((column, value), set())
            if column == "countries":
                found |= self.open_country
            self._cache[key] = frozenset(found)
        return self._cache[key]

    def _pay(self, minimum: float) -> frozenset[int]:
        key = ("pay", minimum)
        if key not in self._cache:
            self._cache[key] = frozenset(
                i for i, h in enumerate(self.hourly) if h is not None and h >= minimum
            )
        return self._cache[key]

    def _query(self, query: str) -> frozenset[int]:
        key = ("query", query)
        if key not in self._cache:
            found: frozenset[int] = frozenset()
            if self.fts is not None:
                quoted = sqlite_utils.Database.quote_fts(None, query)  # type: ignore[arg-type]
                try:
                    found = frozenset(
                        r[0]
                        for r in self.fts.execute("select rowid from w where w match ?", [quoted])
                    )
                except sqlite3.OperationalError:
                    found = frozenset()
            self._cache[key] = found
        return self._cache[key]

    def match(self, subscription: Subscription) -> list[int]:
        """Indexes of the window's listings that are new to and match `subscription`."""
        f = subscription.filters
        start = bisect_right(self.group_first_seen, subscription.since())
        if start >= len(self.rows):
            return []
        candidates: set[int] | frozenset[int] | None = None

        def narrow(found: frozenset[int]) -> None:
            nonlocal candidates
            candidates = found if candidates is None else candidates & found

        if f.role_types:
            narrow(self._any("role_types", f.role_types))
        if f.domains:
            narrow(self._any("domains", f.domains))
        if f.languages:
            narrow(self._any("languages", f.languages))
        if f.countries:
            narrow(self._any("countries", f.countries))
        if f.employers:
            narrow(self._any("employer", tuple(e.casefold() for e in f.employers)))
        if f.min_hourly_pay is not None:
            narrow(self._pay(f.min_hourly_pay))
        if f.query:
            narrow(self._query(f.query))
        if candidates is None:
            chosen = set(range(start, len(self.rows)))
        else:
            chosen = {i for i in candidates if i >= start}
        if f.exclude_employers:
            chosen -= self._any("employer", tuple(e.casefold() for e in f.exclude_employers))
        if not f.include_flagged:
            chosen -= self.flagged
        return sorted(chosen)


def _cap(
    entries: list[Entry], per_employer: int, per_section: int
) -> tuple[list[Entry], dict[str, int]]:
    shown: list[Entry] = []
    counts: dict[str, int] = defaultdict(int)
    more: dict[str, int] = {}
    for entry in entries:
        employer = employer_of(entry.row)
        counts[employer] += 1
        if counts[employer] > per_employer or len(shown) >= per_section:
            more[employer] = more.get(employer, 0) + 1
        else:
            shown.append(entry)
    return shown, more


def _newest_first(entries: list[Entry]) -> list[Entry]:
    by_title = sorted(entries, key=lambda e: ((e.row.get("title") or "").casefold(), e.listing_id))
    return sorted(by_title, key=lambda e: e.row.get("first_seen") or "", reverse=True)  # stable


def _pending_subscriptions(db: sqlite_utils.Database) -> set[int]:
    return {
        r["subscription_id"]
        for r in db.query(
            "select distinct subscription_id from digest_messages where status = 'pending'"
        )
    }


def select_digests(
    db: sqlite_utils.Database,
    subscriptions: Sequence[Subscription],
    *,
    as_of: str,
    digest_date: str,
    per_employer: int = PER_EMPLOYER,
    per_section: int = PER_SECTION,
) -> Iterator[Digest]:
    """Each subscription's digest up to `as_of` (empty ones too); reads only.

    "new": open relevant canonical listings matching the search whose group was first
    seen after the subscription's last digest and never sent to it as new. "changed":
    listings sent to it before whose pay or remote terms changed since. "closed":
    listings sent to it before that closed since (and have no open twin in their group).
    """
    if not subscriptions:
        return
    since_min = min(s.since() for s in subscriptions)
    window = _Window(db, since_min, as_of, need_text=any(s.filters.query for s in subscriptions))
    by_sub = {s.id: s for s in subscriptions}

    # Groups already sent as new to each subscription (any status but never twice).
    sent_groups: dict[int, set[str]] = defaultdict(set)
    groups = sorted({r["group_id"] or r["id"] for r in window.rows})
    for start in range(0, len(groups), 500):
        chunk = groups[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        for r in db.query(
            f"select subscription_id, group_id from deliveries where section = 'new' and group_id in ({marks})",
            chunk,
        ):
            sent_groups[r["subscription_id"]].add(r["group_id"])

    changed = _changed_candidates(db, since_min, as_of, by_sub)
    closed = _closed_candidates(db, since_min, as_of, by_sub)
    extra_ids = sorted(
        {e[1] for items in changed.values() for e in items}
        | {e[1] for items in closed.values() for e in items}
    )
    extra_rows = _listing_rows(db, extra_ids)

    for subscription in subscriptions:
        new_entries = []
        taken = sent_groups.get(subscription.id, set())
        for i in window.match(subscription):
            row = window.rows[i]
            group = row["group_id"] or row["id"]
            if group in taken:
                continue
            new_entries.append(Entry(row["id"], group, "new", "", row))
        sections: dict[str, Section] = {}
        new_entries = _newest_first(new_entries)
        shown, more = _cap(new_entries, per_employer, per_section)
        sections["new"] = Section("new", shown, len(new_entries), more)
        for name, found in (("changed", changed), ("closed", closed)):
            entries = []
            for version, lid, group, changes in found.get(subscription.id, []):
                row = extra_rows.get(lid)
                if row is not None:
                    entries.append(Entry(lid, group, name, version, row, changes))
            entries = _newest_first(entries)
            shown, more = _cap(entries, per_employer, per_section)
            sections[name] = Section(name, shown, len(entries), more)
        yield Digest(subscription, digest_date, as_of, sections)


_Found = tuple[str, str, str, list[tuple[str, Any, Any]]]  # version, listing_id, group_id, changes


def _earlier_deliveries(
    db: sqlite_utils.Database, listing_ids: Sequence[str], subscriptions: Mapping[int, Subscription]
) -> dict[str, dict[int, str]]:
    """listing_id -> {subscription_id: as_of of its first new/changed delivery}."""
    out: dict[str, dict[int, str]] = defaultdict(dict)
    for start in range(0, len(listing_ids), 500):
        chunk = list(listing_ids[start : start + 500])
        marks = ", ".join("?" for _ in chunk)
        for r in db.query(
            "select listing_id, subscription_id, min(as_of) as first_as_of from deliveries "
            f"where listing_id in ({marks}) and section in ('new', 'changed') "
            "and status in ('pending', 'sent') group by listing_id, subscription_id",
            chunk,
        ):
            if r["subscription_id"] in subscriptions:
                out[r["listing_id"]][r["subscription_id"]] = r["first_as_of"]
    return out


def _already(
    db: sqlite_utils.Database, section: str, keys: Iterable[tuple[int, str, str]]
) -> set[tuple[int, str, str]]:
    """The (subscription, listing, version) keys already planned in `section` (one query per 500 listings)."""
    wanted = set(keys)
    listing_ids = sorted({lid for _, lid, _ in wanted})
    found = set()
    for start in range(0, len(listing_ids), 500):
        chunk = listing_ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        for r in db.execute(
            "select subscription_id, listing_id, version from deliveries "
            f"where section = ? and listing_id in ({marks})",
            [section, *chunk],
        ):
            key = (r[0], r[1], r[2])
            if key in wanted:
                found.add(key)
    return found


def _changed_candidates(
    db: sqlite_utils.Database, since: str, as_of: str, subscriptions: Mapping[int, Subscription]
) -> dict[int, list[_Found]]:
    versions: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for v in db.query(
        "select id, listing_id, seen_at, changed, before, after from listing_versions "
        "where seen_at > ? and seen_at <= ? order by seen_at, id",
        [since, as_of],
    ):
        fields = json.loads(v["changed"] or "[]")
        if "created" in fields or not set(fields) & set(CHANGE_FIELDS):
            continue
        versions[v["listing_id"]].append(v)
    if not versions:
        return {}
    earlier = _earlier_deliveries(db, sorted(versions), subscriptions)
    groups = {
        r["id"]: r["group_id"] or r["id"] for r in _listing_rows(db, sorted(earlier)).values()
    }
    found: dict[int, list[_Found]] = defaultdict(list)
    keys = []
    for lid, subs in earlier.items():
        for sid, first_as_of in subs.items():
            after_since = subscriptions[sid].since()
            relevant = [
                v
                for v in versions[lid]
                if v["seen_at"] > first_as_of and v["seen_at"] > after_since
            ]
            if not relevant:
                continue
            # Several changes since the last digest read as one: first "before", last "after".
            before: dict[str, Any] = {}
            after: dict[str, Any] = {}
            for v in relevant:
                b, a = json.loads(v["before"] or "{}"), json.loads(v["after"] or "{}")
                for name in CHANGE_FIELDS:
                    if name in a:
                        before.setdefault(name, b.get(name))
                        after[name] = a.get(name)
            changes = [
                (n, before[n], after[n])
                for n in CHANGE_FIELDS
                if n in after and before.get(n) != after[n]
            ]
            if not changes:
                continue
            version = str(relevant[-1]["id"])
            keys.append((sid, lid, version))
            found[sid].append((version, lid, groups.get(lid, lid), changes))
    done = _already(db, "changed", keys)
    return {
        sid: [f for f in items if (sid, f[1], f[0]) not in done] for sid, items in found.items()
    }


def _closed_candidates(
    db: sqlite_utils.Database, since: str, as_of: str, subscriptions: Mapping[int, Subscription]
) -> dict[int, list[_Found]]:
    closed = {
        r["id"]: r
        for r in db.query(
            "select l.id, l.closed_at, l.group_id from listings l where l.closed_at > ? and l.closed_at <= ? "
            "and not exists (select 1 from listings g where g.group_id = l.group_id and g.id != l.id "
            "and g.closed_at is null)",
            [since, as_of],
        )
    }
    if not closed:
        return {}
    earlier = _earlier_deliveries(db, sorted(closed), subscriptions)
    found: dict[int, list[_Found]] = defaultdict(list)
    keys = []
    for lid, subs in earlier.items():
        row = closed[lid]
        for sid in subs:
            if row["closed_at"] <= subscriptions[sid].since():
                continue
            keys.append((sid, lid, row["closed_at"]))
            found[sid].append((row["closed_at"], lid, row["group_id"] or lid, []))
    done = _already(db, "closed", keys)
    return {
        sid: [f for f in items if (sid, f[1], f[0]) not in done] for sid, items in found.items()
    }


# ---------------------------------------------------------------------------- rendering


def listing_path(listing_id: str) -> str:
    """The site path of a listing's row page, its id tilde-encoded as Datasette expects.

    Datasette (0.62+) encodes a primary key in a URL path with "tilde encoding": every
    byte outside A-Z a-z 0-9 _ - becomes ~XX, a space "+". "remotive:123" -> "remotive~3A123".
    """
    out = []
    for byte in str(listing_id).encode("utf-8"):
        char = chr(byte)
        if char.isascii() and (char.isalnum() or char in "_-"):
            out.append(char)
        elif char == " ":
            out.append("+")
        else:
            out.append(f"~{byte:02X}")
    return "/catalogue/listings/" + "".join(out)


def one_line(value: Any, limit: int = 200) -> str:
    """Listing text on one line: control characters and newlines folded, length bounded.

    Listing text is hostile input: a title with line breaks could fake lines of the
    plain-text digest (a false unsubscribe link, say).
    """
    text = _CONTROL_RE.sub(" ", str(value or "")).strip()
    text = re.sub(r"\s{2,}", " ", text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


_CURRENCY_SIGNS = {"USD": "$", "EUR": "€", "GBP": "£"}


def format_pay(row: Mapping[str, Any]) -> str:
    """Pay per hour where known ("$40–120/hour"), else the stated pay text, else a note."""
    low, high = row.get("pay_hourly_min"), row.get("pay_hourly_max")
    currency = row.get("pay_currency") or ""
    sign = _CURRENCY_SIGNS.get(currency)

    def money(value: float) -> str:
        number = f"{value:,.0f}" if value >= 100 or float(value).is_integer() else f"{value:,.2f}"
        return f"{sign}{number}" if sign else number

    if low is not None or high is not None:
        if low is not None and high is not None and abs(low - high) > 0.005:
            amount = f"{money(low)}–{money(high).lstrip(sign or '')}"
        else:
            amount = money(low if low is not None else high)
        suffix = f" {currency}" if currency and not sign else ""
        return f"{amount}{suffix}/hour"
    if row.get("pay_text"):
        return one_line(row["pay_text"], 80)
    return "pay not stated"


def format_remote(row: Mapping[str, Any]) -> str:
    scope = row.get("remote_scope") or "unknown"
    countries = (
        json.loads(row.get("countries") or "[]")
        if isinstance(row.get("countries"), str)
        else list(row.get("countries") or [])
    )
    if scope == "worldwide":
        return "remote, worldwide"
    if countries:
        shown = ", ".join(countries[:6]) + (f" +{len(countries) - 6}" if len(countries) > 6 else "")
        return f"{'remote' if scope in ('countries', 'regions') else scope}: {shown}"
    return {"unknown": "remote terms not stated", "regions": "remote, some regions"}.get(
        scope, scope
    )


def _format_value(name: str, value: Any) -> str:
    if value in (None, "", "[]"):
        return "—"
    if name == "countries":
        try:
            return ", ".join(json.loads(value)) or "—"
        except (TypeError, ValueError):
            return one_line(value, 80)
    if isinstance(value, float):
        return f"{value:g}"
    return one_line(value, 80)


_PAY_FIELDS = ("pay_text", "pay_min", "pay_max", "pay_currency", "pay_unit")


def _pay_words(values: Mapping[str, Any]) -> str:
    """Pay as the listing stated it (its text), else its figures."""
    if values.get("pay_text"):
        return one_line(values["pay_text"], 80)
    low, high = values.get("pay_min"), values.get("pay_max")
    if low is None and high is None:
        return "not stated"
    amount = "–".join(f"{v:g}" for v in (low, high) if v is not None)
    unit = f"/{values['pay_unit']}" if values.get("pay_unit") else ""
    return f"{values.get('pay_currency') or ''} {amount}{unit}".strip()


def describe_changes(
    changes: Sequence[tuple[str, Any, Any]], row: Mapping[str, Any] | None = None
) -> list[dict[str, str]]:
    """A reader's view of changed fields: one "pay" line and one "remote terms" line.

    Fields that did not change are taken from the listing `row` on both sides, so a
    change of the maximum alone still reads as a whole range.
    """
    current = {n: (row or {}).get(n) for n in (*_PAY_FIELDS, "remote_scope", "countries")}
    changed = {name for name, _, _ in changes}
    before = {**current, **{name: b for name, b, _ in changes}}
    after = {**current, **{name: a for name, _, a in changes}}
    out = []
    if changed & set(_PAY_FIELDS):
        out.append({"field": "pay", "before": _pay_words(before), "after": _pay_words(after)})
    if changed & {"remote_scope", "countries"}:

        def remote(values: Mapping[str, Any]) -> str:
            parts = [
                _format_value(n, values[n]) for n in ("remote_scope", "countries") if n in values
            ]
            return ", ".join(p for p in parts if p != "—") or "not stated"

        out.append({"field": "remote terms", "before": remote(before), "after": remote(after)})
    return out


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


class Renderer:
    """Jinja2 templates and per-listing fragments cached across the subscriptions of a run."""

    def __init__(
        self, base_url: str, attributions: Mapping[str, tuple[str, str | None]] | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.attributions = dict(attributions or {})
        loader = jinja2.FileSystemLoader(str(TEMPLATES_DIR))
        # Listing text is hostile: the HTML template escapes everything it did not build.
        self.html_env = jinja2.Environment(loader=loader, autoescape=True)
        self.text_env = jinja2.Environment(
            loader=loader, autoescape=False, keep_trailing_newline=True
        )
        self.html_template = self.html_env.get_template("digest.html.j2")
        self.text_template = self.text_env.get_template("digest.txt.j2")
        self._html_item = self.html_template.module.listing  # type: ignore[attr-defined]
        self._text_item = self.text_template.module.listing  # type: ignore[attr-defined]
        self._fragments: dict[tuple[str, str, str], tuple[str, Markup]] = {}
        self._employer_links: dict[str, str] = {}

    def listing_view(self, entry: Entry) -> dict[str, Any]:
        row = entry.row
        return {
            "title": one_line(row.get("title"), 160) or "(untitled)",
            "employer": one_line(employer_of(row), 80),
            "pay": format_pay(row),
            "remote": format_remote(row),
            "role_types": json.loads(row.get("role_types") or "[]"),
            "domains": json.loads(row.get("domains") or "[]"),
            "verdict": row.get("verdict") or "unjudged",
            "link": self.base_url + listing_path(entry.listing_id),
            "source": row.get("source") or "",
            "changes": describe_changes(entry.changes, row),
            "closed_at": (row.get("closed_at") or "")[:10],
        }

    def _fragment(self, entry: Entry) -> tuple[str, Markup]:
        key = (entry.listing_id, entry.section, entry.version)
        if key not in self._fragments:
            view = self.listing_view(entry)
            self._fragments[key] = (
                str(self._text_item(view)).strip("\n"),
                Markup(str(self._html_item(view))),
            )
        return self._fragments[key]

    def employer_link(self, employer: str) -> str:
        link = self._employer_links.get(employer)
        if link is None:
            link = f"{self.base_url}/catalogue/listings?" + urlencode({"company": employer})
            self._employer_links[employer] = link
        return link

    def render(self, digest: Digest) -> Rendered:
        sources: dict[str, tuple[str, str | None]] = {}
        sections = []
        for name in SECTIONS:
            section = digest.sections.get(name)
            if section is None or (not section.entries and not section.total):
                continue
            items = []
            for entry in section.entries:
                text, html = self._fragment(entry)
                items.append({"text": text, "html": html})
                source = entry.row.get("source") or ""
                if source and source not in sources:
                    sources[source] = self.attributions.get(source) or (
                        one_line(entry.row.get("attribution") or source, 160),
                        None,
                    )
            sections.append(
                {
                    "name": name,
                    "total": section.total,
                    "shown": len(section.entries),
                    "hidden": section.hidden,
                    "entries": items,
                    "more": [
                        {"employer": one_line(e, 80), "count": n, "link": self.employer_link(e)}
                        for e, n in sorted(section.more.items(), key=lambda kv: (-kv[1], kv[0]))
                    ],
                }
            )
        totals = {s["name"]: s["total"] for s in sections}
        parts = [f"{totals[n]} {n}" for n in SECTIONS if totals.get(n)]
        subject = f"evaljobs digest {digest.digest_date}: " + ", ".join(parts)
        context = {
            "subject": subject,
            "digest_date": digest.digest_date,
            "search": digest.subscription.filters.describe(),
            "sections": sections,
            "unsubscribe_url": self.base_url + unsubscribe_path(digest.subscription.token),
            "feed_url": self.base_url + subscription_feed_path(digest.subscription),
            "site_url": self.base_url + "/",
            "attributions": [
                {"source": slug, "text": text, "url": url}
                for slug, (text, url) in sorted(sources.items())
            ],
        }
        return Rendered(
            subject, self.text_template.render(context), self.html_template.render(context)
        )


@dataclass(frozen=True)
class Outgoing:
    """A finished message: its envelope and its bytes (CRLF line ends), built once."""

    message_id: str
    envelope_from: str  # the bare address of From
    to: str
    raw: bytes

    def parsed(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=email_policy.default)  # type: ignore[return-value]


# The message is assembled here rather than by email.message: the stdlib generator
# re-parses every header and walks the body line by line, ~6-8 ms for a 40 KB digest,
# which was most of a 10,000-subscription run. The shape is fixed and simple (one
# multipart/alternative, two base64 UTF-8 parts, ASCII or RFC 2047 headers) and every
# test reads it back with the stdlib parser (email.message_from_bytes, policy.default).
_HEADER_BREAK = re.compile(r"[\r\n]+")


def _header_line(name: str, value: str) -> bytes:
    value = _HEADER_BREAK.sub(" ", value)  # no header injection, whatever the settings hold
    if not value.isascii():
        value = Header(value, "utf-8", header_name=name).encode(linesep="\r\n")
    if len(name) + 2 + len(value) > 78 and "\r\n" not in value:
        return f"{name}:\r\n {value}\r\n".encode("ascii")  # fold before the value
    return f"{name}: {value}\r\n".encode("ascii")


def _base64_part(boundary: str, subtype: str, body: str) -> bytes:
    flat = base64.b64encode(body.encode("utf-8"))
    encoded = b"".join(
        flat[i : i + 76] + b"\r\n" for i in range(0, len(flat), 76)
    )  # RFC 2045 lines
    return (
        f'--{boundary}\r\nContent-Type: text/{subtype}; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n"
    ).encode("ascii") + encoded


def build_message(
    digest: Digest,
    rendered: Rendered,
    *,
    mail_from: str,
    message_id: str,
    base_url: str,
    now: datetime | None = None,
) -> Outgoing:
    """A multipart/alternative message (text/plain, then text/html) with list headers."""
    name, address = parseaddr(mail_from)
    boundary = "=_evaljobs_" + secrets.token_hex(12)
    unsubscribe = base_url.rstrip("/") + unsubscribe_path(digest.subscription.token)
    headers = [
        ("From", formataddr((name, address), charset="utf-8") if name else address),
        ("To", digest.subscription.email),
        ("Subject", rendered.subject),
        ("Date", format_datetime(now or datetime.now(UTC))),
        ("Message-ID", message_id),
        # RFC 2369 / RFC 8058: mail clients offer a one-click unsubscribe (a POST to the link).
        ("List-Unsubscribe", f"<{unsubscribe}>"),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ("Auto-Submitted", "auto-generated"),
        ("MIME-Version", "1.0"),
        ("Content-Type", f'multipart/alternative; boundary="{boundary}"'),
    ]
    raw = b"".join(
        [
            *(_header_line(n, v) for n, v in headers),
            b"\r\n",
            _base64_part(boundary, "plain", rendered.text),
            _base64_part(boundary, "html", rendered.html),
            f"--{boundary}--\r\n".encode("ascii"),
        ]
    )
    return Outgoing(message_id, address, digest.subscription.email, raw)


# ---------------------------------------------------------------------------- the run


SendStatus = Literal["sent", "temporary", "rejected", "unavailable"]


@dataclass(frozen=True)
class SendOutcome:
    """How one message went: sent; temporary (4xx: retry later); rejected (5xx: skip);
    unavailable (no connection: stop this run, retry everything later)."""

    status: SendStatus
    code: int | None = None
    detail: str = ""


class Sender(Protocol):
    def send(self, message: Outgoing) -> SendOutcome: ...


@dataclass
class DigestReport:
    digest_date: str
    as_of: str
    subscriptions: int = 0
    planned: int = 0  # messages planned this run
    sent: int = 0
    resent: int = 0  # pending messages of earlier runs sent now
    temporary: int = 0
    rejected: int = 0
    expired: int = 0
    empty: int = 0
    listings: int = 0  # delivery rows of the messages sent
    stopped: str = ""  # why the run stopped early, if it did
    problems: list[str] = field(default_factory=list)
    dry_run: bool = False

    def lines(self) -> list[str]:
        head = (
            f"digest {self.digest_date}{' (dry run)' if self.dry_run else ''}: {self.subscriptions} subscriptions, "
            f"{self.sent} sent ({self.resent} retried), {self.listings} listings, {self.empty} with nothing new, "
            f"{self.temporary} left pending, {self.rejected} rejected, {self.expired} expired"
        )
        return [head, *self.problems, *([f"stopped: {self.stopped}"] if self.stopped else [])]


def _utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_iso(value: str) -> datetime:
    return datetime.strptime(value[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _synchronous(db: sqlite_utils.Database, level: str) -> None:
    db.conn.execute(f"PRAGMA synchronous = {level}")


def load_attributions(db: sqlite_utils.Database) -> dict[str, tuple[str, str | None]]:
    if "sources" not in db.table_names():
        return {}
    return {
        r["slug"]: (r["attribution_text"] or r["slug"], r["attribution_url"])
        for r in db.query("select slug, attribution_text, attribution_url from sources")
    }


def new_message_id(label: str, domain: str) -> str:
    """A unique Message-ID short enough to stay on one header line: <label.random@domain>."""
    return f"<{label}.{secrets.token_hex(6)}@{domain}>"


def _mail_domain(mail_from: str) -> str:
    address = parseaddr(mail_from)[1]
    return address.rpartition("@")[2] or "localhost"


def _digest_from_outbox(
    db: sqlite_utils.Database, message: Mapping[str, Any], subscription: Subscription
) -> Digest:
    """Rebuild a pending message's digest from its deliveries rows (for a resend)."""
    summary = json.loads(message["summary"] or "{}")
    rows = list(
        db.query(
            "select * from deliveries where message_id = ? order by id", [message["message_id"]]
        )
    )
    listings = _listing_rows(db, sorted({r["listing_id"] for r in rows}))
    sections = {
        name: Section(
            name,
            [],
            int(summary.get("totals", {}).get(name, 0)),
            dict(summary.get("more", {}).get(name, {})),
        )
        for name in SECTIONS
    }
    changes = summary.get("changes", {})
    for r in rows:
        row = listings.get(r["listing_id"])
        if row is None:  # the listing was deleted (a rebuild); the rest still goes out
            sections[r["section"]].total -= 1
            continue
        found = (
            [tuple(c) for c in changes.get(r["listing_id"], [])]
            if r["section"] == "changed"
            else []
        )
        sections[r["section"]].entries.append(
            Entry(r["listing_id"], r["group_id"], r["section"], r["version"], row, found)
        )  # type: ignore[arg-type]
    return Digest(
        subscription, message["digest_date"], message["as_of"], sections, message["message_id"]
    )


def _plan(
    db: sqlite_utils.Database, digests: Sequence[Digest], mail_from: str, now: str
) -> list[Digest]:
    """Write the outbox rows of a batch in one durable transaction; return the planned."""
    planned = []
    domain = _mail_domain(mail_from)
    _synchronous(db, "FULL")
    with db.atomic():
        for digest in digests:
            sub = digest.subscription
            db.execute(
                "update subscriptions set last_digest_at = ? where id = ?", [digest.as_of, sub.id]
            )
            if digest.empty:
                continue
            digest.message_id = new_message_id(f"digest.{digest.digest_date}.{sub.id}", domain)
            db.execute(
                "insert into digest_messages (message_id, subscription_id, digest_date, as_of, status, attempts, "
                "summary, created_at) values (?, ?, ?, ?, 'pending', 0, ?, ?)",
                [
                    digest.message_id,
                    sub.id,
                    digest.digest_date,
                    digest.as_of,
                    json.dumps(digest.summary(), default=str),
                    now,
                ],
            )
            db.conn.executemany(
                "insert into deliveries (subscription_id, listing_id, group_id, section, version, digest_date, as_of, "
                "message_id, status) values (?, ?, ?, ?, ?, ?, ?, ?, 'pending')",
                [
                    (
                        sub.id,
                        e.listing_id,
                        e.group_id,
                        e.section,
                        e.version,
                        digest.digest_date,
                        digest.as_of,
                        digest.message_id,
                    )
                    for e in digest.entries()
                ],
            )
            planned.append(digest)
    return planned


def _mark(db: sqlite_utils.Database, message_id: str, outcome: SendOutcome, now: str) -> int:
    """Record how a send went, in one transaction; return the deliveries it settled."""
    # NORMAL is enough here: in WAL mode a commit still survives a crash of this process;
    # only a power loss could undo it, and then the message is resent with its Message-ID.
    _synchronous(db, "NORMAL")
    with db.atomic():
        if outcome.status == "sent":
            db.execute(
                "update digest_messages set status = 'sent', sent_at = ?, attempts = attempts + 1, last_error = null where message_id = ?",
                [now, message_id],
            )
            cursor = db.execute(
                "update deliveries set status = 'sent', sent_at = ? where message_id = ?",
                [now, message_id],
            )
            return cursor.rowcount
        if outcome.status == "rejected":
            error = f"{outcome.code or ''} {outcome.detail}".strip()
            db.execute(
                "update digest_messages set status = 'rejected', attempts = attempts + 1, last_error = ? where message_id = ?",
                [error, message_id],
            )
            db.execute(
                "update deliveries set status = 'rejected' where message_id = ?", [message_id]
            )
            return 0
        error = f"{outcome.code or ''} {outcome.detail}".strip()
        db.execute(
            "update digest_messages set attempts = attempts + 1, last_error = ? where message_id = ?",
            [error, message_id],
        )
        return 0


def run_digest(
    db: sqlite_utils.Database,
    sender: Sender | None,
    *,
    base_url: str,
    mail_from: str,
    digest_date: str | None = None,
    as_of: str | None = None,
    dry_run: bool = False,
    preview: Callable[[Digest, Outgoing], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    per_employer: int = PER_EMPLOYER,
    per_section: int = PER_SECTION,
    plan_batch: int = PLAN_BATCH,
) -> DigestReport:
    """Send every subscription's digest once, following the outbox protocol above.

    `digest_date` (YYYY-MM-DD) names the digest and, when given, ends its window at the
    end of that UTC day; otherwise the window ends now. A dry run selects and renders
    (handing messages to `preview`) but writes and sends nothing. `should_stop` is asked
    between messages so a scheduler shutdown ends the run cleanly.
    """
    now = _utc_now()
    if as_of is None:
        if digest_date:
            day = date.fromisoformat(digest_date)
            as_of = _iso(datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=UTC))
            as_of = min(as_of, now)
        else:
            as_of = now
    digest_date = digest_date or as_of[:10]
    report = DigestReport(digest_date, as_of, dry_run=dry_run)
    renderer = Renderer(base_url, load_attributions(db))
    stop = should_stop or (lambda: False)

    def compose(digest: Digest, message_id: str) -> Outgoing:
        return build_message(
            digest,
            renderer.render(digest),
            mail_from=mail_from,
            message_id=message_id,
            base_url=base_url,
        )

    def deliver(digest: Digest) -> SendOutcome:
        assert digest.message_id and sender is not None
        message = compose(digest, digest.message_id)
        outcome = sender.send(message)
        sent_at = _utc_now()
        settled = _mark(db, digest.message_id, outcome, sent_at)
        if outcome.status == "sent":
            report.sent += 1
            report.listings += settled
        elif outcome.status == "rejected":
            report.rejected += 1
            report.problems.append(
                f"rejected {digest.subscription.email}: {outcome.code} {outcome.detail}".rstrip()
            )
        else:
            report.temporary += 1
            report.problems.append(
                f"left pending for {digest.subscription.email}: {outcome.code or ''} {outcome.detail}".strip()
            )
        return outcome

    subscriptions = list_subscriptions(db)
    report.subscriptions = len(subscriptions)
    by_id = {s.id: s for s in subscriptions}

    # 1. Messages an earlier run planned but did not get through: send them first.
    if not dry_run:
        expiry = _iso(_parse_iso(now) - PENDING_EXPIRY)
        for message in list(
            db.query(
                "select * from digest_messages where status = 'pending' order by created_at, message_id"
            )
        ):
            subscription = by_id.get(message["subscription_id"])
            if subscription is None:
                continue
            if message["created_at"] < expiry:
                with db.atomic():
                    db.execute(
                        "update digest_messages set status = 'expired' where message_id = ?",
                        [message["message_id"]],
                    )
                    db.execute(
                        "update deliveries set status = 'expired' where message_id = ?",
                        [message["message_id"]],
                    )
                report.expired += 1
                report.problems.append(
                    f"gave up on {message['message_id']} to {subscription.email} after {PENDING_EXPIRY.days} days"
                )
                continue
            if stop():
                report.stopped = "shutdown requested"
                return report
            outcome = deliver(_digest_from_outbox(db, message, subscription))
            if outcome.status == "sent":
                report.resent += 1
            elif outcome.status == "unavailable":
                report.stopped = f"mail server unavailable: {outcome.detail}"
                return report

    # 2. Today's digests: plan a batch durably, then send its messages one by one.
    # A subscription with a message still pending gets nothing new planned this run, so
    # mail does not pile up behind an address that keeps answering 4xx.
    waiting = _pending_subscriptions(db) if not dry_run else set()
    todo = [s for s in subscriptions if s.id not in waiting]
    # One selection for the whole run (one window load); consumed a batch at a time.
    selection = select_digests(
        db,
        todo,
        as_of=as_of,
        digest_date=digest_date,
        per_employer=per_employer,
        per_section=per_section,
    )
    while True:
        digests = list(islice(selection, plan_batch))
        if not digests:
            break
        report.empty += sum(1 for d in digests if d.empty)
        if dry_run:
            for digest in digests:
                if not digest.empty:
                    report.planned += 1
                    report.listings += sum(1 for _ in digest.entries())
                    if preview is not None:
                        preview(
                            digest,
                            compose(
                                digest,
                                new_message_id(
                                    f"preview.{digest.subscription.id}", _mail_domain(mail_from)
                                ),
                            ),
                        )
            continue
        if stop():
            report.stopped = "shutdown requested"
            return report
        planned = _plan(db, digests, mail_from, _utc_now())
        report.planned += len(planned)
        for position, digest in enumerate(planned):
            if stop():
                # The rest stay pending: the next run sends them with their Message-IDs.
                report.stopped = "shutdown requested"
                report.temporary += len(planned) - position
                return report
            outcome = deliver(digest)
            if outcome.status == "unavailable":
                report.temporary += len(planned) - position - 1
                report.stopped = f"mail server unavailable: {outcome.detail}"
                return report
    return report
