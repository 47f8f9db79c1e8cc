"""Source health: each source's terms beside its last crawl run, for `evaljobs sources`."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlite_utils


def last_runs(db_path: Path) -> dict[str, dict[str, Any]]:
    """The latest crawl_runs row of each source (empty when there is no catalogue yet)."""
    if not Path(db_path).exists():
        return {}
    db = sqlite_utils.Database(db_path)
    try:
        if "crawl_runs" not in db.table_names():
            return {}
        rows = db.query(
            "select r.* from crawl_runs r join (select source, max(id) as id from crawl_runs "
            "group by source) m on m.id = r.id"
        )
        return {row["source"]: row for row in rows}
    finally:
        db.close()


def source_health(db_path: Path, terms: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per source: enabled, interval, republish, and its last run (if any)."""
    last = last_runs(db_path)
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
