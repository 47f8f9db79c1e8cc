"""The remoteok spider on the real recorded API answers (97 jobs, and one trimmed to 3)."""

from __future__ import annotations

import json

import pytest
from scrapy.http import TextResponse

from crawler.capture import parse_capture_file
from crawler.items import JobListing
from crawler.spiders.remoteok import RemoteOkSpider
from tests.conftest import FIXTURES, FROZEN_NOW
from tests.crawler.crawl_harness import json_parse

FULL = "api-2026-03-17.json"
TRIMMED = "api-trimmed3-2026-08-14.json"
URL = "https://remoteok.com/api"


@pytest.fixture(scope="module")
def full():
    # Parsed once per module: the capture is large and every test only reads it.
    items = parse_capture_file(
        "remoteok", FIXTURES / "remoteok" / FULL, url=URL, frozen_now=FROZEN_NOW
    )
    return {item["source_id"]: item for item in items}


@pytest.fixture
def trainer(full):
    return full["1130776"]


def parse_body(body: bytes) -> tuple[list[JobListing], dict]:
    return json_parse(RemoteOkSpider(), URL, body)


def real_bytes(fixtures_dir, name: str = FULL) -> bytes:
    return (fixtures_dir / "remoteok" / name).read_bytes()


def test_every_job_but_the_one_without_position_becomes_a_listing(full):
    assert len(full) == 96
    assert "1130784" not in full


def test_the_legal_notice_is_neither_a_listing_nor_a_skip(fixtures_dir):
    data = json.loads(real_bytes(fixtures_dir, TRIMMED))
    assert "legal" in data[0]
    spider = RemoteOkSpider()
    response = TextResponse(url=URL, body=json.dumps(data).encode())
    assert len(list(spider.parse_capture(response))) == 3
    assert "evaljobs/skipped" not in spider._stats_fallback


def test_the_row_without_position_or_company_is_a_counted_skip(fixtures_dir):
    _items, stats = parse_body(real_bytes(fixtures_dir))
    assert stats["evaljobs/skipped/malformed_job"] == 1


def test_title_employer_and_the_link_back_to_remote_ok(trainer):
    assert trainer["id"] == "remoteok:1130776"
    assert trainer["title"] == "AI Trainer"
    assert trainer["company"] == "Kastle"
    assert trainer["url"] == "https://remoteok.com/remote-jobs/remote-ai-trainer-kastle-1130776"


def test_every_listing_mentions_remote_ok(full):
    assert {item["attribution"] for item in full.values()} == {"Source: Remote OK"}


def test_mojibake_in_descriptions_is_repaired(trainer, full):
    assert "America’s largest mortgage lenders" in trainer["description"]
    assert "â\x80" not in trainer["description"]
    assert "Zócalo Health" in full["1130733"]["description"]


def test_description_html_becomes_text(trainer):
    assert trainer["description"].startswith("About Kastle")
    assert "<h2>" not in trainer["description"]


def test_posted_date_is_the_iso_date_in_utc(trainer):
    assert trainer["posted_at"] == "2026-03-14T08:00:03Z"


def test_salary_figures_keep_no_guessed_unit(trainer):
    assert (trainer["pay_min"], trainer["pay_max"], trainer["pay_currency"]) == (30.0, 30.0, "USD")
    assert trainer["pay_unit"] is None and trainer["pay_hourly_min"] is None


def test_zero_salary_means_no_pay_stated(full):
    igbo = full["1130723"]
    assert igbo["pay_min"] is None and igbo["pay_currency"] is None


def test_location_tags_and_employment_type_from_tags(full, trainer):
    assert full["1130756"]["location_raw"] == "London"
    assert "voice" in trainer["tags"]
    assert trainer["employment_type"] == "part-time"


def test_remote_ok_jobs_are_remote(trainer):
    assert trainer["remote_raw"] is True


def test_the_matched_search_term_is_the_board(trainer):
    assert trainer["board"] == "AI trainer"


def test_fetch_time_is_the_frozen_now(trainer):
    assert trainer["fetched_at"] == "2026-09-15T12:00:00Z"


def test_a_live_parse_keeps_the_ai_training_jobs_only(fixtures_dir):
    items, stats = parse_body(real_bytes(fixtures_dir))
    ids = {item["source_id"] for item in items}
    assert {"1130776", "1130723", "1130752", "1130755", "1130756"} <= ids
    assert "1130788" not in ids  # Benefits Advisor Leadership Training Program
    assert stats["evaljobs/unmatched"] == 96 - len(items)


def test_a_truncated_body_is_a_counted_parse_failure(fixtures_dir):
    items, stats = parse_body(real_bytes(fixtures_dir)[:20000])
    assert items == [] and stats["evaljobs/parse_failures"] == 1


def test_an_object_instead_of_an_array_is_a_parse_failure():
    items, stats = parse_body(b'{"jobs": []}')
    assert items == [] and stats["evaljobs/parse_failures"] == 1


def test_an_answer_with_only_the_legal_notice_leaves_the_run_partial(fixtures_dir):
    legal = json.loads(real_bytes(fixtures_dir, TRIMMED))[:1]
    items, stats = parse_body(json.dumps(legal).encode())
    assert items == [] and stats["evaljobs/partial"] == "Remote OK answered with no jobs"
