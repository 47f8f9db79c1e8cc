"""The judge: one call that says what a listing is, what it needs and whether it smells.

This package imports nothing else of the project. Its front is `judge(listing)` (one listing)
and `judge_many(listings)` (a batch, vectorised: the crawler's pipeline and `rebuild` use it),
both returning `Judgement`s: relevance and its calibrated score, role types and domains (only
for relevant listings; at least one role type), languages of the work, red flags with their
quoted evidence (rules.py), the scam score (the EMSCAD model, scam.py) and verdict, the model
version and the fields that were missing. The default model is loaded once from the model
directory (persist.py) and cached. Bad input never raises: missing or empty fields, HTML,
huge or binary text all get a Judgement; with nothing to judge, relevance is False and 0.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from classifier.features import FIELDS, Doc, missing_fields, prepare, raw_field
from classifier.judgement import DOMAINS, RED_FLAGS, ROLE_TYPES, VERDICTS, Judgement, RedFlag
from classifier.languages import extract_languages
from classifier.model import with_language_domain
from classifier.persist import (
    ModelError,
    ModelMissingError,
    ModelVersionError,
    ensure_model,
    load_model,
)

__all__ = [
    "DOMAINS",
    "RED_FLAGS",
    "ROLE_TYPES",
    "VERDICTS",
    "Judgement",
    "RedFlag",
    "ModelError",
    "ModelMissingError",
    "ModelVersionError",
    "judge",
    "judge_many",
    "scam_scores",
    "default_model",
    "clear_model_cache",
    "ensure_model",
]

_MODEL: Any = None
_MODEL_LOCK = threading.Lock()
# At least this many letters in title + description, else there is nothing to judge (empty
# input, a pasted binary, a lone number).
_MIN_LETTERS = 3
_LETTER_RE = re.compile(r"[^\W\d_]")
# The scam model reads at most this much preprocessed text: its cost is linear in length and
# the opening of a posting carries its signs (the rules read everything). On EMSCAD (5-fold,
# model fitted on full texts, scored on cut ones): F1 0.923 / 0.930 / 0.932 / 0.933 and AUC
# 0.974 / 0.982 / 0.984 / 0.985 at 600 / 1,000 / 1,500 / 6,000 characters.
_SCAM_CHARS = 1_500
# EMSCAD's postings are long (5th percentile: ~70 words after preprocessing for real ones,
# ~47 for frauds); on a title-only or two-line listing the model is outside what it learned and
# calls most of them frauds. Its probability is therefore scaled by how much text it had, up
# to this many preprocessed words: little text, little opinion (0.0 is "no opinion").
_SCAM_FULL_WORDS = 100


def default_model() -> Any:
    """The saved model, loaded once per process (ModelMissingError if there is none)."""
    global _MODEL
    if _MODEL is None:
        with _MODEL_LOCK:
            if _MODEL is None:
                _MODEL = load_model()
    return _MODEL


def clear_model_cache() -> None:
    """Forget the cached model (after `evaljobs train`, or in tests)."""
    global _MODEL
    with _MODEL_LOCK:
        _MODEL = None


def judge(
    listing: Mapping[str, Any], *, employers: Sequence[Mapping[str, Any]] = (), model: Any = None
) -> Judgement:
    """Judge one listing (see the module docstring); never raises on bad input."""
    return judge_many([listing], employers=employers, model=model)[0]


def _has_text(doc: Doc) -> bool:
    return len(_LETTER_RE.findall(doc["title"] + " " + doc["description"][:200])) >= _MIN_LETTERS


def _prepare_safely(listing: Mapping[str, Any]) -> Doc:
    try:
        return prepare(listing)
    except Exception:  # a Mapping whose get() misbehaves: judge it as empty, don't crash
        return prepare({})


def scam_scores(model: Any, docs: Sequence[Doc]) -> list[float]:
    """The scam model's probability per prepared doc, scaled by how much text it had."""
    pipeline = getattr(model, "scam", None)
    if pipeline is None:
        return [0.0] * len(docs)
    from classifier.fast import fast_predict_proba
    from classifier.scam import listing_to_emscad_text

    # Cut the raw description first (preprocessing drops about a third of the characters):
    # preprocessing a whole posting only to keep its head would cost more than the model.
    texts = [
        listing_to_emscad_text({**doc, "description": doc["description"][: 2 * _SCAM_CHARS]})[
            :_SCAM_CHARS
        ]
        for doc in docs
    ]
    try:
        probabilities = fast_predict_proba(pipeline, texts)[:, 1]
    except Exception:  # a scam-model failure must not lose the rest of the judgement
        return [0.0] * len(docs)
    return [
        float(p) * min(1.0, text.count(" ") / _SCAM_FULL_WORDS)
        for p, text in zip(probabilities, texts, strict=True)
    ]


def _red_flags(
    listing: Mapping[str, Any], doc: Doc, employers: Sequence[Mapping[str, Any]]
) -> list[RedFlag]:
    from classifier.rules import find_red_flags

    # The rules read the raw fields (they clean them, and read the whole description: a scam
    # sign can sit at its bottom), not the capped text prepared for the models.
    try:
        fields: dict[str, Any] = {name: raw_field(listing, name) for name in FIELDS}
        for key in ("url", "apply_url"):
            value = listing.get(key)
            fields[key] = value if isinstance(value, str) else ""
        return list(find_red_flags(fields, employers))
    except Exception:  # the rules never raise on odd input; an odd Mapping might
        return []


def judge_many(
    listings: Iterable[Mapping[str, Any]],
    employers: Sequence[Mapping[str, Any]] = (),
    *,
    model: Any = None,
) -> list[Judgement]:
    """Judge a batch: features are computed once for the batch and the models run vectorised."""
    from classifier.rules import decide_verdict

    listings = [x if isinstance(x, Mapping) else {} for x in listings]
    if not listings:
        return []
    # One immutable registry for the batch: the rules digest it once, not once per listing.
    employers = tuple(employers)
    model = model if model is not None else default_model()
    docs = [_prepare_safely(x) for x in listings]
    judgeable = [i for i, d in enumerate(docs) if _has_text(d)]
    outputs = dict(zip(judgeable, model.predict_docs([docs[i] for i in judgeable]), strict=True))
    scam = scam_scores(model, docs)
    version = getattr(model, "model_version", "")
    result: list[Judgement] = []
    for i, (listing, doc) in enumerate(zip(listings, docs, strict=True)):
        out = outputs.get(i)
        flags = _red_flags(listing, doc, employers)
        relevant = bool(out and out.relevant)
        languages = extract_languages(doc["title"], doc["description"]) if relevant else []
        result.append(
            Judgement(
                relevant=relevant,
                relevance_score=round(out.relevance_score, 4) if out else 0.0,
                role_types=list(out.role_types) if relevant else [],
                domains=with_language_domain(out.domains, languages) if relevant else [],
                languages=languages,
                red_flags=flags,
                verdict=decide_verdict(scam[i], flags),
                scam_score=round(scam[i], 4),
                model_version=version,
                missing_fields=missing_fields(doc),
            )
        )
    return result
