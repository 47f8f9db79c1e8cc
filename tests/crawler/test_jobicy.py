"""The jobicy spider on the real recorded answer (trimmed upstream to 3 jobs) and its term searches."""

from __future__ import annotations

import json

import pytest
from scrapy.http import Request, TextResponse

from crawler.items import JobListing
from crawler.spiders.jobicy import JobicySpider

CAPTURE = "remote-jobs-api-trimmed3-2026-08.json"
URL = "https://jobicy.com/api/v2/remote-jobs?count=100&tag=AI%20training"


@pytest.fixture
def jobs(parse_capture):
    return parse_capture("jobicy", CAPTURE, url=URL)


def body(fixtures_dir) -> bytes:
    return (fixtures_dir / "jobicy" / CAPTURE).read_bytes()


def run_search(spider: JobicySpider, answers: dict[str, bytes]) -> list[JobListing]:
    out: list = list(spider.start_requests())
    items: list[JobListing] = []
    while out:
        result = out.pop(0)
        if isinstance(result, JobListing):
            items.append(result)
        elif isinstance(result, Request):
            response = TextResponse(
                url=result.url, body=answers[result.cb_kwargs["term"]], request=result
            )
            out.extend(spider.parse(response, **result.cb_kwargs))
    return items


def test_a_capture_gives_one_listing_per_job(jobs):
    assert [item["source_id"] for item in jobs] == ["150798", "150796", "150791"]


def test_title_employer_and_jobicy_url(jobs):
    assert jobs[0]["id"] == "jobicy:150798"
    assert jobs[0]["title"] == "(Senior) Product Director, Local Growth"
    assert jobs[0]["company"] == "OKX"
    assert jobs[0]["url"] == "https://jobicy.com/jobs/150798-senior-product-director-local-growth"


def test_description_html_becomes_text(jobs):
    assert jobs[0]["description"].startswith("Who We Are")


def test_posted_date_is_utc(jobs):
    assert jobs[0]["posted_at"] == "2026-08-15T15:28:49Z"


def test_geo_gives_countries_and_regions(jobs):
    assert jobs[0]["countries"] == ["HK", "MX", "SG"]
    assert jobs[0]["regions"] == ["LATAM"]


def test_yearly_salary_fields_give_pay_with_unit(jobs):
    chief = jobs[2]
    assert (chief["pay_min"], chief["pay_max"], chief["pay_currency"], chief["pay_unit"]) == (
        115000.0,
        115000.0,
        "USD",
        "year",
    )


def test_a_job_without_salary_has_no_pay(jobs):
    assert jobs[0]["pay_min"] is None and jobs[0]["pay_unit"] is None


def test_entity_escaped_industries_and_level_become_tags(jobs):
    assert jobs[0]["tags"] == ["Director", "Product & Operations"]
    assert jobs[0]["employment_type"] == "Full-Time"


def test_the_search_term_of_the_answer_is_the_board(jobs):
    assert jobs[0]["board"] == "AI training"


def test_every_listing_names_jobicy(jobs):
    assert {item["attribution"] for item in jobs} == {"Source: Jobicy"}
    assert jobs[0]["fetched_at"] == "2026-09-15T12:00:00Z"


def test_the_core_terms_are_asked_with_the_largest_page():
    spider = JobicySpider()
    (first,) = spider.start_requests()
    assert first.url == URL


def test_a_posting_under_two_terms_is_one_listing(fixtures_dir):
    spider = JobicySpider(terms="AI training,RLHF")
    items = run_search(spider, {"AI training": body(fixtures_dir), "RLHF": body(fixtures_dir)})
    assert len(items) == 3 and items[0]["board"] == "AI training; RLHF"


def test_the_budget_of_five_requests_stops_a_sixth_term(fixtures_dir):
    terms = ["a", "b", "c", "d", "e", "f"]
    spider = JobicySpider(terms=",".join(terms))
    items = run_search(spider, dict.fromkeys(terms, body(fixtures_dir)))
    assert items[0]["board"] == "a; b; c; d; e"
    assert spider._stats_fallback["evaljobs/budget_exhausted"] == 1


def test_a_malformed_job_among_good_ones_is_skipped_and_counted(fixtures_dir):
    data = json.loads(body(fixtures_dir))
    data["jobs"].append({"id": 1})
    spider = JobicySpider(terms="RLHF")
    items = run_search(spider, {"RLHF": json.dumps(data).encode()})
    assert len(items) == 3 and spider._stats_fallback["evaljobs/skipped/malformed_job"] == 1


def test_a_truncated_body_is_a_counted_parse_failure(fixtures_dir):
    spider = JobicySpider(terms="RLHF")
    assert run_search(spider, {"RLHF": body(fixtures_dir)[:2000]}) == []
    assert spider._stats_fallback["evaljobs/parse_failures"] == 1


def test_an_answer_without_jobs_is_a_parse_failure():
    spider = JobicySpider(terms="RLHF")
    assert run_search(spider, {"RLHF": b'{"success": false}'}) == []
    assert spider._stats_fallback["evaljobs/parse_failures"] == 1
