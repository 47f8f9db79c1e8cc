"""The workable spider on real recorded widget and account answers, and on bad input."""

from __future__ import annotations

import codecs
import json

import pytest
from scrapy.http import TextResponse
from scrapy.utils.test import get_crawler

from crawler.spiders.workable import WorkableSpider
from tests.conftest import FIXTURES, FROZEN_NOW
from tests.crawler.crawl_harness import (
    assert_board_crawl,
    assert_boards_argument_replaces_registry,
    assert_boards_from_registry,
)

WIDGET = "kroo-widget-accounts-details-2024-08-08.json"
WIDGET_URL = "https://apply.workable.com/api/v1/widget/accounts/kroo?details=true"
ACCOUNT = "kroo-accounts-2024-08-08.json"
ACCOUNT_URL = "https://apply.workable.com/api/v1/accounts/kroo"


@pytest.fixture(scope="module")
def jobs():
    from crawler.capture import parse_capture_file

    return parse_capture_file(
        "workable", FIXTURES / "workable" / WIDGET, url=WIDGET_URL, frozen_now=FROZEN_NOW
    )


def by_code(jobs, code: str) -> dict:
    return next(job for job in jobs if job["source_id"] == code)


def run_parse(body: bytes, url: str = WIDGET_URL, status: int = 200, **kwargs):
    crawler = get_crawler(WorkableSpider, {"EVALJOBS_FROZEN_NOW": FROZEN_NOW})
    spider = WorkableSpider.from_crawler(crawler)
    response = TextResponse(
        url, body=body, status=status, headers={"Content-Type": "application/json"}
    )
    return list(spider.parse(response, **kwargs)), crawler.stats


def real_widget() -> dict:
    return json.loads((FIXTURES / "workable" / WIDGET).read_bytes())


def test_a_widget_answer_gives_one_listing_per_job_keyed_by_shortcode(jobs):
    assert [job["source_id"] for job in jobs] == [
        "83183A94A5",
        "73E5769864",
        "D7625E3CAD",
        "B426457A26",
        "C4002EDABE",
        "F53433C12B",
        "8626350C83",
    ]
    assert jobs[0]["id"] == "workable:83183A94A5"


def test_a_listing_keeps_title_and_the_account_name_as_employer(jobs):
    assert jobs[0]["title"] == "Compliance Manager"
    assert jobs[0]["company"] == "Kroo Bank Ltd"
    assert jobs[0]["board"] == "kroo"


def test_the_url_is_the_job_page_and_apply_url_its_form(jobs):
    assert jobs[0]["url"] == "https://apply.workable.com/j/83183A94A5"
    assert jobs[0]["apply_url"] == "https://apply.workable.com/j/83183A94A5/apply"


def test_the_description_is_the_detailed_html_as_text(jobs):
    text = jobs[0]["description"]
    assert text.startswith("What We’re All About at Kroo\n\nKroo has a big vision.")
    assert "<p>" not in text and "<strong>" not in text


def test_posted_date_is_published_on_not_created_at(jobs):
    support = by_code(jobs, "73E5769864")  # created 2022-05-31, published 2024-07-02
    assert support["posted_at"] == "2024-07-02T00:00:00Z"
    assert jobs[0]["fetched_at"] == FROZEN_NOW


def test_an_office_job_names_its_city_and_country_and_is_on_site(jobs):
    first = jobs[0]
    assert first["location_raw"] == "London, England, United Kingdom"
    assert first["remote_raw"] is False
    assert (first["remote_scope"], first["countries"]) == ("onsite", ["GB"])


def test_a_telecommuting_job_is_remote_in_its_country(jobs):
    security = by_code(jobs, "C4002EDABE")
    assert security["remote_raw"] is True
    assert (security["remote_scope"], security["countries"]) == ("countries", ["GB"])


def test_a_hidden_location_is_not_shown_but_its_country_is_kept(jobs):
    officer = by_code(jobs, "F53433C12B")  # its only location (Manchester) is hidden
    assert officer["location_raw"] == "United Kingdom"
    assert "Manchester" not in officer["location_raw"]
    assert officer["countries"] == ["GB"]


def test_employment_type_department_and_function_are_kept(jobs):
    assert jobs[0]["employment_type"] == "Full-time"
    assert jobs[0]["tags"] == ["Risk & Compliance"]
    assert by_code(jobs, "C4002EDABE")["tags"] == ["Engineering", "Technology"]


def test_the_widget_states_no_pay(jobs):
    assert all(job["pay_min"] is None for job in jobs)


def test_an_account_metadata_answer_parses_to_nothing_without_a_failure(parse_capture):
    assert parse_capture("workable", ACCOUNT, url=ACCOUNT_URL) == []
    items, stats = run_parse((FIXTURES / "workable" / ACCOUNT).read_bytes(), url=ACCOUNT_URL)
    assert items == [] and stats.get_value("evaljobs/parse_failures") is None


def test_evaljobs_parse_reads_a_capture_without_being_told_its_url(parse_capture):
    items = parse_capture("workable", WIDGET)
    assert len(items) == 7 and items[0]["board"] == "kroo"


def test_an_unknown_account_404_is_counted_not_failed():
    url = WIDGET_URL.replace("kroo", "nosuchaccount")
    items, stats = run_parse(b"Not Found", url=url, status=404, board="nosuchaccount")
    assert items == []
    assert stats.get_value("evaljobs/unknown_boards/nosuchaccount") == 1
    assert stats.get_value("evaljobs/partial") is None


def test_a_truncated_answer_is_a_counted_parse_failure_and_a_partial_run():
    body = (FIXTURES / "workable" / WIDGET).read_bytes()
    items, stats = run_parse(body[:1000])
    assert items == []
    assert stats.get_value("evaljobs/parse_failures") == 1 and stats.get_value("evaljobs/partial")


def test_an_answer_with_a_byte_order_mark_still_parses():
    items, _ = run_parse(codecs.BOM_UTF8 + (FIXTURES / "workable" / WIDGET).read_bytes())
    assert len(items) == 7


def test_a_malformed_job_among_good_ones_is_skipped_and_counted():
    data = real_widget()
    data["jobs"].insert(2, {"title": "no shortcode"})
    data["jobs"].insert(0, ["not", "a", "job"])
    items, stats = run_parse(json.dumps(data).encode())
    assert len(items) == 7
    assert stats.get_value("evaljobs/skipped/malformed_job") == 2


def test_an_account_with_no_jobs_is_counted_as_an_empty_board():
    data = real_widget()
    data["jobs"] = []
    items, stats = run_parse(json.dumps(data).encode(), board="kroo")
    assert items == [] and stats.get_value("evaljobs/empty_boards/kroo") == 1


@pytest.mark.slow
def test_a_real_crawl_stores_every_job_and_counts_an_unknown_board(tmp_path):
    assert_board_crawl(tmp_path, "workable", "kroo", "/kroo", WIDGET, items=7)


def test_boards_come_from_the_registry_with_fixture_boards_only_when_asked():
    assert_boards_from_registry(WorkableSpider, "kroo", "toloka-ai")


def test_a_boards_argument_replaces_the_registry():
    assert_boards_argument_replaces_registry(WorkableSpider)
