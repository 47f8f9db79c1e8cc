"""The ashby spider on real recorded job-board answers (with compensation), and on bad input."""

from __future__ import annotations

import codecs
import json

import pytest
from scrapy.http import TextResponse
from scrapy.utils.test import get_crawler

from crawler.spiders.ashby import AshbySpider
from tests.conftest import FIXTURES, FROZEN_NOW
from tests.crawler.crawl_harness import (
    assert_board_crawl,
    assert_boards_argument_replaces_registry,
    assert_boards_from_registry,
)

LIGHTDASH = "lightdash-job-board-compensation-2024-08-05.json"
LIGHTDASH_URL = "https://api.ashbyhq.com/posting-api/job-board/lightdash?includeCompensation=true"
CURSOR = "cursor-job-board-2026-03-11.json"
CURSOR_URL = "https://api.ashbyhq.com/posting-api/job-board/cursor?includeCompensation=true"


@pytest.fixture(scope="module")
def lightdash():
    from crawler.capture import parse_capture_file

    return parse_capture_file(
        "ashby", FIXTURES / "ashby" / LIGHTDASH, url=LIGHTDASH_URL, frozen_now=FROZEN_NOW
    )


@pytest.fixture(scope="module")
def cursor():
    from crawler.capture import parse_capture_file

    items = parse_capture_file(
        "ashby", FIXTURES / "ashby" / CURSOR, url=CURSOR_URL, frozen_now=FROZEN_NOW
    )
    return {(item["title"], item["location_raw"]): item for item in items}, items


def run_parse(body: bytes, url: str = CURSOR_URL, status: int = 200, **kwargs):
    crawler = get_crawler(AshbySpider, {"EVALJOBS_FROZEN_NOW": FROZEN_NOW})
    spider = AshbySpider.from_crawler(crawler)
    response = TextResponse(
        url, body=body, status=status, headers={"Content-Type": "application/json"}
    )
    return list(spider.parse(response, **kwargs)), crawler.stats


def test_a_board_answer_gives_one_listing_per_job(lightdash, cursor):
    assert [item["source_id"] for item in lightdash] == [
        "309706bc-1081-48b6-89dc-f769bbe17e6d",
        "9efa292a-cc34-4388-90a2-2bed5126ace4",
    ]
    assert len(cursor[1]) == 54


def test_a_listing_keeps_title_board_url_and_apply_url(lightdash):
    first = lightdash[0]
    assert first["id"] == "ashby:309706bc-1081-48b6-89dc-f769bbe17e6d"
    assert first["title"] == "Analytics Engineering Advocate"
    assert first["board"] == "lightdash" and first["company"] == "lightdash"
    assert first["url"] == "https://jobs.ashbyhq.com/lightdash/309706bc-1081-48b6-89dc-f769bbe17e6d"
    assert first["apply_url"] == first["url"] + "/application"


def test_the_description_is_the_html_description_as_text(lightdash):
    text = lightdash[0]["description"]
    assert text.startswith("About Lightdash\n\nLightdash is an open source BI tool")
    assert "<h2>" not in text


def test_posted_date_is_published_at_in_utc(lightdash):
    assert lightdash[0]["posted_at"] == "2024-07-15T16:45:14Z"
    assert lightdash[0]["fetched_at"] == FROZEN_NOW


def test_the_salary_component_gives_pay_per_year_with_hourly_figures(lightdash):
    first = lightdash[0]
    assert (first["pay_min"], first["pay_max"], first["pay_currency"], first["pay_unit"]) == (
        60000.0,
        95000.0,
        "GBP",
        "year",
    )
    assert (first["pay_hourly_min"], first["pay_hourly_max"]) == (28.85, 45.67)


def test_pay_text_is_the_salary_summary_without_the_equity(lightdash):
    assert lightdash[0]["pay_text"] == "£60K - £95K"
    assert lightdash[1]["pay_text"] == "£60K - £110K"
    assert lightdash[1]["pay_max"] == 110000.0


def test_equity_listed_first_in_a_tier_is_not_taken_for_pay(lightdash):
    # The first Lightdash job lists EquityPercentage 0.1-0.3 before its salary.
    assert lightdash[0]["pay_min"] == 60000.0


def test_a_remote_job_with_a_country_address_is_remote_in_that_country(lightdash):
    first = lightdash[0]
    assert first["location_raw"] == "Remote"
    assert first["remote_raw"] is True
    assert (first["remote_scope"], first["countries"]) == ("countries", ["GB"])


def test_employment_type_is_written_as_words(lightdash):
    assert lightdash[0]["employment_type"] == "Full Time"


def test_department_and_team_become_tags_once(lightdash, cursor):
    assert lightdash[0]["tags"] == ["Lightdash"]
    by_key, _ = cursor
    assert by_key[("Software Engineer, Growth", "SF / NY")]["tags"] == [
        "Engineering",
        "Enterprise & Foundations Engineering",
    ]


