"""The recruitee spider on real recorded offers and 404 answers, field by field and on bad input."""

from __future__ import annotations

import codecs
import json

import pytest
from scrapy.http import TextResponse
from scrapy.utils.test import get_crawler

from crawler.spiders.recruitee import RecruiteeSpider
from tests.conftest import FIXTURES, FROZEN_NOW
from tests.crawler.crawl_harness import (
    assert_board_crawl,
    assert_boards_argument_replaces_registry,
    assert_boards_from_registry,
)

OFFERS = "radishlab-offers-2024-08-08.json"
OFFERS_URL = "https://radishlab.recruitee.com/api/offers/"
NOT_FOUND = "error-unknown-company-404.json"
NOT_FOUND_URL = "https://zzzzz.recruitee.com/api/offers/"


@pytest.fixture(scope="module")
def offers():
    from crawler.capture import parse_capture_file

    return parse_capture_file(
        "recruitee", FIXTURES / "recruitee" / OFFERS, url=OFFERS_URL, frozen_now=FROZEN_NOW
    )


def run_parse(
    body: bytes, url: str = OFFERS_URL, status: int = 200, settings: dict | None = None, **kwargs
):
    crawler = get_crawler(RecruiteeSpider, {"EVALJOBS_FROZEN_NOW": FROZEN_NOW, **(settings or {})})
    spider = RecruiteeSpider.from_crawler(crawler)
    response = TextResponse(
        url, body=body, status=status, headers={"Content-Type": "application/json"}
    )
    return list(spider.parse(response, **kwargs)), crawler.stats


def real_offers() -> dict:
    return json.loads((FIXTURES / "recruitee" / OFFERS).read_bytes())


def test_an_offers_answer_gives_one_listing_per_offer(offers):
    assert [offer["source_id"] for offer in offers] == ["1390320", "1357326", "1333509", "1333465"]
    assert offers[0]["id"] == "recruitee:1390320"


def test_a_listing_keeps_title_company_name_and_board(offers):
    assert offers[0]["title"] == "Copywriter Talent Pool"
    assert offers[0]["company"] == "Radish Lab"
    assert offers[0]["board"] == "radishlab"


def test_the_url_is_the_careers_page_and_apply_url_its_form(offers):
    assert offers[0]["url"] == "https://radishlab.recruitee.com/o/copywriter-talen-pool"
    assert offers[0]["apply_url"] == "https://radishlab.recruitee.com/o/copywriter-talen-pool/c/new"


def test_the_description_is_followed_by_the_requirements_as_text(offers):
    text = offers[0]["description"]
    assert text.startswith(
        "Radish Lab, a creative agency based in Brooklyn, NY, is always accepting"
    )
    assert "\n\nRequirements\n" in text
    assert "• Proven experience as a copywriter" in text
    assert text.index("Responsibilities") < text.index("Requirements")


def test_posted_date_with_a_utc_suffix_is_read_as_utc(offers):
    assert offers[0]["posted_raw"] == "2023-07-25 17:53:46 UTC"
    assert offers[0]["posted_at"] == "2023-07-25T17:53:46Z"
    assert offers[0]["fetched_at"] == FROZEN_NOW


def test_salary_with_a_period_gives_pay_per_year(offers):
    manager = offers[1]
    assert (
        manager["pay_min"],
        manager["pay_max"],
        manager["pay_currency"],
        manager["pay_unit"],
    ) == (
        52000.0,
        68000.0,
        "USD",
        "year",
    )
    assert manager["pay_hourly_min"] == 25.0


def test_an_empty_salary_gives_no_pay(offers):
    assert offers[0]["pay_min"] is None and offers[0]["pay_unit"] is None


def test_a_remote_offer_keeps_its_location_text_not_the_office_country(offers):
    first = offers[0]
    assert first["location_raw"] == "Remote job"
    assert first["remote_raw"] == "remote"
    assert (first["remote_scope"], first["countries"]) == ("unknown", [])


def test_an_on_site_offer_names_its_city_and_country():
    data = real_offers()
    offer = data["offers"][1]
    offer.update(remote=False, on_site=True)
    items, _ = run_parse(json.dumps({"offers": [offer]}).encode())
    from crawler.normalize import normalize_listing

    listing = normalize_listing(dict(items[0]))
    assert listing["location_raw"] == "Brooklyn, United States"
    assert (listing["remote_scope"], listing["countries"]) == ("onsite", ["US"])


def test_employment_type_and_department_are_kept(offers):
    assert offers[0]["employment_type"] == "contract"
    assert offers[1]["employment_type"] == "fulltime"
    assert offers[1]["tags"] == ["Strategy & Project Management"]


def test_evaljobs_parse_reads_a_capture_without_being_told_its_url(parse_capture):
    items = parse_capture("recruitee", OFFERS)
    assert len(items) == 4 and items[0]["board"] == "radishlab"


def test_the_recorded_404_body_parses_to_nothing(parse_capture):
    assert parse_capture("recruitee", NOT_FOUND, url=NOT_FOUND_URL) == []


def test_an_unknown_company_404_is_counted_not_failed():
    body = (FIXTURES / "recruitee" / NOT_FOUND).read_bytes()
    items, stats = run_parse(body, url=NOT_FOUND_URL, status=404, board="zzzzz")
    assert items == []
    assert stats.get_value("evaljobs/unknown_boards/zzzzz") == 1
    assert stats.get_value("evaljobs/partial") is None


def test_a_base_url_without_a_board_placeholder_puts_the_board_in_the_path():
    crawler = get_crawler(
        RecruiteeSpider, {"EVALJOBS_BASE_URLS": {"recruitee": "http://127.0.0.1:8000/recruitee"}}
    )
    spider = RecruiteeSpider.from_crawler(crawler)
    assert spider.offers_url("radishlab") == "http://127.0.0.1:8000/recruitee/radishlab/offers/"
    assert RecruiteeSpider().offers_url("radishlab") == OFFERS_URL


def test_a_truncated_answer_is_a_counted_parse_failure_and_a_partial_run():
    body = (FIXTURES / "recruitee" / OFFERS).read_bytes()
    items, stats = run_parse(body[:-1])
    assert items == []
    assert stats.get_value("evaljobs/parse_failures") == 1 and stats.get_value("evaljobs/partial")


def test_an_answer_with_a_byte_order_mark_still_parses():
    items, _ = run_parse(codecs.BOM_UTF8 + (FIXTURES / "recruitee" / OFFERS).read_bytes())
    assert len(items) == 4


def test_a_malformed_offer_among_good_ones_is_skipped_and_counted():
    data = real_offers()
    data["offers"].insert(1, {"title": "no id"})
    data["offers"].append("oops")
    items, stats = run_parse(json.dumps(data).encode())
    assert [item["source_id"] for item in items] == ["1390320", "1357326", "1333509", "1333465"]
    assert stats.get_value("evaljobs/skipped/malformed_offer") == 2


@pytest.mark.slow
def test_a_real_crawl_stores_every_offer_and_counts_an_unknown_board(tmp_path):
    assert_board_crawl(tmp_path, "recruitee", "radishlab", "/radishlab/offers/", OFFERS, items=4)


def test_boards_come_from_the_registry_with_fixture_boards_only_when_asked():
    assert_boards_from_registry(RecruiteeSpider, "radishlab")


def test_a_boards_argument_replaces_the_registry():
    assert_boards_argument_replaces_registry(RecruiteeSpider)
