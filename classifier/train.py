"""Training the judge: labelled lines in, a fitted `JudgeModel` and its model card out.

This module owns reading the labelled data (`data/labels/*.jsonl`, sorted by id so a run is
deterministic, plus the EMSCAD file for the scam model), the model selection (a small grid
of feature variants and linear models compared by cross-validation on the training data
only, with shared iterative-stratified folds over groups of identical texts), the final fit
and the model card: model_version (short hash of training data, parameters and model code), sha256 of each
training file, library versions, cross-validated figures per task, thresholds, and every
candidate tried with its figure. On two cores shared with other work (load ~4) a run took
~58 s: selection on 3 folds ~25 s, the 5-fold cross-validated report ~24 s, the fits ~9 s;
`select=False` (`evaljobs train --no-select`) skips the first, tests skip the report too (~10 s).
"""

from __future__ import annotations

import hashlib
import json
import logging
import platform
import re
import time
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy
import sklearn
from joblib import Parallel, delayed
from scipy import sparse
from sklearn.metrics import f1_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from classifier.features import (
    FEATURE_VARIANTS,
    Doc,
    build_features,
    domain_hints,
    prepare,
    with_hints,
)
from classifier.judgement import DOMAINS, ROLE_TYPES
from classifier.model import (
    JudgeModel,
    ThresholdedMultiLabel,
    iterative_folds,
    make_linear,
    make_relevance_classifier,
)
from classifier.persist import default_labels_dir, default_model_dir, save_model

log = logging.getLogger(__name__)

EMSCAD_FILE = Path("emscad") / "ericmiao_train_balanced_preprocessed.csv"
N_SPLITS = 5
SELECTION_SPLITS = 3
GENERAL = DOMAINS.index("general")

# The configuration used when no selection is run (evaluate without a saved card) and the
# starting point of the selection.
DEFAULT_CONFIG: dict[str, Any] = {
    # The selection's choice on the labels of 2026-11-29 (1,580 listings); see the model card.
    "features": "uni+chars+meta",
    "title_weight": 2.0,
    "relevance": {"kind": "svc", "C": 0.5},
    "role_types": {"kind": "svc", "C": 0.5},
    "domains": {"kind": "svc", "C": 0.5},
    "relevance_threshold": 0.5,
    "threshold_cv": 3,  # inner folds choosing each label's threshold; 0 = the model's own
    "relevance_hints": 2.0,  # weight of the title hints in the relevance model (0 = none)
    "role_hints": 1.0,  # ... in the role-type model
    "domain_hints": 2.0,  # ... and in the domain model
}
RELEVANCE_CANDIDATES: tuple[dict[str, Any], ...] = (
    {"kind": "svc", "C": 0.5},
    {"kind": "logreg", "C": 8.0},
    {"kind": "sgd", "C": 1.0},
)
MULTILABEL_CANDIDATES: tuple[dict[str, Any], ...] = (
    {"kind": "svc", "C": 0.5},
    {"kind": "logreg", "C": 8.0},
    {"kind": "sgd", "C": 1.0},
)


# Measured while building the judge (5-fold out-of-fold F1 on the labels of the day, ~1,600
# listings); kept here because the training run no longer repeats them.
DEVELOPMENT_NOTES: tuple[str, ...] = (
    "title weight 1 / 2 / 3 (svc): mean F1 0.9107 / 0.9140 / 0.9059 -> 2",
    "body words 1,500 chars: unigrams vs uni+bigrams (svc, hints): relevance 0.9775 vs 0.9756, "
    "roles 0.9386 vs 0.9386, domains 0.9249 vs 0.9263, at 0.16 vs 0.23 ms a listing",
    "body words 3,000 chars with bigrams: relevance 0.977, roles 0.940, domains 0.929 (svc, "
    "hints 1) vs 0.976 / 0.939 / 0.929 at 1,500 -> not worth twice the cost",
    "field hints from the title vs title + first 1,500 description characters: domains 0.928 vs "
    "0.926, and the description regex cost ~2 ms a listing -> title only",
    "without field hints domains micro-F1 was 0.845; with title hints 0.928",
    "relevance ensemble (soft vote of logreg + calibrated svc): 0.961 vs svc 0.969 / sgd 0.975 "
    "(no hints); with hints 0.9745 vs svc 0.9776 -> dropped from the candidates (5x the fit time)",
    "per-label thresholds by inner 3-fold CV vs each model's own boundary: roles 0.941 vs 0.942, "
    "domains 0.859 vs 0.840 (before hints); the run below re-checks this",
)


