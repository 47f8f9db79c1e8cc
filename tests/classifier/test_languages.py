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
