"""judge() / judge_many() on bad input, and `evaljobs judge` on JSON lines with a bad line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from classifier import Judgement, judge, judge_many
from classifier.persist import MODEL_FILE, load_model

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def judge_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The judge trained once per session on the committed labels (shared folder)."""
    from classifier.train import train_all

    model_dir = tmp_path_factory.getbasetemp() / "judge-model"
    if not (model_dir / MODEL_FILE).exists():
        train_all(REPO / "data" / "labels", model_dir, seed=0, select=False, cross_validate=False)
    return model_dir


@pytest.fixture(scope="session")
def judge_model(judge_model_dir: Path):
    return load_model(judge_model_dir)


ALL_FIELDS = ["title", "company", "description", "location", "pay_text"]


def test_an_empty_listing_is_not_relevant_with_score_zero_and_all_fields_missing(
    judge_model,
) -> None:
    result = judge({}, model=judge_model)
    assert isinstance(result, Judgement)
    assert result.relevant is False and result.relevance_score == 0.0
    assert result.missing_fields == ALL_FIELDS
    assert result.role_types == [] and result.domains == [] and result.red_flags == []
    assert result.model_version == judge_model.model_version


def test_none_and_empty_fields_count_as_missing(judge_model) -> None:
    result = judge(
        {
            "title": "AI Rater",
            "company": None,
            "description": "",
            "location": "  ",
            "pay_text": None,
        },
        model=judge_model,
    )
    assert result.missing_fields == ["company", "description", "location", "pay_text"]


def test_non_string_fields_do_not_crash(judge_model) -> None:
    result = judge(
        {"title": 42, "company": ["A", "B"], "description": {"x": "y"}, "pay_text": 3.5},
        model=judge_model,
    )
    assert isinstance(result, Judgement)


def test_binary_garbage_is_not_relevant_with_a_low_score(judge_model) -> None:
    garbage = bytes(range(256)).decode("latin-1") * 50
    result = judge({"title": "\x00\x01\x02\ufffd", "description": garbage}, model=judge_model)
    assert result.relevant is False
    assert result.relevance_score < 0.5


def test_html_fragments_are_stripped_before_judging(judge_model) -> None:
    html = {
        "title": "<h1>AI Tutor &ndash; <b>Contract Law</b></h1>",
        "description": "<p>Rate <i>AI</i> answers about contract law.</p><script>x</script>",
    }
    plain = {
        "title": "AI Tutor – Contract Law",
        "description": "Rate AI answers about contract law.",
    }
    a, b = judge(html, model=judge_model), judge(plain, model=judge_model)
    assert a.relevant == b.relevant and a.domains == b.domains


def test_a_one_megabyte_description_is_capped_and_judged(judge_model) -> None:
    huge = "Rate and compare AI model answers for accuracy. " * 21_000  # ~1 MB
    result = judge({"title": "AI Response Rater", "description": huge}, model=judge_model)
    assert isinstance(result, Judgement)
    assert 0.0 <= result.relevance_score <= 1.0
    assert "description" not in result.missing_fields


def test_non_english_text_does_not_crash(judge_model) -> None:
    result = judge(
        {
            "title": "KI-Trainer (m/w/d) für Sprachmodelle",
            "description": "Sie bewerten Antworten von KI-Modellen auf Deutsch. 日本語も歓迎。",
        },
        model=judge_model,
    )
    assert isinstance(result, Judgement)
    assert 0.0 <= result.relevance_score <= 1.0


def test_judge_many_matches_judge_and_keeps_order(judge_model) -> None:
    listings = [
        {"title": "AI Tutor – Contract Law"},
        {},
        {"title": "Senior Machine Learning Engineer"},
        "not a mapping",
        {"title": "Bilingual AI Rater (German)"},
    ]
    many = judge_many(listings, model=judge_model)
    assert len(many) == len(listings)
    for listing, result in zip(listings, many, strict=True):
        single = judge(listing if isinstance(listing, dict) else {}, model=judge_model)
        assert result == single


def test_judge_many_of_nothing_is_an_empty_list(judge_model) -> None:
    assert judge_many([], model=judge_model) == []


def test_cli_judge_writes_an_error_object_for_a_bad_line_and_counts_it(
    judge_model_dir: Path,
) -> None:
    from evaljobs.cli import main

    lines = [
        json.dumps({"title": "AI Tutor – Contract Law", "company": "xAI"}),
        "{not json",
        "",
        json.dumps([1, 2]),
        json.dumps({"title": "Bilingual AI Rater (German)"}),
    ]
    runner = CliRunner()
    result = runner.invoke(
        main,
        ["judge"],
        input="\n".join(lines) + "\n",
        env={"EVALJOBS_MODEL_DIR": str(judge_model_dir)},
    )
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 4
    assert out[0]["relevant"] is True and "law" in out[0]["domains"]
    assert set(out[0]) >= {
        "relevant",
        "relevance_score",
        "role_types",
        "domains",
        "languages",
        "red_flags",
        "verdict",
        "scam_score",
        "model_version",
        "missing_fields",
    }
    assert out[1]["line"] == 2 and "error" in out[1]
    assert out[2]["line"] == 4 and "error" in out[2]
    assert out[3]["languages"] == ["de"]
    assert "2 of 4 input lines" in result.stderr


def test_cli_judge_without_a_model_says_to_run_train(tmp_path: Path) -> None:
    from evaljobs.cli import main

    result = CliRunner().invoke(
        main, ["judge"], input="{}\n", env={"EVALJOBS_MODEL_DIR": str(tmp_path)}
    )
    assert result.exit_code != 0
    assert "evaljobs train" in result.output


def test_a_mapping_that_raises_on_access_is_judged_as_empty(judge_model) -> None:
    from collections.abc import Mapping

    class Broken(Mapping):
        def __getitem__(self, key):
            raise RuntimeError("boom")

        def __iter__(self):
            return iter(["title"])

        def __len__(self) -> int:
            return 1

    result = judge(Broken(), model=judge_model)
    assert result.relevant is False and result.missing_fields == ALL_FIELDS
