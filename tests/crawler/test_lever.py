"""The lever spider on real recorded Postings API answers, field by field, and on bad input."""

from __future__ import annotations

import codecs
import json

import pytest
import scrapy
from scrapy.http import TextResponse
from scrapy.utils.test import get_crawler

from crawler.spiders.lever import LeverSpider
from tests.conftest import FIXTURES, FROZEN_NOW
from tests.crawler.crawl_harness import (
    assert_board_crawl,
    assert_boards_argument_replaces_registry,
    assert_boards_from_registry,
)

LIST = "gotogroup-postings-mode-json-2024-07-30.json"
LIST_URL = "https://api.lever.co/v0/postings/GoToGroup/?mode=json"
ONE = "gotogroup-posting-4df84464-customQuestions-2024-06-24.json"
ONE_URL = "https://api.lever.co/v0/postings/GoToGroup/4df84464-9b48-4256-b23d-021d9d7cd376?customQuestions=true"


@pytest.fixture(scope="module")
def board():
    from crawler.capture import parse_capture_file

    return parse_capture_file(
        "lever", FIXTURES / "lever" / LIST, url=LIST_URL, frozen_now=FROZEN_NOW
    )


def run_parse(body: bytes, url: str = LIST_URL, status: int = 200, **kwargs):
    """Items and requests the spider's parse callback makes of one response, and the stats."""
    crawler = get_crawler(LeverSpider, {"EVALJOBS_FROZEN_NOW": FROZEN_NOW})
    spider = LeverSpider.from_crawler(crawler)
    response = TextResponse(
        url, body=body, status=status, headers={"Content-Type": "application/json"}
    )
    return list(spider.parse(response, **kwargs)), crawler.stats


def real_postings() -> list[dict]:
    return json.loads((FIXTURES / "lever" / LIST).read_bytes())


def test_a_site_answer_gives_one_listing_per_posting(board):
    assert len(board) == 168
    assert [listing["source_id"] for listing in board[:2]] == [
        "f53cae40-f605-4215-9a82-b48c5db508b5",
        "ce351965-e2f9-4f8f-8cad-38fb4cd045e9",
    ]


def test_a_listing_keeps_title_board_and_its_lever_id(board):
    first = board[0]
    assert first["id"] == "lever:f53cae40-f605-4215-9a82-b48c5db508b5"
    assert first["title"] == "#10010 Senior Backend Engineer"
    assert first["board"] == "GoToGroup"
    assert first["company"] == "GoToGroup"


def test_the_url_is_the_hosted_job_page_and_apply_url_its_form(board):
    first = board[0]
    assert first["url"] == "https://jobs.lever.co/GoToGroup/f53cae40-f605-4215-9a82-b48c5db508b5"
    assert first["apply_url"] == first["url"] + "/apply"


def test_the_description_reads_opening_then_each_titled_list_as_bullets(board):
    text = board[0]["description"]
    assert text.startswith("Roll up your sleeves and climb on board")
    assert "\n\nWhat you will do\n• Work cross-functionally with product" in text
    assert "\n\nWhat you will need\n• At least 4 years" in text
    assert "<li>" not in text and "<div>" not in text


def test_posted_date_is_created_at_in_milliseconds_as_utc(board):
    assert board[0]["posted_raw"] == 1721638994130
    assert board[0]["posted_at"] == "2024-07-22T09:03:14Z"


def test_fetch_time_is_the_frozen_now(board):
    assert board[0]["fetched_at"] == FROZEN_NOW


def test_an_onsite_posting_names_its_city_and_country_and_stays_on_site(board):
    first = board[0]
    assert first["location_raw"] == "Bengaluru"
    assert first["countries"] == ["IN"]
    assert first["remote_raw"] == "onsite"
    assert first["remote_scope"] == "onsite"


def test_all_locations_of_a_posting_are_kept_in_its_location_text(board):
    people = next(listing for listing in board if listing["title"] == "People Systems Lead")
    assert people["location_raw"] == "Jakarta; Singapore"


def test_commitment_becomes_the_employment_type(board):
    assert board[0]["employment_type"] == "Permanent"
    contracts = [
        listing for listing in board if listing.get("employment_type") == "Direct Contract"
    ]
    assert len(contracts) == 3


def test_department_is_a_tag_and_a_dash_team_is_not(board):
    assert board[0]["tags"] == ["ODS - Logistics"]