# --- data ----------------------------------------------------------------------------------------


@dataclass
class LabelledData:
    """The labelled lines, their prepared documents and the label matrices."""

    records: list[dict]
    docs: list[Doc]
    relevant: np.ndarray  # (n,) 0/1
    roles: np.ndarray  # (n, len(ROLE_TYPES))
    domains: np.ndarray  # (n, len(DOMAINS))
    groups: list[str]
    files: dict[str, str]  # file name -> sha256

    @property
    def relevant_idx(self) -> np.ndarray:
        return np.flatnonzero(self.relevant == 1)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _group_key(record: dict) -> str:
    # Same title and opening text = the same posting seen twice; keep it in one fold.
    text = f"{record.get('title', '')} {str(record.get('description') or '')[:300]}".lower()
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def load_labels(labels_dir: Path | str | None = None) -> LabelledData:
    """Read every `*.jsonl` of the labels folder; bad lines are skipped with a warning."""
    labels_dir = Path(labels_dir) if labels_dir is not None else default_labels_dir()
    by_id: dict[str, dict] = {}
    files: dict[str, str] = {}
    for path in sorted(labels_dir.glob("*.jsonl")):
        files[path.name] = sha256_file(path)
        for n, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                if not isinstance(record, dict) or "relevant" not in record:
                    raise ValueError("not a labelled listing")
            except ValueError as exc:
                log.warning("%s:%d skipped: %s", path.name, n, exc)
                continue
            record.setdefault("id", f"{path.stem}:{n}")
            record.setdefault("dataset", path.stem)
            by_id[str(record["id"])] = record  # a later duplicate id wins, once
    emscad = labels_dir / EMSCAD_FILE
    if emscad.exists():
        files[str(EMSCAD_FILE)] = sha256_file(emscad)
    records = [by_id[k] for k in sorted(by_id)]
    docs = [prepare(r) for r in records]
    relevant = np.array([1 if r.get("relevant") is True else 0 for r in records], dtype=int)
    roles = np.array(
        [[int(t in (r.get("role_types") or [])) for t in ROLE_TYPES] for r in records], dtype=int
    ).reshape(len(records), len(ROLE_TYPES))
    domains = np.array(
        [[int(d in (r.get("domains") or [])) for d in DOMAINS] for r in records], dtype=int
    ).reshape(len(records), len(DOMAINS))
    # A relevant listing with no domain is "general" by the taxonomy's rule.
    for i in np.flatnonzero(relevant):
        if domains[i].sum() == 0:
            domains[i, GENERAL] = 1
    return LabelledData(
        records, docs, relevant, roles, domains, [_group_key(r) for r in records], files
    )


def make_folds(data: LabelledData, n_splits: int = N_SPLITS, seed: int = 0):
    """Shared folds for all tasks: iterative stratification on relevance + roles + domains."""
    Y = np.column_stack([data.relevant, data.roles, data.domains])
    return iterative_folds(Y, data.groups, n_splits=n_splits, seed=seed)


# --- estimators from a config ------------------------------------------------------------------


def relevance_estimator(spec: dict, seed: int = 0):
    return make_relevance_classifier(spec["kind"], spec["C"], seed)


