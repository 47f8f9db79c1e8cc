"""The remotive spider on the two real recorded feeds (one pretty-printed, one with a BOM)."""

from __future__ import annotations

import codecs
import json

import pytest

from crawler.capture import parse_capture_file
from crawler.items import JobListing
from crawler.spiders.remotive import RemotiveSpider
from tests.conftest import FIXTURES, FROZEN_NOW
from tests.crawler.crawl_harness import json_parse

FEED = "remote-jobs-all-2026-07-18.json"
BOM_FEED = "remote-jobs-all-2026-07-29-bom.json"
URL = "https://remotive.com/api/remote-jobs"


@pytest.fixture(scope="module")
def feed():
    # Parsed once per module: the capture is large and every test only reads it.
    items = parse_capture_file(
        "remotive", FIXTURES / "remotive" / FEED, url=URL, frozen_now=FROZEN_NOW
    )
    return {item["source_id"]: item for item in items}


@pytest.fixture
def labeling(feed):
    return feed["2090903"]


def parse_body(body: bytes) -> tuple[list[JobListing], dict]:
    """Items and counters of the live parse callback on `body` (local matching on)."""
    return json_parse(RemotiveSpider(), URL, body)


def real_bytes(fixtures_dir, name: str = FEED) -> bytes:
    return (fixtures_dir / "remotive" / name).read_bytes()


def test_a_capture_gives_one_listing_per_job(feed):
    assert len(feed) == 42


def test_the_bom_capture_parses_whole(parse_capture):
    listings = parse_capture("remotive", BOM_FEED, url=URL)
    assert len(listings) == 35
    assert "Content Reviewer - United States" in {item["title"] for item in listings}


def test_title_employer_and_remotive_url_are_kept(labeling):
    assert labeling["id"] == "remotive:2090903"
    assert labeling["title"] == "Data Labeling Specialists"
    assert labeling["company"] == "Workada"
    assert (
        labeling["url"] == "https://remotive.com/remote-jobs/data/data-labeling-specialists-2090903"
    )


def test_every_listing_names_remotive_as_its_source(feed):
    assert {item["attribution"] for item in feed.values()} == {"Source: Remotive"}


def test_description_html_becomes_text(labeling):
    assert labeling["description"].startswith("Who We Are")
    assert "<p" not in labeling["description"]


def test_posted_date_without_zone_is_taken_as_utc(labeling):
    assert labeling["posted_raw"] == "2026-07-01T01:48:13"
    assert labeling["posted_at"] == "2026-07-01T01:48:13Z"


def test_free_text_salary_gives_hourly_pay(labeling):
    assert labeling["pay_text"] == "$18 - $22/hr"
    assert (labeling["pay_min"], labeling["pay_max"]) == (18.0, 22.0)
    assert (labeling["pay_currency"], labeling["pay_unit"]) == ("USD", "hour")


def test_a_salary_without_a_period_keeps_no_unit(feed):
    patient = feed["2091069"]
    assert (patient["pay_min"], patient["pay_unit"]) == (36000.0, None)


def test_candidate_location_gives_eligible_countries(labeling):
    assert labeling["location_raw"] == "USA"
    assert labeling["countries"] == ["US"]
    assert labeling["remote_scope"] == "countries"


def test_job_type_category_and_tags_are_kept(labeling):
    assert labeling["employment_type"] == "freelance"
    assert "Data and Analytics" in labeling["tags"] and "research" in labeling["tags"]


def test_the_matched_search_term_is_the_board(labeling):
    assert labeling["board"] == "data labeling"


def test_fetch_time_is_the_frozen_now(labeling):
    assert labeling["fetched_at"] == "2026-09-15T12:00:00Z"


def test_a_live_parse_keeps_only_postings_naming_a_search_term(fixtures_dir):
    items, stats = parse_body(real_bytes(fixtures_dir))
    titles = {item["title"] for item in items}
    assert "Data Labeling Specialists" in titles
    assert "Patient Care Specialist" not in titles
    assert stats["evaljobs/unmatched"] == 42 - len(items)


def test_a_bom_body_parses_in_the_live_callback(fixtures_dir):
    body = real_bytes(fixtures_dir, BOM_FEED)
    assert body.startswith(codecs.BOM_UTF8)
    items, stats = parse_body(body)
    assert items and "evaljobs/parse_failures" not in stats


def test_a_truncated_body_is_a_counted_parse_failure(fixtures_dir):
    items, stats = parse_body(real_bytes(fixtures_dir)[:5000])
    assert items == []
    assert stats["evaljobs/parse_failures"] == 1
    assert stats["evaljobs/partial"].startswith("body is not JSON")


def test_a_malformed_job_among_good_ones_is_skipped_and_counted(fixtures_dir):
    data = json.loads(real_bytes(fixtures_dir))
    data["jobs"].insert(0, {"id": 1, "title": "", "url": None})
    items, stats = parse_body(json.dumps(data).encode())
    assert stats["evaljobs/skipped/malformed_job"] == 1
    assert "Data Labeling Specialists" in {item["title"] for item in items}


def test_an_empty_job_list_leaves_the_run_partial(fixtures_dir):
    data = json.loads(real_bytes(fixtures_dir))
    data["jobs"] = []
    items, stats = parse_body(json.dumps(data).encode())
    assert items == [] and stats["evaljobs/partial"]


def test_an_answer_without_jobs_is_a_parse_failure():
    items, stats = parse_body(b'{"0-legal-notice": "x"}')
    assert items == [] and stats["evaljobs/parse_failures"] == 1


def test_one_request_per_run_within_the_budget():
    spider = RemotiveSpider()
    requests = list(spider.start_requests())
    assert [r.url for r in requests] == [URL]
    assert list(RemotiveSpider.start_requests(spider)) == []  # budget of 1 spent
    assert spider._stats_fallback["evaljobs/budget_exhausted"] == 1


@pytest.mark.slow
def test_a_real_crawl_of_the_bom_feed_makes_one_request_and_is_ok(tmp_path, fixtures_dir):
    from evaljobs.fixture_server import Route
    from tests.crawler.crawl_harness import loopback_crawl

    routes = [Route("remotive", r".*", file=fixtures_dir / "remotive" / BOM_FEED)]
    result, requests = loopback_crawl(tmp_path, "remotive", routes, {})
    assert requests == ["/remotive"]
    assert result.status == "ok", result.log_tail
    assert result.run["items"] >= 1
