"""File locks that keep two runs of the same work apart: crawls of one source, digests, schedulers.

Each lock is a file in the ``locks/`` folder beside the catalogue it guards (so
``data/locks/`` for the default ``data/catalogue.db``; ``EVALJOBS_LOCK_DIR`` overrides),
held with ``fcntl.flock``. Keeping locks beside their catalogue means two test runs on two
temporary catalogues never block each other, while every run on one catalogue does. The operating system drops the lock when its holder exits or dies, so a
crash never leaves a stale lock behind; ``flock`` locks belong to an open file, so two
threads of one process exclude each other too (the scheduler's jobs run in threads).
The file holds the holder's pid and start time, to say who is running.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from evaljobs.paths import data_dir


class LockHeld(RuntimeError):
    """Another run holds the lock; `holder` says who (pid and start time) when known."""

    def __init__(self, name: str, holder: str) -> None:
        self.name = name
        self.holder = holder
        super().__init__(
            f"{name} is already running ({holder})" if holder else f"{name} is already running"
        )


def lock_dir(near: str | Path | None = None) -> Path:
    """EVALJOBS_LOCK_DIR, else ``locks/`` beside the catalogue `near`, else data/locks."""
    if os.environ.get("EVALJOBS_LOCK_DIR"):
        return Path(os.environ["EVALJOBS_LOCK_DIR"])
    if near is not None:
        return Path(near).resolve().parent / "locks"
    return data_dir() / "locks"


def lock_name_for(kind: str, path: str | Path) -> str:
    """A lock name for work on one file (a catalogue): its kind plus a short hash of the path."""
    resolved = str(Path(path).resolve())
    return f"{kind}-{Path(path).stem}-{hashlib.sha1(resolved.encode()).hexdigest()[:8]}"


def _path(name: str, near: str | Path | None) -> Path:
    if not re.fullmatch(r"[A-Za-z0-9._-]+", name):
        raise ValueError(f"bad lock name {name!r}")
    return lock_dir(near) / f"{name}.lock"


def holder_of(name: str, *, near: str | Path | None = None) -> str:
    try:
        return _path(name, near).read_text(encoding="utf-8").strip()
    except OSError:
        return ""


@contextmanager
def hold_lock(
    name: str, *, near: str | Path | None = None, wait: float | None = None, poll: float = 0.2
) -> Iterator[Path]:
    """Hold the lock `name` (beside the catalogue `near`) for the block; LockHeld when taken.

    `wait` None or 0 fails at once; a number of seconds waits that long first.
    """
    path = _path(name, near)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the block
    try:
        deadline = time.monotonic() + (wait or 0)
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockHeld(name, holder_of(name, near=near)) from None
                time.sleep(poll)
        handle.seek(0)
        handle.truncate()
        started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        handle.write(f"pid {os.getpid()} since {started}\n")
        handle.flush()
        try:
            yield path
        finally:
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    finally:
        handle.close()


def is_locked(name: str, *, near: str | Path | None = None) -> bool:
    """True when some run holds `name` (beside the catalogue `near`) right now."""
    path = _path(name, near)
    if not path.exists():
        return False
    with open(path, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        return False
