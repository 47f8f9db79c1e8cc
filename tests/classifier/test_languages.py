"""Languages of the work from explicit mentions: names, pairs, locales; countries add nothing."""

from __future__ import annotations

import pytest

from classifier.languages import extract_languages, posting_language


@pytest.mark.parametrize(
    ("title", "description", "expected"),
    [
        ("Bilingual AI Rater (German)", "", ["de"]),
        ("Farsi Bilingual Generalist", "", ["fa"]),
        ("Bilingual STEM Content Expert (Egyptian)", "", ["ar"]),
        ("AI Language Annotator (English – Australia)", "", ["en"]),
        ("Bilingual Language Expert (English-Russian)", "", ["en", "ru"]),
        ("FIFA World Cup Fan (EN & JP)", "", ["en", "ja"]),
        ("AI Trainer", "We are looking for native Portuguese (Brazil) speakers.", ["pt"]),
        ("AI Rater", "Bilingual Spanish/English required.", ["es", "en"]),
        ("Search Evaluator", "Locale: pt-BR. Rate search results.", ["pt"]),
        ("AI Specialist Haitian Creole", "", ["ht"]),
    ],
)
def test_named_languages_become_iso_codes(
    title: str, description: str, expected: list[str]
) -> None:
    assert extract_languages(title, description) == expected


def test_a_country_alone_adds_no_language() -> None:
    assert (
        extract_languages("Software Engineer (India)", "Remote from Brazil, Mexico or Japan.") == []
    )


def test_english_as_a_requirement_is_not_the_language_of_the_work() -> None:
    assert (
        extract_languages("AI Trainer", "Excellent written English and attention to detail.") == []
    )


def test_the_verb_polish_is_not_the_polish_language() -> None:
    assert extract_languages("Writer", "You will polish model answers. Polish the tone.") == []


def test_a_nationality_without_a_language_context_adds_nothing() -> None:
    assert extract_languages("AI Trainer", "We are a German company with offices worldwide.") == []


def test_a_posting_written_in_french_is_french_work() -> None:
    title = "Ingénieur Logiciel pour l'Entraînement de Données IA"
    description = "Vous allez évaluer les réponses des modèles et rédiger des solutions pour nous."
    assert posting_language(title, description) == "fr"
    assert "fr" in extract_languages(title, description)


def test_an_english_posting_has_no_posting_language() -> None:
    assert (
        posting_language("AI Trainer", "You will rate the answers of our models for the team.")
        is None
    )


def test_empty_and_odd_input_gives_no_language() -> None:
    assert extract_languages("", "") == []
    assert extract_languages("\x00\x01", "\ufffd" * 50) == []


def test_letter_runs_are_the_token_patterns_matches_on_ascii_and_other_text() -> None:
    import random
    import string

    from classifier.languages import _TOKEN_RE, _letter_runs

    rng = random.Random(0)
    alphabet = string.ascii_letters + string.digits + string.punctuation + " \n\t_" + "éßø’—日本"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80))) for _ in range(500)]
    texts += ["l'équipe de données", "Data_Annotator-2 (EN/DE)", ""]
    for text in texts:
        assert _letter_runs(text) == _TOKEN_RE.findall(text), text


def test_locale_tails_are_found_where_the_locale_pattern_matches() -> None:
    import random

    from classifier.languages import _LOCALE_TAIL_RE, _locale_tail_starts

    rng = random.Random(1)
    alphabet = "ABZab-_ -_.éÉ日1"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(2_000)]
    texts += ["pt-BR and es_MX", "zh-TWé", "en-GB_", "EN-GB-US", "-AB"]
    for text in texts:
        assert _locale_tail_starts(text) == [m.start() for m in _LOCALE_TAIL_RE.finditer(text)], (
            text
        )


def test_language_names_are_found_where_a_bounded_name_pattern_matches() -> None:
    import random
    import re

    from classifier.languages import _names

    def reference(text: str) -> list[tuple[int, int]]:
        names = r"\b(?:Spanish|SPANISH|English|ENGLISH|Polish|POLISH)\b"
        return [(m.start(), m.end()) for m in re.finditer(names, text)]

    rng = random.Random(2)
    pieces = ["Spanish", "SPANISH", "English", "Polish", "x", "_", "é", " ", "-", "1", "ish"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) for _ in range(3_000)]
    for text in texts:
        found = [(start, end) for _, start, end in _names(text)]
        assert found == reference(text), text