def roles_estimator(spec: dict, seed: int = 0, cv: int = 3) -> ThresholdedMultiLabel:
    return ThresholdedMultiLabel(
        make_linear(spec["kind"], spec["C"], seed), cv=cv, fallback="argmax", random_state=seed
    )


def domains_estimator(spec: dict, seed: int = 0, cv: int = 3) -> ThresholdedMultiLabel:
    return ThresholdedMultiLabel(
        make_linear(spec["kind"], spec["C"], seed), cv=cv, fallback=GENERAL, random_state=seed
    )


def build_pipelines(config: dict, seed: int = 0) -> dict[str, Pipeline]:
    """Unfitted per-task pipelines for a config (used by cross_val_predict in evaluate.py)."""

    def feats():
        return build_features(config["features"], config["title_weight"])

    def hinted(weight: float):
        return with_hints(feats(), weight) if weight > 0 else feats()

    return {
        "relevance": Pipeline(
            [
                ("features", hinted(config.get("relevance_hints", 0.0))),
                ("clf", relevance_estimator(config["relevance"], seed)),
            ]
        ),
        "role_types": Pipeline(
            [
                ("features", hinted(config.get("role_hints", 0.0))),
                ("clf", roles_estimator(config["role_types"], seed, config.get("threshold_cv", 3))),
            ]
        ),
        "domains": Pipeline(
            [
                ("features", hinted(config.get("domain_hints", 0.0))),
                ("clf", domains_estimator(config["domains"], seed, config.get("threshold_cv", 3))),
            ]
        ),
    }


# --- selection ----------------------------------------------------------------------------------


def _micro_f1(truth: np.ndarray, pred: np.ndarray) -> float:
    return float(f1_score(truth, pred, average="micro", zero_division=0))


