"""The alignerr spider on the real recorded job page, field by field; per-country copies merged."""

from __future__ import annotations

import json
from typing import Any

import pytest
import scrapy
from scrapy.http import HtmlResponse, TextResponse

from crawler.spiders.alignerr import AlignerrSpider
from tests.crawler.crawl_harness import parsed, platform_crawl, stat

PAGE = "job-page-583b0f74-generalist-location-vietnam-2026-09-14.html"
JOB_ID = "583b0f74-43d6-4382-a132-0e9fd41daf8c"
URL = f"https://www.alignerr.com/jobs/{JOB_ID}"
MASTER = "2832b821-a28d-456b-9b86-b1b75a6af3a5"
OTHER_ID = "11111111-2222-4333-8444-555555555555"
FROZEN_NOW = "2026-09-15T12:00:00Z"
CHALLENGE = b"<html><head><title>Just a moment...</title></head><body></body></html>"


@pytest.fixture
def page(fixtures_dir) -> bytes:
    return (fixtures_dir / "alignerr" / PAGE).read_bytes()


@pytest.fixture
def listing(parse_capture) -> dict[str, Any]:
    (only,) = parse_capture("alignerr", PAGE)
    return only


def run(
    body: bytes,
    url: str = URL,
    status: int = 200,
    spider: AlignerrSpider | None = None,
    **kwargs: Any,
):
    cls = TextResponse if body[:1] in (b"{", b"[") else HtmlResponse
    response = cls(url=url, body=body, status=status, encoding="utf-8")
    return parsed(spider or AlignerrSpider(), response, **kwargs)


def other_copy(page: bytes, country: bytes = b"Brazil", upper: bytes = b"120") -> bytes:
    """The same master job's copy for another country: the real page with its id and country changed."""
    return (
        page.replace(JOB_ID.encode(), OTHER_ID.encode())
        .replace(b'"location":"Vietnam"', b'"location":"' + country + b'"')
        .replace(b'"upperBoundHourlyRate":120', b'"upperBoundHourlyRate":' + upper)
    )


# ---------------------------------------------------------------- the real page


def test_the_page_gives_one_listing_keyed_by_its_master_job(listing):
    assert listing["id"] == f"alignerr:{MASTER}"
    assert listing["url"] == URL
    assert listing["apply_url"] == f"https://app.alignerr.com/signin?job={JOB_ID}"


def test_title_and_employer(listing):
    assert listing["title"] == "Generalist"
    assert listing["company"] == "Alignerr"
    assert listing["client"] is None


def test_pay_is_the_hourly_bounds_with_salary_type_as_unit_and_no_guessed_currency(listing):
    assert (listing["pay_min"], listing["pay_max"], listing["pay_unit"]) == (40.0, 120.0, "hour")
    assert (listing["pay_hourly_min"], listing["pay_hourly_max"]) == (40.0, 120.0)
    assert listing["pay_currency"] is None  # the page states no currency
    assert listing["pay_text"] == "40-120/hr"


def test_the_country_is_the_copys_location_although_the_text_says_remote(listing):
    assert listing["countries"] == ["VN"]
    assert listing["remote_scope"] == "countries"
    assert listing["remote_raw"] == "Remote"  # "**Location**: Remote" in the description


def test_description_is_the_page_html_as_text(listing):
    text = listing["description"]
    assert text.startswith("Generalist (AI Training)\n\nAbout the Role\n\nWhat if your curiosity")
    assert "• Assess content for accuracy, clarity, tone, and overall quality" in text
    assert "<p>" not in text and "**" not in text


def test_dates_type_tags_evergreen_and_assessment(listing):
    assert listing["posted_at"] == "2026-09-04T00:00:02Z"  # firstPostDate, not createdAt
    assert listing["employment_type"] == "CONTRACT"
    assert listing["tags"] == ["GENERAL"]
    assert listing["evergreen"] is False
    assert listing.get("assessment") is None
    assert listing["fetched_at"] == FROZEN_NOW


# ---------------------------------------------------------------- one job, many countries


def test_per_country_copies_of_one_master_job_are_one_listing_with_all_countries(page):
    spider = AlignerrSpider()
    spider.queue.add([scrapy.Request(f"https://www.alignerr.com/jobs/{OTHER_ID}")])
    spider, listings, (next_request,) = run(page, spider=spider)
    assert listings == []  # held back until every copy is read
    _s, (listing,), _ = run(other_copy(page), url=next_request.url, spider=spider)
    assert listing["id"] == f"alignerr:{MASTER}"
    assert listing["countries"] == ["BR", "VN"]
    assert listing["pay_text"] == "40-120/hr"


def test_copies_paying_differently_keep_each_countrys_range_in_the_text(page):
    spider = AlignerrSpider()
    spider.queue.add([scrapy.Request(f"https://www.alignerr.com/jobs/{OTHER_ID}")])
    run(page, spider=spider)
    _s, (listing,), _ = run(
        other_copy(page, b"United States", b"150"),
        url=f"https://www.alignerr.com/jobs/{OTHER_ID}",
        spider=spider,
    )
    assert (listing["pay_min"], listing["pay_max"]) == (40.0, 150.0)
    assert listing["pay_text"] == "40-150/hr (United States); 40-120/hr (Vietnam)"


# ---------------------------------------------------------------- the jobs list (no capture: request side)


def list_page(ids_titles: list[tuple[str, str]], total: int, offset: int) -> bytes:
    jobs = [
        {
            "id": i,
            "title": t,
            "location": "Remote",
            "applyUrl": f"/jobs/{i}",
            "category": "General",
            "pay": "$40-120/hr",
        }
        for i, t in ids_titles
    ]
    return json.dumps({"jobs": jobs, "limit": 120, "offset": offset, "total": total}).encode()


