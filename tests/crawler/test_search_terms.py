"""search_terms.yaml and its loader: the documented search terms, grouped and checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from classifier.judgement import DOMAINS, ROLE_TYPES
from crawler.config import ConfigError
from crawler.search_terms import all_terms, load_search_terms, terms_for_source
from crawler.sources import load_sources

# Every search phrase the seed article documents, as it writes them.
SEED_PHRASES = (
    # the many names of these jobs
    "human feedback jobs",
    "AI training jobs",
    "AI model trainer jobs",
    "AI rater jobs",
    "AI response reviewer jobs",
    "chatbot evaluator jobs",
    "prompt evaluation jobs",
    "RLHF jobs",
    "data annotation jobs",
    "remote AI evaluation jobs",
    "human feedback jobs in AI",
    "remote AI trainer jobs",
    "prompt evaluator jobs",
    "data annotation jobs from home",
    "AI data annotation jobs",
    "model evaluation jobs",
    "AI fact-checking jobs",
    "remote AI writing evaluator jobs",
    # searches by background
    "education AI evaluator jobs",
    "legal AI reviewer jobs",
    "coding AI evaluator",
    "code review AI training jobs",
    "bilingual AI rater jobs",
    "language model evaluator jobs",
    # platform and company searches
    "Mercor AI jobs",
    "Handshake AI",
    "Surge AI",
    "micro1 AI",
    "Stellar AI",
    "Google AI training jobs",
    "OpenAI-related evaluation work",
    "Anthropic-related AI safety work",
    "Claude AI training jobs",
    "Gemini AI jobs",
    "ChatGPT jobs",
    # the AI ecosystems named as looking for this work
    "Gemini AI evaluation work",
    "Grok AI review roles",
    "Microsoft AI jobs",
    "Meta AI work",
    "Amazon AI roles",
    "Apple AI-related evaluation opportunities",
)

SEED_ARTICLE = Path(__file__).resolve().parents[1] / "fixtures/seed/human-feedback-jobs-article.txt"

GOOD = """\
groups:
  - key: core
    label: Core names
    origin: seed
    role_types: [response-rating]
    domains: [general]
    languages: []
    sources: [himalayas, jobicy]
    terms:
      - {phrase: AI rater jobs, query: AI rater}
      - RLHF
  - key: language
    label: Language raters
    origin: derived
    role_types: [response-rating, annotation]
    domains: [language]
    languages: [de]
    sources: [himalayas]
    terms:
      - ai rater
      - German AI rater
relevance_hints:
  suggest_relevant: [RLHF]
  suggest_not_relevant: [data scientist]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "search_terms.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_search_terms(path)
    message = str(caught.value)
    assert str(path) in message  # every error names the file
    return message


def test_the_shipped_file_loads():
    terms = load_search_terms()
    assert len(terms.groups) >= 10
    assert terms.relevance_hints.suggest_relevant
    assert terms.relevance_hints.suggest_not_relevant


def test_every_search_phrase_of_the_seed_article_is_in_the_file():
    phrases = {p.casefold() for p in load_search_terms().all_phrases()}
    missing = [p for p in SEED_PHRASES if p.casefold() not in phrases]
    assert missing == []


@pytest.mark.skipif(not SEED_ARTICLE.exists(), reason="the seed article is kept outside the repo")
def test_every_seed_phrase_is_written_as_in_the_article():
    article = " ".join(SEED_ARTICLE.read_text(encoding="utf-8").split()).casefold()
    for group in load_search_terms().groups:
        if group.origin == "seed":
            for term in group.terms:
                assert term.phrase.casefold() in article, term.phrase


def test_every_role_type_domain_and_source_slug_is_valid():
    searchable = {slug for slug, t in load_sources().items() if t.searchable}
    for group in load_search_terms().groups:
        assert set(group.role_types) <= set(ROLE_TYPES), group.key
        assert set(group.domains) <= set(DOMAINS), group.key
        assert set(group.sources) <= searchable, group.key
        assert group.role_types, group.key


