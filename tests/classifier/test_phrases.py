"""PhraseSet: the judge's one-pass search for many fixed phrases."""

from __future__ import annotations

import random

import pytest

from classifier.phrases import PhraseSet


def test_every_occurrence_is_found_with_its_character_offsets_overlaps_included() -> None:
    phrases = PhraseSet.of([" ab ", "ab", " b"])
    text = "é€😀 ab ab "
    found = phrases.occurrences(text)
    assert sorted(found, key=lambda f: (f[1], f[2])) == [
        (" ab ", 3, 7),
        ("ab", 4, 6),
        (" ab ", 6, 10),
        ("ab", 7, 9),
    ]
    assert all(text[start:end] == value for value, start, end in found)


def test_present_is_the_values_of_the_phrases_a_text_holds_as_substrings() -> None:
    phrases = PhraseSet([("bias", "safety"), ("fact-check", "facts"), ("rlhf", "ai")])
    assert phrases.present("an unbiased fact-checker") == {"safety", "facts"}
    assert phrases.present("nothing here") == set()
    assert phrases.present("") == set()


def test_a_phrase_given_twice_keeps_its_last_value() -> None:
    assert PhraseSet([("x", 1), ("x", 2)]).present("x") == {2}


def test_matching_is_case_sensitive() -> None:
    assert PhraseSet.of(["Polish"]).present("polish the answers") == set()


def test_an_empty_set_finds_nothing_and_an_empty_phrase_is_refused() -> None:
    assert PhraseSet.of([]).occurrences("anything") == []
    with pytest.raises(ValueError, match="empty phrase"):
        PhraseSet.of([""])


def test_present_agrees_with_plain_substring_tests_on_random_text() -> None:
    rng = random.Random(7)
    words = ["ai", "train", "training ai", "a", "in", "rai", "n a", "ai t"]
    phrases = PhraseSet.of(words)
    for _ in range(500):
        text = "".join(rng.choice("ain t") for _ in range(rng.randint(0, 40)))
        assert phrases.present(text) == {w for w in words if w in text}
