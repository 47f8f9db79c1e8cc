"""Grouping: the same job on several sources is one group; everything else stays apart."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from catalogue import groups, store
from catalogue.schema import open_catalogue

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def db(tmp_path):
    database = open_catalogue(tmp_path / "catalogue.db")
    yield database
    database.close()


DESCRIPTION = (
    "Mercor is hiring Spanish-speaking AI trainers. You will rate chatbot answers for accuracy, "
    "rewrite weak answers and compare pairs of responses. Flexible hours, fully remote. "
) * 5


def job(source: str, source_id: str, **fields):
    base = {
        "source": source,
        "source_id": source_id,
        "title": "AI Trainer (Spanish)",
        "company": "Mercor",
        "description": DESCRIPTION,
        "url": f"https://{source}.example/jobs/{source_id}",
        "countries": ["US"],
        "remote_scope": "countries",
        "location_raw": "Remote, US",
        "judgement": {"relevant": True, "verdict": "clean", "red_flags": []},
    }
    base.update(fields)
    return base


def crawl(db, source, listings, now="2026-09-15T12:00:00Z", status="ok"):
    run_id = store.start_run(db, source, started_at=now)
    counts = store.store_batch(db, run_id, listings, now=now)
    store.finish_run(db, run_id, status=status, counts=counts, finished_at=now)
    return groups.group_run(db, run_id, now=now)


def group_of(db, listing_id):
    return db["listings"].get(listing_id)["group_id"]


def test_the_same_job_on_a_board_joins_the_employers_own_posting(db):
    crawl(db, "mercor", [job("mercor", "m1")])
    crawl(db, "himalayas", [job("himalayas", "h1")])
    assert group_of(db, "himalayas:h1") == group_of(db, "mercor:m1")


def test_the_group_prefers_the_employers_own_posting_as_canonical(db):
    crawl(db, "himalayas", [job("himalayas", "h1")], now="2026-09-14T12:00:00Z")
    crawl(db, "mercor", [job("mercor", "m1")])
    canonical = [r["id"] for r in db.query("select id from listings where is_canonical = 1")]
    assert canonical == ["mercor:m1"]


def test_every_source_link_stays_on_the_group(db):
    crawl(db, "mercor", [job("mercor", "m1")])
    crawl(db, "himalayas", [job("himalayas", "h1")])
    links = json.loads(db["listings"].get("mercor:m1")["source_links"])
    assert {link["source"] for link in links} == {"mercor", "himalayas"}


def test_a_reworded_title_with_near_identical_text_is_grouped_by_text(db):
    crawl(db, "mercor", [job("mercor", "m1")])
    crawl(db, "remotive", [job("remotive", "r1", title="AI Trainer - Spanish", location_raw="USA")])
    assert group_of(db, "remotive:r1") == group_of(db, "mercor:m1")


def test_two_open_postings_of_one_source_stay_two(db):
    crawl(db, "mercor", [job("mercor", "m1"), job("mercor", "m2")])
    assert group_of(db, "mercor:m1") != group_of(db, "mercor:m2")


def test_the_same_role_in_another_country_is_another_job(db):
    crawl(db, "mercor", [job("mercor", "m1")])
    crawl(db, "himalayas", [job("himalayas", "h1", countries=["BR"], location_raw="Brazil")])
    assert group_of(db, "himalayas:h1") != group_of(db, "mercor:m1")


def test_different_roles_of_one_employer_with_shared_boilerplate_stay_apart(db):
    crawl(db, "mercor", [job("mercor", "m1")])
    crawl(db, "himalayas", [job("himalayas", "h1", title="Senior Backend Engineer")])
    assert group_of(db, "himalayas:h1") != group_of(db, "mercor:m1")


def test_a_repost_within_90_days_of_closing_joins_the_earlier_group(db):
    crawl(
        db,
        "mercor",
        [job("mercor", "m1"), job("mercor", "other", title="Chemistry Expert")],
        now="2026-09-01T12:00:00Z",
    )
    crawl(
        db, "mercor", [job("mercor", "other", title="Chemistry Expert")], now="2026-09-02T12:00:00Z"
    )
    assert db["listings"].get("mercor:m1")["closed_at"]
    crawl(
        db,
        "mercor",
        [job("mercor", "m9"), job("mercor", "other", title="Chemistry Expert")],
        now="2026-10-15T12:00:00Z",
    )
    assert group_of(db, "mercor:m9") == group_of(db, "mercor:m1")


def test_grouping_on_the_labelled_real_pairs_keeps_precision_and_recall_above_nine_tenths():
    sys.path.insert(0, str(ROOT / "bench"))
    import bench_grouping

    pairs = bench_grouping.load_pairs()
    similarities = [
        float(groups.text_similarity([groups._doc(a)], [groups._doc(b)])[0, 0]) for a, b, _ in pairs
    ]
    precision, recall, _ = bench_grouping.scores(
        pairs, similarities, groups.NEAR_DUPLICATE_THRESHOLD
    )
    assert precision >= 0.9 and recall >= 0.9