def uuid(n: int) -> str:
    return f"{n:08d}-0000-4000-8000-000000000000"


def test_the_list_is_paged_by_offset_until_its_total_then_pages_are_asked_round_robin():
    spider = AlignerrSpider()
    (first,) = list(spider.start_requests())
    assert first.url == "https://www.alignerr.com/api/jobs?limit=120&offset=0"
    assert first.headers.get("Referer") == b"https://www.alignerr.com/jobs"
    body = list_page([(uuid(1), "Generalist"), (uuid(2), "Generalist")], total=3, offset=0)
    _s, _l, (second,) = run(body, url=first.url, spider=spider, offset=0)
    assert second.url.endswith("offset=2")
    body = list_page([(uuid(3), "Math Expert")], total=3, offset=2)
    _s, _l, (job,) = run(body, url=second.url, spider=spider, offset=2)
    # Every title's first copy before any second copy: a short budget still reads each job once.
    assert [job.url, *(r.url for r in spider.queue.pending)] == [
        f"https://www.alignerr.com/jobs/{uuid(1)}",
        f"https://www.alignerr.com/jobs/{uuid(3)}",
        f"https://www.alignerr.com/jobs/{uuid(2)}",
    ]


def test_a_list_shorter_than_its_declared_total_makes_the_run_partial():
    spider = AlignerrSpider()
    body = list_page([(uuid(1), "Generalist")], total=5, offset=0)
    _s, _l, (nxt,) = run(body, url=spider.list_url(0), spider=spider, offset=0)
    run(list_page([], total=5, offset=1), url=nxt.url, spider=spider, offset=1)
    assert stat(spider, "evaljobs/declared_unread") == 4
    assert stat(spider, "evaljobs/partial")


def test_a_list_answer_of_a_new_shape_is_a_parse_failure():
    spider, listings, _ = run(b'{"data": []}', url=AlignerrSpider().list_url(0), offset=0)
    assert listings == [] and stat(spider, "evaljobs/parse_failures") == 1


# ---------------------------------------------------------------- bad input


def test_a_page_without_its_next_data_block_is_a_counted_parse_failure(page):
    spider, listings, _ = run(page.replace(b'id="__NEXT_DATA__"', b'id="__NEXT_DATA_REMOVED__"'))
    assert listings == []
    assert stat(spider, "evaljobs/parse_failures") == 1
    assert "no __NEXT_DATA__" in stat(spider, "evaljobs/partial")


def test_a_page_whose_job_has_a_new_shape_is_a_parse_failure_not_an_empty_listing(page):
    spider, listings, _ = run(page.replace(b'"pageProps":{"job":{', b'"pageProps":{"jobV2":{', 1))
    assert listings == [] and stat(spider, "evaljobs/parse_failures") == 1


def test_an_inactive_copy_is_skipped(page):
    spider, listings, _ = run(page.replace(b'"isActive":true', b'"isActive":false'))
    assert listings == [] and stat(spider, "evaljobs/skipped/inactive") == 1


def test_a_cloudflare_403_is_a_block_and_nothing_more_is_asked():
    spider = AlignerrSpider()
    spider.queue.add([scrapy.Request(f"https://www.alignerr.com/jobs/{uuid(n)}") for n in range(3)])
    spider, listings, requests = run(CHALLENGE, status=403, spider=spider)
    assert listings == [] and requests == []
    assert stat(spider, "evaljobs/blocked") == 1 and "blocked" in stat(spider, "evaljobs/partial")
    assert not spider.queue.pending


# ---------------------------------------------------------------- real crawls on loopback (slow)


def crawl(routes, tmp_path, monkeypatch):
    """One `scrapy crawl alignerr` against loopback `routes`: (result, stored rows, paths asked)."""
    return platform_crawl(
        "alignerr", routes, tmp_path, monkeypatch, "select id, countries from listings"
    )


def crawl_routes(page: bytes, other: dict[str, Any]):
    from evaljobs.fixture_server import Route

    html = "text/html; charset=utf-8"
    listed = list_page([(JOB_ID, "Generalist"), (OTHER_ID, "Generalist")], total=2, offset=0)
    return [
        Route("alignerr", r"^/api/jobs\?limit=120&offset=0$", body=listed),
        Route("alignerr", f"^/jobs/{JOB_ID}$", body=page, content_type=html),
        Route("alignerr", f"^/jobs/{OTHER_ID}$", content_type=html, **other),
    ]


@pytest.mark.slow
def test_a_crawl_stores_one_listing_for_both_country_copies(page, tmp_path, monkeypatch):
    result, rows, asked = crawl(
        crawl_routes(page, {"body": other_copy(page)}), tmp_path, monkeypatch
    )
    assert result.status == "ok", result.log_tail
    assert asked == [
        "/alignerr/api/jobs?limit=120&offset=0",
        f"/alignerr/jobs/{JOB_ID}",
        f"/alignerr/jobs/{OTHER_ID}",
    ]
    assert [(r["id"], json.loads(r["countries"])) for r in rows] == [
        (f"alignerr:{MASTER}", ["BR", "VN"])
    ]


@pytest.mark.slow
def test_a_copy_that_fails_leaves_the_run_partial_and_the_job_with_the_countries_read(
    page, tmp_path, monkeypatch
):
    result, rows, _asked = crawl(
        crawl_routes(page, {"status": 500, "body": b"oops"}), tmp_path, monkeypatch
    )
    assert result.status == "partial", result.log_tail
    assert [(r["id"], json.loads(r["countries"])) for r in rows] == [(f"alignerr:{MASTER}", ["VN"])]
