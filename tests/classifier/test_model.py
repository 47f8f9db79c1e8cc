"""The models' building blocks: folds, thresholds, fallbacks, label loading and determinism."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from classifier.judgement import DOMAINS, ROLE_TYPES
from classifier.model import ThresholdedMultiLabel, best_f1_threshold, iterative_folds
from classifier.persist import MODEL_FILE, load_model
from classifier.train import GENERAL, _model_version, load_labels

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def judge_model(tmp_path_factory: pytest.TempPathFactory):
    """The judge trained once per session on the committed labels (shared folder)."""
    from classifier.train import train_all

    model_dir = tmp_path_factory.getbasetemp() / "judge-model"
    if not (model_dir / MODEL_FILE).exists():
        train_all(REPO / "data" / "labels", model_dir, seed=0, select=False, cross_validate=False)
    return load_model(model_dir)


def test_iterative_folds_partition_the_rows_and_keep_groups_together() -> None:
    rng = np.random.default_rng(1)
    Y = (rng.random((200, 5)) < [0.5, 0.2, 0.1, 0.05, 0.3]).astype(int)
    groups = [f"g{i // 2}" for i in range(200)]  # pairs of identical texts
    folds = iterative_folds(Y, groups, n_splits=5, seed=0)
    tests = np.concatenate([test for _, test in folds])
    assert sorted(tests.tolist()) == list(range(200))
    for train, test in folds:
        assert not {groups[i] for i in train} & {groups[i] for i in test}
    # every label with at least 5 positive groups appears in every test fold
    for j in range(5):
        if Y[:, j].sum() >= 10:
            assert all(Y[test, j].sum() > 0 for _, test in folds)


def test_iterative_folds_are_deterministic_for_a_seed() -> None:
    Y = np.eye(4, dtype=int)[np.arange(40) % 4]
    groups = [str(i) for i in range(40)]
    a = iterative_folds(Y, groups, 4, seed=3)
    b = iterative_folds(Y, groups, 4, seed=3)
    assert all((x[1] == y[1]).all() for x, y in zip(a, b, strict=True))


def test_best_f1_threshold_separates_clean_scores() -> None:
    scores = np.array([-2.0, -1.0, 0.5, 1.0, 2.0])
    truth = np.array([0, 0, 1, 1, 1])
    threshold = best_f1_threshold(scores, truth, default=0.0)
    assert -1.0 < threshold < 0.5


def test_a_label_without_positives_keeps_the_default_threshold() -> None:
    assert best_f1_threshold(np.array([0.1, 0.2]), np.array([0, 0]), default=0.0) == 0.0


def _decider(fallback, n_labels: int) -> ThresholdedMultiLabel:
    model = ThresholdedMultiLabel(fallback=fallback)
    model.thresholds_ = np.zeros(n_labels)
    return model


def test_argmax_fallback_gives_every_row_at_least_one_label() -> None:
    scores = np.array([[-1.0, -0.2, -3.0], [0.5, -1.0, 0.2]])
    decided = _decider("argmax", 3).decide(scores)
    assert decided.tolist() == [[0, 1, 0], [1, 0, 1]]


def test_general_is_given_only_when_no_other_domain_passes() -> None:
    scores = np.array([[0.9, -1.0, -1.0], [0.9, 0.3, -1.0], [-0.5, -1.0, -2.0]])
    decided = _decider(0, 3).decide(scores)
    assert decided.tolist() == [[1, 0, 0], [0, 1, 0], [1, 0, 0]]


def test_labels_are_read_sorted_by_id_with_general_for_relevant_without_domain(
    tmp_path: Path,
) -> None:
    lines = [
        {
            "id": "b:2",
            "dataset": "b",
            "title": "AI Rater",
            "relevant": True,
            "role_types": ["response-rating"],
            "domains": [],
            "languages": [],
        },
        {
            "id": "a:1",
            "dataset": "a",
            "title": "Chef",
            "relevant": False,
            "role_types": [],
            "domains": [],
        },
    ]
    (tmp_path / "x.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\nnot json\n")
    data = load_labels(tmp_path)
    assert [r["id"] for r in data.records] == ["a:1", "b:2"]
    assert data.relevant.tolist() == [0, 1]
    assert data.domains[1, GENERAL] == 1
    assert data.roles[1, ROLE_TYPES.index("response-rating")] == 1
    assert data.domains.shape == (2, len(DOMAINS))


def test_the_model_version_depends_on_data_and_parameters_only() -> None:
    files = {"a.jsonl": "0" * 64}
    config = {"features": "x"}
    assert _model_version(files, config, 0) == _model_version(dict(files), dict(config), 0)
    assert _model_version(files, config, 0) != _model_version({"a.jsonl": "1" * 64}, config, 0)
    assert _model_version(files, config, 0) != _model_version(files, {"features": "y"}, 0)


def test_the_trained_bundle_predicts_relevance_probabilities_and_known_labels(judge_model) -> None:
    from classifier.features import prepare

    docs = [
        prepare({"title": "AI Tutor – Contract Law"}),
        prepare(
            {
                "title": "Pastry Chef",
                "company": "Hilton",
                "description": "Prepare desserts and breads in our hotel kitchen. Three years "
                "of experience in a professional bakery.",
            }
        ),
    ]
    out = judge_model.predict_docs(docs)
    assert all(0.0 <= o.relevance_score <= 1.0 for o in out)
    assert out[0].relevant and not out[1].relevant
    assert set(out[0].role_types) <= set(ROLE_TYPES) and out[0].role_types
    assert set(out[0].domains) <= set(DOMAINS) and out[0].domains


@pytest.fixture(scope="module")
def small_labels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """120 committed labelled lines (60 relevant, 60 not), enough to train and cross-validate."""
    records = []
    for path in sorted((REPO / "data" / "labels").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").split(
            "\n"
        ):  # not splitlines(): U+2028 in JSON
            try:
                record = json.loads(line)
            except ValueError:  # a broken line is load_labels' business (skipped, logged)
                continue
            if isinstance(record, dict) and "relevant" in record:
                records.append(record)
    chosen = [r for r in records if r["relevant"]][::7][:60] + [
        r for r in records if not r["relevant"]
    ][::7][:60]
    folder = tmp_path_factory.mktemp("small-labels")
    (folder / "small.jsonl").write_text("\n".join(json.dumps(r) for r in chosen) + "\n")
    return folder


def test_cli_train_prints_the_card_and_evaluate_prints_the_tables(
    small_labels: Path, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from evaljobs.cli import main

    runner = CliRunner()
    out_dir = tmp_path / "model"
    trained = runner.invoke(
        main, ["train", "--labels", str(small_labels), "--out", str(out_dir), "--no-select"]
    )
    assert trained.exit_code == 0, trained.output
    assert "model_version" in trained.output and "cv relevance" in trained.output
    card = json.loads((out_dir / "model_card.json").read_text())
    assert set(card["cv_metrics"]) >= {"relevance", "role_types", "domains"}
    assert "benture" in card["cv_per_dataset"]["relevance"]  # slices by the lines' dataset field
    evaluated = runner.invoke(
        main, ["evaluate", "--labels", str(small_labels)], env={"EVALJOBS_MODEL_DIR": str(out_dir)}
    )
    assert evaluated.exit_code == 0, evaluated.output
    for heading in (
        "relevance",
        "role_types per label",
        "domains per label",
        "per dataset / platform",
    ):
        assert heading in evaluated.output


def test_training_twice_on_the_same_data_gives_the_same_version_and_predictions(
    small_labels: Path, tmp_path: Path
) -> None:
    from classifier.features import prepare
    from classifier.train import train_all

    a = train_all(small_labels, tmp_path / "a", select=False, cross_validate=False)
    b = train_all(small_labels, tmp_path / "b", select=False, cross_validate=False)
    assert a.model_version == b.model_version
    docs = [
        prepare({"title": "AI Tutor – Contract Law"}),
        prepare({"title": "Nurse", "company": "Mercor"}),
    ]
    pa = load_model(tmp_path / "a").predict_docs(docs)
    pb = load_model(tmp_path / "b").predict_docs(docs)
    assert pa == pb


def test_too_few_labels_is_a_clear_error(tmp_path: Path) -> None:
    from classifier.train import train_all

    (tmp_path / "x.jsonl").write_text(
        json.dumps({"id": "x:1", "title": "AI Rater", "relevant": True}) + "\n"
    )
    with pytest.raises(ValueError, match="too few labelled listings"):
        train_all(tmp_path, tmp_path / "model", select=False)


def test_the_plain_matrix_heads_give_the_sklearn_answers(judge_model) -> None:
    from classifier.features import prepare

    assert judge_model.heads is not None
    docs = [
        prepare({"title": t, "description": d})
        for t, d in [
            ("AI Tutor – Contract Law", ""),
            ("Bilingual AI Rater (German)", "Rate answers in German."),
            ("Registered Nurse", "Evaluate AI answers to clinical questions."),
            ("Pastry Chef", "Bake bread."),
        ]
    ]
    fast, slow = judge_model._predict(docs, judge_model.heads), judge_model._predict(docs, None)
    for a, b in zip(fast, slow, strict=True):
        assert a.relevance_score == pytest.approx(b.relevance_score, abs=1e-9)
        assert (a.relevant, a.role_types, a.domains) == (b.relevant, b.role_types, b.domains)


def test_the_scam_model_is_cross_validated_on_the_emscad_file_beside_its_target(
    tmp_path: Path,
) -> None:
    import csv

    from classifier.evaluate import TARGETS, scam_cross_validation
    from classifier.train import EMSCAD_FILE

    source = Path(__file__).resolve().parents[2] / "data/labels" / EMSCAD_FILE
    with open(source, newline="", encoding="utf-8") as fh:
        header, *rows = list(csv.reader(fh))
    sample = rows[::5]  # a fifth of the file: a quick fit
    target = tmp_path / EMSCAD_FILE
    target.parent.mkdir(parents=True)
    with open(target, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, *sample])

    scores = scam_cross_validation(tmp_path, seed=0)
    frauds = sum(1 for _text, label in sample if label == "1")
    assert scores is not None and scores.support == frauds
    assert 0.5 < scores.f1 <= 1.0 and 0.0 < scores.precision <= 1.0
    assert TARGETS["scam"] == 0.95
    assert scam_cross_validation(tmp_path / "elsewhere") is None
