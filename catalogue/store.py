"""Keeping listings: upsert, versions, red flags, crawl runs and the listing lifecycle.

A listing's id is ``"<source>:<source_id>"``. Each batch of listings is written in one
transaction, so a crash or kill leaves the catalogue as it was before that batch. A
version row is recorded whenever a listing's content hash changes (and once when it is
first seen). A listing is closed only by `finish_run` of a run whose status is ``ok``:
a failed, partial or suspect run closes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from catalogue import groups
from catalogue.schema import writing

# Fields whose change is a new version of the posting (what a job seeker would care about).
VERSIONED_FIELDS = (
    "title",
    "company",
    "description",
    "location_raw",
    "remote_scope",
    "countries",
    "pay_text",
    "pay_min",
    "pay_max",
    "pay_currency",
    "pay_unit",
    "employment_type",
    "valid_through",
    "apply_url",
)
# Listing columns copied from a normalized listing as they are.
_PLAIN_COLUMNS = (
    "source",
    "source_id",
    "url",
    "apply_url",
    "board",
    "attribution",
    "title",
    "company",
    "client",
    "employer_key",
    "description",
    "location_raw",
    "remote_scope",
    "pay_text",
    "pay_min",
    "pay_max",
    "pay_currency",
    "pay_unit",
    "pay_hourly_min",
    "pay_hourly_max",
    "employment_type",
    "posted_at",
    "valid_through",
    "assessment",
    "fetched_at",
)
_LIST_COLUMNS = ("countries", "regions", "tags")
# A run that yields fewer than this share of the items its last healthy run yielded is suspect.
SUSPECT_SHARE = 0.2
SUSPECT_MIN_PREVIOUS = 5

RUN_STATUSES = ("running", "ok", "partial", "failed", "suspect")


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class BatchCounts:
    items: int = 0
    new: int = 0
    changed: int = 0
    reopened: int = 0

    def add(self, other: BatchCounts) -> None:
        self.items += other.items
        self.new += other.new
        self.changed += other.changed
        self.reopened += other.reopened


@dataclass(frozen=True)
class RunSummary:
    run_id: int
    source: str
    status: str
    items: int
    new: int
    changed: int
    closed: int
    errors: int
    note: str


def listing_id(source: str, source_id: str) -> str:
    return f"{source}:{source_id}"


def content_hash(listing: Mapping[str, Any]) -> str:
    """Hash of the versioned fields: equal hashes mean nothing a reader cares about changed."""
    payload = json.dumps({k: listing.get(k) for k in VERSIONED_FIELDS}, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def listing_row(listing: Mapping[str, Any]) -> dict[str, Any]:
    """The `listings` columns of a normalized, judged listing (without lifecycle columns)."""
    row: dict[str, Any] = {c: listing.get(c) for c in _PLAIN_COLUMNS}
    row["id"] = listing.get("id") or listing_id(str(listing["source"]), str(listing["source_id"]))
    for column in _LIST_COLUMNS:
        row[column] = json.dumps(list(listing.get(column) or []))
    row["evergreen"] = 1 if listing.get("evergreen") else 0
    judgement = listing.get("judgement") or {}
    row["relevant"] = 1 if judgement.get("relevant") else 0
    row["relevance_score"] = judgement.get("relevance_score")
    for column in ("role_types", "domains", "languages", "missing_fields"):
        row[column] = json.dumps(list(judgement.get(column) or []))
    row["verdict"] = judgement.get("verdict")
    row["scam_score"] = judgement.get("scam_score")
    row["model_version"] = judgement.get("model_version")
    row["content_hash"] = content_hash(listing)
    row["apply_key"] = groups.apply_key(row)
    row["job_key"] = groups.job_key(listing)
    row["company_key"] = groups.normalize_company(row.get("company")) or None
    return row


def start_run(db: sqlite_utils.Database, source: str, started_at: str | None = None) -> int:
    """Record the start of a crawl of `source` and return its run id."""
    with writing(db):
        table = db["crawl_runs"].insert(
            {"source": source, "started_at": started_at or utc_now(), "status": "running"}
        )
    return int(table.last_pk)


def store_batch(
    db: sqlite_utils.Database,
    run_id: int | None,
    listings: Sequence[Mapping[str, Any]],
    *,
    now: str | None = None,
) -> BatchCounts:
    """Upsert `listings` in one transaction; record versions and red flags; return counts."""
    now = now or utc_now()
    counts = BatchCounts()
    if not listings:
        return counts
    rows = [listing_row(listing) for listing in listings]
    ids = [row["id"] for row in rows]
    existing = _existing(db, ids)
    with writing(
        db
    ):  # one transaction (db.atomic, not `with conn`: sqlite-utils commits inside that): all or none
        for listing, row in zip(listings, rows, strict=True):
            counts.items += 1
            old = existing.get(row["id"])
            row["last_seen"] = now
            row["last_run_id"] = run_id
            if old is None:
                row["first_seen"] = now
                row["closed_at"] = None
                row["group_id"] = row["id"]
                row["is_canonical"] = 1
                row["source_links"] = json.dumps(
                    [{"source": row["source"], "url": row["url"], "id": row["id"], "closed": False}]
                )
                db["listings"].insert(row, replace=True)
                _record_version(
                    db, row["id"], now, row["content_hash"], ["created"], {}, _versioned(row)
                )
                counts.new += 1
            else:
                if old["closed_at"]:
                    counts.reopened += 1
                row["closed_at"] = None
                if old["content_hash"] != row["content_hash"]:
                    before, after = _diff(old, row)
                    if before or after:
                        _record_version(
                            db, row["id"], now, row["content_hash"], sorted(after), before, after
                        )
                        counts.changed += 1
                db["listings"].update(
                    row["id"], {k: v for k, v in row.items() if k != "source_links"}
                )
            _replace_red_flags(
                db, row["id"], (listing.get("judgement") or {}).get("red_flags") or []
            )
    return counts


def _existing(db: sqlite_utils.Database, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    columns = ", ".join(["id", "closed_at", "content_hash", *VERSIONED_FIELDS])
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        for row in db.query(f"select {columns} from listings where id in ({marks})", chunk):
            found[row["id"]] = row
    return found


def _versioned(row: Mapping[str, Any]) -> dict[str, Any]:
    return {field: row.get(field) for field in VERSIONED_FIELDS}


def _diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for field in VERSIONED_FIELDS:
        if old.get(field) != new.get(field):
            before[field] = old.get(field)
            after[field] = new.get(field)
    return before, after


def _record_version(
    db: sqlite_utils.Database,
    listing_id_: str,
    seen_at: str,
    hash_: str,
    changed: list[str],
    before: Mapping[str, Any],
    after: Mapping[str, Any],
) -> None:
    db["listing_versions"].insert(
        {
            "listing_id": listing_id_,
            "seen_at": seen_at,
            "content_hash": hash_,
            "changed": json.dumps(changed),
            "before": json.dumps(before, default=str),
            "after": json.dumps(after, default=str),
        }
    )


def _replace_red_flags(db: sqlite_utils.Database, listing_id_: str, flags: Iterable[Any]) -> None:
    db.execute("delete from red_flags where listing_id = ?", [listing_id_])
    rows = []
    for flag in flags:
        item = flag if isinstance(flag, Mapping) else vars(flag)
        rows.append(
            {
                "listing_id": listing_id_,
                "flag": item.get("flag"),
                "evidence": item.get("evidence"),
                "origin": item.get("origin") or "rule",
            }
        )
    if rows:
        db["red_flags"].insert_all(rows)


def previous_healthy_items(
    db: sqlite_utils.Database, source: str, before_run_id: int
) -> int | None:
    """Items of the last `ok` run of `source` before `before_run_id`, or None if there was none."""
    rows = list(
        db.query(
            "select items from crawl_runs where source = ? and status = 'ok' and id < ? "
            "order by id desc limit 1",
            [source, before_run_id],
        )
    )
    return int(rows[0]["items"]) if rows else None


def finish_run(
    db: sqlite_utils.Database,
    run_id: int,
    *,
    status: str,
    counts: BatchCounts,
    errors: int = 0,
    skipped: int = 0,
    stats: Mapping[str, Any] | None = None,
    note: str = "",
    finished_at: str | None = None,
) -> RunSummary:
    """Close the run; when it is healthy and complete, close the listings it did not see.

    A run that is ``ok`` but yields far fewer items than its source's last healthy run (a
    changed page shape, an empty answer) is recorded as ``suspect`` and closes nothing.
    """
    if status not in RUN_STATUSES:
        raise ValueError(f"unknown run status {status!r}; expected one of {RUN_STATUSES}")
    finished_at = finished_at or utc_now()
    run = db["crawl_runs"].get(run_id)
    source = run["source"]
    if status == "ok":
        previous = previous_healthy_items(db, source, run_id)
        if (
            previous
            and previous >= SUSPECT_MIN_PREVIOUS
            and counts.items < previous * SUSPECT_SHARE
        ):
            status = "suspect"
            note = (note + "; " if note else "") + (
                f"yielded {counts.items} items where the last healthy run yielded {previous}"
            )
    closed = 0
    with writing(db):
        if status == "ok":
            cursor = db.execute(
                "update listings set closed_at = ? where source = ? and closed_at is null "
                "and (last_run_id is null or last_run_id != ?)",
                [finished_at, source, run_id],
            )
            closed = cursor.rowcount
        started = datetime.strptime(run["started_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        ended = datetime.strptime(finished_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        db["crawl_runs"].update(
            run_id,
            {
                "finished_at": finished_at,
                "status": status,
                "items": counts.items,
                "new": counts.new,
                "changed": counts.changed,
                "closed": closed,
                "errors": errors,
                "skipped": skipped,
                "duration_s": max(0.0, (ended - started).total_seconds()),
                "stats": json.dumps(dict(stats or {}), default=str, sort_keys=True),
                "note": note,
            },
        )
    return RunSummary(
        run_id, source, status, counts.items, counts.new, counts.changed, closed, errors, note
    )
