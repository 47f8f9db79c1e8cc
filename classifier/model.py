"""The judge's models: estimators per task, the fitted bundle, and cross-validation folds.

This module owns what is learned. Relevance is a calibrated binary classifier
(`CalibratedClassifierCV` over a linear model) so its score reads as a probability; role
types and domains are multi-label one-vs-rest linear models whose per-label thresholds are
chosen by an inner cross-validation (`ThresholdedMultiLabel`), with "at least one role type"
and "`general` only when no other domain passes" built into `predict`. `JudgeModel` is the
pickled bundle: one fitted `Pipeline` per task sharing one fitted `FeatureUnion` (so a batch
is vectorised once), the scam pipeline, the label names and the model card; `LinearHeads`
holds the same linear models as plain matrices for fast prediction (checked against the
sklearn path when built). Folds for
multi-label data come from `iterative_folds` (Sechidis et al.'s iterative stratification,
over groups of near-identical texts so duplicates never straddle a fold).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import VotingClassifier
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import KFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from classifier.fast import (
    calibrated_linear_parts,
    calibrated_probability,
    fast_transform,
    linear_parts,
)
from classifier.features import Doc
from classifier.judgement import DOMAINS

# A rare label (marketing, ab-comparison) can be absent from a training fold; one-vs-rest then
# predicts it constant, which is the right answer, not a problem worth a warning per fold.
warnings.filterwarnings("ignore", message=r"Label not .* is present in all training examples")
warnings.filterwarnings("ignore", message=r"Label .* is present in all training examples")

# --- estimators ---------------------------------------------------------------------------------


def make_linear(kind: str, C: float = 1.0, random_state: int = 0) -> BaseEstimator:
    """A linear text classifier by name: "logreg", "svc" or "sgd"."""
    if kind == "logreg":
        return LogisticRegression(
            C=C,
            max_iter=2000,
            solver="liblinear",
            class_weight="balanced",
            random_state=random_state,
        )
    if kind == "svc":
        return LinearSVC(C=C, class_weight="balanced", max_iter=5000, random_state=random_state)
    if kind == "sgd":
        return SGDClassifier(
            loss="modified_huber",
            alpha=1e-4 / max(C, 1e-6),
            class_weight="balanced",
            max_iter=50,
            tol=1e-4,
            random_state=random_state,
        )
    raise ValueError(f"unknown linear model {kind!r}")


def make_relevance_classifier(kind: str, C: float = 1.0, random_state: int = 0) -> BaseEstimator:
    """Calibrated binary relevance classifier; "ensemble" soft-votes logreg and SVC."""
    if kind == "ensemble":
        base: BaseEstimator = VotingClassifier(
            [
                ("logreg", make_linear("logreg", C * 4, random_state)),
                ("svc", CalibratedClassifierCV(make_linear("svc", C, random_state), cv=3)),
            ],
            voting="soft",
        )
    else:
        base = make_linear(kind, C, random_state)
    # Sigmoid calibration: the data are a few thousand rows, too few for isotonic.
    return CalibratedClassifierCV(base, method="sigmoid", cv=5)


def best_f1_threshold(scores: np.ndarray, truth: np.ndarray, default: float) -> float:
    """The score threshold that maximises F1 on out-of-fold scores (midpoint between scores)."""
    positives = int(truth.sum())
    if positives == 0 or positives == len(truth):
        return default
    order = np.argsort(-scores, kind="stable")
    sorted_scores, sorted_truth = scores[order], truth[order]
    tp = np.cumsum(sorted_truth)
    k = np.arange(1, len(scores) + 1)
    f1 = 2 * tp / (k + positives)
    # Only cut where the score changes, so ties fall on one side.
    valid = np.r_[sorted_scores[:-1] != sorted_scores[1:], True]
    f1 = np.where(valid, f1, -1)
    best = int(np.argmax(f1))
    if best + 1 < len(sorted_scores):
        return float((sorted_scores[best] + sorted_scores[best + 1]) / 2)
    return float(sorted_scores[best] - 1e-6)


class ThresholdedMultiLabel(ClassifierMixin, BaseEstimator):
    """One-vs-rest linear model with per-label thresholds chosen by inner cross-validation.

    `cv=0` keeps every label's own decision boundary (0) -- the cheap variant used while
    comparing candidates. `fallback="argmax"`: every row gets at least its best-scoring label (role types: a
    relevant listing has at least one). `fallback=<int>`: that column (`general`) is given
    only when no other column passes, and is dropped when one does.
    """

    def __init__(
        self,
        base: BaseEstimator | None = None,
        cv: int = 4,
        fallback: str | int | None = "argmax",
        random_state: int = 0,
    ) -> None:
        self.base = base
        self.cv = cv
        self.fallback = fallback
        self.random_state = random_state

    def _new_ovr(self) -> OneVsRestClassifier:
        base = self.base if self.base is not None else make_linear("logreg", 4.0)
        return OneVsRestClassifier(clone(base))

    def fit(self, X: Any, Y: np.ndarray) -> ThresholdedMultiLabel:
        Y = np.asarray(Y, dtype=int)
        n, n_labels = Y.shape
        self.thresholds_ = np.zeros(n_labels)
        if self.cv and self.cv >= 2 and n >= 2 * self.cv:
            oof = np.zeros(Y.shape, dtype=float)
            folds = KFold(n_splits=self.cv, shuffle=True, random_state=self.random_state)
            for train, test in folds.split(np.zeros(n)):
                model = self._new_ovr().fit(X[train], Y[train])
                oof[test] = _scores(model, X[test])
            # A label with too few positives keeps the model's own boundary (0).
            self.thresholds_ = np.array(
                [
                    best_f1_threshold(oof[:, j], Y[:, j], default=0.0)
                    if Y[:, j].sum() >= 2 * self.cv
                    else 0.0
                    for j in range(n_labels)
                ]
            )
        self.model_ = self._new_ovr().fit(X, Y)
        self.n_labels_ = n_labels
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        return _scores(self.model_, X)

    def predict(self, X: Any) -> np.ndarray:
        return self.decide(self.decision_function(X))

    def decide(self, scores: np.ndarray) -> np.ndarray:
        """Binary label matrix from scores: thresholds, then the fallback rule."""
        passed = (scores >= self.thresholds_).astype(int)
        if self.fallback == "argmax":
            empty = passed.sum(axis=1) == 0
            if empty.any():
                margin = scores - self.thresholds_
                passed[np.flatnonzero(empty), np.argmax(margin[empty], axis=1)] = 1
        elif isinstance(self.fallback, (int, np.integer)):
            col = int(self.fallback)
            others = np.delete(passed, col, axis=1).sum(axis=1) > 0
            passed[:, col] = (~others).astype(int)
        return passed


def _scores(model: OneVsRestClassifier, X: Any) -> np.ndarray:
    scores = model.decision_function(X)
    if scores.ndim == 1:
        scores = scores[:, None]
    return np.asarray(scores, dtype=float)


# --- folds -------------------------------------------------------------------------------------


def iterative_folds(
    Y: np.ndarray, groups: Sequence[str], n_splits: int = 5, seed: int = 0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Iterative stratification (Sechidis, Tsoumakas & Vlahavas 2011) over groups.

    Rows sharing a group (the same normalised text) go to one fold together; each group
    carries the union of its rows' labels. Rarest labels are placed first, each group into
    the fold that most lacks that label. Deterministic for a seed.
    """
    Y = np.asarray(Y, dtype=int)
    group_names, group_of_row = np.unique(np.asarray(groups), return_inverse=True)
    n_groups = len(group_names)
    G = np.zeros((n_groups, Y.shape[1]), dtype=int)
    sizes = np.bincount(group_of_row, minlength=n_groups)
    for j in range(Y.shape[1]):
        G[:, j] = np.bincount(group_of_row, weights=Y[:, j], minlength=n_groups) > 0
    rng = np.random.default_rng(seed)
    desired_size = np.full(n_splits, Y.shape[0] / n_splits)
    desired_label = np.tile(G.sum(axis=0) / n_splits, (n_splits, 1)).astype(float)
    fold_of_group = np.full(n_groups, -1)
    remaining = set(range(n_groups))
    while remaining:
        rem = np.fromiter(remaining, dtype=int)
        counts = G[rem].sum(axis=0)
        labelled = np.flatnonzero(counts > 0)
        if len(labelled):
            label = labelled[np.argmin(counts[labelled])]
            chosen = rem[G[rem, label] == 1]
        else:
            label, chosen = None, rem
        for g in rng.permutation(chosen):
            if label is not None:
                need = desired_label[:, label]
                cands = np.flatnonzero(need == need.max())
            else:
                cands = np.arange(n_splits)
            # Ties: the fold that lacks the most rows, then a random one.
            sizes_need = desired_size[cands]
            cands = cands[sizes_need == sizes_need.max()]
            fold = int(rng.choice(cands))
            fold_of_group[g] = fold
            desired_size[fold] -= sizes[g]
            desired_label[fold] -= G[g]
            remaining.discard(int(g))
    fold_of_row = fold_of_group[group_of_row]
    return [
        (np.flatnonzero(fold_of_row != k), np.flatnonzero(fold_of_row == k))
        for k in range(n_splits)
    ]


