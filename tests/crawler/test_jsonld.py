"""The jsonld spider on two real careers pages (Paylocity-hosted, JobPosting JSON-LD)."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse

from crawler.items import JobListing
from crawler.spiders.jsonld import JsonLdSpider

FERMI = "paylocity-fermi-4248451-job-page.html"
FERMI_URL = "https://recruiting.paylocity.com/recruiting/jobs/Details/4248451/Fermi-LLC/Corporate-Tax-Director"
SENDCUTSEND = "paylocity-sendcutsend-4272751-job-page.html"
SENDCUTSEND_URL = "https://recruiting.paylocity.com/recruiting/jobs/Details/4272751/3ecffcba-6b5a-4a7e-b71b-bbb54a4527ab"


@pytest.fixture
def fermi(parse_capture):
    (listing,) = parse_capture("jsonld", FERMI)
    return listing


@pytest.fixture
def technician(parse_capture):
    (listing,) = parse_capture("jsonld", SENDCUTSEND)
    return listing


def page(fixtures_dir, name: str = SENDCUTSEND) -> bytes:
    return (fixtures_dir / "jsonld" / name).read_bytes()


def parse_body(content: bytes, spider: JsonLdSpider | None = None) -> tuple[list[JobListing], dict]:
    spider = spider or JsonLdSpider()
    response = HtmlResponse(url=SENDCUTSEND_URL, body=content, encoding="utf-8")
    items = list(spider.parse(response, employer="sendcutsend"))
    return items, spider._stats_fallback


def test_the_capture_url_is_the_pages_own_og_url(fixtures_dir):
    assert JsonLdSpider.capture_url(fixtures_dir / "jsonld" / FERMI) == FERMI_URL


def test_a_page_gives_its_posting_with_title_employer_and_page_url(fermi):
    assert fermi["title"] == "Corporate Tax Director"
    assert fermi["company"] == "Fermi LLC"
    assert fermi["url"] == FERMI_URL


def test_without_an_identifier_the_page_url_is_the_source_id(fermi):
    assert fermi["source_id"] == FERMI_URL


def test_description_html_becomes_text(fermi):
    assert fermi["description"].startswith("Description\n\nWe’re looking for a commercially sharp")


def test_posted_date_with_an_offset_becomes_utc(fermi):
    assert fermi["posted_raw"] == "2026-06-11T21:42:38-05:00"
    assert fermi["posted_at"] == "2026-06-12T02:42:38Z"


def test_the_job_location_gives_an_onsite_us_place(fermi):
    assert fermi["location_raw"] == "Dallas, TX, US"
    assert (fermi["remote_scope"], fermi["countries"]) == ("onsite", ["US"])


def test_hourly_base_salary_gives_pay_with_unit(technician):
    assert (technician["pay_min"], technician["pay_max"]) == (22.0, 40.0)
    assert (technician["pay_currency"], technician["pay_unit"], technician["pay_hourly_max"]) == (
        "USD",
        "hour",
        40.0,
    )


def test_a_posting_without_salary_has_no_pay(fermi):
    assert fermi["pay_min"] is None and fermi["pay_unit"] is None


def test_every_listing_names_the_careers_page(technician):
    assert technician["attribution"] == "From the employer's careers page"
    assert technician["fetched_at"] == "2026-09-15T12:00:00Z"


def test_the_registry_employer_is_the_board(fixtures_dir):
    (listing,), _ = parse_body(page(fixtures_dir))
    assert listing["board"] == "sendcutsend"


def test_a_page_without_json_ld_is_a_counted_parse_failure(fixtures_dir):
    html = page(fixtures_dir).replace(b"application/ld+json", b"text/plain")
    items, stats = parse_body(html)
    assert items == []
    assert stats["evaljobs/parse_failures"] == 1
    assert "no schema.org JobPosting" in stats["evaljobs/partial"]


def test_a_truncated_page_cutting_the_json_ld_is_a_counted_parse_failure(fixtures_dir):
    content = page(fixtures_dir)
    cut = content.index(b'"baseSalary"')
    items, stats = parse_body(content[:cut] + b"</script></head></html>")
    assert (
        items == [] and stats["evaljobs/parse_failures"] == 2
    )  # the broken block, then no posting


def test_a_posting_without_title_is_skipped_and_counted(fixtures_dir):
    html = page(fixtures_dir).replace(b'"title":"Production Technician - Swing Shift",', b"", 1)
    items, stats = parse_body(html)
    assert items == [] and stats["evaljobs/skipped/malformed_posting"] == 1


def test_pages_come_from_the_argument_one_request_each_within_budget():
    spider = JsonLdSpider(pages=f"{FERMI_URL},{SENDCUTSEND_URL}")
    requests = list(spider.start_requests())
    assert [r.url for r in requests] == [FERMI_URL, SENDCUTSEND_URL]
    assert spider._stats_fallback["evaljobs/requests_issued"] == 2


def test_without_pages_the_registry_is_asked():
    spider = JsonLdSpider()
    assert all(url.startswith("http") for _employer, url in spider.pages())


def test_a_base_url_stands_in_for_every_careers_host_and_the_real_url_is_kept(fixtures_dir):
    spider = JsonLdSpider(pages=FERMI_URL, base_url="http://127.0.0.1:8080/jsonld")
    (request,) = spider.start_requests()
    assert (
        request.url
        == "http://127.0.0.1:8080/jsonld/recruiting/jobs/Details/4248451/Fermi-LLC/Corporate-Tax-Director"
    )
    response = HtmlResponse(url=request.url, body=page(fixtures_dir, FERMI), encoding="utf-8")
    (listing,) = spider.parse(response, **request.cb_kwargs)
    assert listing["url"] == FERMI_URL and listing["source_id"] == FERMI_URL
