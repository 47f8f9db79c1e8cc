"""The scam score: EMSCAD-style preprocessing, loading, the pipeline and its cross-validation.

Fits run on small slices of data/labels/emscad/ericmiao_train_balanced_preprocessed.csv so the
file stays fast; the full-data CV lives in bench/cv_scam.py.
"""

from __future__ import annotations

import csv
import json
import pickle
import string
from pathlib import Path

import numpy as np
import pytest

from classifier.scam import (
    NLTK_ENGLISH_STOPWORDS,
    build_scam_pipeline,
    cross_validate_scam,
    emscad_raw_text,
    is_preprocessed,
    length_features,
    listing_to_emscad_text,
    load_emscad_training,
    preprocess_like_emscad,
    truncate_texts,
)

EMSCAD = Path(__file__).resolve().parents[2] / "data/labels/emscad"
TRAIN = EMSCAD / "ericmiao_train_balanced_preprocessed.csv"
FRAUD_RAW = EMSCAD / "jae1654_fraudulent_subset.csv"


@pytest.fixture(scope="module")
def training() -> tuple[list[str], list[int]]:
    return load_emscad_training(TRAIN)


def small_slice(training: tuple[list[str], list[int]], n: int = 160) -> tuple[list[str], list[int]]:
    texts, labels = training
    pos = [i for i, y in enumerate(labels) if y == 1][: n // 2]
    neg = [i for i, y in enumerate(labels) if y == 0][: n // 2]
    idx = sorted(pos + neg)
    return [texts[i] for i in idx], [labels[i] for i in idx]


def test_load_emscad_training_reads_all_rows_with_binary_labels(training) -> None:
    texts, labels = training
    assert len(texts) == len(labels) == 1399
    assert set(labels) == {0, 1} and sum(labels) == 647
    assert all(isinstance(t, str) for t in texts)


def test_preprocess_lowercases_and_drops_punctuation_and_stopwords() -> None:
    out = preprocess_like_emscad(
        "We are HIRING: Data-Entry Clerks (remote)! You'll earn $500/week, e.g. at home."
    )
    assert out == out.lower()
    assert not set(out) & set(string.punctuation)
    assert not set(out.split()) & NLTK_ENGLISH_STOPWORDS
    assert out == "hiring data entry clerks remote earn 500 week e g home"


def test_preprocess_keeps_the_training_scripts_quirks() -> None:
    # "n't" -> " not" (a stop word) leaves "ca"; "cause" inside "because" is replaced too.
    assert preprocess_like_emscad("You can't apply because") == "ca apply bebecause"
    assert (
        preprocess_like_emscad("Visit https://example.com/jobs at 10:30")
        == "visit example com jobs 10:30"
    )
    assert preprocess_like_emscad("Mail #EMAIL_abc123# or #URL_def456#") == "mail"


def test_preprocess_reproduces_a_training_text_from_its_raw_posting(training) -> None:
    with open(FRAUD_RAW, newline="", encoding="utf-8") as fh:
        row = next(r for r in csv.DictReader(fh) if r["job_id"] == "17518")
    assert preprocess_like_emscad(emscad_raw_text(row)) in set(training[0])


def test_preprocess_reproduces_every_training_text_it_reproduced_before(training) -> None:
    # 77 of the 259 raw Kaggle frauds come out exactly as a training row (the others are in
    # the held-back split or differ between the Kaggle and Aegean copies): any change to the
    # preprocessing that alters its output loses some of them.
    with open(FRAUD_RAW, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    rows_of_training = set(training[0])
    reproduced = sum(preprocess_like_emscad(emscad_raw_text(r)) in rows_of_training for r in rows)
    assert reproduced >= 77


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # i'm -> "i am", isn't -> "is not" (via n't), 'cause -> because, 'd've -> would have
        ("I'm sure it isn't, 'cause we'd've said so", "sure would said"),
        ("Gonna apply? We cannot wait", "gon na apply wait"),
        ("Email_me or url_x at my_site", "my_site"),
        ("n't't i'i'm 's's", ""),
    ],
)
def test_preprocess_applies_contractions_and_split_words_in_the_scripts_order(
    raw: str, expected: str
) -> None:
    assert preprocess_like_emscad(raw) == expected


def test_words_the_tokeniser_splits_are_not_stop_words_themselves() -> None:
    # The preprocessing drops stop words before splitting "cannot", "gonna", ...: the same
    # result as the script's order only while none of them is a stop word.
    from classifier.scam import _SPLIT_WORDS

    assert NLTK_ENGLISH_STOPWORDS.isdisjoint(_SPLIT_WORDS)


def test_preprocess_and_listing_mapping_accept_empty_input() -> None:
    assert preprocess_like_emscad(None) == ""
    assert preprocess_like_emscad("") == ""
    assert listing_to_emscad_text({}) == ""
    assert (
        listing_to_emscad_text({"title": "AI Rater", "description": "Rate answers."})
        == "rate answers ai rater"
    )


def test_training_rows_are_recognised_as_preprocessed_and_real_postings_are_not(training) -> None:
    assert all(is_preprocessed(t) for t in training[0] if t.strip())
    labels = Path(__file__).resolve().parents[2] / "data/labels/remotewlb.jsonl"
    postings = [json.loads(x) for x in labels.read_text(encoding="utf-8").split("\n") if x.strip()]
    assert not any(is_preprocessed(p.get("description") or "") for p in postings)


def test_training_rows_are_still_recognised_after_the_judges_cleanup(training) -> None:
    # The judge cleans and normalises text ("—" -> "-", "™" -> "TM") before the scam model.
    from classifier.features import prepare

    rows = [t for t in training[0] if t.strip()]
    missed = [t for t in rows if not is_preprocessed(prepare({"description": t})["description"])]
    assert len(missed) <= 0.005 * len(rows)


def test_an_already_preprocessed_description_is_not_preprocessed_again() -> None:
    # A second pass would turn "because" into "bebecause" (the script's contraction quirk).
    text = "bebecause remote data entry clerk earn weekly"
    assert listing_to_emscad_text({"description": text}) == text
    assert listing_to_emscad_text({"description": text, "title": "Data Clerk"}) == (
        text + " data clerk"
    )


def test_feature_helpers_bound_and_accept_none() -> None:
    long = "word " * 5000
    (cut,) = truncate_texts([long])
    assert len(cut) <= 6001 and cut.rstrip().endswith("word")
    assert truncate_texts([None]) == [""]
    assert length_features(["", None, "a b c"]).shape == (3, 2)


def test_pipeline_fits_on_a_slice_and_returns_probabilities(training) -> None:
    texts, labels = small_slice(training)
    model = build_scam_pipeline(random_state=0).fit(texts, labels)
    proba = model.predict_proba(texts[:20] + ["", "work from home earn cash daily no experience"])[
        :, 1
    ]
    assert proba.shape == (22,)
    assert np.all((proba >= 0.0) & (proba <= 1.0))


def test_fitted_pipeline_pickles_and_predicts_the_same(training) -> None:
    texts, labels = small_slice(training, 100)
    model = build_scam_pipeline().fit(texts, labels)
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_allclose(again.predict_proba(texts[:5]), model.predict_proba(texts[:5]))


def test_pipeline_separates_its_training_slice(training) -> None:
    texts, labels = small_slice(training)
    model = build_scam_pipeline().fit(texts, labels)
    proba = model.predict_proba(texts)[:, 1]
    y = np.asarray(labels)
    assert proba[y == 1].mean() > proba[y == 0].mean() + 0.3


def test_cross_validate_scam_reports_fold_metrics(training) -> None:
    texts, labels = small_slice(training, 120)
    result = cross_validate_scam(texts, labels, folds=3, pipeline=build_scam_pipeline(variant="lr"))
    assert result["folds"] == 3
    for key in ("f1", "precision", "recall", "auc"):
        assert 0.0 <= result[key] <= 1.0
        assert len(result["per_fold"][key]) == 3
    assert len(result["oof_proba"]) == len(texts)


def test_unknown_variant_is_an_error() -> None:
    with pytest.raises(ValueError):
        build_scam_pipeline(variant="nope")


def _features_of(texts: list[str], labels: list[int]):
    from classifier.scam import make_features

    features = make_features().fit(texts, labels)
    return features, features.transform(texts)


def test_nearest_templates_votes_like_sklearns_cosine_neighbours(training) -> None:
    from sklearn.neighbors import KNeighborsClassifier

    from classifier.scam import NearestTemplates

    texts, labels = small_slice(training, 300)
    features, X = _features_of(texts, labels)
    unseen = features.transform(training[0][-80:])
    ours = NearestTemplates(n_neighbors=2).fit(X, labels).predict_proba(unseen)[:, 1]
    knn = KNeighborsClassifier(n_neighbors=2, metric="cosine", weights="distance").fit(X, labels)
    assert np.allclose(ours, knn.predict_proba(unseen)[:, 1], atol=1e-9)


def test_a_copy_of_a_training_text_takes_the_label_of_its_template(training) -> None:
    from classifier.scam import NearestTemplates

    texts, labels = small_slice(training, 200)
    features, X = _features_of(texts, labels)
    probability = NearestTemplates(n_neighbors=2).fit(X, labels).positive_probability(X)
    assert np.allclose(probability, labels, atol=1e-6)


def test_a_text_with_no_neighbour_gets_the_training_fraud_rate() -> None:
    from scipy import sparse

    from classifier.scam import NearestTemplates

    X = sparse.csr_matrix(np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.9, 0.1]]))
    model = NearestTemplates(n_neighbors=2).fit(X, [1, 0, 0])
    alone = model.positive_probability(sparse.csr_matrix(np.array([[0.0, 0.0, 0.0]])))
    assert alone.tolist() == [pytest.approx(1 / 3)]


