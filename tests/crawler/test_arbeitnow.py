"""The arbeitnow spider on the real recorded job-board answer (trimmed upstream to 3 jobs)."""

from __future__ import annotations

import json

import pytest
from scrapy.http import Request, TextResponse

from crawler.items import JobListing
from crawler.spiders.arbeitnow import ArbeitnowSpider

CAPTURE = "job-board-api-trimmed3-2026-08.json"
URL = "https://www.arbeitnow.com/api/job-board-api"


@pytest.fixture
def jobs(parse_capture):
    return parse_capture("arbeitnow", CAPTURE, url=URL)


@pytest.fixture
def intern(jobs):
    return jobs[0]


def parse_body(body: bytes, spider: ArbeitnowSpider | None = None) -> tuple[list, dict]:
    spider = spider or ArbeitnowSpider()
    response = TextResponse(url=URL, body=body, headers={"Content-Type": "application/json"})
    return list(spider.parse(response)), spider._stats_fallback


def real_data(fixtures_dir) -> dict:
    return json.loads((fixtures_dir / "arbeitnow" / CAPTURE).read_bytes())


def test_a_capture_gives_one_listing_per_job(jobs):
    assert len(jobs) == 3


def test_slug_title_employer_and_url_are_kept(intern):
    assert intern["id"] == "arbeitnow:praktikant-marketing-event-student-in-offenburg-442686"
    assert intern["title"] == "Praktikant Marketing/Event (m/w/d) - Student: in"
    assert intern["company"] == "Georg Kuhn GmbH"
    assert intern["url"].startswith("https://www.arbeitnow.com/jobs/companies/georg-kuhn-gmbh/")


def test_description_html_becomes_text(intern):
    assert intern["description"].startswith("Wir bieten Studenten und Studentinnen")


def test_posted_epoch_seconds_become_utc(intern):
    assert intern["posted_at"] == "2026-08-15T15:30:24Z"


def test_the_remote_flag_and_location_are_kept(intern):
    assert intern["remote_raw"] is False
    assert intern["location_raw"] == "Offenburg"


def test_job_types_and_tags_are_kept(jobs):
    assert jobs[1]["employment_type"] == "Side"
    assert jobs[0]["tags"] == ["Marketing and Communication"]


def test_every_listing_names_arbeitnow(jobs):
    assert {item["attribution"] for item in jobs} == {"Source: Arbeitnow"}
    assert jobs[0]["fetched_at"] == "2026-09-15T12:00:00Z"


def test_a_live_parse_drops_jobs_naming_no_search_term(fixtures_dir):
    items, stats = parse_body(json.dumps(real_data(fixtures_dir)).encode())
    assert items == [] and stats["evaljobs/unmatched"] == 3


def test_a_next_link_is_followed_within_the_budget(fixtures_dir):
    data = real_data(fixtures_dir)
    data["links"] = {"next": "https://www.arbeitnow.com/api/job-board-api?page=2"}
    items, _ = parse_body(json.dumps(data).encode())
    assert [r.url for r in items if isinstance(r, Request)] == [data["links"]["next"]]


def test_a_spent_budget_stops_paging_and_leaves_the_run_partial(fixtures_dir):
    data = real_data(fixtures_dir)
    data["links"] = {"next": "https://www.arbeitnow.com/api/job-board-api?page=2"}
    spider = ArbeitnowSpider()
    spider._stats_fallback["evaljobs/requests_issued"] = 10  # the whole budget of sources.yaml
    items, stats = parse_body(json.dumps(data).encode(), spider)
    assert not [r for r in items if isinstance(r, Request)]
    assert stats["evaljobs/budget_exhausted"] == 1 and "budget" in stats["evaljobs/partial"]


def test_a_malformed_job_among_good_ones_is_skipped_and_counted(fixtures_dir):
    data = real_data(fixtures_dir)
    data["data"].insert(1, {"slug": None, "title": "x"})
    spider = ArbeitnowSpider(match="all")
    items, stats = parse_body(json.dumps(data).encode(), spider)
    assert len([i for i in items if isinstance(i, JobListing)]) == 3
    assert stats["evaljobs/skipped/malformed_job"] == 1


def test_a_truncated_body_is_a_counted_parse_failure(fixtures_dir):
    body = (fixtures_dir / "arbeitnow" / CAPTURE).read_bytes()[:3000]
    items, stats = parse_body(body)
    assert items == [] and stats["evaljobs/parse_failures"] == 1
