"""The store: upsert by id, versions, red flags, lifecycle and crawl runs, on a temporary catalogue."""

from __future__ import annotations

import json

import pytest

from catalogue import store
from catalogue.schema import open_catalogue


@pytest.fixture
def db(tmp_path):
    database = open_catalogue(tmp_path / "catalogue.db")
    yield database
    database.close()


def listing(source_id: str = "1", **fields):
    base = {
        "source": "remotive",
        "source_id": source_id,
        "title": "AI Response Rater (Spanish)",
        "company": "Mercor",
        "description": "Rate chatbot answers in Spanish against a rubric.",
        "url": f"https://remotive.com/remote-jobs/{source_id}",
        "pay_text": "$25/hr",
        "pay_min": 25.0,
        "pay_max": 25.0,
        "pay_unit": "hour",
        "remote_scope": "worldwide",
        "countries": [],
        "judgement": {
            "relevant": True,
            "relevance_score": 0.97,
            "role_types": ["response-rating"],
            "domains": ["language"],
            "languages": ["es"],
            "red_flags": [],
            "verdict": "clean",
            "scam_score": 0.02,
            "model_version": "test",
        },
    }
    base.update(fields)
    return base


def crawl(db, source, listings, status="ok", now="2026-09-15T12:00:00Z"):
    run_id = store.start_run(db, source, started_at=now)
    counts = store.store_batch(db, run_id, listings, now=now)
    return store.finish_run(db, run_id, status=status, counts=counts, finished_at=now)


def test_a_new_listing_is_stored_with_its_id_and_first_and_last_seen(db):
    crawl(db, "remotive", [listing()])
    row = db["listings"].get("remotive:1")
    assert (row["first_seen"], row["last_seen"], row["closed_at"]) == (
        "2026-09-15T12:00:00Z",
    ) * 2 + (None,)
    assert json.loads(row["role_types"]) == ["response-rating"] and row["relevant"] == 1


def test_seeing_a_listing_again_updates_last_seen_only(db):
    crawl(db, "remotive", [listing()], now="2026-09-15T12:00:00Z")
    summary = crawl(db, "remotive", [listing()], now="2026-09-16T12:00:00Z")
    row = db["listings"].get("remotive:1")
    assert (row["first_seen"], row["last_seen"]) == ("2026-09-15T12:00:00Z", "2026-09-16T12:00:00Z")
    assert (summary.new, summary.changed) == (0, 0)


def test_a_pay_cut_records_a_version_with_before_and_after(db):
    crawl(db, "remotive", [listing()], now="2026-09-15T12:00:00Z")
    summary = crawl(
        db,
        "remotive",
        [listing(pay_text="$18/hr", pay_min=18.0, pay_max=18.0)],
        now="2026-09-16T12:00:00Z",
    )
    versions = list(
        db.query("select * from listing_versions where listing_id = 'remotive:1' order by id")
    )
    assert [json.loads(v["changed"]) for v in versions] == [
        ["created"],
        ["pay_max", "pay_min", "pay_text"],
    ]
    assert (
        json.loads(versions[1]["before"])["pay_min"] == 25.0
        and json.loads(versions[1]["after"])["pay_min"] == 18.0
    )
    assert summary.changed == 1


def test_a_healthy_complete_crawl_without_a_listing_closes_it(db):
    crawl(db, "remotive", [listing("1"), listing("2")], now="2026-09-15T12:00:00Z")
    summary = crawl(db, "remotive", [listing("1")], now="2026-09-16T12:00:00Z")
    assert db["listings"].get("remotive:2")["closed_at"] == "2026-09-16T12:00:00Z"
    assert db["listings"].get("remotive:1")["closed_at"] is None
    assert summary.closed == 1


@pytest.mark.parametrize("status", ["partial", "failed"])
def test_a_partial_or_failed_crawl_closes_nothing(db, status):
    crawl(db, "remotive", [listing("1"), listing("2")])
    summary = crawl(db, "remotive", [], status=status, now="2026-09-16T12:00:00Z")
    assert summary.closed == 0
    assert db["listings"].get("remotive:2")["closed_at"] is None


def test_a_crawl_of_one_source_never_closes_another_sources_listings(db):
    crawl(db, "remotive", [listing("1")])
    crawl(db, "remoteok", [listing("9", source="remoteok")], now="2026-09-16T12:00:00Z")
    assert db["listings"].get("remotive:1")["closed_at"] is None


def test_a_run_yielding_far_fewer_items_than_before_is_suspect_and_closes_nothing(db):
    crawl(db, "remotive", [listing(str(i)) for i in range(10)])
    summary = crawl(db, "remotive", [listing("1")], now="2026-09-16T12:00:00Z")
    assert summary.status == "suspect" and summary.closed == 0
    assert "last healthy run yielded 10" in summary.note


def test_a_closed_listing_seen_again_is_open_again(db):
    crawl(db, "remotive", [listing("1"), listing("2")], now="2026-09-15T12:00:00Z")
    crawl(db, "remotive", [listing("1")], now="2026-09-16T12:00:00Z")
    crawl(db, "remotive", [listing("1"), listing("2")], now="2026-09-17T12:00:00Z")
    assert db["listings"].get("remotive:2")["closed_at"] is None


def test_red_flags_are_stored_with_their_evidence_and_replaced_on_the_next_sight(db):
    flagged = listing(
        judgement={
            **listing()["judgement"],
            "red_flags": [
                {"flag": "pay-to-apply", "evidence": "Pay the $60 fee.", "origin": "rule"}
            ],
        }
    )
    crawl(db, "remotive", [flagged])
    assert [(r["flag"], r["evidence"]) for r in db["red_flags"].rows] == [
        ("pay-to-apply", "Pay the $60 fee.")
    ]
    crawl(db, "remotive", [listing()], now="2026-09-16T12:00:00Z")
    assert list(db["red_flags"].rows) == []


def test_a_batch_that_fails_half_way_leaves_the_catalogue_as_it_was(db):
    crawl(db, "remotive", [listing("1")])
    run_id = store.start_run(db, "remotive")
    broken = listing("2")
    broken["judgement"] = {
        **broken["judgement"],
        "red_flags": [object()],
    }  # not a flag: the write fails
    with pytest.raises(TypeError):
        store.store_batch(db, run_id, [listing("3"), broken])
    assert db["listings"].count == 1


def test_full_text_search_finds_a_listing_by_a_word_of_its_description(db):
    crawl(
        db,
        "remotive",
        [listing("1"), listing("2", title="Backend Engineer", description="Go services.")],
    )
    hits = [
        row["id"]
        for row in db.query(
            "select listings.id from listings join listings_fts on listings.rowid = listings_fts.rowid where listings_fts match 'rubric'"
        )
    ]
    assert hits == ["remotive:1"]


def test_an_unknown_run_status_is_refused(db):
    run_id = store.start_run(db, "remotive")
    with pytest.raises(ValueError, match="unknown run status"):
        store.finish_run(db, run_id, status="great", counts=store.BatchCounts())
