"""Normalization, table-tested: HTML to text, dates, pay, location, URLs."""

from __future__ import annotations

import pytest

from crawler.normalize import (
    canonical_url,
    html_to_text,
    normalize_listing,
    parse_location,
    parse_pay,
    to_utc_iso,
)


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("<p>One</p><p>Two</p>", "One\n\nTwo"),
        ("&lt;p&gt;One&lt;/p&gt;&lt;p&gt;Two &amp;amp; three&lt;/p&gt;", "One\n\nTwo & three"),
        ("<ul><li>rate answers</li><li>write prompts</li></ul>", "• rate answers\n• write prompts"),
        ("Line one<br>Line two", "Line one\nLine two"),
        ("<p>Hi<script>alert(1)</script></p>", "Hi"),
        ("plain &amp; simple", "plain & simple"),
        ("<div><p>broken <b>markup</p>", "broken markup"),
        ("", ""),
        (None, ""),
    ],
)
def test_html_becomes_clean_text_with_paragraphs_kept(markup, text):
    assert html_to_text(markup) == text


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("2026-07-18T09:30:00-04:00", "2026-07-18T13:30:00Z"),
        ("2026-07-18T09:30:00Z", "2026-07-18T09:30:00Z"),
        ("2026-07-18T09:30:00", "2026-07-18T09:30:00Z"),
        ("2026-07-18", "2026-07-18T00:00:00Z"),
        (1722873600000, "2024-08-05T16:00:00Z"),
        (1722873600, "2024-08-05T16:00:00Z"),
        ("1722873600", "2024-08-05T16:00:00Z"),
        ("Mon, 05 Aug 2024 15:58:20 GMT", "2024-08-05T15:58:20Z"),
        ("Feb 28, 2025", "2025-02-28T00:00:00Z"),
        ("2024-08-05 10:00:00+0200", "2024-08-05T08:00:00Z"),
        ("not a date", None),
        ("", None),
        (None, None),
    ],
)
def test_dates_become_utc_iso_8601_or_none(value, iso):
    assert to_utc_iso(value) == iso


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$40-$60/hr", (40.0, 60.0, "USD", "hour", 40.0, 60.0)),
        ("Up to $25 – $50/hr", (25.0, 50.0, "USD", "hour", 25.0, 50.0)),
        ("$40 to $70 an hour", (40.0, 70.0, "USD", "hour", 40.0, 70.0)),
        ("6 USD/hour", (6.0, 6.0, "USD", "hour", 6.0, 6.0)),
        ("€50,000 - €70,000 per year", (50000.0, 70000.0, "EUR", "year", 24.04, 33.65)),
        ("£400 per day", (400.0, 400.0, "GBP", "day", 50.0, 50.0)),
        ("$20 per task", (20.0, 20.0, "USD", "task", None, None)),
        ("$65k-95k", (65000.0, 95000.0, "USD", None, None, None)),
        ("USD 120000", (120000.0, 120000.0, "USD", None, None, None)),
        ("$3,000 monthly", (3000.0, 3000.0, "USD", "month", 17.31, 17.31)),
        ("Undisclosed", (None, None, None, None, None, None)),
        ("3 days a week", (None, None, None, None, None, None)),
    ],
)
def test_pay_text_gives_min_max_currency_unit_and_hourly_without_guessing(text, expected):
    pay = parse_pay(text)
    assert (pay.min, pay.max, pay.currency, pay.unit, pay.hourly_min, pay.hourly_max) == expected
    assert pay.text == text


def test_structured_pay_wins_over_text_and_keeps_the_raw_text():
    pay = parse_pay("Competitive", minimum=30, maximum="45", currency="usd", unit="HOUR")
    assert (pay.min, pay.max, pay.currency, pay.unit, pay.hourly_max, pay.text) == (
        30.0,
        45.0,
        "USD",
        "hour",
        45.0,
        "Competitive",
    )


def test_structured_pay_with_an_unknown_period_keeps_no_unit():
    pay = parse_pay(None, minimum=120000, maximum=160000, currency="USD", unit="fortnightly-ish")
    assert pay.unit is None and pay.hourly_min is None


@pytest.mark.parametrize(
    ("location", "scope", "countries", "regions"),
    [
        ("Remote (US only)", "countries", ["US"], []),
        ("Remote - Worldwide", "worldwide", [], []),
        ("Anywhere", "worldwide", [], []),
        ("Remote, EMEA", "regions", [], ["EMEA"]),
        ("Remote; Canada or USA", "countries", ["CA", "US"], []),
        ("San Francisco, CA", "onsite", ["US"], []),
        ("Hybrid - London, UK", "hybrid", ["GB"], []),
        ("UTC-5 to UTC+1", "regions", [], ["UTC-5..UTC+1"]),
        ("", "unknown", [], []),
        (None, "unknown", [], []),
    ],
)
def test_location_gives_remote_scope_countries_and_regions(location, scope, countries, regions):
    result = parse_location(location)
    assert (result.remote_scope, result.countries, result.regions) == (scope, countries, regions)


def test_explicit_country_list_with_a_remote_flag_gives_countries():
    result = parse_location("", countries=["Vietnam", "Brazil", "nowhere-land"], remote=True)
    assert (result.remote_scope, result.countries) == ("countries", ["VN", "BR"])


@pytest.mark.parametrize(
    ("url", "clean"),
    [
        (
            "https://Jobs.Lever.co/x/1?utm_source=a&lever-source=b&team=c#top",
            "https://jobs.lever.co/x/1?team=c",
        ),
        (
            "https://boards.greenhouse.io/a/jobs/1?gh_src=abc&gh_jid=1",
            "https://boards.greenhouse.io/a/jobs/1?gh_jid=1",
        ),
        ("https://work.mercor.com/jobs/list_X?ref=tw", "https://work.mercor.com/jobs/list_X"),
        ("javascript:alert(1)", None),
        ("mailto:jobs@example.com", None),
        ("", None),
    ],
)
def test_urls_lose_tracking_parameters_and_only_http_links_survive(url, clean):
    assert canonical_url(url) == clean


def test_normalizing_twice_gives_the_same_listing():
    item = {
        "source": "remotive",
        "source_id": 7,
        "title": "  AI Rater &amp; Reviewer ",
        "description_html": "<p>Rate answers.</p>",
        "pay_text": "$20/hr",
        "location_raw": "Worldwide",
        "posted_raw": "2026-07-18T09:30:00",
        "url": "https://remotive.com/x?utm_source=api",
    }
    once = normalize_listing(item)
    assert once["id"] == "remotive:7" and once["title"] == "AI Rater & Reviewer"
    assert once["url"] == "https://remotive.com/x"
    assert normalize_listing(once) == once