def test_remotive_is_sent_no_search_terms_because_its_daily_budget_is_four_calls():
    assert terms_for_source("remotive") == []


def test_jobicy_gets_no_more_terms_than_its_request_budget():
    from crawler.sources import source_terms

    assert 0 < len(terms_for_source("jobicy")) <= source_terms("jobicy").request_budget


def test_himalayas_gets_the_core_names_first():
    assert terms_for_source("himalayas")[:3] == ["AI training", "AI rater", "RLHF"]


def test_terms_for_a_source_are_unique_case_insensitively_and_keep_file_order(tmp_path):
    terms = load_search_terms(write(tmp_path, GOOD))
    assert terms.terms_for_source("himalayas") == ["AI rater", "RLHF", "German AI rater"]
    assert terms.terms_for_source("jobicy") == ["AI rater", "RLHF"]
    assert terms.terms_for_source("greenhouse") == []


def test_all_terms_are_unique_and_cover_every_group():
    terms = all_terms()
    assert len(terms) == len({t.casefold() for t in terms})
    assert "Grok AI review" in terms  # a group no search source is sent


def test_a_plain_string_term_is_both_phrase_and_query(tmp_path):
    group = load_search_terms(write(tmp_path, GOOD)).group("core")
    assert group.terms[1].phrase == group.terms[1].query == "RLHF"
    assert group.queries == ["AI rater", "RLHF"]


def test_languages_are_kept_per_group(tmp_path):
    assert load_search_terms(write(tmp_path, GOOD)).group("language").languages == ("de",)


def test_a_misspelt_role_type_names_the_key_path_and_the_choices(tmp_path):
    message = error_of(
        tmp_path, GOOD.replace("[response-rating, annotation]", "[response-rating, anotation]")
    )
    assert "groups[1].role_types[1]" in message
    assert "expected one of response-rating, ab-comparison" in message
    assert "got 'anotation'" in message


def test_a_misspelt_domain_names_the_key_path(tmp_path):
    message = error_of(tmp_path, GOOD.replace("domains: [general]", "domains: [genral]"))
    assert "groups[0].domains[0]" in message
    assert "got 'genral'" in message


def test_an_unknown_key_is_named_with_the_keys_expected(tmp_path):
    message = error_of(
        tmp_path, GOOD.replace("    origin: seed\n", "    origin: seed\n    serch: x\n")
    )
    assert "groups[0].serch" in message
    assert "unknown key 'serch'" in message
    assert "role_types" in message


def test_a_wrong_type_names_the_key_path_and_the_type_expected(tmp_path):
    message = error_of(tmp_path, GOOD.replace("domains: [general]", "domains: 3"))
    assert "groups[0].domains" in message
    assert "expected a list of strings, got int" in message


def test_a_source_without_a_search_parameter_is_refused(tmp_path):
    message = error_of(
        tmp_path, GOOD.replace("sources: [himalayas, jobicy]", "sources: [greenhouse]")
    )
    assert "groups[0].sources[0]" in message
    assert "got 'greenhouse'" in message


def test_a_bad_language_code_is_refused(tmp_path):
    message = error_of(tmp_path, GOOD.replace("languages: [de]", "languages: [German]"))
    assert "groups[1].languages[0]" in message
    assert "ISO 639-1" in message


def test_norwegian_no_read_as_a_bool_by_yaml_is_caught(tmp_path):
    message = error_of(tmp_path, GOOD.replace("languages: [de]", "languages: [no]"))
    assert "groups[1].languages[0]" in message
    assert "expected a string, got bool" in message


def test_a_duplicate_group_key_is_refused(tmp_path):
    message = error_of(tmp_path, GOOD.replace("key: language", "key: core"))
    assert "groups[1].key" in message
    assert "duplicate group key 'core'" in message


def test_an_unknown_hint_list_is_named(tmp_path):
    message = error_of(tmp_path, GOOD.replace("suggest_not_relevant:", "suggest_irrelevant:"))
    assert "relevance_hints.suggest_irrelevant" in message
