"""The micro1 spider on the real recorded sitemap and post page, field by field, and on damaged copies."""

from __future__ import annotations

import json
from typing import Any

import pytest
import scrapy
from scrapy.http import HtmlResponse, XmlResponse

from crawler.spiders.micro1 import Micro1Spider, micro1_pay
from tests.crawler.crawl_harness import FakeFailure, parsed, platform_crawl, stat

PAGE = "job-page-5136fd03-biology-expert-phd-2026-09-05.html"
SITEMAP = "sitemap-trimmed3.xml"
# The URL the page was recorded at, tracking parameters included (upstream manifest).
URL = "https://jobs.micro1.ai/post/5136fd03-6ff0-45c0-8e36-2126cc5b21c7?utm_source=micro1&utm_medium=job_portal"
CLEAN_URL = "https://jobs.micro1.ai/post/5136fd03-6ff0-45c0-8e36-2126cc5b21c7"
CHALLENGE = b"<html><head><title>Just a moment...</title></head><body>cf_chl_opt</body></html>"


@pytest.fixture
def page(fixtures_dir) -> bytes:
    return (fixtures_dir / "micro1" / PAGE).read_bytes()


@pytest.fixture
def listing(parse_capture) -> dict[str, Any]:
    (only,) = parse_capture("micro1", PAGE, url=URL)
    return only


def run(body: bytes, url: str = URL, status: int = 200, spider: Micro1Spider | None = None):
    cls = XmlResponse if url.endswith(".xml") else HtmlResponse
    return parsed(spider or Micro1Spider(), cls(url=url, body=body, status=status))


# ---------------------------------------------------------------- the real post page


def test_the_post_gives_one_listing_keyed_by_its_job_id(listing):
    assert listing["id"] == "micro1:5136fd03-6ff0-45c0-8e36-2126cc5b21c7"


def test_title_and_employer_are_micro1_with_no_client_as_clients_are_anonymised(listing):
    assert listing["title"] == "Biology Expert (PhD)"
    assert listing["company"] == "micro1"
    assert listing["client"] is None  # client_details.client_name is "micro1" itself


def test_per_task_pay_is_kept_per_task_and_the_hourly_figure_only_in_the_text(listing):
    assert listing["pay_unit"] == "task"
    assert (
        listing["pay_min"],
        listing["pay_max"],
        listing["pay_hourly_min"],
        listing["pay_hourly_max"],
    ) == (
        None,
        None,
        None,
        None,
    )
    assert listing["pay_text"].startswith("Compensation is output-based; experts are paid per task")
    assert "ideal hourly rate of 80-90" in listing["pay_text"]


def test_eligible_countries_are_the_json_ld_list_of_58(listing):
    assert len(listing["countries"]) == 58
    assert listing["countries"][:3] == ["BD", "HK", "IN"]
    assert {"VN", "PS", "AE", "US", "CA", "ET", "GB"} <= set(listing["countries"])
    assert listing["remote_scope"] == "countries"


def test_description_is_the_resolved_html_row_as_text(listing):
    text = listing["description"]
    assert text.startswith(
        "Role Title: Biology Expert (PhD)\n\nRole Type: Contractor\n\nLocation: Remote"
    )
    assert "• Critically evaluate and provide detailed feedback on biology-related data" in text
    assert text.endswith(
        "we expect you to start your first tasks within 24–48 hours of completing onboarding."
    )


def test_url_has_no_tracking_parameters(listing):
    assert listing["url"] == CLEAN_URL and listing["apply_url"] == CLEAN_URL


def test_dates_tags_evergreen_and_assessment(listing):
    assert listing["posted_at"] == "2026-07-14T00:00:00Z"
    assert listing["valid_through"] == "2026-09-12T08:44:11Z"
    assert listing["tags"] == ["applied-engineering"]
    assert listing["evergreen"] is False
    assert listing.get("assessment") is None


def test_a_post_without_per_task_wording_keeps_its_hourly_range(page):
    # Same-length edits keep the flight's declared byte lengths valid.
    body = page.replace(b"paid per task", b"paid per hour").replace(
        b"output-based", b"hourly-based"
    )
    _spider, (listing,), _ = run(body)
    assert (listing["pay_min"], listing["pay_max"], listing["pay_unit"]) == (80.0, 90.0, "hour")
    assert (listing["pay_hourly_min"], listing["pay_hourly_max"]) == (80.0, 90.0)
    assert listing["pay_currency"] is None  # micro1's record states no currency


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (
            {"ideal_monthly_salary_min": 3000, "ideal_monthly_salary_max": 4000},
            (3000, 4000, "monthly"),
        ),
        ({"ideal_yearly_compensation": {"min": 90000, "max": 120000}}, (90000, 120000, "yearly")),
        ({"ideal_hourly_rate": None}, (None, None, None)),
    ],
)
def test_micro1_pay_fields_keep_their_own_period(record, expected):
    pay = micro1_pay(record, "<p>Full-time role.</p>")
    assert (pay.get("pay_min_raw"), pay.get("pay_max_raw"), pay.get("pay_unit_raw")) == expected


def test_a_closed_post_is_skipped_and_counted(page):
    body = page.replace(b'\\"job_status\\":\\"open\\"', b'\\"job_status\\":\\"shut\\"')
    spider, listings, _ = run(body)
    assert listings == [] and stat(spider, "evaljobs/skipped/not_open") == 1


