"""Source health: each source's terms beside its last crawl run, for `evaljobs sources`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils


def source_health(db_path: Path, terms: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per source: enabled, interval, republish, and its last run (if any)."""
    last: dict[str, dict[str, Any]] = {}
    if Path(db_path).exists():
        db = sqlite_utils.Database(db_path)
        try:
            if "crawl_runs" in db.table_names():
                for row in db.query(
                    "select * from crawl_runs where id in (select max(id) from crawl_runs group by source)"
                ):
                    last[row["source"]] = row
        finally:
            db.close()
    rows = []
    for slug, term in terms.items():
        run = last.get(slug, {})
        rows.append(
            {
                "source": slug,
                "enabled": bool(term.enabled),
                "min_interval_hours": term.min_interval_hours,
                "republish": term.republish,
                "attribution": term.attribution_text,
                "finished_at": run.get("finished_at"),
                "status": run.get("status"),
                "items": run.get("items") or 0,
                "new": run.get("new") or 0,
                "changed": run.get("changed") or 0,
                "closed": run.get("closed") or 0,
                "errors": run.get("errors") or 0,
                "note": run.get("note") or "",
            }
        )
    return rows


def hours_since_last_crawl(db_path: Path, source: str, now: datetime | None = None) -> float | None:
    """Hours since the last run of `source` started (any status), or None if never crawled."""
    if not Path(db_path).exists():
        return None
    db = sqlite_utils.Database(db_path)
    try:
        if "crawl_runs" not in db.table_names():
            return None
        row = db.execute(
            "select max(started_at) from crawl_runs where source = ?", [source]
        ).fetchone()
    finally:
        db.close()
    if not row or not row[0]:
        return None
    started = datetime.strptime(row[0], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return ((now or datetime.now(UTC)) - started).total_seconds() / 3600
