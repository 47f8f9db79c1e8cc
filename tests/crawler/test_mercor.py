"""The mercor spider on the real recorded job page, field by field, and on damaged copies of it."""

from __future__ import annotations

from typing import Any

import pytest
import scrapy
from scrapy.http import HtmlResponse, XmlResponse

from crawler.spiders.mercor import MercorSpider, eligible_countries
from tests.crawler.crawl_harness import FakeFailure, parsed, platform_crawl, stat

PAGE = "job-page-list_AAABm4Xm5vZiwyWXybFBRJJN-generalist-writer-rendered-2026-02-03.html"
URL = "https://work.mercor.com/jobs/list_AAABm4Xm5vZiwyWXybFBRJJN"
FROZEN_NOW = "2026-09-15T12:00:00Z"
CHALLENGE = (
    b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
    b"<script>window._cf_chl_opt={cvId:'3'};</script></body></html>"
)


@pytest.fixture
def page(fixtures_dir) -> bytes:
    return (fixtures_dir / "mercor" / PAGE).read_bytes()


@pytest.fixture
def listing(parse_capture) -> dict[str, Any]:
    (only,) = parse_capture("mercor", PAGE)
    return only


def run(body: bytes, url: str = URL, status: int = 200, spider: MercorSpider | None = None):
    """(spider, normalized listings, requests) of one response parsed by a fresh spider."""
    cls = XmlResponse if url.endswith(".xml") else HtmlResponse
    return parsed(spider or MercorSpider(), cls(url=url, body=body, status=status))


# ---------------------------------------------------------------- the real page


def test_the_job_page_gives_one_listing_with_its_listing_id(listing):
    assert listing["id"] == "mercor:list_AAABm4Xm5vZiwyWXybFBRJJN"
    assert listing["board"] == "job-page"


def test_title_and_employer_are_mercor_with_the_named_client(listing):
    assert listing["title"] == "Generalist Writer"
    assert listing["company"] == "Mercor"
    assert listing["client"] == "Moonlight"


def test_pay_is_rate_min_to_max_per_hour_in_usd(listing):
    assert (
        listing["pay_min"],
        listing["pay_max"],
        listing["pay_currency"],
        listing["pay_unit"],
    ) == (
        35.0,
        45.0,
        "USD",
        "hour",
    )
    assert (listing["pay_hourly_min"], listing["pay_hourly_max"]) == (35.0, 45.0)
    assert listing["pay_text"] == "$35-45 per hour"


def test_eligibility_comes_from_the_record_arrays_not_the_json_ld_us(listing):
    # The record's four country arrays are empty; the page's JSON-LD says "US" on every
    # listing (also on ones open everywhere), so it is not read: countries stay unknown.
    assert listing["countries"] == []
    assert listing["remote_scope"] == "unknown"
    assert (listing["location_raw"], listing["remote_raw"]) == ("Remote", "remote")


def test_description_is_the_markdown_as_text(listing):
    text = listing["description"]
    assert text.startswith("1. Role Overview\nMercor is collaborating with a leading AI lab")
    assert "• Create realistic prompts that reflect how people naturally ask questions" in text
    assert "**" not in text and "\\." not in text
    assert "$35-40/hour for completed work" in text


def test_url_is_the_job_page_without_tracking_or_referral_parameters(listing):
    assert listing["url"] == URL
    assert "referral" not in listing["url"] and "utm_" not in listing["url"]


def test_dates_are_created_and_valid_through_in_utc(listing):
    assert listing["posted_at"] == "2026-01-03T22:07:41Z"
    assert listing["valid_through"] == "2026-03-05T06:17:34Z"
    assert listing["fetched_at"] == FROZEN_NOW


def test_an_opening_is_not_evergreen_and_states_no_paid_or_unpaid_assessment(listing):
    assert listing["evergreen"] is False
    assert listing.get("assessment") is None  # "a brief sample task" says nothing of pay


def test_the_campaign_referral_rates_and_owner_ids_are_not_kept(parse_capture):
    (raw,) = parse_capture("mercor", PAGE, normalize=False)
    flat = repr(raw)
    assert "user_AAAB" not in flat and "camp_AAAB" not in flat and "{{first_name}}" not in flat


# ---------------------------------------------------------------- the record decides, not the JSON-LD


def test_a_per_task_record_stays_per_task_although_the_json_ld_says_hourly(page):
    body = page.replace(b'"payRateFrequency":"hourly"', b'"payRateFrequency":"per-task"')
    _spider, (listing,), _ = run(body)
    assert (listing["pay_unit"], listing["pay_hourly_min"]) == ("task", None)
    assert listing["pay_text"] == "$35-45 per task"


def test_an_unknown_pay_word_is_kept_raw_counted_and_gives_no_unit(page):
    body = page.replace(b'"payRateFrequency":"hourly"', b'"payRateFrequency":"fortnightly"')
    spider, (listing,), _ = run(body)
    assert listing["pay_unit"] is None and listing["pay_min"] == 35.0
    assert stat(spider, "evaljobs/skipped/unknown_pay_unit") == 1