def test_rare_features_alone_can_be_chosen_for_the_neighbours() -> None:
    from scipy import sparse

    from classifier.scam import NearestTemplates

    # Feature 0 is in every training row (common), feature 1 only in the first (rare).
    X = sparse.csr_matrix(np.array([[1.0, 1.0], [1.0, 0.0], [1.0, 0.0], [1.0, 0.0]]))
    model = NearestTemplates(n_neighbors=1, max_df=0.5).fit(X, [1, 0, 0, 0])
    query = sparse.csr_matrix(np.array([[5.0, 0.1]]))  # mostly the common feature
    assert model.positive_probability(query).tolist() == [1.0]


def _word_columns(features) -> int:
    return len(features.transformer_list[0][1].vocabulary_)


def test_template_votes_are_sklearns_cosine_neighbours_over_all_features_and_over_words(
    training,
) -> None:
    from sklearn.neighbors import KNeighborsClassifier

    from classifier.scam import TemplateVotes

    texts, labels = small_slice(training, 300)
    features, X = _features_of(texts, labels)
    unseen = features.transform(training[0][-80:])
    n_words = _word_columns(features)
    ours = TemplateVotes(word_columns=n_words).fit(X, labels).positive_probability(unseen)
    union = KNeighborsClassifier(n_neighbors=2, metric="cosine", weights="distance")
    words = KNeighborsClassifier(n_neighbors=3, metric="cosine", weights=lambda d: 1.0 - d)
    p_union = union.fit(X, labels).predict_proba(unseen)[:, 1]
    p_words = words.fit(X[:, :n_words], labels).predict_proba(unseen[:, :n_words])[:, 1]
    assert np.allclose(ours, (0.5 * p_union + 1.0 * p_words) / 1.5, atol=1e-9)


