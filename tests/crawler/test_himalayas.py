"""The himalayas spider on the real recorded answers, and its one-search-per-term run."""

from __future__ import annotations

import json

import pytest
from scrapy.http import Request, TextResponse

from crawler.items import JobListing
from crawler.spiders.himalayas import HimalayasSpider
from tests.crawler.crawl_harness import loopback_crawl

LIMIT3 = "jobs-api-limit3-2026-03-28.json"
TRIMMED = "jobs-api-trimmed3-2026-08.json"
BROWSE_URL = "https://himalayas.app/jobs/api?limit=3&offset=0"
SEARCH = "https://himalayas.app/jobs/api/search?q={}&page=1"


@pytest.fixture
def browse(parse_capture):
    return parse_capture("himalayas", LIMIT3, url=BROWSE_URL)


@pytest.fixture
def audio(parse_capture):
    items = parse_capture("himalayas", TRIMMED, url=SEARCH.format("AI%20trainer"))
    return items[2]


def body(fixtures_dir, name: str = TRIMMED) -> bytes:
    return (fixtures_dir / "himalayas" / name).read_bytes()


def answer(request: Request, content: bytes) -> TextResponse:
    return TextResponse(url=request.url, body=content, request=request)


def run_search(spider: HimalayasSpider, answers: dict[str, bytes | None]) -> list[JobListing]:
    """Drive the spider's request chain by hand: each term's answer, or a failure (None)."""
    out: list = list(spider.start_requests())
    items: list[JobListing] = []
    while out:
        result = out.pop(0)
        if isinstance(result, JobListing):
            items.append(result)
            continue
        term = result.cb_kwargs["term"]
        content = answers[term]
        if content is None:
            failure = type(
                "Failure",
                (),
                {
                    "request": result,
                    "value": None,
                    "type": TimeoutError,
                    "getErrorMessage": lambda self: "timeout",
                },
            )()
            out.extend(spider.on_search_error(failure))
        else:
            out.extend(spider.parse(answer(result, content), **result.cb_kwargs))
    return items


def test_a_browse_answer_gives_one_listing_per_job(browse):
    assert [item["source_id"] for item in browse] == [
        "miratech/senior-front-end-developer-7451155025",
        "scale-virtually/sales-consultant-5293550084",
        "torc-robotics/senior-technical-recruiter",
    ]


def test_title_employer_and_himalayas_url(browse):
    first = browse[0]
    assert first["title"] == "Senior Front-End Developer"
    assert first["company"] == "Miratech"
    assert (
        first["url"]
        == "https://himalayas.app/companies/miratech/jobs/senior-front-end-developer-7451155025"
    )


def test_description_html_becomes_text(browse):
    assert browse[0]["description"].startswith("Miratech is a global IT services")


def test_publication_and_expiry_in_epoch_seconds_become_utc(browse):
    assert browse[0]["posted_at"] == "2026-03-28T10:12:00Z"
    assert browse[0]["valid_through"] == "2026-05-27T10:12:00Z"


def test_location_restrictions_become_eligible_countries(browse):
    assert browse[2]["countries"] == ["AU", "CA", "FR", "DE", "IN", "NL", "SE", "CH", "GB", "US"]
    assert browse[0]["remote_scope"] == "countries"


def test_salary_without_a_period_keeps_no_unit(browse):
    sales = browse[1]
    assert (sales["pay_min"], sales["pay_max"], sales["pay_currency"]) == (
        600000.0,
        660000.0,
        "PHP",
    )
    assert sales["pay_unit"] is None


def test_an_hourly_salary_period_gives_hourly_pay(audio):
    assert (audio["pay_min"], audio["pay_max"], audio["pay_unit"]) == (14.0, 14.0, "hour")
    assert audio["pay_hourly_min"] == 14.0


def test_a_placeholder_company_name_falls_back_to_the_company_slug(audio):
    assert audio["company"] == "Mercor"


def test_employment_type_and_categories_are_kept(audio):
    assert audio["employment_type"] == "Contractor"
    assert "AI Quality Assurance" in audio["tags"]


