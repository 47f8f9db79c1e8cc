"""Where the fitted judge lives on disk, and how it is saved and loaded safely.

This module owns the model directory (default `<repo root>/data/models`, or the
`EVALJOBS_MODEL_DIR` environment variable), the two files in it (`judge.pkl`, the pickled
`JudgeModel`, and `model_card.json`, its human-readable card), atomic writes (temp file +
`os.replace`, so a reader never sees half a model), and refusing a model that cannot be
trusted: missing, unreadable, or built with another scikit-learn version (pickles are not
portable across versions) -- each with a message telling to run `evaljobs train`.
`ensure_model` trains one when none exists (used by `make demo` / `make test`).
"""

from __future__ import annotations

import json
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

import sklearn

REPO_ROOT = Path(__file__).resolve().parent.parent
MODEL_FILE = "judge.pkl"
CARD_FILE = "model_card.json"


class ModelError(RuntimeError):
    """The judge's model cannot be used; the message says what to do."""


class ModelMissingError(ModelError):
    """No trained model in the model directory."""


class ModelVersionError(ModelError):
    """The model was built with another scikit-learn version than the one installed."""


def default_model_dir() -> Path:
    return Path(os.environ.get("EVALJOBS_MODEL_DIR") or REPO_ROOT / "data" / "models")


def default_labels_dir() -> Path:
    return REPO_ROOT / "data" / "labels"


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp makes the file private (0600); a model is read by other processes and users
        # (the site, the scheduler), so give it ordinary file permissions.
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_model(bundle: Any, directory: Path | str | None = None) -> Path:
    """Write `judge.pkl` and `model_card.json` atomically; return the model file's path."""
    directory = Path(directory) if directory is not None else default_model_dir()
    bundle.sklearn_version = sklearn.__version__
    card = dict(bundle.card)
    card.setdefault("model_version", bundle.model_version)
    card.setdefault("sklearn_version", sklearn.__version__)
    payload = pickle.dumps(bundle, protocol=pickle.HIGHEST_PROTOCOL)
    # The pickle first, then the card: a card always describes a model that exists.
    _atomic_write(directory / MODEL_FILE, payload)
    _atomic_write(
        directory / CARD_FILE, (json.dumps(card, indent=2, sort_keys=True) + "\n").encode()
    )
    return directory / MODEL_FILE


def read_card(directory: Path | str | None = None) -> dict | None:
    """The saved model card, or None when there is none (or it is unreadable)."""
    directory = Path(directory) if directory is not None else default_model_dir()
    try:
        return json.loads((directory / CARD_FILE).read_text())
    except (OSError, ValueError):
        return None


def load_model(directory: Path | str | None = None) -> Any:
    """The saved JudgeModel; ModelMissingError / ModelVersionError / ModelError otherwise."""
    directory = Path(directory) if directory is not None else default_model_dir()
    path = directory / MODEL_FILE
    if not path.exists():
        raise ModelMissingError(
            f"No trained judge model at {path}. Run `evaljobs train` to build it "
            "(or set EVALJOBS_MODEL_DIR to a folder that holds one)."
        )
    # Check the card's version before unpickling: unpickling across scikit-learn versions can
    # fail obscurely or, worse, load and predict wrongly.
    card = read_card(directory)
    built_with = (card or {}).get("sklearn_version")
    if built_with and built_with != sklearn.__version__:
        raise ModelVersionError(
            f"The judge model at {path} was built with scikit-learn {built_with}, but "
            f"scikit-learn {sklearn.__version__} is installed. Run `evaljobs train` to rebuild it."
        )
    try:
        with path.open("rb") as handle:
            bundle = pickle.load(handle)
    except Exception as exc:  # a truncated or foreign file: say what to do, not a traceback
        raise ModelError(
            f"Cannot read the judge model at {path} ({exc}). Run `evaljobs train`."
        ) from exc
    if getattr(bundle, "sklearn_version", None) != sklearn.__version__:
        raise ModelVersionError(
            f"The judge model at {path} was built with scikit-learn "
            f"{getattr(bundle, 'sklearn_version', 'unknown')}, but scikit-learn "
            f"{sklearn.__version__} is installed. Run `evaljobs train` to rebuild it."
        )
    return bundle


def ensure_model(directory: Path | str | None = None, labels_dir: Path | str | None = None) -> Any:
    """Load the model, training it first when there is none (or it is from another version)."""
    directory = Path(directory) if directory is not None else default_model_dir()
    try:
        return load_model(directory)
    except ModelError:
        from classifier.train import train_all  # late: training pulls in the whole trainer

        train_all(labels_dir or default_labels_dir(), directory)
        return load_model(directory)
