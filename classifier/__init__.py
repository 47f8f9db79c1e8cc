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

from classifier.features import Doc, clean_fields, doc_of, missing_fields
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
# (Searched for, not counted: the search stops at the third letter.)
_MIN_LETTERS = 3
_ENOUGH_LETTERS_RE = re.compile(rf"[^\W\d_](?:.*?[^\W\d_]){{{_MIN_LETTERS - 1}}}", re.DOTALL)


# What the verdict makes of the scam model: EMSCAD's postings are long (median ~260 words for
# real ones), and on a two-line listing the model leans to "fraud" (short texts are a fraud
# sign there). Its probability counts in the verdict in proportion to how much description it
# read, up to this many words: little text, little opinion. The reported scam_score stays the
# model's calibrated probability.
_SCAM_FULL_WORDS = 100
# Asking the applicant for money is the scam itself (TAXONOMY §4); the EMSCAD model, trained on
# 2012-2014 postings, has never seen a Telegram "starter-kit fee". A listing with one of these
# signs gets scam_score = 1 - (1 - p) * (1 - MONEY_SIGN_WEIGHT), so the score rises with the
# evidence. Neither sign fires on any of the 349 legitimate platform postings
# (bench/RULES_EVAL.md) nor on any of the 752 legitimate postings of the EMSCAD training file
# (pay-to-apply fires on one of its 647 frauds), so EMSCAD scores are unchanged by this.
MONEY_SIGNS: frozenset[str] = frozenset({"pay-to-apply", "deposit-to-unlock"})
MONEY_SIGN_WEIGHT = 0.9


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
    return _ENOUGH_LETTERS_RE.search(doc["title"] + " " + doc["description"][:200]) is not None


def _clean_fields_safely(listing: Mapping[str, Any]) -> dict[str, str]:
    try:
        return clean_fields(listing)
    except Exception:  # a Mapping whose get() misbehaves: judge it as empty, don't crash
        return clean_fields({})


def scam_input(doc: Doc) -> str:
    """The scam model's input for a prepared doc: its description's two ends (see
    scam.listing_to_emscad_text), title and location, in the training file's form."""
    from classifier.scam import listing_to_emscad_text

    description = doc["description"]
    end = doc.get("description_end")
    if end:
        description = f"{description} {end}"
    return listing_to_emscad_text({**doc, "description": description})


def scam_scores(model: Any, docs: Sequence[Doc]) -> list[float]:
    """The scam model's probability per prepared doc (0.0 for a listing with no description).

    EMSCAD's postings all have a body; on a title-only listing the model is outside what it
    learned (it calls nearly all of them frauds), so it gives no opinion there. Any
    description, however short, gets the model's own probability: scaling short texts down
    cost 0.003-0.05 fraud F1 on EMSCAD (a fifth of its frauds have under 100 words).
    """
    pipeline = getattr(model, "scam", None)
    if pipeline is None:
        return [0.0] * len(docs)
    from classifier.fast import fast_predict_proba

    scores = [0.0] * len(docs)
    scored = [i for i, doc in enumerate(docs) if doc["description"]]
    if not scored:
        return scores
    try:
        probabilities = fast_predict_proba(pipeline, [scam_input(docs[i]) for i in scored])[:, 1]
    except Exception:  # a scam-model failure must not lose the rest of the judgement
        return scores
    for i, probability in zip(scored, probabilities, strict=True):
        scores[i] = float(probability)
    return scores


def _red_flags(fields: Mapping[str, str], employers: Sequence[Mapping[str, Any]]) -> list[RedFlag]:
    from classifier.rules import find_red_flags

    # The rules read the whole cleaned fields, not the capped text prepared for the models.
    try:
        return list(find_red_flags(fields, employers, cleaned=True))
    except Exception:  # the rules never raise on odd input; this guards the unforeseen
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
    # Each field is cleaned once: the rules read it whole, the models through `doc_of`.
    fields = [_clean_fields_safely(x) for x in listings]
    docs = [doc_of(f) for f in fields]
    judgeable = [i for i, d in enumerate(docs) if _has_text(d)]
    outputs = dict(zip(judgeable, model.predict_docs([docs[i] for i in judgeable]), strict=True))
    scam = scam_scores(model, docs)
    version = getattr(model, "model_version", "")
    result: list[Judgement] = []
    for i, doc in enumerate(docs):
        out = outputs.get(i)
        flags = _red_flags(fields[i], employers)
        words = doc["description"].count(" ") + 1 if doc["description"] else 0
        model_weight = min(1.0, words / _SCAM_FULL_WORDS)
        score = scam[i]
        if any(f.flag in MONEY_SIGNS for f in flags):
            score = 1.0 - (1.0 - score) * (1.0 - MONEY_SIGN_WEIGHT)
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
                verdict=decide_verdict(scam[i] * model_weight, flags),
                scam_score=round(score, 4),
                model_version=version,
                missing_fields=missing_fields(doc),
            )
        )
    return result
