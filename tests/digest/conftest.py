"""Fixtures for digest tests: a real SMTP server on loopback, a lock folder, a day-one catalogue."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from digest_helpers import (
    AFTERQUERY,
    ALIGNERR,
    DAY1,
    MAIL_FROM,
    NOT_RELEVANT,
    SCAM,
    CollectingHandler,
    crawl,
    free_port,
)


@pytest.fixture
def smtp_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[CollectingHandler]:
    """A real SMTP server on loopback; the EVALJOBS_SMTP_* variables point at it."""
    handler = CollectingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("EVALJOBS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("EVALJOBS_SMTP_PORT", str(port))
    monkeypatch.setenv("EVALJOBS_SMTP_SECURITY", "none")
    monkeypatch.delenv("EVALJOBS_SMTP_USER", raising=False)
    monkeypatch.delenv("EVALJOBS_SMTP_PASSWORD", raising=False)
    monkeypatch.setenv("EVALJOBS_MAIL_FROM", MAIL_FROM)
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def locks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "locks"
    monkeypatch.setenv("EVALJOBS_LOCK_DIR", str(folder))
    return folder


@pytest.fixture
def catalogue_path(tmp_path: Path, locks: Path) -> Path:
    """A catalogue where day one's crawls found the real postings above."""
    path = tmp_path / "catalogue.db"
    crawl(path, "greenhouse", AFTERQUERY + NOT_RELEVANT, DAY1)
    crawl(path, "lever", ALIGNERR + SCAM, DAY1)
    return path