def _fold_predictions(
    data: LabelledData,
    train: np.ndarray,
    test: np.ndarray,
    variant: str,
    title_weight: float,
    rel_specs: Sequence[dict],
    ml_specs: Sequence[dict],
    seed: int,
    role_hints: float,
    domain_hints_weight: float,
    relevance_hints: float = 0.0,
) -> tuple:
    """One outer fold: features fitted on its training part, every candidate predicted."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rare labels absent from a fold; SGD iteration caps
        union = build_features(variant, title_weight)
        X_train = union.fit_transform([data.docs[i] for i in train])
        X_test = union.transform([data.docs[i] for i in test])
        H_train_all = domain_hints([data.docs[i] for i in train])
        H_test_all = domain_hints([data.docs[i] for i in test])

        def hinted(X, H, weight):
            return sparse.hstack([X, H * weight]).tocsr() if weight > 0 else X

        rel_train = hinted(X_train, H_train_all, relevance_hints)
        rel_test = hinted(X_test, H_test_all, relevance_hints)
        rel = [
            (
                relevance_estimator(spec, seed)
                .fit(rel_train, data.relevant[train])
                .predict_proba(rel_test)[:, 1]
                >= 0.5
            ).astype(int)
            for spec in rel_specs
        ]
        tr, te = data.relevant[train] == 1, data.relevant[test] == 1
        X_train, X_test = X_train[tr], X_test[te]
        H_train, H_test = H_train_all[tr], H_test_all[te]

        R_train, R_test = hinted(X_train, H_train, role_hints), hinted(X_test, H_test, role_hints)
        D_train = hinted(X_train, H_train, domain_hints_weight)
        D_test = hinted(X_test, H_test, domain_hints_weight)
        roles, doms = [], []
        for spec in ml_specs:
            # Candidates are compared at each label's own boundary (cv=0): nested threshold
            # tuning for every candidate would cost 4x and rarely changes the ranking.
            roles.append(
                roles_estimator(spec, seed, cv=0)
                .fit(R_train, data.roles[train][tr])
                .predict(R_test)
            )
            doms.append(
                domains_estimator(spec, seed, cv=0)
                .fit(D_train, data.domains[train][tr])
                .predict(D_test)
            )
    return test, test[te], rel, roles, doms


def _cv_scores(
    data: LabelledData,
    folds,
    variant: str,
    title_weight: float,
    rel_specs: Sequence[dict],
    ml_specs: Sequence[dict],
    seed: int,
    n_jobs: int = 2,
    role_hints: float = 0.0,
    domain_hints: float = 1.0,
    relevance_hints: float = 0.0,
) -> dict[str, list[float]]:
    """Out-of-fold F1 of each candidate (relevance F1; role-type and domain micro-F1)."""
    n = len(data.docs)
    rel_pred = np.zeros((len(rel_specs), n), dtype=int)
    role_pred = np.zeros((len(ml_specs), *data.roles.shape), dtype=int)
    dom_pred = np.zeros((len(ml_specs), *data.domains.shape), dtype=int)
    results = Parallel(n_jobs=n_jobs)(
        delayed(_fold_predictions)(
            data,
            train,
            test,
            variant,
            title_weight,
            rel_specs,
            ml_specs,
            seed,
            role_hints,
            domain_hints,
            relevance_hints,
        )
        for train, test in folds
    )
    for test, test_rel, rel, roles, doms in results:
        for c in range(len(rel_specs)):
            rel_pred[c, test] = rel[c]
        for c in range(len(ml_specs)):
            role_pred[c, test_rel] = roles[c]
            dom_pred[c, test_rel] = doms[c]
    r = data.relevant_idx
    return {
        "relevance": [float(f1_score(data.relevant, p, zero_division=0)) for p in rel_pred],
        "role_types": [_micro_f1(data.roles[r], p[r]) for p in role_pred],
        "domains": [_micro_f1(data.domains[r], p[r]) for p in dom_pred],
    }


def select_config(
    data: LabelledData, folds, seed: int = 0, n_jobs: int = 2
) -> tuple[dict, list[dict]]:
    """Pick the feature variant, the title-hint weight per task, then each task's model.

    Stages (out-of-fold F1 on shared folds; a cheap probe model where a stage compares
    features): 1. feature variants, cheapest first, a dearer one must win clearly; 2. title
    hints at weight 0 / 1 / 2, per task; 3. the candidate models of each task. Returns the
    chosen config and every trial with its figures (for the model card).
    """
    tried: list[dict] = []
    base = DEFAULT_CONFIG
    probe = {"kind": "svc", "C": 0.5}  # the cheapest strong model, to compare feature sets
    weight = base["title_weight"]
    hint_runs: dict[float, dict[str, float]] = {}

    def run(variant: str, hints: float) -> dict[str, float]:
        scores = _cv_scores(
            data,
            folds,
            variant,
            weight,
            [probe],
            [probe],
            seed,
            n_jobs,
            role_hints=hints,
            domain_hints=hints,
            relevance_hints=hints,
        )
        return {task: round(values[0], 4) for task, values in scores.items()}

    best_variant, best_mean = FEATURE_VARIANTS[0], -1.0
    for variant in FEATURE_VARIANTS:
        figures = run(variant, 1.0)
        tried.append(
            {
                "stage": "features",
                "features": variant,
                "title_weight": weight,
                "hint_weight": 1.0,
                "model": "svc C=0.5",
                **figures,
            }
        )
        log.info("features %-20s %s", variant, figures)
        mean = float(np.mean(list(figures.values())))
        # Variants are listed cheapest first: a dearer one must win by a clear margin.
        if mean > best_mean + (0.003 if best_mean >= 0 else 0):
            best_variant, best_mean, hint_runs[1.0] = variant, mean, figures
    for hints in (0.0, 2.0):
        hint_runs[hints] = run(best_variant, hints)
        tried.append(
            {
                "stage": "title_hints",
                "features": best_variant,
                "title_weight": weight,
                "hint_weight": hints,
                "model": "svc C=0.5",
                **hint_runs[hints],
            }
        )
        log.info("hint weight %s %s", hints, hint_runs[hints])
    chosen_hints = {
        task: max(sorted(hint_runs), key=lambda h, t=task: (hint_runs[h][t], -abs(h - 1.0)))
        for task in ("relevance", "role_types", "domains")
    }
    scores = _cv_scores(
        data,
        folds,
        best_variant,
        weight,
        RELEVANCE_CANDIDATES,
        MULTILABEL_CANDIDATES,
        seed,
        n_jobs,
        role_hints=chosen_hints["role_types"],
        domain_hints=chosen_hints["domains"],
        relevance_hints=chosen_hints["relevance"],
    )
    config: dict[str, Any] = {
        "features": best_variant,
        "title_weight": weight,
        "relevance_threshold": base["relevance_threshold"],
        "threshold_cv": base["threshold_cv"],
        "relevance_hints": chosen_hints["relevance"],
        "role_hints": chosen_hints["role_types"],
        "domain_hints": chosen_hints["domains"],
    }
    for task, specs in (
        ("relevance", RELEVANCE_CANDIDATES),
        ("role_types", MULTILABEL_CANDIDATES),
        ("domains", MULTILABEL_CANDIDATES),
    ):
        for spec, value in zip(specs, scores[task], strict=True):
            tried.append(
                {
                    "stage": task,
                    "features": best_variant,
                    "title_weight": weight,
                    "hint_weight": chosen_hints[task],
                    "model": f"{spec['kind']} C={spec['C']}",
                    "f1": round(value, 4),
                }
            )
        log.info("%s candidates %s", task, [round(v, 4) for v in scores[task]])
        # Candidates are listed cheapest to fit first; a dearer one must win by more than noise.
        best = 0
        for c in range(1, len(specs)):
            if scores[task][c] > scores[task][best] + 0.002:
                best = c
        config[task] = dict(specs[best])
    return config, tried


# --- the whole run ------------------------------------------------------------------------------


@dataclass
class ModelCard:
    """What was trained, on what, how well (cross-validated), and what else was tried."""

    model_version: str
    trained_at: str
    training_files: dict[str, str]
    n_examples: int
    n_relevant: int
    per_dataset: dict[str, int]
    config: dict
    cv_metrics: dict
    cv_per_dataset: dict
    thresholds: dict
    tried: list[dict]
    libraries: dict[str, str]
    seed: int
    seconds: float = 0.0
    scam_model: str = ""
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        lines = [
            f"model_version {self.model_version}  ({self.n_examples} labelled listings, "
            f"{self.n_relevant} relevant; trained in {self.seconds:.1f}s)",
            f"features {self.config.get('features')} (title weight {self.config.get('title_weight')}); "
            f"relevance {self.config.get('relevance')}; role types {self.config.get('role_types')}; "
            f"domains {self.config.get('domains')}",
        ]
        for task, figures in self.cv_metrics.items():
            shown = ", ".join(f"{k} {v:.3f}" for k, v in figures.items() if isinstance(v, float))
            lines.append(f"cv {task}: {shown}")
        lines.append(f"scam model: {self.scam_model or 'none'}")
        return "\n".join(lines)


# The modules whose code shapes the fitted model: a change there is a new model even on the
# same data and parameters.
MODEL_CODE_FILES: tuple[str, ...] = (
    "features.py",
    "model.py",
    "train.py",
    "languages.py",
    "scam.py",
    "text.py",
)


def code_digest() -> str:
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in MODEL_CODE_FILES:
        path = here / name
        if path.exists():
            digest.update(name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _model_version(files: dict[str, str], config: dict, seed: int, code: str = "") -> str:
    blob = json.dumps(
        {
            "files": files,
            "config": config,
            "seed": seed,
            "code": code,
            "sklearn": sklearn.__version__,
        },
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def _fit_scam(labels_dir: Path, seed: int) -> tuple[Pipeline | None, str]:
    path = labels_dir / EMSCAD_FILE
    if not path.exists():
        return None, f"none ({path} missing)"
    try:
        from classifier.scam import build_scam_pipeline, load_emscad_training
    except ImportError as exc:
        return None, f"none (classifier.scam unavailable: {exc})"
    texts, labels = load_emscad_training(path)
    pipeline = build_scam_pipeline(random_state=seed).fit(texts, labels)
    return pipeline, f"{type(pipeline.steps[-1][1]).__name__} on {path.name} ({len(texts)} rows)"


def fit_bundle(data: LabelledData, config: dict, seed: int = 0) -> JudgeModel:
    """Fit the shared features on all texts, relevance on all, roles/domains on relevant ones."""
    union = build_features(config["features"], config["title_weight"])
    X = union.fit_transform(data.docs)
    H = domain_hints(data.docs)
    rel = data.relevant_idx
    cv = config.get("threshold_cv", 3)

    # One hints transformer for every task, so a batch computes the hints once (predict_docs
    # caches each distinct transformer); it needs no fitting (fit only marks it fitted).
    hints_step = FunctionTransformer(domain_hints).fit(data.docs[:1])

    def hinted(weight: float, rows: np.ndarray | None = None):
        X_rows = X if rows is None else X[rows]
        if weight <= 0:
            return union, X_rows
        features = with_hints(union, weight)
        features.transformer_list[1] = ("hints", hints_step)
        H_rows = H if rows is None else H[rows]
        return features, sparse.hstack([X_rows, H_rows * weight]).tocsr()

    relevance_features, X_relevance = hinted(config.get("relevance_hints", 0.0))
    relevance = relevance_estimator(config["relevance"], seed).fit(X_relevance, data.relevant)
    role_features, X_roles = hinted(config.get("role_hints", 0.0), rel)
    domain_features, X_domains = hinted(config.get("domain_hints", 0.0), rel)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a rare label absent from an inner fold
        roles = roles_estimator(config["role_types"], seed, cv).fit(X_roles, data.roles[rel])
        domains = domains_estimator(config["domains"], seed, cv).fit(X_domains, data.domains[rel])
    bundle = JudgeModel(
        relevance=Pipeline([("features", relevance_features), ("clf", relevance)]),
        role_types=Pipeline([("features", role_features), ("clf", roles)]),
        domains=Pipeline([("features", domain_features), ("clf", domains)]),
        role_labels=list(ROLE_TYPES),
        domain_labels=list(DOMAINS),
        relevance_threshold=float(config["relevance_threshold"]),
        sklearn_version=sklearn.__version__,
    )
    # Plain-matrix prediction, kept only when it reproduces sklearn's answers on the labels.
    if not bundle.compile(data.docs):
        log.warning("linear heads disagree with the sklearn models; predicting through sklearn")
    return bundle


def train_all(
    labels_dir: Path | str | None = None,
    out_dir: Path | str | None = None,
    seed: int = 0,
    select: bool = True,
    cross_validate: bool = True,
) -> ModelCard:
    """Select, fit, cross-validate and save the judge; return its model card.

    `select=False` skips the model selection and fits DEFAULT_CONFIG; `cross_validate=False`
    also skips the cross-validated figures (tests use both to stay fast). The card says
    which was done.
    """
    started = time.perf_counter()
    labels_dir = Path(labels_dir) if labels_dir is not None else default_labels_dir()
    out_dir = Path(out_dir) if out_dir is not None else default_model_dir()
    data = load_labels(labels_dir)
    if len(data.docs) < 20 or data.relevant.sum() < 10 or (1 - data.relevant).sum() < 10:
        raise ValueError(
            f"too few labelled listings in {labels_dir} to train "
            f"({len(data.docs)} lines, {int(data.relevant.sum())} relevant)"
        )
    folds = make_folds(data, seed=seed)
    if select:
        # Selection on 3 folds (half the cost of 5); the figures in the card come from 5.
        config, tried = select_config(
            data, make_folds(data, n_splits=SELECTION_SPLITS, seed=seed), seed
        )
    else:
        config, tried = dict(DEFAULT_CONFIG), []
    log.info("selection done after %.1fs", time.perf_counter() - started)
    # Imported here: evaluate imports this module.
    from classifier.evaluate import add_scam_scores, cross_validate_config

    report = (
        cross_validate_config(data, config, folds=folds, seed=seed, n_jobs=2)
        if cross_validate
        else None
    )
    if select and report is not None:
        # Per-label thresholds chosen by inner CV versus each model's own boundary: keep the
        # inner-CV thresholds only when they help role types and domains on the outer folds.
        boundary = {
            t["stage"]: t["f1"]
            for t in tried
            if t["stage"] in ("role_types", "domains")
            and t["model"] == f"{config[t['stage']]['kind']} C={config[t['stage']]['C']}"
        }
        tuned = {task: round(report.tasks[task].f1, 4) for task in ("role_types", "domains")}
        tried.append(
            {"stage": "thresholds", "inner_cv_thresholds": tuned, "model_boundary": boundary}
        )
        if sum(boundary.values()) > sum(tuned.values()) + 1e-9:
            config["threshold_cv"] = 0
            report = cross_validate_config(data, config, folds=folds, seed=seed, n_jobs=2)
    log.info("cross-validation done after %.1fs", time.perf_counter() - started)
    bundle = fit_bundle(data, config, seed)
    log.info("fit done after %.1fs", time.perf_counter() - started)
    bundle.scam, scam_note = _fit_scam(labels_dir, seed)
    if report is not None and bundle.scam is not None:
        add_scam_scores(report, labels_dir, seed)
    log.info("scam model done after %.1fs", time.perf_counter() - started)
    version = _model_version(data.files, config, seed, code_digest())
    bundle.model_version = version
    per_dataset: dict[str, int] = {}
    for r in data.records:
        per_dataset[str(r.get("dataset"))] = per_dataset.get(str(r.get("dataset")), 0) + 1
    card = ModelCard(
        model_version=version,
        trained_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        training_files=data.files,
        n_examples=len(data.docs),
        n_relevant=int(data.relevant.sum()),
        per_dataset=per_dataset,
        config=config,
        cv_metrics=report.headline() if report is not None else {},
        cv_per_dataset=(
            {
                task: {name: round(sc.f1, 4) for name, sc in slices.items()}
                for task, slices in report.per_dataset.items()
            }
            if report is not None
            else {}
        ),
        thresholds={
            "relevance_probability": bundle.relevance_threshold,
            "role_types": dict(
                zip(
                    ROLE_TYPES,
                    np.round(bundle.role_types.steps[-1][1].thresholds_, 4).tolist(),
                    strict=True,
                )
            ),
            "domains": dict(
                zip(
                    DOMAINS,
                    np.round(bundle.domains.steps[-1][1].thresholds_, 4).tolist(),
                    strict=True,
                )
            ),
        },
        tried=tried,
        libraries={
            "python": platform.python_version(),
            "scikit-learn": sklearn.__version__,
            "numpy": np.__version__,
            "scipy": scipy.__version__,
        },
        seed=seed,
        scam_model=scam_note,
        notes=[
            "selection: feature variants, then title-hint weights, then each task's linear model, by "
            f"{SELECTION_SPLITS}-fold out-of-fold F1 (iterative stratification over groups of identical "
            f"texts); cv_metrics are {N_SPLITS}-fold"
            if select
            else "selection skipped (select=False): DEFAULT_CONFIG",
            *(
                []
                if cross_validate
                else ["cross-validation skipped (cross_validate=False): no cv_metrics"]
            ),
            "role types / domains are trained and scored on the listings labelled relevant",
            "domain `general` is given only when no other domain passes its threshold",
            *DEVELOPMENT_NOTES,
        ],
    )
    card.seconds = round(time.perf_counter() - started, 1)
    bundle.card = card.to_dict()
    save_model(bundle, out_dir)
    return card