def test_a_search_answer_records_its_term_as_board(audio):
    assert audio["board"] == "AI trainer"


def test_every_listing_names_himalayas(browse):
    assert {item["attribution"] for item in browse} == {"Source: Himalayas"}
    assert browse[0]["fetched_at"] == "2026-09-15T12:00:00Z"


def test_one_search_request_per_term_in_order():
    spider = HimalayasSpider(terms="AI rater,RLHF")
    (first,) = spider.start_requests()
    assert first.url == SEARCH.format("AI%20rater")


def test_a_posting_found_under_two_terms_is_one_listing_with_both_terms(fixtures_dir):
    spider = HimalayasSpider(terms="AI trainer,RLHF")
    items = run_search(spider, {"AI trainer": body(fixtures_dir), "RLHF": body(fixtures_dir)})
    assert len(items) == 3
    assert {item["board"] for item in items} == {"AI trainer; RLHF"}
    assert spider._stats_fallback["evaljobs/found_under_several_terms"] == 3


def test_a_failed_term_is_counted_and_the_others_still_asked(fixtures_dir):
    spider = HimalayasSpider(terms="AI trainer,RLHF")
    items = run_search(spider, {"AI trainer": None, "RLHF": body(fixtures_dir)})
    assert len(items) == 3 and items[0]["board"] == "RLHF"
    assert spider._stats_fallback["evaljobs/request_failures"] == 1


def test_a_spent_budget_keeps_what_was_found_and_leaves_the_run_partial(fixtures_dir):
    spider = HimalayasSpider(terms="AI trainer,RLHF")
    spider._stats_fallback["evaljobs/requests_issued"] = 59  # one request left of 60
    items = run_search(spider, {"AI trainer": body(fixtures_dir), "RLHF": body(fixtures_dir)})
    assert len(items) == 3 and items[0]["board"] == "AI trainer"
    assert "budget" in spider._stats_fallback["evaljobs/partial"]


def test_a_truncated_search_answer_leaves_the_run_partial(fixtures_dir):
    spider = HimalayasSpider(terms="AI trainer")
    run_search(spider, {"AI trainer": body(fixtures_dir, LIMIT3)})  # totalCount 95423
    assert spider._stats_fallback["evaljobs/search_truncated"] == 1
    assert "one page read" in spider._stats_fallback["evaljobs/partial"]


def test_a_malformed_job_among_good_ones_is_skipped_and_counted(fixtures_dir):
    data = json.loads(body(fixtures_dir))
    data["jobs"].insert(1, {"title": "No link"})
    spider = HimalayasSpider(terms="AI trainer")
    items = run_search(spider, {"AI trainer": json.dumps(data).encode()})
    assert len(items) == 3 and spider._stats_fallback["evaljobs/skipped/malformed_job"] == 1


def test_a_truncated_body_is_a_counted_parse_failure(fixtures_dir):
    spider = HimalayasSpider(terms="AI trainer")
    assert run_search(spider, {"AI trainer": body(fixtures_dir)[:4000]}) == []
    assert spider._stats_fallback["evaljobs/parse_failures"] == 1


# ------------------------------------------------------------ a real crawl over loopback


@pytest.mark.slow
def test_a_real_crawl_asks_every_term_and_a_failed_one_leaves_the_run_partial(
    tmp_path, fixtures_dir
):
    from evaljobs.fixture_server import Route

    routes = [
        Route("himalayas", r"q=AI%20trainer", status=500, body=b"oops"),
        Route("himalayas", r"q=RLHF", file=fixtures_dir / "himalayas" / TRIMMED),
    ]
    result, requests = loopback_crawl(tmp_path, "himalayas", routes, {"terms": "AI trainer,RLHF"})
    assert [r.split("?")[1] for r in requests] == ["q=AI%20trainer&page=1", "q=RLHF&page=1"]
    assert result.status == "partial", result.log_tail
    assert result.run["items"] == 3
