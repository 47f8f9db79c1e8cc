"""Where evaljobs keeps its files: one place that knows the project's default paths.

Every path can be overridden by an environment variable so tests, the demo and the
scheduler can point the same code at a temporary folder.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    return Path(os.environ.get("EVALJOBS_DATA_DIR", PROJECT_ROOT / "data"))


def default_db_path() -> Path:
    return Path(os.environ.get("EVALJOBS_DB", data_dir() / "catalogue.db"))


def raw_dir() -> Path:
    return Path(os.environ.get("EVALJOBS_RAW_DIR", data_dir() / "raw"))
