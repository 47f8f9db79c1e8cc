"""Shared test helpers: where the recorded responses are, and parsing one at a frozen time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
FROZEN_NOW = "2026-09-15T12:00:00Z"


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def parse_capture():
    """parse_capture(source, filename, url=None) -> normalized listings at FROZEN_NOW."""
    from crawler.capture import parse_capture_file

    def _parse(source: str, filename: str, url: str | None = None, **kwargs: Any) -> list[dict]:
        folder = source.replace("_", "-") if not (FIXTURES / source).exists() else source
        return parse_capture_file(
            source, FIXTURES / folder / filename, url=url, frozen_now=FROZEN_NOW, **kwargs
        )

    return _parse
