"""The catalogue's reference tables: the employer registry and the sources' terms.

The registry (crawler/employers.yaml) and the source terms (crawler/sources.yaml) are the
truth; these functions copy rows given by the crawler into the `employers` and `sources`
tables so the site, the digests and SQL users can join on them. Rows are upserted, and
entries that left the files are deleted, in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlite_utils

from catalogue.schema import writing


def sync_table(
    db: sqlite_utils.Database, table: str, pk: str, rows: Iterable[Mapping[str, Any]]
) -> int:
    """Make `table` hold exactly `rows` (by primary key `pk`); return how many rows it holds."""
    rows = [dict(row) for row in rows]
    keys = [row[pk] for row in rows]
    with writing(db):
        if rows:
            db[table].upsert_all(rows, pk=pk)
        marks = ",".join("?" for _ in keys) or "''"
        db.execute(f"delete from [{table}] where [{pk}] not in ({marks})", keys)
    return db[table].count
