"""The smartrecruiters spider on real recorded list and detail answers, crawling and bad input."""

from __future__ import annotations

import codecs
import json

import pytest
import scrapy
from scrapy.http import TextResponse
from scrapy.utils.test import get_crawler

from crawler.items import JobListing
from crawler.spiders.smartrecruiters import SmartRecruitersSpider
from tests.conftest import FIXTURES, FROZEN_NOW
from tests.crawler.crawl_harness import (
    assert_boards_argument_replaces_registry,
    assert_boards_from_registry,
    board_crawl,
)

LIST = "gousto1-postings-2024-08-08.json"
LIST_URL = "https://api.smartrecruiters.com/v1/companies/Gousto1/postings"
DETAIL = "gousto1-posting-744000005051195-2024-08-08.json"
DETAIL_URL = "https://api.smartrecruiters.com/v1/companies/Gousto1/postings/744000005051195"


@pytest.fixture(scope="module")
def postings():
    from crawler.capture import parse_capture_file

    return parse_capture_file(
        "smartrecruiters", FIXTURES / "smartrecruiters" / LIST, url=LIST_URL, frozen_now=FROZEN_NOW
    )


@pytest.fixture(scope="module")
def detail():
    from crawler.capture import parse_capture_file

    (one,) = parse_capture_file(
        "smartrecruiters",
        FIXTURES / "smartrecruiters" / DETAIL,
        url=DETAIL_URL,
        frozen_now=FROZEN_NOW,
    )
    return one


def run_parse(
    body: bytes, url: str = LIST_URL, status: int = 200, settings: dict | None = None, **kwargs
):
    crawler = get_crawler(
        SmartRecruitersSpider, {"EVALJOBS_FROZEN_NOW": FROZEN_NOW, **(settings or {})}
    )
    spider = SmartRecruitersSpider.from_crawler(crawler)
    response = TextResponse(
        url, body=body, status=status, headers={"Content-Type": "application/json"}
    )
    return list(spider.parse(response, **kwargs)), crawler.stats


def real_list() -> dict:
    return json.loads((FIXTURES / "smartrecruiters" / LIST).read_bytes())


def test_a_list_answer_gives_one_listing_per_posting(postings):
    assert len(postings) == 15
    assert postings[0]["source_id"] == "744000005631445"
    assert postings[0]["id"] == "smartrecruiters:744000005631445"


def test_a_list_listing_has_title_employer_and_a_readable_job_page_url(postings):
    first = postings[0]
    assert first["title"] == "Product Manager"
    assert first["company"] == "Gousto"
    assert first["board"] == "Gousto1"
    # The list's `ref` is the API URL; the listing links the public job page instead.
    assert (
        first["url"] == "https://jobs.smartrecruiters.com/Gousto1/744000005631445-product-manager"
    )


def test_the_list_has_no_descriptions(postings):
    assert all(posting["description"] == "" for posting in postings)


def test_a_detail_answer_gives_the_full_listing_with_its_sections_as_text(detail):
    assert detail["title"] == "Senior Software Engineer"
    assert detail["description"].startswith("Company Description\n\nGousto, Bento’s parent company")
    assert "\n\nJob Description\n\nBento is a team of 19 people" in detail["description"]
    assert "Qualifications" not in detail["description"]  # an empty section is left out


def test_a_detail_listing_links_its_posting_page_and_apply_url(detail):
    assert (
        detail["url"]
        == "https://jobs.smartrecruiters.com/Gousto1/744000005051195-senior-software-engineer"
    )
    assert detail["apply_url"] == detail["url"] + "?oga=true"


def test_posted_date_is_the_release_date_in_utc(detail):
    assert detail["posted_at"] == "2024-08-05T16:45:21Z"
    assert detail["fetched_at"] == FROZEN_NOW


def test_an_office_posting_is_on_site_in_its_country(detail):
    assert detail["location_raw"] == "London, GB"
    assert (detail["remote_scope"], detail["countries"]) == ("onsite", ["GB"])


def test_a_remote_posting_is_remote_in_its_country(postings):
    remote = next(p for p in postings if p["source_id"] == "744000005227870")
    assert remote["remote_raw"] is True
    assert (remote["remote_scope"], remote["countries"]) == ("countries", ["GB"])


def test_a_region_joins_the_location_text(postings):
    nights = next(p for p in postings if p["source_id"] == "744000002567175")
    assert nights["location_raw"] == "Spalding, England, GB"


def test_employment_type_and_function_are_kept(detail):
    assert detail["employment_type"] == "Full-time"
    assert detail["tags"] == ["Information Technology"]


def test_a_maximum_annual_salary_field_gives_a_yearly_pay_ceiling(detail):
    assert detail["pay_text"] == "Maximum Annual Salary: 95000 GBP"
    assert (detail["pay_min"], detail["pay_max"], detail["pay_currency"], detail["pay_unit"]) == (
        None,
        95000.0,
        "GBP",
        "year",
    )
    assert detail["pay_hourly_max"] == 45.67


def test_staff_names_are_never_kept(postings, detail):
    text = json.dumps([*postings, detail], default=str)
    assert "Caris Young" not in text and "Mitch Beard" not in text and "Jack Rimmington" not in text