# ---------------------------------------------------------------- bad input


def test_a_page_without_its_flight_is_a_counted_parse_failure(page):
    spider, listings, _ = run(page.replace(b"self.__next_f.push", b"self.__gone__.push"))
    assert listings == []
    assert stat(spider, "evaljobs/parse_failures") == 1
    assert "no self.__next_f flight" in stat(spider, "evaljobs/partial")


def test_a_flight_without_the_job_record_is_a_parse_failure_not_an_empty_listing(page):
    spider, listings, _ = run(page.replace(b"client_job_id", b"client_job_ix"))
    assert listings == []
    assert "no job record" in stat(spider, "evaljobs/partial")


def test_a_cloudflare_403_is_a_block_and_nothing_more_is_asked():
    spider = Micro1Spider()
    spider.queue.add([scrapy.Request("https://jobs.micro1.ai/post/x")])
    spider, listings, requests = run(CHALLENGE, status=403, spider=spider)
    assert listings == [] and requests == []
    assert stat(spider, "evaljobs/blocked") == 1 and "blocked" in stat(spider, "evaljobs/partial")


# ---------------------------------------------------------------- the real sitemap


def test_the_sitemap_capture_yields_no_listing_by_itself(parse_capture):
    assert parse_capture("micro1", SITEMAP) == []


def test_the_sitemap_queues_every_post_one_at_a_time_and_checks_all_were_read(fixtures_dir, page):
    spider, _listings, requests = run(
        (fixtures_dir / "micro1" / SITEMAP).read_bytes(), url="https://jobs.micro1.ai/sitemap.xml"
    )
    assert [r.url for r in requests] == [
        "https://jobs.micro1.ai/post/dcb37b06-8e05-434d-ac22-372a4c04cefc"
    ]
    assert [r.url.rsplit("/", 1)[1] for r in spider.queue.pending] == [
        "416f4a44-95ff-455f-ab01-fa318a30dda8",
        "0505e8ef-fd14-495a-87fd-ecc38fcd7e6c",
    ]
    assert spider.sitemap_ids and len(spider.sitemap_ids) == 3
    # First post answers (with the recorded page), the next one is gone, the last one fails.
    _s, (listing,), (second,) = run(page, url=requests[0].url, spider=spider)
    assert listing["title"] == "Biology Expert (PhD)"
    _s, _l, (third,) = run(b"", url=second.url, status=404, spider=spider)
    list(spider.on_queue_error(FakeFailure(third)))
    assert stat(spider, "evaljobs/declared_unread") == 1
    assert stat(spider, "evaljobs/partial")


# ---------------------------------------------------------------- real crawls on loopback (slow)

SITEMAP_IDS = [
    "dcb37b06-8e05-434d-ac22-372a4c04cefc",
    "416f4a44-95ff-455f-ab01-fa318a30dda8",
    "0505e8ef-fd14-495a-87fd-ecc38fcd7e6c",
]


def crawl(routes, tmp_path, monkeypatch):
    """One `scrapy crawl micro1` against loopback `routes`: (result, stored rows, paths asked)."""
    return platform_crawl(
        "micro1", routes, tmp_path, monkeypatch, "select id, title, pay_unit from listings"
    )


def routes_for(fixtures_dir, page: bytes, first_post=None):
    from evaljobs.fixture_server import Route

    routes = [
        Route(
            "micro1",
            "^/sitemap.xml$",
            file=fixtures_dir / "micro1" / SITEMAP,
            content_type="application/xml",
        )
    ]
    if first_post is not None:
        routes.append(Route("micro1", f"^/post/{SITEMAP_IDS[0]}$", **first_post))
    routes.append(Route("micro1", "^/post/", body=page, content_type="text/html; charset=utf-8"))
    return routes


@pytest.mark.slow
def test_a_crawl_of_the_recorded_sitemap_and_post_is_ok(fixtures_dir, page, tmp_path, monkeypatch):
    result, rows, asked = crawl(routes_for(fixtures_dir, page), tmp_path, monkeypatch)
    assert result.status == "ok", result.log_tail
    assert rows == [
        {
            "id": "micro1:5136fd03-6ff0-45c0-8e36-2126cc5b21c7",
            "title": "Biology Expert (PhD)",
            "pay_unit": "task",
        }
    ]
    assert asked == ["/micro1/sitemap.xml", *(f"/micro1/post/{i}" for i in SITEMAP_IDS)]


@pytest.mark.slow
def test_a_crawl_blocked_by_a_challenge_asks_nothing_more_and_is_partial(
    fixtures_dir, page, tmp_path, monkeypatch
):
    blocked = {"status": 403, "body": CHALLENGE, "content_type": "text/html"}
    result, rows, asked = crawl(routes_for(fixtures_dir, page, blocked), tmp_path, monkeypatch)
    assert result.status == "partial", result.log_tail
    assert result.run and json.loads(result.run["stats"])["evaljobs/blocked"] == 1
    assert asked == ["/micro1/sitemap.xml", f"/micro1/post/{SITEMAP_IDS[0]}"]  # never retried
    assert rows == []
    assert "blocked at" in result.log_tail