def with_language_domain(domains: Sequence[str], languages: Sequence[str]) -> list[str]:
    """TAXONOMY.md: a named language of the work adds the `language` domain (and so `general`,
    given only when no other domain applies, goes). Domains keep the vocabulary's order."""
    if not languages:
        return list(domains)
    chosen = (set(domains) | {"language"}) - {"general"}
    return [d for d in DOMAINS if d in chosen]


# --- the bundle ----------------------------------------------------------------------------------


@dataclass
class TaskOutput:
    """The model's answer for one document (before rules and the scam verdict)."""

    relevance_score: float
    relevant: bool
    role_types: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)


@dataclass
class LinearHeads:
    """The fitted linear models as plain matrices, for predicting without sklearn's per-call
    input validation (which costs ~10 ms per call, the whole budget of a one-listing judge()).

    relevance: CalibratedClassifierCV(sigmoid) over linear models, as fast.calibrated_probability
    computes it (the scam model's calibrated member goes the same way); role types / domains:
    one-vs-rest decision = X @ W + b.
    Built and checked against the sklearn path by `JudgeModel.compile()`.
    """

    rel_W: np.ndarray  # (n_features, n_calibrated)
    rel_b: np.ndarray
    rel_a: np.ndarray
    rel_c: np.ndarray
    roles_W: np.ndarray  # (n_features, n_labels)
    roles_b: np.ndarray
    domains_W: np.ndarray
    domains_b: np.ndarray

    def relevance(self, X: Any) -> np.ndarray:
        return calibrated_probability(X, (self.rel_W, self.rel_b, self.rel_a, self.rel_c))

    @staticmethod
    def decision(X: Any, W: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.asarray(X @ W) + b


def _ovr_matrices(
    ovr: OneVsRestClassifier, n_features: int
) -> tuple[np.ndarray, np.ndarray] | None:
    W = np.zeros((n_features, len(ovr.estimators_)))
    b = np.zeros(len(ovr.estimators_))
    for j, est in enumerate(ovr.estimators_):
        if hasattr(est, "y_") and not hasattr(est, "coef_"):  # a label constant in training
            b[j] = float(np.ravel(est.y_)[0])
            continue
        parts = linear_parts(est)
        if parts is None:
            return None
        W[:, j], b[j] = parts
    return W, b


@dataclass
class JudgeModel:
    """Everything `judge()` needs, pickled as one file (see persist.py)."""

    relevance: Pipeline
    role_types: Pipeline
    domains: Pipeline
    role_labels: list[str]
    domain_labels: list[str]
    scam: Pipeline | None = None
    relevance_threshold: float = 0.5
    model_version: str = ""
    sklearn_version: str = ""
    card: dict = field(default_factory=dict)
    heads: LinearHeads | None = None

    def compile(self, check_docs: Sequence[Doc]) -> bool:
        """Build `heads` from the fitted linear models and keep them only if they give the
        sklearn path's answers on `check_docs` (else predict through sklearn)."""
        self.heads = None
        try:
            rel = calibrated_linear_parts(self.relevance.steps[-1][1])
            if rel is None:
                return False
            roles_ovr = self.role_types.steps[-1][1].model_
            domains_ovr = self.domains.steps[-1][1].model_
            roles = _ovr_matrices(
                roles_ovr,
                roles_ovr.estimators_[0].n_features_in_
                if hasattr(roles_ovr.estimators_[0], "n_features_in_")
                else 0,
            )
            domains = _ovr_matrices(
                domains_ovr,
                domains_ovr.estimators_[0].n_features_in_
                if hasattr(domains_ovr.estimators_[0], "n_features_in_")
                else 0,
            )
            if roles is None or domains is None:
                return False
            heads = LinearHeads(
                rel_W=rel[0],
                rel_b=rel[1],
                rel_a=rel[2],
                rel_c=rel[3],
                roles_W=roles[0],
                roles_b=roles[1],
                domains_W=domains[0],
                domains_b=domains[1],
            )
        except (AttributeError, IndexError, TypeError, ValueError):
            return False
        docs = list(check_docs)
        slow = self._predict(docs, None)
        fast = self._predict(docs, heads)
        agree = all(
            abs(a.relevance_score - b.relevance_score) < 1e-6
            and a.role_types == b.role_types
            and a.domains == b.domains
            for a, b in zip(slow, fast, strict=True)
        )
        self.heads = heads if agree else None
        return agree

    def predict_docs(self, docs: Sequence[Doc]) -> list[TaskOutput]:
        """Relevance for every doc; role types and domains for the relevant ones only."""
        return self._predict(list(docs), self.heads)

    def _predict(self, docs: list, heads: LinearHeads | None) -> list[TaskOutput]:
        if not docs:
            return []
        cache: dict[int, Any] = {}

        def features(pipe: Pipeline) -> Any:
            # The pipelines share one fitted FeatureUnion (some wrap it with extra features):
            # each distinct transformer runs once per batch.
            return fast_transform(pipe.steps[0][1], docs, cache)

        X = features(self.relevance)
        if heads is not None:
            proba = heads.relevance(X)
        else:
            proba = self.relevance.steps[-1][1].predict_proba(X)[:, 1]
        out = [TaskOutput(float(p), bool(p >= self.relevance_threshold)) for p in proba]
        rel = np.flatnonzero(proba >= self.relevance_threshold)
        if len(rel):
            roles_model = self.role_types.steps[-1][1]
            domains_model = self.domains.steps[-1][1]
            Xr = features(self.role_types)[rel]
            Xd = features(self.domains)[rel]
            if heads is not None:
                roles = roles_model.decide(heads.decision(Xr, heads.roles_W, heads.roles_b))
                doms = domains_model.decide(heads.decision(Xd, heads.domains_W, heads.domains_b))
            else:
                roles = roles_model.predict(Xr)
                doms = domains_model.predict(Xd)
            for k, i in enumerate(rel):
                out[i].role_types = [self.role_labels[j] for j in np.flatnonzero(roles[k])]
                out[i].domains = [self.domain_labels[j] for j in np.flatnonzero(doms[k])]
        return out
