"""End to end, offline: recorded responses over loopback HTTP -> the real spiders and
pipelines (`scrapy crawl` subprocesses) -> the catalogue -> Datasette, in process."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import sqlite_utils

from evaljobs.crawling import run_crawl
from evaljobs.fixture_server import FixtureServer, Route

FIXTURES = Path(__file__).parent.parent / "fixtures"
BOARD = FIXTURES / "greenhouse" / "anthropic-jobs-content-trimmed4-2026-07.json"
LOOPBACK = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "RETRY_TIMES": "1"}

pytestmark = pytest.mark.slow


def board_without_last_job() -> bytes:
    data = json.loads(BOARD.read_bytes())
    data["jobs"] = data["jobs"][:-1]
    data["meta"]["total"] = len(data["jobs"])
    return json.dumps(data).encode()


def crawl_greenhouse(tmp_path: Path, route: Route):
    with FixtureServer([route]) as server:
        return run_crawl(
            "greenhouse",
            tmp_path / "catalogue.db",
            raw_dir=tmp_path / "raw",
            base_urls={"greenhouse": server.base_url("greenhouse")},
            settings=LOOPBACK,
            spider_args={"boards": "anthropic"},
            timeout=120,
        )


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """Three crawls of one board: whole, then one job gone, then the server failing."""
    tmp_path = tmp_path_factory.mktemp("e2e")
    first = crawl_greenhouse(tmp_path, Route("greenhouse", "^/anthropic/jobs", file=BOARD))
    second = crawl_greenhouse(
        tmp_path, Route("greenhouse", "^/anthropic/jobs", body=board_without_last_job())
    )
    third = crawl_greenhouse(
        tmp_path, Route("greenhouse", "^/anthropic/jobs", status=500, body=b"oops")
    )
    return tmp_path, first, second, third


def test_a_crawl_of_recorded_responses_fills_the_catalogue(crawled):
    tmp_path, first, _, _ = crawled
    assert first.status == "ok", first.log_tail
    db = sqlite_utils.Database(tmp_path / "catalogue.db")
    assert db["crawl_runs"].get(first.run["id"])["items"] == 4
    titles = {row["title"] for row in db.query("select title from listings")}
    assert "Anthropic Fellows Program, AI Safety" in titles


def test_every_stored_listing_carries_a_judgement_and_its_model_version(crawled):
    tmp_path, *_ = crawled
    db = sqlite_utils.Database(tmp_path / "catalogue.db")
    rows = list(db.query("select verdict, model_version, relevance_score from listings"))
    assert rows and all(
        r["verdict"] in {"clean", "review", "flagged"} and r["model_version"] for r in rows
    )


def test_the_raw_archive_keeps_each_item_as_the_spider_yielded_it(crawled):
    tmp_path, *_ = crawled
    records = [
        json.loads(line)
        for path in (tmp_path / "raw" / "greenhouse").glob("*.jsonl")
        for line in path.open()
    ]
    items = [r for r in records if "_run_start" not in r and "_run_end" not in r]
    assert len(items) == 4 + 3
    assert "description_html" in items[0] and "judgement" not in items[0]
    assert [r["_run_end"]["status"] for r in records if "_run_end" in r] == ["ok", "ok", "failed"]


def test_a_second_crawl_without_one_listing_closes_it(crawled):
    tmp_path, _, second, _ = crawled
    assert second.status == "ok", second.log_tail
    db = sqlite_utils.Database(tmp_path / "catalogue.db")
    closed = [row["id"] for row in db.query("select id from listings where closed_at is not null")]
    assert closed == ["greenhouse:5101378008"]
    assert second.run["closed"] == 1


def test_a_crawl_that_fails_closes_nothing(crawled):
    tmp_path, _, _, third = crawled
    assert third.status in {"failed", "partial"}
    assert third.run["closed"] == 0
    db = sqlite_utils.Database(tmp_path / "catalogue.db")
    assert db.execute("select count(*) from listings where closed_at is null").fetchone()[0] == 3


def test_datasette_serves_the_crawled_listings_as_json(crawled):
    from datasette.app import Datasette

    tmp_path, *_ = crawled
    datasette = Datasette([str(tmp_path / "catalogue.db")])

    async def fetch():
        return await datasette.client.get("/catalogue/listings.json?_shape=array&_size=max")

    response = asyncio.run(fetch())
    assert response.status_code == 200
    assert {row["id"] for row in response.json()} >= {
        "greenhouse:5215052008",
        "greenhouse:5101378008",
    }


def test_rebuild_replays_the_raw_archive_into_the_same_catalogue_and_keeps_subscriptions(crawled):
    import shutil

    from catalogue.digest import Filters, list_subscriptions, subscribe
    from catalogue.schema import open_catalogue
    from evaljobs.rebuild import rebuild

    tmp_path, *_ = crawled
    copy = tmp_path / "rebuilt" / "catalogue.db"
    copy.parent.mkdir(exist_ok=True)
    shutil.copy(tmp_path / "catalogue.db", copy)
    db = open_catalogue(copy)
    subscribe(db, "reader@example.org", Filters(), now="2026-09-15T12:00:00Z")
    before = {
        r["id"]: (r["closed_at"] is None) for r in db.query("select id, closed_at from listings")
    }
    db.close()

    report = rebuild(copy, tmp_path / "raw")

    db = open_catalogue(copy)
    after = {
        r["id"]: (r["closed_at"] is None) for r in db.query("select id, closed_at from listings")
    }
    statuses = [r["status"] for r in db.query("select status from crawl_runs order by id")]
    versions = {r["model_version"] for r in db.query("select model_version from listings")}
    emails = [s.email for s in list_subscriptions(db)]
    db.close()
    assert report.runs == 3 and after == before  # same listings, same ones closed
    assert statuses == ["ok", "ok", "failed"]
    assert len(versions) == 1 and versions != {None}
    assert emails == ["reader@example.org"]
