"""The documented search terms: the loader of `search_terms.yaml` at the repository root.

This module owns the list of phrases people use for human-feedback AI jobs (every one the
seed article documents, plus a few derived from the backgrounds it names), grouped with
the role types, domains and languages each group hints at and the search sources each
group is sent to, and the short `relevance_hints`. Search spiders take their queries from
`terms_for_source`; local matching and the classifier's features can use `all_terms` and
the hints. The file is checked on load: a misspelt slug or key fails with the file, the
key path and what was expected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from classifier.judgement import DOMAINS, ROLE_TYPES
from crawler.config import (
    At,
    check_keys,
    expect_choice,
    expect_choices,
    expect_optional_str,
    expect_slug,
    expect_str,
    expect_str_list,
    read_yaml_mapping,
)
from crawler.sources import SourceTerms, load_sources

# The repository root holds search_terms.yaml (DESIGN.md: it is shared by every spider).
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "search_terms.yaml"

ORIGINS: tuple[str, ...] = ("seed", "derived")
_LANGUAGE_RE = re.compile(r"^[a-z]{2}$")


@dataclass(frozen=True)
class SearchTerm:
    """One term: the phrase as documented and the query a search box receives."""

    phrase: str
    query: str


@dataclass(frozen=True)
class TermGroup:
    """Terms that name the same kind of work, with what they hint at."""

    key: str
    label: str
    origin: str  # one of ORIGINS
    role_types: tuple[str, ...]
    domains: tuple[str, ...]
    languages: tuple[str, ...]
    sources: tuple[str, ...]  # search sources sent these queries; () = not sent
    terms: tuple[SearchTerm, ...]
    note: str = ""

    @property
    def queries(self) -> list[str]:
        return [term.query for term in self.terms]


@dataclass(frozen=True)
class RelevanceHints:
    """Phrases that suggest a human-feedback role or not. Hints, not rules."""

    suggest_relevant: tuple[str, ...]
    suggest_not_relevant: tuple[str, ...]


@dataclass(frozen=True)
class SearchTerms:
    """The whole file: groups in file order and the relevance hints."""

    path: Path
    groups: tuple[TermGroup, ...]
    relevance_hints: RelevanceHints

    def group(self, key: str) -> TermGroup:
        for group in self.groups:
            if group.key == key:
                return group
        raise KeyError(f"no search-term group {key!r}")

    def groups_for_source(self, source: str) -> list[TermGroup]:
        return [group for group in self.groups if source in group.sources]

    def terms_for_source(self, source: str) -> list[str]:
        """The queries to send to `source`, in file order, each once (case-insensitive)."""
        return _unique(q for g in self.groups_for_source(source) for q in g.queries)

    def all_terms(self) -> list[str]:
        """Every query of every group, in file order, each once (case-insensitive)."""
        return _unique(q for group in self.groups for q in group.queries)

    def all_phrases(self) -> list[str]:
        """Every phrase as documented (the article's wording), each once."""
        return _unique(t.phrase for group in self.groups for t in group.terms)


def _unique(items: Any) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for item in items:
        folded = item.casefold()
        if folded not in seen:
            seen.add(folded)
            out.append(item)
    return out


def _parse_term(raw: Any, at: At) -> SearchTerm:
    if isinstance(raw, str):
        text = expect_str(raw, at)
        return SearchTerm(phrase=text, query=text)
    check_keys(raw, at, required=("phrase",), optional=("query",))
    phrase = expect_str(raw["phrase"], at.key("phrase"))
    query = expect_str(raw["query"], at.key("query")) if "query" in raw else phrase
    return SearchTerm(phrase=phrase, query=query)


def _parse_group(raw: Any, at: At, searchable: tuple[str, ...]) -> TermGroup:
    check_keys(
        raw,
        at,
        required=("key", "label", "origin", "role_types", "domains", "sources", "terms"),
        optional=("languages", "note"),
    )
    languages = expect_str_list(raw.get("languages", []), at.key("languages"))
    for i, code in enumerate(languages):
        if not _LANGUAGE_RE.match(code):
            raise (
                at.key("languages")
                .index(i)
                .error(
                    f"expected an ISO 639-1 code such as 'de' (quote 'no' for Norwegian), got {code!r}"
                )
            )
    raw_terms = raw["terms"]
    if not isinstance(raw_terms, list) or not raw_terms:
        raise at.key("terms").error(
            "expected a non-empty list of terms (strings or {phrase, query} mappings)"
        )
    return TermGroup(
        key=expect_slug(raw["key"], at.key("key")),
        label=expect_str(raw["label"], at.key("label")),
        origin=expect_choice(raw["origin"], at.key("origin"), ORIGINS),
        role_types=expect_choices(raw["role_types"], at.key("role_types"), ROLE_TYPES),
        domains=expect_choices(raw["domains"], at.key("domains"), DOMAINS),
        languages=languages,
        sources=expect_choices(raw["sources"], at.key("sources"), searchable),
        terms=tuple(
            _parse_term(item, at.key("terms").index(i)) for i, item in enumerate(raw_terms)
        ),
        note=expect_optional_str(raw.get("note"), at.key("note")) or "",
    )


def load_search_terms(
    path: Path | None = None, sources: dict[str, SourceTerms] | None = None
) -> SearchTerms:
    """Read and check a search-terms file (default: `search_terms.yaml` at the repo root).

    Group `sources` must name sources that take a search term (`search_param` set in
    `sources` — the shipped `crawler/sources.yaml` by default). Raises ConfigError naming
    the file, the key path and what was expected.
    """
    data, at = read_yaml_mapping(Path(path) if path is not None else DEFAULT_PATH)
    check_keys(data, at, required=("groups",), optional=("relevance_hints",))
    table = sources if sources is not None else load_sources()
    searchable = tuple(slug for slug, terms in table.items() if terms.searchable)

    raw_groups = data["groups"]
    if not isinstance(raw_groups, list) or not raw_groups:
        raise at.key("groups").error("expected a non-empty list of groups")
    groups: list[TermGroup] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_groups):
        group = _parse_group(raw, at.key("groups").index(i), searchable)
        if group.key in seen:
            raise at.key("groups").index(i).key("key").error(f"duplicate group key {group.key!r}")
        seen.add(group.key)
        groups.append(group)

    hints_at = at.key("relevance_hints")
    raw_hints = data.get("relevance_hints") or {}
    check_keys(raw_hints, hints_at, optional=("suggest_relevant", "suggest_not_relevant"))
    hints = RelevanceHints(
        suggest_relevant=expect_str_list(
            raw_hints.get("suggest_relevant", []), hints_at.key("suggest_relevant")
        ),
        suggest_not_relevant=expect_str_list(
            raw_hints.get("suggest_not_relevant", []), hints_at.key("suggest_not_relevant")
        ),
    )
    return SearchTerms(
        path=Path(path) if path is not None else DEFAULT_PATH,
        groups=tuple(groups),
        relevance_hints=hints,
    )


@lru_cache(maxsize=1)
def _shipped() -> SearchTerms:
    return load_search_terms()


def terms_for_source(source: str, terms: SearchTerms | None = None) -> list[str]:
    """The queries a search spider sends to `source`, deduplicated, in file order."""
    return (terms or _shipped()).terms_for_source(source)


def all_terms(terms: SearchTerms | None = None) -> list[str]:
    """Every query of the file, deduplicated, in file order."""
    return (terms or _shipped()).all_terms()