def test_empty_compensation_tiers_give_no_pay(cursor):
    _, items = cursor
    assert all(item["pay_min"] is None and not item.get("pay_text") for item in items)


def test_workplace_type_hybrid_makes_a_hybrid_listing(cursor):
    by_key, _ = cursor
    campus = by_key[("Campus Lead", "SF / NY / Remote")]
    assert campus["remote_raw"] == "Hybrid" and campus["remote_scope"] == "hybrid"


def test_workplace_type_onsite_with_an_address_is_on_site_in_that_country(cursor):
    by_key, _ = cursor
    brand = by_key[("Brand Designer", "New York")]
    assert brand["remote_scope"] == "onsite" and brand["countries"] == ["US"]


def test_secondary_locations_join_the_location_text_and_countries(cursor):
    by_key, _ = cursor
    coordinator = by_key[("Recruiting Coordinator", "San Francisco; New York")]
    assert coordinator["countries_raw"] == ["United States"]


def test_a_remote_job_without_a_country_has_unknown_eligibility(cursor):
    by_key, _ = cursor
    support = by_key[("Technical Support Engineer", "Remote")]
    assert support["remote_raw"] == "Remote"
    assert support["remote_scope"] == "unknown" and support["countries"] == []


def test_pay_hidden_by_the_employer_is_not_taken():
    data = json.loads((FIXTURES / "ashby" / LIGHTDASH).read_bytes())
    data["jobs"][0]["shouldDisplayCompensationOnJobPostings"] = False
    items, _ = run_parse(json.dumps(data).encode(), url=LIGHTDASH_URL)
    assert "pay_min_raw" not in items[0] and "pay_min_raw" in items[1]


def test_an_unlisted_job_is_skipped_and_counted():
    data = json.loads((FIXTURES / "ashby" / LIGHTDASH).read_bytes())
    data["jobs"][1]["isListed"] = False
    items, stats = run_parse(json.dumps(data).encode(), url=LIGHTDASH_URL)
    assert len(items) == 1
    assert stats.get_value("evaljobs/skipped/unlisted_job") == 1


def test_evaljobs_parse_reads_a_capture_without_being_told_its_url(parse_capture):
    items = parse_capture("ashby", LIGHTDASH)
    assert len(items) == 2 and items[0]["board"] == "lightdash"


def test_an_unknown_board_404_in_plain_text_is_counted_not_failed():
    items, stats = run_parse(
        b"Not Found",
        url=CURSOR_URL.replace("cursor", "nosuchboard"),
        status=404,
        board="nosuchboard",
    )
    assert items == []
    assert stats.get_value("evaljobs/unknown_boards/nosuchboard") == 1
    assert stats.get_value("evaljobs/parse_failures") is None
    assert stats.get_value("evaljobs/partial") is None


def test_a_truncated_answer_is_a_counted_parse_failure_and_a_partial_run():
    body = (FIXTURES / "ashby" / CURSOR).read_bytes()
    items, stats = run_parse(body[:-100])
    assert items == []
    assert stats.get_value("evaljobs/parse_failures") == 1 and stats.get_value("evaljobs/partial")


def test_an_answer_with_a_byte_order_mark_still_parses():
    items, _ = run_parse(codecs.BOM_UTF8 + (FIXTURES / "ashby" / CURSOR).read_bytes())
    assert len(items) == 54


def test_a_malformed_job_among_good_ones_is_skipped_and_counted():
    data = json.loads((FIXTURES / "ashby" / LIGHTDASH).read_bytes())
    data["jobs"].insert(1, {"id": "x"})  # no title
    data["jobs"].append(None)
    items, stats = run_parse(json.dumps(data).encode(), url=LIGHTDASH_URL)
    assert len(items) == 2
    assert stats.get_value("evaljobs/skipped/malformed_job") == 2


def test_an_empty_board_is_counted_and_the_run_stays_healthy():
    items, stats = run_parse(b'{"apiVersion":"1","jobs":[]}', board="cursor")
    assert items == []
    assert stats.get_value("evaljobs/empty_boards/cursor") == 1
    assert stats.get_value("evaljobs/partial") is None


@pytest.mark.slow
def test_a_real_crawl_stores_every_job_and_counts_an_unknown_board(tmp_path):
    assert_board_crawl(tmp_path, "ashby", "lightdash", "/lightdash", LIGHTDASH, items=2)


def test_boards_come_from_the_registry_with_fixture_boards_only_when_asked():
    assert_boards_from_registry(AshbySpider, "lightdash", "openai")


def test_a_boards_argument_replaces_the_registry():
    assert_boards_argument_replaces_registry(AshbySpider)
