"""Honest figures for the judge: cross-validated precision, recall and F1, sliced every way.

This module owns evaluation. `evaluate(labels_dir)` runs `cross_val_predict` of each task's
pipeline (relevance on every labelled listing; role types and domains on the listings
labelled relevant) over the same iterative-stratified folds that training uses, and reports
micro and per-label precision / recall / F1, per dataset (the `dataset` field) and, for the
yukuairoy postings, per platform (the company). Languages (a rule, not learned) are scored
on the relevant listings too. The report prints as plain-text tables.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.metrics import precision_recall_fscore_support
from sklearn.model_selection import cross_val_predict

from classifier.judgement import DOMAINS, ROLE_TYPES
from classifier.languages import extract_languages
from classifier.model import with_language_domain
from classifier.persist import default_labels_dir, default_model_dir, read_card
from classifier.train import DEFAULT_CONFIG, LabelledData, build_pipelines, load_labels, make_folds

TARGETS = {"relevance": 0.95, "role_types": 0.85, "domains": 0.90, "scam": 0.95}


@dataclass
class Scores:
    precision: float
    recall: float
    f1: float
    support: int

    def row(self) -> list[str]:
        return [f"{self.precision:.3f}", f"{self.recall:.3f}", f"{self.f1:.3f}", str(self.support)]


def binary_scores(truth: np.ndarray, pred: np.ndarray) -> Scores:
    p, r, f, _ = precision_recall_fscore_support(truth, pred, average="binary", zero_division=0)
    return Scores(float(p), float(r), float(f), int(np.sum(truth)))


def micro_scores(truth: np.ndarray, pred: np.ndarray) -> Scores:
    p, r, f, _ = precision_recall_fscore_support(truth, pred, average="micro", zero_division=0)
    return Scores(float(p), float(r), float(f), int(np.sum(truth)))


def per_label_scores(
    truth: np.ndarray, pred: np.ndarray, labels: Sequence[str]
) -> dict[str, Scores]:
    p, r, f, s = precision_recall_fscore_support(truth, pred, average=None, zero_division=0)
    return {
        label: Scores(float(p[j]), float(r[j]), float(f[j]), int(s[j]))
        for j, label in enumerate(labels)
    }


@dataclass
class EvalReport:
    """Cross-validated figures; `headline()` for the model card, `to_table()` for people."""

    n_examples: int
    n_relevant: int
    config: dict
    tasks: dict[str, Scores] = field(default_factory=dict)  # micro (binary for relevance)
    per_label: dict[str, dict[str, Scores]] = field(default_factory=dict)
    per_dataset: dict[str, dict[str, Scores]] = field(
        default_factory=dict
    )  # task -> slice -> scores
    errors: dict[str, list[str]] = field(default_factory=dict)  # a few misjudged ids per task

    def headline(self) -> dict[str, dict[str, float]]:
        return {
            task: {
                "precision": round(s.precision, 4),
                "recall": round(s.recall, 4),
                "f1": round(s.f1, 4),
                "support": s.support,
                **({"target_f1": TARGETS[task]} if task in TARGETS else {}),
            }
            for task, s in self.tasks.items()
        }

    def to_dict(self) -> dict:
        def plain(s: Scores) -> dict:
            return {
                "precision": round(s.precision, 4),
                "recall": round(s.recall, 4),
                "f1": round(s.f1, 4),
                "support": s.support,
            }

        return {
            "n_examples": self.n_examples,
            "n_relevant": self.n_relevant,
            "config": self.config,
            "tasks": {t: plain(s) for t, s in self.tasks.items()},
            "per_label": {
                t: {k: plain(s) for k, s in d.items()} for t, d in self.per_label.items()
            },
            "per_dataset": {
                t: {k: plain(s) for k, s in d.items()} for t, d in self.per_dataset.items()
            },
            "errors": self.errors,
        }

    def to_table(self) -> str:
        out = [
            f"{self.n_examples} labelled listings, {self.n_relevant} relevant; "
            f"{len(next(iter(self.per_dataset.values()), {})) or 0} slices; "
            f"features {self.config.get('features')}"
        ]
        out.append(
            _table(
                "task (micro; relevance binary)",
                [
                    [t, *s.row(), f"{TARGETS[t]:.2f}" if t in TARGETS else ""]
                    for t, s in self.tasks.items()
                ],
                ["precision", "recall", "f1", "support", "target"],
            )
        )
        for task, labels in self.per_label.items():
            out.append(
                _table(
                    f"{task} per label",
                    [[k, *s.row()] for k, s in labels.items()],
                    ["precision", "recall", "f1", "support"],
                )
            )
        for task, slices in self.per_dataset.items():
            out.append(
                _table(
                    f"{task} per dataset / platform",
                    [[k, *s.row()] for k, s in slices.items()],
                    ["precision", "recall", "f1", "support"],
                )
            )
        return "\n\n".join(out)


def _table(title: str, rows: list[list[str]], headers: list[str]) -> str:
    width = max([len(title), *(len(r[0]) for r in rows)]) if rows else len(title)
    lines = [title.ljust(width) + "  " + "  ".join(h.rjust(9) for h in headers)]
    lines.append("-" * len(lines[0]))
    for r in rows:
        lines.append(r[0].ljust(width) + "  " + "  ".join(c.rjust(9) for c in r[1:]))
    return "\n".join(lines)


def _slices(data: LabelledData) -> dict[str, np.ndarray]:
    """Row indices per dataset, and per platform (company) for the yukuairoy postings."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(data.records):
        dataset = str(r.get("dataset") or "?")
        groups[dataset].append(i)
        if dataset == "yukuairoy":
            groups[f"yukuairoy/{r.get('company') or '?'}"].append(i)
    return {k: np.array(v, dtype=int) for k, v in sorted(groups.items())}


