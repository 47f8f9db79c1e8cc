"""Terms and politeness per source: the loader of `crawler/sources.yaml`.

This module owns the answer to "how may we use source X": its live base URL, the terms
page, the attribution every listing must carry, how often and how fast it may be asked,
how many requests a run may make, and whether its descriptions may be shown or only
linked to. Spiders read their delay and budget here, the scheduler its interval, the
site and digests the attribution, and the catalogue's `sources` table is `source_rows()`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from crawler.config import (
    At,
    ConfigError,
    check_keys,
    expect_bool,
    expect_choice,
    expect_int,
    expect_number,
    expect_optional_str,
    expect_optional_url,
    expect_slug,
    expect_str,
    expect_url,
    read_yaml_mapping,
)

DEFAULT_PATH = Path(__file__).resolve().parent / "sources.yaml"

KINDS: tuple[str, ...] = ("ats", "board", "forum", "careers-page", "platform")
REPUBLISH: tuple[str, ...] = ("full", "link-out")

_REQUIRED = (
    "name",
    "kind",
    "base_url",
    "terms_url",
    "attribution_text",
    "attribution_url",
    "min_interval_hours",
    "download_delay",
    "request_budget",
    "republish",
)
_OPTIONAL = ("enabled", "disabled_reason", "search_param", "notes")


@dataclass(frozen=True)
class SourceTerms:
    """How one source may be asked and shown."""

    slug: str
    name: str
    kind: str  # one of KINDS
    enabled: bool
    base_url: str | None  # None when URLs come from the registry (jsonld)
    search_param: str | None  # query parameter for a search term; None = read whole
    terms_url: str
    attribution_text: str
    attribution_url: str
    min_interval_hours: float
    download_delay: float
    request_budget: int
    republish: str  # one of REPUBLISH
    notes: str = ""
    disabled_reason: str = ""

    @property
    def searchable(self) -> bool:
        """True when the source takes a search term (search_terms.yaml may name it)."""
        return self.search_param is not None


def _parse_source(slug: str, raw: Any, at: At) -> SourceTerms:
    check_keys(raw, at, required=_REQUIRED, optional=_OPTIONAL)
    enabled = expect_bool(raw.get("enabled", True), at.key("enabled"))
    disabled_reason = expect_optional_str(raw.get("disabled_reason"), at.key("disabled_reason"))
    if not enabled and not disabled_reason:
        # A switched-off source must say why, or someone will switch it back on.
        raise at.key("disabled_reason").error("expected a reason when enabled is false")
    if enabled and raw.get("attribution_text") in (None, ""):
        raise at.key("attribution_text").error("expected a non-empty string for an enabled source")
    return SourceTerms(
        slug=slug,
        name=expect_str(raw["name"], at.key("name")),
        kind=expect_choice(raw["kind"], at.key("kind"), KINDS),
        enabled=enabled,
        base_url=expect_optional_url(raw["base_url"], at.key("base_url")),
        search_param=expect_optional_str(raw.get("search_param"), at.key("search_param")),
        terms_url=expect_url(raw["terms_url"], at.key("terms_url")),
        attribution_text=expect_str(raw["attribution_text"], at.key("attribution_text")),
        attribution_url=expect_url(raw["attribution_url"], at.key("attribution_url")),
        min_interval_hours=expect_number(
            raw["min_interval_hours"], at.key("min_interval_hours"), minimum=0.0
        ),
        download_delay=expect_number(raw["download_delay"], at.key("download_delay"), minimum=0.0),
        request_budget=expect_int(raw["request_budget"], at.key("request_budget"), minimum=1),
        republish=expect_choice(raw["republish"], at.key("republish"), REPUBLISH),
        notes=expect_optional_str(raw.get("notes"), at.key("notes")) or "",
        disabled_reason=disabled_reason or "",
    )


def load_sources(path: Path | None = None) -> dict[str, SourceTerms]:
    """Read and check a sources file (default: the shipped `crawler/sources.yaml`).

    Returns the sources by slug, in file order. Raises ConfigError naming the file, the
    key path and what was expected for any unknown key, wrong type or bad value.
    """
    data, at = read_yaml_mapping(Path(path) if path is not None else DEFAULT_PATH)
    sources: dict[str, SourceTerms] = {}
    for slug, raw in data.items():
        key_at = at.key(str(slug))
        expect_slug(slug, key_at)
        sources[slug] = _parse_source(slug, raw, key_at)
    if not sources:
        raise at.error("expected at least one source")
    return sources


@lru_cache(maxsize=1)
def _shipped() -> dict[str, SourceTerms]:
    return load_sources()


def source_terms(slug: str, sources: dict[str, SourceTerms] | None = None) -> SourceTerms:
    """The terms of one source; ConfigError naming the known slugs when `slug` is unknown."""
    table = sources if sources is not None else _shipped()
    try:
        return table[slug]
    except KeyError:
        file = str(DEFAULT_PATH) if sources is None else "sources"
        raise ConfigError(
            file, slug, f"unknown source slug {slug!r}; expected one of {', '.join(table)}"
        ) from None


def source_rows(sources: dict[str, SourceTerms] | None = None) -> list[dict[str, Any]]:
    """Flat rows for the catalogue's `sources` table (booleans as 0/1)."""
    table = sources if sources is not None else _shipped()
    rows = []
    for terms in table.values():
        row = asdict(terms)
        row["enabled"] = int(terms.enabled)
        rows.append(row)
    return rows