def test_country_arrays_give_the_eligible_countries(page):
    body = page.replace(
        b'"eligibleLocation":[]', b'"eligibleLocation":["USA","CAN","GBR"]'
    ).replace(b'"ineligibleResidenceLocation":[]', b'"ineligibleResidenceLocation":["GBR"]')
    _spider, (listing,), _ = run(body)
    assert listing["countries"] == ["US", "CA"]
    assert listing["remote_scope"] == "countries"


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"eligibleLocation": [], "eligibleResidenceLocation": None}, None),
        ({"eligibleLocation": ["USA", "IND"], "eligibleResidenceLocation": ["IND"]}, ["IND"]),
        (
            {"eligibleLocation": None, "ineligibleLocation": ["IRN", "PRK"]},
            None,
        ),  # everywhere except…
        ({"eligibleResidenceLocation": ["bra"]}, ["BRA"]),
    ],
)
def test_eligible_countries_of_a_record(record, expected):
    assert eligible_countries(record) == expected


def test_a_listing_whose_client_hides_its_brand_names_no_client(page):
    body = page.replace(b'"companyBrandVisible":true', b'"companyBrandVisible":false')
    _spider, (listing,), _ = run(body)
    assert listing["client"] is None and listing["company"] == "Mercor"


def test_an_evergreen_listing_type_marks_a_standing_pool(page):
    body = page.replace(b'"status":"active"', b'"status":"active","listingType":"evergreen"', 1)
    _spider, (listing,), _ = run(body)
    assert listing["evergreen"] is True


def test_a_private_or_deleted_listing_is_skipped_and_counted(page):
    body = page.replace(b'"isPrivate":false', b'"isPrivate":true')
    spider, listings, _ = run(body)
    assert listings == [] and stat(spider, "evaljobs/skipped/not_public") == 1


# ---------------------------------------------------------------- bad input


def test_a_page_without_its_next_data_block_is_a_counted_parse_failure(page):
    body = page.replace(b'id="__NEXT_DATA__"', b'id="__NEXT_DATA_REMOVED__"')
    spider, listings, _ = run(body)
    assert listings == []
    assert stat(spider, "evaljobs/parse_failures") == 1
    assert "no __NEXT_DATA__" in stat(spider, "evaljobs/partial")


def test_a_page_whose_role_has_a_new_shape_is_a_parse_failure_not_an_empty_listing(page):
    body = page.replace(b'"pageProps":{"role":{', b'"pageProps":{"roleV2":{', 1)
    spider, listings, _ = run(body)
    assert listings == []
    assert stat(spider, "evaljobs/parse_failures") == 1


def test_a_cloudflare_403_stops_the_platform_for_the_run(page):
    spider = MercorSpider()
    spider.queue.add([scrapy.Request(f"https://work.mercor.com/jobs/list_{n}") for n in "ABC"])
    spider, listings, requests = run(CHALLENGE, status=403, spider=spider)
    assert listings == [] and requests == []
    assert stat(spider, "evaljobs/blocked") == 1
    assert "blocked" in stat(spider, "evaljobs/partial")
    assert spider.queue.stopped and not spider.queue.pending
    # Nothing more is asked even when a later response arrives.
    _spider, _listings, more = run(page, spider=spider)
    assert more == []


# ---------------------------------------------------------------- index and sitemap (no capture: request side)


def test_start_asks_the_explore_page_first_and_then_the_sitemap():
    spider = MercorSpider()
    (first,) = list(spider.start_requests())
    assert first.url == "https://work.mercor.com/explore"
    assert [r.url for r in spider.queue.pending] == ["https://work.mercor.com/sitemap.xml"]


def test_sitemap_listings_missing_from_the_index_are_read_from_their_pages_and_checked(page):
    spider = MercorSpider()
    spider.index_ids = {"list_AAABm4Xm5vZiwyWXybFBRJJN"}
    sitemap = (
        b'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>https://work.mercor.com/jobs/list_AAABm4Xm5vZiwyWXybFBRJJN/generalist-writer</loc></url>"
        b"<url><loc>https://work.mercor.com/jobs/list_AAAB0ther</loc></url>"
        b"<url><loc>https://work.mercor.com/explore</loc></url></urlset>"
    )
    _spider, _listings, requests = run(
        sitemap, url="https://work.mercor.com/sitemap.xml", spider=spider
    )
    assert [r.url for r in requests] == ["https://work.mercor.com/jobs/list_AAAB0ther"]
    # The page for that listing never answers: the run is partial, so it closes nothing.
    list(spider.on_queue_error(FakeFailure(requests[0])))
    assert stat(spider, "evaljobs/declared_unread") == 1
    assert stat(spider, "evaljobs/partial")


