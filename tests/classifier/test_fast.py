"""The fast paths: a compiled TfidfVectorizer and the union/pipeline transform give sklearn's
exact numbers on real listing text (ASCII and not, HTML, empty)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer

from classifier.fast import compile_tfidf, fast_predict_proba, fast_transform
from classifier.features import prepare, select_body, select_title
from classifier.scam import listing_to_emscad_text

LABELS = Path(__file__).resolve().parents[2] / "data/labels"


@pytest.fixture(scope="module")
def docs() -> list[dict[str, str]]:
    out = []
    for name in ("remotewlb.jsonl", "fixtures.jsonl", "benture.jsonl"):
        for line in (LABELS / name).read_text(encoding="utf-8").split("\n")[:150]:
            if line.strip():
                out.append(prepare(json.loads(line)))
    # Non-ASCII words, typographic punctuation, underscores, digits, one-letter words, empty.
    out.append(prepare({"title": "Évaluateur IA – français", "description": "Rédiger, noter…"}))
    out.append(prepare({"title": "a b c_d 42 x", "description": "I/O: e-mail_me ’quoted’"}))
    out.append(prepare({}))
    return out


def assert_same_matrix(a, b) -> None:
    a, b = a.tocsr(), b.tocsr()
    assert a.shape == b.shape and a.dtype == b.dtype
    assert np.array_equal(a.indptr, b.indptr)
    assert np.array_equal(a.indices, b.indices)
    assert np.array_equal(a.data, b.data)


@pytest.mark.parametrize(
    "settings",
    [
        {"ngram_range": (1, 1), "min_df": 2},
        {"ngram_range": (1, 2), "sublinear_tf": True},
        {"ngram_range": (1, 2), "token_pattern": r"(?u)\b\w+\b", "min_df": 2},
        {"ngram_range": (1, 1), "max_features": 500, "dtype": np.float32},
        {"analyzer": "char_wb", "ngram_range": (2, 5), "sublinear_tf": True},
    ],
    ids=["unigrams", "bigrams", "bigrams-one-letter-tokens", "capped-float32", "char_wb"],
)
def test_compiled_vectorizer_gives_sklearns_exact_matrix(docs, settings) -> None:
    fit_texts, new_texts = select_body(docs[::2]), select_body(docs[1::2])
    vec = TfidfVectorizer(**settings).fit(fit_texts)
    compiled = compile_tfidf(vec)
    assert compiled is not None
    assert_same_matrix(compiled.transform(new_texts), vec.transform(new_texts))


def test_compiled_vectorizer_reads_preprocessed_scam_text_like_sklearn(docs) -> None:
    texts = [listing_to_emscad_text(d) for d in docs]
    vec = TfidfVectorizer(ngram_range=(1, 2), token_pattern=r"(?u)\b\w+\b", min_df=2)
    vec.fit(texts[::2])
    assert_same_matrix(compile_tfidf(vec).transform(texts[1::2]), vec.transform(texts[1::2]))


def test_vectorizer_settings_it_cannot_reproduce_are_left_to_sklearn(docs) -> None:
    texts = select_title(docs)
    assert compile_tfidf(TfidfVectorizer(stop_words="english").fit(texts)) is None
    assert compile_tfidf(TfidfVectorizer(ngram_range=(1, 3)).fit(texts)) is None
    assert compile_tfidf(TfidfVectorizer(analyzer="char").fit(texts)) is None
    assert compile_tfidf(CountVectorizer().fit(texts)) is None


def test_union_transform_and_probabilities_equal_the_pipelines(docs) -> None:
    union = FeatureUnion(
        [
            (
                "title",
                Pipeline(
                    [
                        ("select", FunctionTransformer(select_title)),
                        ("tfidf", TfidfVectorizer(ngram_range=(1, 2))),
                    ]
                ),
            ),
            (
                "body",
                Pipeline(
                    [
                        ("select", FunctionTransformer(select_body)),
                        ("tfidf", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4))),
                    ]
                ),
            ),
        ],
        transformer_weights={"title": 2.0},
    )
    labels = [i % 2 for i in range(len(docs))]
    pipeline = Pipeline([("features", union), ("clf", LogisticRegression())]).fit(docs, labels)
    assert_same_matrix(fast_transform(union, docs), union.transform(docs))
    assert np.array_equal(fast_predict_proba(pipeline, docs), pipeline.predict_proba(docs))


def test_word_runs_split_like_the_regex_on_mixed_unicode_text() -> None:
    import random
    import re

    from classifier.fast import _word_runs

    findall = re.compile(r"(?u)\b\w+\b").findall
    alphabet = list("ab Z_09-.,:/'’«»ü\u0308é™€😀\xa0\u2028\t\ud800漢字ǅ²Ⅻª·\u3000٣")
    rng = random.Random(7)
    for _ in range(3_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        assert _word_runs(text, findall) == findall(text), repr(text)


def test_the_scam_models_soft_vote_is_computed_directly_with_its_own_probabilities() -> None:
    from classifier.fast import _DIRECT_MATCHES
    from classifier.scam import build_scam_pipeline, load_emscad_training

    texts, labels = load_emscad_training(LABELS / "emscad/ericmiao_train_balanced_preprocessed.csv")
    pipeline = build_scam_pipeline().fit(texts[:300], labels[:300])
    new = texts[300:360]
    expected = pipeline.predict_proba(new)
    first = fast_predict_proba(pipeline, new)  # checked against predict_proba here
    assert _DIRECT_MATCHES[pipeline.steps[-1][1]] is True
    direct = fast_predict_proba(pipeline, new)
    assert np.allclose(first, expected, rtol=0, atol=1e-12)
    assert np.allclose(direct, expected, rtol=0, atol=1e-12)


def test_int_table_finds_every_key_and_misses_every_other() -> None:
    from classifier.fast import IntTable

    rng = np.random.default_rng(0)
    keys = rng.choice(10**12, size=5_000, replace=False)
    values = rng.integers(0, 10**6, size=len(keys))
    table = IntTable(keys, values)
    assert table.get(keys).tolist() == values.tolist()
    absent = np.setdiff1d(rng.integers(0, 10**12, size=5_000), keys)
    assert (table.get(absent) == -1).all()


def test_int_table_keeps_keys_that_share_a_home_slot() -> None:
    from classifier.fast import IntTable

    # 16 keys -> a 64-slot table; pick 12 candidates that hash to one home slot, plus 4 others.
    probe = IntTable(np.arange(16), np.arange(16))
    candidates = np.arange(100_000)
    homes = probe._home(candidates)
    crowded = candidates[homes == homes[0]][:12]
    keys = np.concatenate([crowded, candidates[homes != homes[0]][:4]])
    table = IntTable(keys, np.arange(len(keys)) * 10)
    assert table.max_probe >= 11  # the 12th crowded key probed past the other 11
    assert table.get(keys[::-1]).tolist() == (np.arange(len(keys)) * 10)[::-1].tolist()
    assert table.get(np.array([100_001, 100_002])).tolist() == [-1, -1]


def test_an_empty_int_table_finds_nothing_and_duplicate_keys_are_refused() -> None:
    from classifier.fast import IntTable

    assert IntTable(np.array([], dtype=np.int64), np.array([])).get(np.array([0, 5])).tolist() == [
        -1,
        -1,
    ]
    with pytest.raises(ValueError, match="distinct"):
        IntTable(np.array([3, 3]), np.array([1, 2]))


def test_int_table_takes_any_int64_as_a_key_zero_and_minus_one_included() -> None:
    from classifier.fast import IntTable

    table = IntTable(np.array([-1, 0, 5]), np.array([7, 8, 9]))
    assert table.get(np.array([-1, 0, 5, 3])).tolist() == [7, 8, 9, -1]