def test_evaljobs_parse_reads_each_capture_kind_without_being_told_its_url(parse_capture):
    assert len(parse_capture("smartrecruiters", LIST)) == 15
    (one,) = parse_capture("smartrecruiters", DETAIL)
    assert one["source_id"] == "744000005051195"


def test_a_crawl_follows_every_posting_of_the_list_to_its_detail():
    results, _ = run_parse(
        (FIXTURES / "smartrecruiters" / LIST).read_bytes(), board="Gousto1", follow=True
    )
    assert not any(isinstance(r, JobListing) for r in results)
    urls = [r.url for r in results]
    assert len(urls) == 15
    assert urls[2] == DETAIL_URL


def test_a_crawl_asks_the_next_page_while_postings_remain():
    data = real_list()
    data["totalFound"] = 130
    results, _ = run_parse(json.dumps(data).encode(), board="Gousto1", follow=True)
    assert results[-1].url == LIST_URL + "?limit=100&offset=15"


def test_the_request_budget_stops_detail_requests_and_marks_the_run_partial():
    body = (FIXTURES / "smartrecruiters" / LIST).read_bytes()
    results, stats = run_parse(
        body,
        board="Gousto1",
        follow=True,
        settings={"EVALJOBS_REQUEST_BUDGETS": {"smartrecruiters": 5}},
    )
    assert len([r for r in results if isinstance(r, scrapy.Request)]) == 5
    assert stats.get_value("evaljobs/budget_exhausted") == 1
    assert stats.get_value("evaljobs/partial")


def test_an_unknown_company_answers_an_empty_200_counted_as_an_empty_board():
    body = b'{"offset":0,"limit":100,"totalFound":0,"content":[]}'
    results, stats = run_parse(
        body, url=LIST_URL.replace("Gousto1", "nosuchco"), board="nosuchco", follow=True
    )
    assert results == []
    assert stats.get_value("evaljobs/empty_boards/nosuchco") == 1
    assert stats.get_value("evaljobs/partial") is None


def test_a_truncated_list_is_a_counted_parse_failure_and_a_partial_run():
    body = (FIXTURES / "smartrecruiters" / LIST).read_bytes()
    results, stats = run_parse(body[: len(body) // 3], board="Gousto1", follow=True)
    assert results == []
    assert stats.get_value("evaljobs/parse_failures") == 1 and stats.get_value("evaljobs/partial")


def test_a_list_with_a_byte_order_mark_still_parses():
    results, _ = run_parse(codecs.BOM_UTF8 + (FIXTURES / "smartrecruiters" / LIST).read_bytes())
    assert len(results) == 15


def test_a_malformed_posting_among_good_ones_is_skipped_and_counted():
    data = real_list()
    data["content"].insert(3, {"name": "no id"})
    data["content"].insert(0, 42)
    results, stats = run_parse(json.dumps(data).encode())
    assert len(results) == 15
    assert stats.get_value("evaljobs/skipped/malformed_posting") == 2


def test_a_truncated_detail_is_a_counted_parse_failure():
    crawler = get_crawler(SmartRecruitersSpider, {"EVALJOBS_FROZEN_NOW": FROZEN_NOW})
    spider = SmartRecruitersSpider.from_crawler(crawler)
    body = (FIXTURES / "smartrecruiters" / DETAIL).read_bytes()[:500]
    response = TextResponse(DETAIL_URL, body=body, headers={"Content-Type": "application/json"})
    assert list(spider.parse_detail(response, board="Gousto1")) == []
    assert crawler.stats.get_value("evaljobs/parse_failures") == 1


def test_a_posting_withdrawn_before_its_detail_is_skipped_not_a_fault():
    crawler = get_crawler(SmartRecruitersSpider, {"EVALJOBS_FROZEN_NOW": FROZEN_NOW})
    spider = SmartRecruitersSpider.from_crawler(crawler)
    response = TextResponse(DETAIL_URL, body=b'{"message":"Not found"}', status=404)
    assert list(spider.parse_detail(response, board="Gousto1")) == []
    assert crawler.stats.get_value("evaljobs/skipped/posting_gone") == 1
    assert crawler.stats.get_value("evaljobs/partial") is None


@pytest.mark.slow
def test_a_real_crawl_follows_the_list_to_details_and_skips_withdrawn_postings(tmp_path):
    fixtures = FIXTURES / "smartrecruiters"
    # Only one detail was recorded; the other 14 answer 404 (withdrawn since the list).
    pages = {
        "/sr/Gousto1/postings": (fixtures / LIST).read_bytes(),
        "/sr/Gousto1/postings/744000005051195": (fixtures / DETAIL).read_bytes(),
    }
    run, server = board_crawl(tmp_path, "smartrecruiters", "Gousto1", pages, "/sr")
    assert (run["status"], run["items"]) == ("ok", 1)
    assert run["stats"]["evaljobs/skipped/posting_gone"] == 14
    assert len([hit for hit in server.hits if hit.startswith("/sr/Gousto1/postings/")]) == 15
    import sqlite3

    with sqlite3.connect(tmp_path / "c.db") as db:
        (description,) = db.execute("select description from listings").fetchone()
    assert description.startswith("Company Description")


def test_boards_come_from_the_registry_with_fixture_boards_only_when_asked():
    assert_boards_from_registry(SmartRecruitersSpider, "Gousto1")


def test_a_boards_argument_replaces_the_registry():
    assert_boards_argument_replaces_registry(SmartRecruitersSpider)
