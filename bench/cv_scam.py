"""Cross-validate scam-score variants on the EMSCAD balanced training file (fixed seeds).

Owns the model-selection study behind classifier/scam.py (not used by the judge): for each
feature set the vectorisers are fitted once per fold on the training part (so nothing leaks),
then every classifier is scored on the held-out part at a 0.5 probability threshold.
Prints one line per variant: mean fraud-class F1 / precision / recall / AUC over 5 folds.
Pipelines built by classifier.scam.build_scam_pipeline(variant=...) are cross-validated with
classifier.scam.cross_validate_scam instead (see --pipelines). Results: bench/SCAM_CV.md.

    .venv/bin/python bench/cv_scam.py [--features REGEX] [--only REGEX] [--nbsvm]
    .venv/bin/python bench/cv_scam.py --pipelines default,lr,svm_sigmoid --seeds 0,1,2
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression, RidgeClassifier, SGDClassifier
from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.naive_bayes import ComplementNB, MultinomialNB
from sklearn.svm import LinearSVC

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from classifier.scam import (  # noqa: E402
    NBLogCountRatio,
    build_scam_pipeline,
    cross_validate_scam,
    load_emscad_training,
)

DATA = (
    Path(__file__).resolve().parents[1]
    / "data/labels/emscad/ericmiao_train_balanced_preprocessed.csv"
)


def word(ng=(1, 2), min_df=2, binary=False, tfidf=True, max_features=None):
    cls = TfidfVectorizer if tfidf else CountVectorizer
    kw = dict(sublinear_tf=True) if tfidf else {}
    return cls(
        analyzer="word",
        ngram_range=ng,
        min_df=min_df,
        binary=binary,
        token_pattern=r"(?u)\b\w+\b",
        max_features=max_features,
        dtype=np.float32,
        **kw,
    )


def char(ng=(2, 5), min_df=2, analyzer="char_wb", max_features=None, tfidf=True, binary=False):
    cls = TfidfVectorizer if tfidf else CountVectorizer
    kw = dict(sublinear_tf=True) if tfidf else {}
    return cls(
        analyzer=analyzer,
        ngram_range=ng,
        min_df=min_df,
        max_features=max_features,
        binary=binary,
        dtype=np.float32,
        **kw,
    )


FEATURES = {
    "w12": lambda: [word()],
    "w13": lambda: [word((1, 3))],
    "w12+cwb25": lambda: [word(), char()],
    "w12+cwb36": lambda: [word(), char((3, 6))],
    "w12+c25": lambda: [word(), char(analyzer="char")],
    "cwb25": lambda: [char()],
    "w12bin_counts": lambda: [word(binary=True, tfidf=False)],
    "w12+cwb25_bin_counts": lambda: [
        word(binary=True, tfidf=False),
        char(binary=True, tfidf=False),
    ],
}


def nbsvm_features(Xtr, ytr, Xte, alpha=1.0):
    nb = NBLogCountRatio(alpha).fit(Xtr, ytr)
    return nb.transform(Xtr), nb.transform(Xte)


def cal(est, method="sigmoid"):
    return CalibratedClassifierCV(est, method=method, cv=5)


CLASSIFIERS = {
    "lr_C1": lambda: LogisticRegression(C=1, max_iter=3000),
    "lr_C10": lambda: LogisticRegression(C=10, max_iter=3000),
    "lr_C30": lambda: LogisticRegression(C=30, max_iter=3000),
    "lr_C100": lambda: LogisticRegression(C=100, max_iter=3000),
    "svm_C0.1_sig": lambda: cal(LinearSVC(C=0.1, class_weight="balanced")),
    "svm_C0.5_sig": lambda: cal(LinearSVC(C=0.5, class_weight="balanced")),
    "svm_C1_sig": lambda: cal(LinearSVC(C=1, class_weight="balanced")),
    "svm_C0.5_iso": lambda: cal(LinearSVC(C=0.5, class_weight="balanced"), "isotonic"),
    "sgd_mhuber": lambda: cal(
        SGDClassifier(loss="modified_huber", alpha=1e-5, max_iter=50, random_state=0)
    ),
    "ridge_sig": lambda: cal(RidgeClassifier(alpha=1.0)),
    "cnb_sig": lambda: cal(ComplementNB(alpha=0.1)),
    "mnb_a0.1": lambda: MultinomialNB(alpha=0.1),
}


def score(y, proba):
    pred = (proba >= 0.5).astype(int)
    return (
        f1_score(y, pred),
        precision_score(y, pred, zero_division=0),
        recall_score(y, pred),
        roc_auc_score(y, proba),
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default=".*")
    ap.add_argument("--features", default=".*")
    ap.add_argument(
        "--nbsvm", action="store_true", help="also try NB log-count-ratio scaled features"
    )
    ap.add_argument("--maxchars", type=int, default=0)
    ap.add_argument("--pipelines", default="", help="comma-separated build_scam_pipeline variants")
    ap.add_argument("--seeds", default="0")
    args = ap.parse_args()
    texts, labels = load_emscad_training(DATA)
    if args.pipelines:
        for variant in args.pipelines.split(","):
            for seed in map(int, args.seeds.split(",")):
                t0 = time.time()
                r = cross_validate_scam(
                    texts, labels, pipeline=build_scam_pipeline(seed, variant), random_state=seed
                )
                print(
                    f"{variant:16s} seed {seed}  F1 {r['f1']:.4f} (sd {r['f1_std']:.4f})  "
                    f"P {r['precision']:.4f}  R {r['recall']:.4f}  AUC {r['auc']:.4f}  "
                    f"[{time.time() - t0:.0f}s]",
                    flush=True,
                )
        return
    if args.maxchars:
        texts = [t[: args.maxchars] for t in texts]
    X = np.asarray(texts, dtype=object)
    y = np.asarray(labels)
    skf = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    splits = list(skf.split(X, y))
    for fname, fmake in FEATURES.items():
        if not re.search(args.features, fname):
            continue
        t0 = time.time()
        folds = []
        for tr, te in splits:
            vecs = fmake()
            Xtr = sparse.hstack([v.fit_transform(list(X[tr])) for v in vecs]).tocsr()
            Xte = sparse.hstack([v.transform(list(X[te])) for v in vecs]).tocsr()
            folds.append((Xtr, y[tr], Xte, y[te]))
        print(
            f"# features {fname}: {folds[0][0].shape[1]} columns, {time.time() - t0:.1f}s for 5 folds",
            flush=True,
        )
        variants = [(n, m, False) for n, m in CLASSIFIERS.items()]
        if args.nbsvm:
            variants += [(n + "+nb", m, True) for n, m in CLASSIFIERS.items() if "nb" not in n]
        for cname, cmake, use_nb in variants:
            if not re.search(args.only, cname):
                continue
            t1 = time.time()
            oof = np.zeros(len(y))
            res = []
            for (Xtr, ytr, Xte, yte), (_tr, te) in zip(folds, splits, strict=True):
                if use_nb:
                    Xtr, Xte = nbsvm_features(Xtr, ytr, Xte)
                clf = cmake().fit(Xtr, ytr)
                p = clf.predict_proba(Xte)[:, 1]
                oof[te] = p
                res.append(score(yte, p))
            m = np.mean(res, axis=0)
            print(
                f"{fname:22s} {cname:16s} F1 {m[0]:.4f} (sd {np.std([r[0] for r in res]):.4f})  "
                f"P {m[1]:.4f}  R {m[2]:.4f}  AUC {m[3]:.4f}  [{time.time() - t1:.1f}s]",
                flush=True,
            )
            np.save(f"/tmp/oof_{fname}_{cname}.npy", oof)


if __name__ == "__main__":
    main()
