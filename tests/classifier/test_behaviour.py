"""Behavioural checklist of the trained judge: obvious calls, invariance and direction.

The model is trained once per test session on the committed labels (into a temporary folder),
without model selection or cross-validation so the whole suite stays fast.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from classifier import judge
from classifier.persist import MODEL_FILE, load_model

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def judge_model(tmp_path_factory: pytest.TempPathFactory):
    """The judge trained on the committed labels, shared by every classifier test module."""
    from classifier.train import train_all

    model_dir = tmp_path_factory.getbasetemp() / "judge-model"
    if not (model_dir / MODEL_FILE).exists():
        train_all(REPO / "data" / "labels", model_dir, seed=0, select=False, cross_validate=False)
    return load_model(model_dir)


POSTING = {
    "title": "AI Tutor – Contract Law",
    "company": "Acme Data Labs",
    "location": "Remote (Chicago, IL)",
    "pay_text": "$80 - $120 per hour",
    "description": (
        "We are looking for licensed attorneys to review and rate answers written by AI models "
        "about contract law. You will compare model responses, write ideal answers and flag "
        "legal inaccuracies. A JD and active bar membership are required."
    ),
}


def test_an_ai_tutor_in_contract_law_is_relevant_with_domain_law(judge_model) -> None:
    result = judge(POSTING, model=judge_model)
    assert result.relevant
    assert "law" in result.domains
    assert result.role_types


def test_a_title_only_ai_tutor_listing_is_relevant_with_domain_law(judge_model) -> None:
    result = judge({"title": "AI Tutor – Contract Law", "company": "xAI"}, model=judge_model)
    assert result.relevant
    assert result.domains == ["law"]


def test_a_machine_learning_engineer_building_models_is_not_relevant(judge_model) -> None:
    listing = {
        "title": "Senior Machine Learning Engineer",
        "company": "Acme AI",
        "description": (
            "Design, train and deploy large-scale deep learning models. Build data pipelines "
            "and training infrastructure in PyTorch; 5+ years of ML engineering experience."
        ),
    }
    result = judge(listing, model=judge_model)
    assert not result.relevant
    assert result.role_types == [] and result.domains == [] and result.languages == []


def test_a_bilingual_ai_rater_in_german_gets_language_and_de(judge_model) -> None:
    result = judge({"title": "Bilingual AI Rater (German)"}, model=judge_model)
    assert result.relevant
    assert "language" in result.domains
    assert result.languages == ["de"]


def test_a_relevant_listing_has_at_least_one_role_type(judge_model) -> None:
    result = judge(
        {"title": "AI Trainer", "description": "Help train AI models."}, model=judge_model
    )
    assert result.relevant
    assert result.role_types


def _tags(result) -> tuple:
    return (
        result.relevant,
        tuple(result.role_types),
        tuple(result.domains),
        tuple(result.languages),
    )


@pytest.mark.parametrize("company", ["Acme Data Labs", "Borealis AI Partners", "Zentrix Talent"])
def test_changing_the_employer_name_changes_no_tag(judge_model, company: str) -> None:
    base = judge(POSTING, model=judge_model)
    changed = judge({**POSTING, "company": company}, model=judge_model)
    assert _tags(changed) == _tags(base)


@pytest.mark.parametrize("city", ["Austin, TX", "Berlin", "Lagos", "São Paulo"])
def test_changing_the_city_changes_no_tag(judge_model, city: str) -> None:
    base = judge(POSTING, model=judge_model)
    changed = judge({**POSTING, "location": f"Remote ({city})"}, model=judge_model)
    assert _tags(changed) == _tags(base)


SCAM_SENTENCE = "Contact our recruiter on Telegram to pay the $60 starter-kit fee."


def test_a_telegram_fee_sentence_raises_the_scam_score_and_adds_its_flags(judge_model) -> None:
    base = judge(POSTING, model=judge_model)
    scam = judge(
        {**POSTING, "description": POSTING["description"] + " " + SCAM_SENTENCE}, model=judge_model
    )
    assert scam.scam_score > base.scam_score
    flags = {f.flag: f for f in scam.red_flags}
    assert {"off-platform-contact", "pay-to-apply"} <= set(flags)
    for name in ("off-platform-contact", "pay-to-apply"):
        assert SCAM_SENTENCE in flags[name].evidence
    assert scam.verdict == "flagged"
    assert base.verdict == "clean"


def _emscad_rows(n: int) -> list[str]:
    from classifier.scam import load_emscad_training

    texts, _ = load_emscad_training(
        REPO / "data/labels/emscad/ericmiao_train_balanced_preprocessed.csv"
    )
    # Rows with only printable text: the judge drops invisible characters (zero-width spaces,
    # private-use bullets) that some EMSCAD rows hold, which moves their 1,000-character cuts.
    return [t for t in texts if t.isprintable()][:n]


def test_a_preprocessed_emscad_posting_gets_the_scam_models_own_probability(judge_model) -> None:
    texts = _emscad_rows(60)
    expected = judge_model.scam.predict_proba(texts)[:, 1]
    for text, probability in zip(texts, expected, strict=True):
        result = judge({"description": text}, model=judge_model)
        assert result.scam_score == pytest.approx(probability, abs=1e-4)


def test_a_title_only_listing_gets_no_scam_opinion_from_the_model(judge_model) -> None:
    result = judge({"title": "AI Rater", "company": "Unknown LLC"}, model=judge_model)
    assert result.scam_score == 0.0
    assert result.verdict == "clean"


def test_a_short_real_posting_is_not_sent_to_review_by_the_model_alone(judge_model) -> None:
    # The EMSCAD model leans to "fraud" on two-line texts; without a quoted sign, its score
    # counts in the verdict only in proportion to the description's length.
    listing = {
        "title": "AI Trainer – Physics",
        "company": "Acme Data Labs",
        "description": "Write physics problems and grade AI answers. Remote, flexible hours.",
    }
    result = judge(listing, model=judge_model)
    assert not result.red_flags
    assert result.verdict == "clean"