def _subset_folds(folds, rows: np.ndarray):
    """Folds over a subset of rows, re-indexed to positions within that subset."""
    position = {int(r): k for k, r in enumerate(rows)}
    result = []
    for train, test in folds:
        tr = np.array([position[i] for i in train if i in position], dtype=int)
        te = np.array([position[i] for i in test if i in position], dtype=int)
        if len(te):
            result.append((tr, te))
    return result


def cross_validate_config(
    data: LabelledData, config: dict, folds=None, seed: int = 0, n_jobs: int | None = None
) -> EvalReport:
    """Out-of-fold predictions of each task's pipeline for `config`, scored."""
    folds = folds if folds is not None else make_folds(data, seed=seed)
    pipes = build_pipelines(config, seed)
    report = EvalReport(len(data.docs), int(data.relevant.sum()), config)
    slices = _slices(data)
    ids = [str(r.get("id")) for r in data.records]

    proba = cross_val_predict(
        pipes["relevance"],
        data.docs,
        data.relevant,
        cv=folds,
        method="predict_proba",
        n_jobs=n_jobs,
    )[:, 1]
    rel_pred = (proba >= config.get("relevance_threshold", 0.5)).astype(int)
    report.tasks["relevance"] = binary_scores(data.relevant, rel_pred)
    report.per_dataset["relevance"] = {
        k: binary_scores(data.relevant[ix], rel_pred[ix]) for k, ix in slices.items()
    }
    report.errors["relevance"] = [ids[i] for i in np.flatnonzero(rel_pred != data.relevant)][:50]

    rel = data.relevant_idx
    rel_docs = [data.docs[i] for i in rel]
    sub_folds = _subset_folds(folds, rel)
    for task, truth_all, labels in (
        ("role_types", data.roles, ROLE_TYPES),
        ("domains", data.domains, DOMAINS),
    ):
        truth = truth_all[rel]
        pred = np.asarray(
            cross_val_predict(pipes[task], rel_docs, truth, cv=sub_folds, n_jobs=n_jobs)
        )
        if task == "domains":
            # As judge() does: a named language of the work adds `language` (and drops `general`).
            for k, doc in enumerate(rel_docs):
                languages = extract_languages(doc["title"], doc["description"])
                names = with_language_domain(
                    [DOMAINS[j] for j in np.flatnonzero(pred[k])], languages
                )
                pred[k] = [int(d in names) for d in DOMAINS]
        report.tasks[task] = micro_scores(truth, pred)
        report.per_label[task] = per_label_scores(truth, pred, labels)
        position = {int(r): k for k, r in enumerate(rel)}
        report.per_dataset[task] = {}
        for name, ix in slices.items():
            sub = np.array([position[i] for i in ix if i in position], dtype=int)
            if len(sub):
                report.per_dataset[task][name] = micro_scores(truth[sub], pred[sub])
        report.errors[task] = [ids[rel[k]] for k in np.flatnonzero((pred != truth).any(axis=1))][
            :50
        ]

    # Languages: the rule's codes against the labelled ones, on relevant listings.
    codes = sorted(
        {c for i in rel for c in (data.records[i].get("languages") or [])}
        | {
            c
            for i in rel
            for c in extract_languages(data.docs[i]["title"], data.docs[i]["description"])
        }
    )
    if codes:
        truth = np.array(
            [[int(c in (data.records[i].get("languages") or [])) for c in codes] for i in rel]
        )
        pred = np.array(
            [
                [
                    int(c in extract_languages(data.docs[i]["title"], data.docs[i]["description"]))
                    for c in codes
                ]
                for i in rel
            ]
        )
        report.tasks["languages"] = micro_scores(truth, pred)
        report.errors["languages"] = [
            ids[rel[k]] for k in np.flatnonzero((pred != truth).any(axis=1))
        ][:50]
    return report


def scam_cross_validation(labels_dir: Path, seed: int = 0, folds: int = 5) -> Scores | None:
    """Fraud-class precision / recall / F1 of the scam pipeline at a 0.5 threshold, pooled
    over stratified k-fold CV of the EMSCAD training file (None when the file is missing)."""
    from classifier.scam import build_scam_pipeline, cross_validate_scam, load_emscad_training
    from classifier.train import EMSCAD_FILE

    path = Path(labels_dir) / EMSCAD_FILE
    if not path.exists():
        return None
    texts, labels = load_emscad_training(path)
    result = cross_validate_scam(
        texts, labels, folds=folds, pipeline=build_scam_pipeline(seed), random_state=seed
    )
    truth = np.asarray(labels)
    return binary_scores(truth, (np.asarray(result["oof_proba"]) >= 0.5).astype(int))


def add_scam_scores(report: EvalReport, labels_dir: Path, seed: int = 0) -> EvalReport:
    """`report` with the scam task (see `scam_cross_validation`) when the EMSCAD file is there."""
    scam = scam_cross_validation(labels_dir, seed)
    if scam is not None:
        report.tasks["scam"] = scam
    return report


def evaluate(
    labels_dir: Path | str | None = None,
    config: dict | None = None,
    model_dir: Path | str | None = None,
    seed: int = 0,
    n_jobs: int | None = None,
) -> EvalReport:
    """Cross-validated report for the saved model's configuration (or the default one)."""
    data = load_labels(labels_dir)
    if config is None:
        card = read_card(model_dir if model_dir is not None else default_model_dir())
        config = (card or {}).get("config") or dict(DEFAULT_CONFIG)
    report = cross_validate_config(data, config, seed=seed, n_jobs=n_jobs)
    return add_scam_scores(
        report, Path(labels_dir) if labels_dir is not None else default_labels_dir(), seed
    )