def test_a_reposted_body_is_found_by_its_words_when_head_and_tail_differ() -> None:
    from scipy import sparse

    from classifier.scam import TemplateVotes

    # Columns 0-1 are the word block, 2-3 the rest (head, tail, length). The query repeats
    # the fraud's body (words) but has a legitimate posting's rest.
    X = sparse.csr_matrix(np.array([[1.0, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 1.0]]))
    query = sparse.csr_matrix(np.array([[1.0, 0.0, 0.0, 3.0]]))
    words_only = TemplateVotes(word_columns=2, union_weight=0.0, word_neighbors=1)
    union_only = TemplateVotes(word_columns=2, word_weight=0.0, union_neighbors=1)
    assert words_only.fit(X, [1, 0]).positive_probability(query).tolist() == [1.0]
    assert union_only.fit(X, [1, 0]).positive_probability(query).tolist() == [0.0]


def test_template_votes_refuse_a_word_block_wider_than_the_features() -> None:
    from scipy import sparse

    from classifier.scam import TemplateVotes

    X = sparse.csr_matrix(np.eye(2))
    with pytest.raises(ValueError, match="word_columns"):
        TemplateVotes(word_columns=3).fit(X, [0, 1])


def test_the_scam_vote_gives_the_same_probability_through_the_fast_path(training) -> None:
    from classifier.fast import fast_predict_proba

    texts, labels = small_slice(training, 200)
    model = build_scam_pipeline().fit(texts, labels)
    unseen = training[0][-60:]
    expected = model.predict_proba(unseen)[:, 1]
    for _ in range(2):  # the first call checks the direct path, the second uses it
        assert np.allclose(fast_predict_proba(model, unseen)[:, 1], expected, atol=1e-12)


def test_contractions_in_one_pass_equal_the_scripts_table_replace_by_replace() -> None:
    import random

    from classifier.scam import _CONTRACTIONS, _expand_apostrophes

    def table(text: str) -> str:  # the training script: each pair, in order, over the text
        for abbreviation, full in _CONTRACTIONS:
            text = text.replace(abbreviation, full)
        return text

    def one_pass(text: str) -> str:
        text = _expand_apostrophes(text)
        return text.replace("cause", "because")

    rng = random.Random(3)
    pieces = [
        "'",
        "n",
        "i",
        "t",
        "ve",
        "d",
        "ll",
        "s",
        "m",
        "re",
        "cause",
        "isn't",
        "i've",
        " ",
        "x",
    ]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 14))) for _ in range(20_000)]
    texts += ["don't i'm we're she's it'll they'd we've isn't i've 'cause o'clock", "''n't'"]
    for text in texts:
        assert one_pass(text) == table(text), text
