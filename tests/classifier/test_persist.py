"""Saving and loading the judge: atomic writes, the model card, refusing a foreign or missing model."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import sklearn

from classifier import persist
from classifier.persist import (
    CARD_FILE,
    MODEL_FILE,
    ModelError,
    ModelMissingError,
    ModelVersionError,
    default_model_dir,
    ensure_model,
    load_model,
    save_model,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def judge_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The judge trained once per session on the committed labels (shared folder)."""
    from classifier.train import train_all

    model_dir = tmp_path_factory.getbasetemp() / "judge-model"
    if not (model_dir / MODEL_FILE).exists():
        train_all(REPO / "data" / "labels", model_dir, seed=0, select=False, cross_validate=False)
    return model_dir


@pytest.fixture
def model_copy(judge_model_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "model"
    shutil.copytree(judge_model_dir, target)
    return target


def test_the_model_dir_defaults_to_data_models_and_follows_the_environment(
    monkeypatch, tmp_path
) -> None:
    monkeypatch.delenv("EVALJOBS_MODEL_DIR", raising=False)
    assert default_model_dir() == REPO / "data" / "models"
    monkeypatch.setenv("EVALJOBS_MODEL_DIR", str(tmp_path))
    assert default_model_dir() == tmp_path


def test_the_model_card_records_version_data_hashes_libraries_and_thresholds(
    judge_model_dir: Path,
) -> None:
    card = json.loads((judge_model_dir / CARD_FILE).read_text())
    model = load_model(judge_model_dir)
    assert card["model_version"] == model.model_version and len(card["model_version"]) == 12
    assert card["libraries"]["scikit-learn"] == sklearn.__version__
    assert all(len(h) == 64 for h in card["training_files"].values())
    assert any(name.endswith(".jsonl") for name in card["training_files"])
    assert set(card["thresholds"]) == {"relevance_probability", "role_types", "domains"}
    assert card["config"]["features"]


def test_a_model_built_with_another_sklearn_version_is_refused_with_a_clear_message(
    model_copy: Path,
) -> None:
    card_path = model_copy / CARD_FILE
    card = json.loads(card_path.read_text())
    card["sklearn_version"] = "0.24.2"
    card_path.write_text(json.dumps(card))
    with pytest.raises(ModelVersionError) as excinfo:
        load_model(model_copy)
    message = str(excinfo.value)
    assert "0.24.2" in message and sklearn.__version__ in message and "evaljobs train" in message


def test_a_bundle_pickled_under_another_version_is_refused_even_without_a_card(
    model_copy: Path,
) -> None:
    model = load_model(model_copy)
    model.sklearn_version = "0.24.2"
    import pickle

    (model_copy / MODEL_FILE).write_bytes(pickle.dumps(model))
    (model_copy / CARD_FILE).unlink()
    with pytest.raises(ModelVersionError, match="evaljobs train"):
        load_model(model_copy)


def test_a_missing_model_says_to_run_evaljobs_train(tmp_path: Path) -> None:
    with pytest.raises(ModelMissingError, match="evaljobs train"):
        load_model(tmp_path / "nowhere")


def test_a_truncated_model_file_is_refused_with_a_clear_message(model_copy: Path) -> None:
    path = model_copy / MODEL_FILE
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ModelError, match="evaljobs train"):
        load_model(model_copy)


def test_save_replaces_the_model_atomically_and_leaves_no_temp_files(
    model_copy: Path, monkeypatch
) -> None:
    model = load_model(model_copy)
    before = (model_copy / MODEL_FILE).read_bytes()

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(persist.os, "replace", fail)
    with pytest.raises(OSError):
        save_model(model, model_copy)
    assert (model_copy / MODEL_FILE).read_bytes() == before  # the old model is intact
    assert not [p for p in os.listdir(model_copy) if p.endswith(".tmp")]
    monkeypatch.undo()
    save_model(model, model_copy)
    assert load_model(model_copy).model_version == model.model_version
    assert not [p for p in os.listdir(model_copy) if p.endswith(".tmp")]


def test_ensure_model_trains_when_the_model_is_missing(
    judge_model_dir: Path, tmp_path: Path, monkeypatch
) -> None:
    calls = []

    def fake_train_all(labels_dir, out_dir, **kwargs):
        calls.append((Path(labels_dir), Path(out_dir)))
        shutil.copytree(judge_model_dir, out_dir, dirs_exist_ok=True)

    import classifier.train

    monkeypatch.setattr(classifier.train, "train_all", fake_train_all)
    model = ensure_model(tmp_path / "models", REPO / "data" / "labels")
    assert calls == [(REPO / "data" / "labels", tmp_path / "models")]
    assert model.model_version
    ensure_model(tmp_path / "models")  # present now: loaded, not trained again
    assert len(calls) == 1


def test_saved_files_are_readable_by_other_processes(model_copy: Path) -> None:
    save_model(load_model(model_copy), model_copy)
    for name in (MODEL_FILE, CARD_FILE):
        assert (model_copy / name).stat().st_mode & 0o044 == 0o044