def test_a_sitemap_index_is_followed_on_mercor_only():
    index = (
        b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<sitemap><loc>https://work.mercor.com/sitemap-jobs.xml</loc></sitemap>"
        b"<sitemap><loc>https://elsewhere.example/sitemap.xml</loc></sitemap></sitemapindex>"
    )
    spider = MercorSpider(base_url="http://127.0.0.1:9/mercor")
    _spider, _listings, requests = run(
        index, url="http://127.0.0.1:9/mercor/sitemap.xml", spider=spider
    )
    assert [r.url for r in requests] == ["http://127.0.0.1:9/mercor/sitemap-jobs.xml"]
    assert not spider.queue.pending


def test_an_explore_page_without_the_listings_cache_is_a_parse_failure():
    html = b'<script id="__NEXT_DATA__" type="application/json">{"props":{"pageProps":{"dehydratedState":{"queries":[]}}}}</script>'
    spider, listings, _ = run(html, url="https://work.mercor.com/explore")
    assert listings == [] and stat(spider, "evaljobs/parse_failures") == 1


def test_the_explore_cache_records_give_listings(page):
    # The explore cache holds the same records as a job page's `role` (CONTRACTOR-PLATFORMS §1);
    # built here from the real role record, since no explore page was recorded.
    import json

    from crawler.nextdata import page_props, read_next_data

    role = page_props(read_next_data(page))["role"]
    data = {
        "props": {
            "pageProps": {
                "dehydratedState": {
                    "queries": [
                        {
                            "queryKey": ["listings-explore-page"],
                            "state": {"data": {"listings": [role]}},
                        }
                    ]
                }
            }
        }
    }
    html = (
        f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(data)}</script>'.encode()
    )
    spider, (listing,), _ = run(html, url="https://work.mercor.com/explore")
    assert listing["board"] == "explore" and listing["title"] == "Generalist Writer"
    assert spider.index_ids == {"list_AAABm4Xm5vZiwyWXybFBRJJN"}


# ---------------------------------------------------------------- real crawls on loopback (slow)

OTHER = "list_AAABzzzzzzzzzzzzzzzzzzzz"


def explore_page(page: bytes) -> bytes:
    """An explore page whose cache holds the recorded listing's record (no explore capture exists)."""
    import json

    from crawler.nextdata import page_props, read_next_data

    role = page_props(read_next_data(page))["role"]
    query = {"queryKey": ["listings-explore-page"], "state": {"data": {"listings": [role]}}}
    data = {"props": {"pageProps": {"dehydratedState": {"queries": [query]}}}, "page": "/explore"}
    return (
        f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(data)}</script>'.encode()
    )


def sitemap_of(*ids: str) -> bytes:
    urls = "".join(f"<url><loc>https://work.mercor.com/jobs/{i}</loc></url>" for i in ids)
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + urls.encode()
        + b"</urlset>"
    )


def crawl(routes, tmp_path, monkeypatch):
    """One `scrapy crawl mercor` against loopback `routes`: (result, stored rows, paths asked)."""
    return platform_crawl(
        "mercor",
        routes,
        tmp_path,
        monkeypatch,
        "select id, board, client, pay_unit from listings order by id",
    )


@pytest.mark.slow
def test_a_crawl_reads_the_index_then_only_the_sitemap_listings_it_lacks(
    page, tmp_path, monkeypatch
):
    from evaljobs.fixture_server import Route

    html = "text/html; charset=utf-8"
    routes = [
        Route("mercor", "^/explore$", body=explore_page(page), content_type=html),
        Route(
            "mercor", "^/sitemap.xml$", body=sitemap_of(OTHER, "list_AAABm4Xm5vZiwyWXybFBRJJN/x")
        ),
        # The sitemap-only listing's page: the recorded page with another listing id.
        Route(
            "mercor",
            f"^/jobs/{OTHER}$",
            body=page.replace(b"list_AAABm4Xm5vZiwyWXybFBRJJN", OTHER.encode()),
            content_type=html,
        ),
    ]
    result, rows, asked = crawl(routes, tmp_path, monkeypatch)
    assert result.status == "ok", result.log_tail
    assert asked == ["/mercor/explore", "/mercor/sitemap.xml", f"/mercor/jobs/{OTHER}"]
    assert rows == [
        {
            "id": "mercor:list_AAABm4Xm5vZiwyWXybFBRJJN",
            "board": "explore",
            "client": "Moonlight",
            "pay_unit": "hour",
        },
        {"id": f"mercor:{OTHER}", "board": "job-page", "client": "Moonlight", "pay_unit": "hour"},
    ]


@pytest.mark.slow
def test_a_crawl_blocked_on_the_first_request_asks_nothing_more(page, tmp_path, monkeypatch):
    import json

    from evaljobs.fixture_server import Route

    routes = [Route("mercor", "^/explore$", status=403, body=CHALLENGE, content_type="text/html")]
    result, rows, asked = crawl(routes, tmp_path, monkeypatch)
    # No page answered at all, so the run status is "failed" (crawler.run_status); the
    # spider's own mark is "partial: blocked". Either way the run closes nothing.
    assert result.status == "failed", result.log_tail
    stats = json.loads(result.run["stats"])
    assert stats["evaljobs/blocked"] == 1 and "blocked" in stats["evaljobs/partial"]
    assert asked == ["/mercor/explore"] and rows == []