def test_no_posting_of_this_site_states_pay(board):
    # 11 postings carry salaryDescriptionPlain, but it is an empty line: no pay is made up.
    assert all(listing["pay_min"] is None and not listing.get("pay_text") for listing in board)


def test_a_salary_range_gives_pay_with_its_unit():
    # A copy of a real posting with the salaryRange shape Lever documents added to it.
    posting = dict(real_postings()[0])
    posting["salaryRange"] = {"currency": "USD", "interval": "per-hour-wage", "min": 25, "max": 40}
    items, _ = run_parse(json.dumps([posting]).encode())
    from crawler.normalize import normalize_listing

    listing = normalize_listing(dict(items[0]))
    assert (
        listing["pay_min"],
        listing["pay_max"],
        listing["pay_currency"],
        listing["pay_unit"],
    ) == (
        25.0,
        40.0,
        "USD",
        "hour",
    )
    assert listing["pay_hourly_max"] == 40.0


def test_a_single_posting_answer_gives_that_posting(parse_capture):
    (one,) = parse_capture("lever", ONE, url=ONE_URL)
    assert one["source_id"] == "4df84464-9b48-4256-b23d-021d9d7cd376"
    assert one["title"] == "Account Executive (Malang)"
    assert one["board"] == "GoToGroup"
    assert one["employment_type"] == "Direct Contract"
    assert one["countries"] == ["ID"]
    assert "About The Team" in one["description"]


def test_evaljobs_parse_reads_a_capture_without_being_told_its_url(parse_capture):
    items = parse_capture("lever", LIST)
    assert len(items) == 168 and items[0]["board"] == "gotogroup"


def test_a_truncated_answer_is_a_counted_parse_failure_and_a_partial_run():
    body = (FIXTURES / "lever" / LIST).read_bytes()
    items, stats = run_parse(body[: len(body) // 2])
    assert items == []
    assert stats.get_value("evaljobs/parse_failures") == 1
    assert stats.get_value("evaljobs/partial")


def test_an_answer_with_a_byte_order_mark_still_parses():
    items, stats = run_parse(codecs.BOM_UTF8 + (FIXTURES / "lever" / LIST).read_bytes())
    assert len(items) == 168
    assert stats.get_value("evaljobs/parse_failures") is None


def test_a_malformed_posting_among_good_ones_is_skipped_and_counted():
    postings = real_postings()[:3]
    postings.insert(1, {"text": "no id here"})
    postings.insert(2, "not a posting")
    items, stats = run_parse(json.dumps(postings).encode())
    assert [item["source_id"] for item in items] == [p["id"] for p in real_postings()[:3]]
    assert stats.get_value("evaljobs/skipped/malformed_posting") == 2
    assert stats.get_value("evaljobs/partial") is None


def test_a_404_on_the_global_host_asks_the_eu_host_next():
    results, stats = run_parse(
        b'{"ok":false,"error":"Document not found"}', status=404, board="GoToGroup"
    )
    (request,) = results
    assert isinstance(request, scrapy.Request)
    assert request.url == "https://api.eu.lever.co/v0/postings/GoToGroup?mode=json"
    assert stats.get_value("evaljobs/unknown_boards") is None


def test_a_404_on_the_eu_host_too_is_a_counted_unknown_board_not_a_failure():
    url = "https://api.eu.lever.co/v0/postings/nosuchsite?mode=json"
    results, stats = run_parse(
        b'{"ok":false,"error":"Document not found"}', url=url, status=404, board="nosuchsite"
    )
    assert results == []
    assert stats.get_value("evaljobs/unknown_boards") == 1
    assert stats.get_value("evaljobs/unknown_boards/nosuchsite") == 1
    assert stats.get_value("evaljobs/partial") is None


def test_an_answer_that_is_neither_list_nor_posting_is_a_parse_failure():
    items, stats = run_parse(b'{"unexpected": true}')
    assert items == [] and stats.get_value("evaljobs/parse_failures") == 1


@pytest.mark.slow
def test_a_real_crawl_stores_every_posting_and_counts_an_unknown_board(tmp_path):
    assert_board_crawl(tmp_path, "lever", "GoToGroup", "/GoToGroup", LIST, items=168)


def test_boards_come_from_the_registry_with_fixture_boards_only_when_asked():
    assert_boards_from_registry(LeverSpider, "GoToGroup", "appen")


def test_a_boards_argument_replaces_the_registry():
    assert_boards_argument_replaces_registry(LeverSpider)
