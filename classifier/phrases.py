"""Many fixed phrases found in a text in one pass: the judge's substring scans.

Owns the multi-phrase search that the title/body hints (features.py), the language names
(languages.py) and the red-flag rules' word scan (rules.py) run over every listing. It is an
Aho-Corasick automaton compiled to a DFA (the Rust `ahocorasick_rs`), so a scan costs about a
nanosecond and a half a character: four times less than pyahocorasick's, which was the
largest single cost of judging a listing. Matches are plain, case-sensitive substring
matches, overlapping ones included: a phrase is found wherever `phrase in text` would be.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, TypeVar

import ahocorasick_rs

Value = TypeVar("Value")


class PhraseSet(Generic[Value]):
    """Phrases, each with a value (a phrase given twice keeps its last value), found in texts.

    `present(text)`: the values of the phrases that occur; `occurrences(text)`: (value, start,
    end) of every occurrence, overlapping ones too, `text[start:end]` being the phrase.
    """

    def __init__(self, phrases_and_values: Iterable[tuple[str, Value]]) -> None:
        by_phrase: dict[str, Value] = {}
        for phrase, value in phrases_and_values:
            if not phrase:
                raise ValueError("an empty phrase would match everywhere")
            by_phrase[phrase] = value
        self.phrases: tuple[str, ...] = tuple(sorted(by_phrase))
        self.values: tuple[Value, ...] = tuple(by_phrase[p] for p in self.phrases)
        self._automaton = (
            ahocorasick_rs.AhoCorasick(
                list(self.phrases),
                matchkind=ahocorasick_rs.MATCHKIND_STANDARD,  # the kind that reports overlaps
                implementation=ahocorasick_rs.Implementation.DFA,
            )
            if self.phrases
            else None
        )

    @classmethod
    def of(cls, phrases: Iterable[str]) -> PhraseSet[str]:
        """Phrases that are their own values."""
        return PhraseSet((p, p) for p in phrases)

    def __len__(self) -> int:
        return len(self.phrases)

    def occurrences(self, text: str) -> list[tuple[Value, int, int]]:
        """(value, start, end) of every occurrence of every phrase, in order of their ends."""
        if self._automaton is None or not text:
            return []
        values = self.values
        return [
            (values[i], start, end)
            for i, start, end in self._automaton.find_matches_as_indexes(text, overlapping=True)
        ]

    def present(self, text: str) -> set[Value]:
        """The values of the phrases that occur in `text`."""
        if self._automaton is None or not text:
            return set()
        values = self.values
        return {
            values[i]
            for i, _start, _end in self._automaton.find_matches_as_indexes(text, overlapping=True)
        }
