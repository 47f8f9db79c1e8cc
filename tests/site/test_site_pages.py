"""The site's pages, JSON, CSV, feeds, robots.txt and sitemap, in-process over a real catalogue."""

from __future__ import annotations

import html
import json
import re
import sqlite3
import urllib.parse
from html.parser import HTMLParser
from typing import Any

import feedparser
import pytest
import sitedata
from datasette.utils import tilde_encode


def listing_path(listing_id: str) -> str:
    return f"/catalogue/listings/{tilde_encode(listing_id)}"


def shown_rows(catalogue: dict[str, Any]) -> list[dict[str, Any]]:
    conn = sqlite3.connect(catalogue["path"])
    conn.row_factory = sqlite3.Row
    rows = [
        dict(r)
        for r in conn.execute("select * from listing_cards where shown = 1 order by listed_at desc")
    ]
    conn.close()
    return rows


class _Elements(HTMLParser):
    """Every element's tag and attributes, and the text of every <script>, as a browser parses them."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


def elements(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    return parser


def is_relevant(catalogue: dict[str, Any], listing_id: str) -> bool:
    conn = sqlite3.connect(catalogue["path"])
    relevant = conn.execute("select relevant from listings where id = ?", [listing_id]).fetchone()[
        0
    ]
    conn.close()
    return bool(relevant)


def card_ids(html: str) -> list[str]:
    return re.findall(r'data-listing-id="([^"]+)"', html)


def test_the_home_page_shows_open_relevant_listings_as_cards_newest_first(site, catalogue):
    response = site.get("/")
    assert response.status_code == 200
    expected = [r["id"] for r in shown_rows(catalogue)][:12]
    assert expected, "the test catalogue has open relevant listings"
    assert card_ids(response.text) == expected
    assert "Search by background" in response.text
    assert 'class="badge badge-' in response.text


def test_the_listings_page_hides_closed_irrelevant_and_flagged_listings_by_default(site, catalogue):
    ids = card_ids(site.get("/catalogue/listing_cards?_size=100").text)
    assert set(ids) == {r["id"] for r in shown_rows(catalogue)}
    assert catalogue["closed_id"] not in ids
    assert sitedata.SCAM_ID not in ids
    assert "greenhouse:5215052008" not in ids  # a sales role at an AI lab: not relevant


def test_closed_flagged_and_irrelevant_listings_are_one_click_away(site, catalogue):
    page = site.get("/catalogue/listing_cards?_size=100").text
    for param in ("_closed", "_flagged", "_irrelevant"):
        assert f'data-show="{param}"' in page
    # The closed listing is a relevant one when the judge found one to close (sitedata.py).
    shows = (
        "_closed=1" if is_relevant(catalogue, catalogue["closed_id"]) else "_closed=1&_irrelevant=1"
    )
    assert catalogue["closed_id"] in card_ids(
        site.get(f"/catalogue/listing_cards?_size=100&{shows}").text
    )
    assert sitedata.SCAM_ID in card_ids(
        site.get("/catalogue/listing_cards?_size=100&_flagged=1").text
    )
    with_irrelevant = card_ids(site.get("/catalogue/listing_cards?_size=100&_irrelevant=1").text)
    assert "greenhouse:5215052008" in with_irrelevant


def test_a_facet_filter_narrows_the_listings_and_counts_what_it_selects(site):
    data = site.get("/catalogue/listing_cards.json?_shape=objects&_size=100").json()
    domains = {f["value"]: f["count"] for f in data["facet_results"]["domain"]["results"]}
    value, count = max(domains.items(), key=lambda item: item[1])
    narrowed = site.get(
        f"/catalogue/listing_cards.json?_shape=objects&_size=100&_domain={value}"
    ).json()
    assert narrowed["filtered_table_rows_count"] == count == len(narrowed["rows"])
    assert all(value in json.loads(row["domains"]) for row in narrowed["rows"])
    selected = [f for f in narrowed["facet_results"]["domain"]["results"] if f["selected"]]
    assert [f["value"] for f in selected] == [value]


def test_facet_counts_of_the_default_view_equal_a_count_over_the_cards(site, catalogue):
    data = site.get("/catalogue/listing_cards.json?_facet_size=100").json()
    rows = shown_rows(catalogue)
    for facet, column in (("role", "role_types"), ("domain", "domains"), ("lang", "languages")):
        expected: dict[str, int] = {}
        for row in rows:
            for value in json.loads(row[column]):
                expected[value] = expected.get(value, 0) + 1
        got = {f["value"]: f["count"] for f in data["facet_results"][facet]["results"]}
        assert got == expected, facet
    employers: dict[str, int] = {}
    for row in rows:
        employers[row["employer"]] = employers.get(row["employer"], 0) + 1
    assert {
        f["value"]: f["count"] for f in data["facet_results"]["employer"]["results"]
    } == employers


def test_full_text_search_finds_a_listing_and_marks_the_match_in_a_snippet(site, catalogue):
    target = shown_rows(catalogue)[0]
    word = max(re.findall(r"[A-Za-z]{5,}", target["title"]), key=len)
    page = site.get(f"/catalogue/listing_cards?_search={word}").text
    assert target["id"] in card_ids(page)
    assert re.search(r'<mark class="match">[^<]*</mark>', page, re.IGNORECASE)


def red_flags_of(catalogue: dict[str, Any], listing_id: str) -> list[tuple[str, str]]:
    conn = sqlite3.connect(catalogue["path"])
    rows = conn.execute(
        "select flag, evidence from red_flags where listing_id = ?", [listing_id]
    ).fetchall()
    conn.close()
    return rows


def test_the_scam_test_listing_is_flagged_by_the_rules(catalogue):
    flags = red_flags_of(catalogue, sitedata.SCAM_ID)
    assert len({flag for flag, _ in flags}) >= 2, flags
    assert all(any(evidence in s for s in sitedata.EMSCAD_SCAM_SENTENCES) for _, evidence in flags)


def test_a_listing_page_highlights_the_evidence_and_explains_each_flag(site, catalogue):
    from catalogue.site.plugins.evaljobs_site import FLAG_GUIDE

    page = site.get(listing_path(sitedata.SCAM_ID)).text
    marks = [
        html.unescape(m)
        for m in re.findall(r'<mark class="evidence"[^>]*>(.*?)</mark>', page, re.S)
    ]
    flags = red_flags_of(catalogue, sitedata.SCAM_ID)
    for flag, evidence in flags:
        assert any(" ".join(evidence.split()) in " ".join(m.split()) for m in marks), evidence
        assert FLAG_GUIDE[flag]["name"] in page
    assert page.count('class="flag-explained"') == len(flags)
    assert "What to do:" in page and "Why it matters:" in page
    assert "badge-flagged" in page


def test_a_listing_page_shows_a_pay_cut_in_its_history(site, catalogue):
    page = site.get(listing_path(catalogue["pay_cut_id"])).text
    history = page[page.index('class="history"') :]
    assert "pay cut" in history
    assert "first seen" in history


def test_a_closed_listing_says_it_is_closed(site, catalogue):
    page = site.get(listing_path(catalogue["closed_id"])).text
    assert "This listing is closed" in page


def test_a_listing_page_links_every_source_of_the_job_with_attribution(site, catalogue):
    page = site.get(listing_path(catalogue["pay_cut_id"])).text
    assert "Where this job is listed" in page
    assert "Source: Remotive" in page  # the attribution text of sources.yaml
    assert re.search(r'<a class="apply[^"]*" href="https://', page)


def test_hostile_listing_text_is_escaped_and_javascript_links_are_not_offered(site):
    for path in (
        listing_path(sitedata.HOSTILE_ID),
        "/catalogue/listing_cards?_irrelevant=1&_size=100",
    ):
        page = site.get(path).text
        assert "<script>window.__pwned" not in page
        assert "&lt;script&gt;window.__pwned" in page
        parsed = elements(page)
        assert not any("__pwned" in script for script in parsed.scripts)
        for tag, attrs in parsed.elements:
            assert not any(name.startswith("on") for name in attrs), (tag, attrs)
            assert tag != "img", attrs
            href = (attrs.get("href") or "").strip().lower()
            assert not href.startswith("javascript:"), (tag, attrs)


def test_the_listings_page_and_canned_queries_are_also_json_and_csv(site):
    for path in (
        "/catalogue/listing_cards",
        "/catalogue/feed",
        "/catalogue/scam_watch",
        "/catalogue/background_writer",
        "/catalogue/employer_directory",
        "/catalogue/source_health",
    ):
        as_json = site.get(path + ".json")
        assert as_json.status_code == 200, path
        assert "rows" in as_json.json()
        as_csv = site.get(path + ".csv")
        assert as_csv.status_code == 200, path
        assert (
            as_csv.headers["content-type"].startswith("text/plain")
            or "csv" in as_csv.headers["content-type"]
        )


def test_a_saved_search_is_an_atom_feed_with_one_entry_per_listing(site, catalogue):
    response = site.get("/catalogue/feed.atom")
    assert response.status_code == 200
    feed = feedparser.parse(response.text)
    assert not feed.bozo
    assert feed.version == "atom10"
    rows = shown_rows(catalogue)
    assert len(feed.entries) == len(rows)
    assert [e.id for e in feed.entries] == [f"tag:evaljobs,2026:listing:{r['id']}" for r in rows]
    assert feed.entries[0].link.startswith("https://evaljobs.example/catalogue/listings/")


def test_a_saved_search_feed_follows_its_filters(site, catalogue):
    feed = feedparser.parse(site.get("/catalogue/feed.atom?domain=writing").text)
    writing = [r for r in shown_rows(catalogue) if "writing" in json.loads(r["domains"])]
    assert len(feed.entries) == len(writing)


def test_a_feed_with_nothing_in_it_is_still_valid_atom(site):
    response = site.get("/catalogue/feed.atom?q=zzzznotaword")
    assert response.status_code == 200
    feed = feedparser.parse(response.text)
    assert not feed.bozo and feed.version == "atom10" and feed.entries == []


def test_robots_txt_points_to_the_sitemap_and_keeps_crawlers_off_sql_and_exports(site):
    text = site.get("/robots.txt").text
    assert "Sitemap: https://evaljobs.example/sitemap.xml" in text
    assert "Disallow: /catalogue?sql=" in text
    assert "Disallow: /*.csv" in text
    assert "Disallow: /*?*&" in text


def test_the_sitemap_lists_the_guides_and_every_open_listing_page(site, catalogue):
    response = site.get("/sitemap.xml")
    assert response.headers["content-type"].startswith("application/xml")
    locs = re.findall(r"<loc>([^<]+)</loc>", response.text)
    assert "https://evaljobs.example/" in locs
    assert "https://evaljobs.example/catalogue/scam_watch" in locs
    for row in shown_rows(catalogue):
        assert f"https://evaljobs.example/catalogue/listings/{tilde_encode(row['id'])}" in locs
    assert not any(tilde_encode(sitedata.SCAM_ID) in loc for loc in locs)


@pytest.mark.parametrize(
    "background",
    ["teacher", "lawyer", "coder", "nurse", "bilingual", "writer", "analyst", "generalist"],
)
def test_each_background_page_answers_with_its_advice(site, background):
    response = site.get(f"/catalogue/background_{background}")
    assert response.status_code == 200
    assert 'class="advice"' in response.text


@pytest.mark.parametrize("background", ["writer", "generalist", "coder", "analyst"])
def test_a_background_page_lists_the_open_listings_of_its_fields_and_roles(
    site, catalogue, background
):
    from catalogue.site.plugins.evaljobs_site import BACKGROUNDS

    wanted = BACKGROUNDS[background]
    expected = [
        r["id"]
        for r in shown_rows(catalogue)
        if set(json.loads(r["domains"])) & set(wanted["domains"])
        or set(json.loads(r["role_types"])) & set(wanted["roles"])
    ]
    assert card_ids(site.get(f"/catalogue/background_{background}").text) == expected[:100]


def test_scam_watch_shows_flagged_listings_with_their_evidence(site, catalogue):
    page = html.unescape(site.get("/catalogue/scam_watch").text)
    assert sitedata.SCAM_ID in card_ids(page)
    flags = red_flags_of(catalogue, sitedata.SCAM_ID)
    for _, evidence in flags:
        assert evidence in page
    conn = sqlite3.connect(catalogue["path"])
    relevant = conn.execute(
        "select relevant from listings where id = ?", [sitedata.SCAM_ID]
    ).fetchone()[0]
    conn.close()
    card = page[page.index(f'data-listing-id="{sitedata.SCAM_ID}"') :].split("</article>")[0]
    assert ("Judged not relevant" in card) == (not relevant)
    feed = feedparser.parse(site.get("/catalogue/scam_watch.atom").text)
    entry = next(e for e in feed.entries if e.id.endswith(sitedata.SCAM_ID))
    content = html.unescape(entry.content[0].value)
    assert all(evidence in content for _, evidence in flags), content


def test_a_platform_page_shows_its_official_domains(site):
    page = site.get("/catalogue/employers/mercor").text
    assert "Official domains" in page
    assert "<code>mercor.com</code>" in page
    assert "Open roles" in page


def test_the_employers_page_lists_the_registry_with_open_roles(site):
    rows = site.get("/catalogue/employer_directory.json?_shape=objects").json()["rows"]
    mercor = next(r for r in rows if r["key"] == "mercor")
    assert mercor["kind"] == "platform"
    assert mercor["open_roles"] >= 1


def test_the_sources_page_shows_each_sources_last_crawl_and_terms(site):
    rows = site.get("/catalogue/source_health.json?_shape=objects").json()["rows"]
    remotive = next(r for r in rows if r["slug"] == "remotive")
    assert remotive["last_status"] == "ok"
    assert remotive["last_crawl"] == sitedata.SECOND_RUN
    assert remotive["attribution_text"]
    page = site.get("/catalogue/source_health").text
    assert 'data-source="remotive"' in page


def test_the_red_flags_page_explains_every_flag(site):
    from classifier.judgement import RED_FLAGS

    page = site.get("/red-flags").text
    for flag in RED_FLAGS:
        assert f'id="{flag}"' in page


def test_no_endpoint_writes_to_the_catalogue(site, catalogue):
    before = (
        sqlite3.connect(catalogue["path"]).execute("select count(*) from listings").fetchone()[0]
    )
    response = site.get("/catalogue.json?sql=delete+from+listings")
    assert response.status_code == 400
    response = site.get("/catalogue.json?sql=select+1;+delete+from+listings")
    assert response.status_code == 400
    assert site.post("/catalogue/feed", data={"q": "x"}).status_code == 405
    assert site.post("/catalogue/listing_cards", data={"title": "x"}).status_code == 405
    assert site.get("/catalogue.db").status_code in (403, 404)
    after = (
        sqlite3.connect(catalogue["path"]).execute("select count(*) from listings").fetchone()[0]
    )
    assert before == after


def test_every_page_forbids_third_party_scripts_and_images(site):
    headers = site.get("/").headers
    policy = headers["content-security-policy"]
    assert "default-src 'self'" in policy and "img-src 'self' data:" in policy
    assert headers["x-content-type-options"] == "nosniff"


def test_a_query_over_the_time_limit_gets_a_clear_message(catalogue):
    from site_client import SiteClient

    from catalogue.site_app import make_datasette

    client = SiteClient(make_datasette(catalogue["path"], settings={"sql_time_limit_ms": 20}))
    slow = (
        "with recursive n(i) as (select 1 union all select i + 1 from n where i < 50000000) "
        "select count(*) from n"
    )
    response = client.get("/catalogue?sql=" + urllib.parse.quote(slow))
    client.close()
    assert response.status_code == 400
    assert "That query took too long" in response.text
    assert "20 ms" in response.text


@pytest.mark.parametrize(
    "query", ["", "?_domain=writing", "?_search=writer", "?_closed=1&_irrelevant=1"]
)
def test_the_count_on_the_listings_page_equals_datasettes_own_count(site, query):
    page = site.get("/catalogue/listing_cards" + query).text
    shown_count = int(re.search(r'class="result-count">([\d,]+)<', page).group(1).replace(",", ""))
    counted = site.get("/catalogue/listing_cards.json" + query).json()["filtered_table_rows_count"]
    assert shown_count == counted
    assert "_nocount" not in page  # the site's own shortcut never leaks into its links


@pytest.mark.parametrize("table", ["subscriptions", "deliveries", "digest_messages"])
def test_subscribers_and_deliveries_are_not_published(site, catalogue, table):
    conn = sqlite3.connect(catalogue["path"])
    exists = conn.execute("select count(*) from sqlite_master where name = ?", [table]).fetchone()[
        0
    ]
    conn.close()
    if not exists:
        pytest.skip(f"no {table} table in this catalogue")
    assert site.get(f"/catalogue/{table}").status_code == 403
    assert site.get(f"/catalogue/{table}.json").status_code == 403
    response = site.get("/catalogue.json?sql=" + urllib.parse.quote(f"select * from {table}"))
    assert response.status_code == 400
    assert "is prohibited" in response.json()["error"]
    response = site.get(
        "/catalogue.json?sql=" + urllib.parse.quote(f"select (select count(*) from {table})")
    )
    assert response.status_code == 400
    assert table not in site.get("/catalogue").text


def test_the_listings_table_does_not_copy_descriptions_of_link_out_sources(site, catalogue):
    page = site.get("/catalogue/listings?source=mercor").text
    assert "not copied: this source allows a link, not a copy" in page
    page = site.get("/catalogue/listings?source=remotive&_size=5").text
    assert "not copied" not in page


def test_a_listing_page_lists_every_source_of_the_job_and_applies_on_the_employers_own(
    site, catalogue
):
    conn = sqlite3.connect(catalogue["path"])
    group = conn.execute(
        "select group_id from listings where id = ?", [sitedata.ATS_COPY_ID]
    ).fetchone()[0]
    members = [r[0] for r in conn.execute("select id from listings where group_id = ?", [group])]
    conn.close()
    if len(members) < 2:
        pytest.skip("catalogue.groups did not group the Greenhouse copy with the Remotive posting")
    other = next(m for m in members if m != sitedata.ATS_COPY_ID)
    page = site.get(listing_path(other)).text
    box = page[page.index("Where this job is listed") :]
    assert listing_path(sitedata.ATS_COPY_ID) in box
    assert "Greenhouse job boards" in box and "Remotive" in box
    apply = re.search(r'<a class="apply[^"]*" href="([^"]+)"[^>]*>([^<]+)</a>', page)
    assert apply.group(1) == sitedata.ATS_COPY_URL
    assert apply.group(2) == "Apply on the employer's site"


def test_the_apply_link_prefers_the_employers_own_posting():
    from catalogue.site.plugins.evaljobs_site import apply_link

    listing = {"id": "remotive:1", "url": "https://remotive.com/job/1"}
    members = [
        {
            "id": "remotive:1",
            "url": "https://remotive.com/job/1",
            "source_kind": "board",
            "source_name": "Remotive",
        },
        {
            "id": "greenhouse:9",
            "apply_url": "https://job-boards.greenhouse.io/acme/jobs/9",
            "source_kind": "ats",
        },
        {"id": "lever:3", "url": "javascript:alert(1)", "source_kind": "ats"},
    ]
    chosen = apply_link(listing, members)
    assert chosen["url"] == "https://job-boards.greenhouse.io/acme/jobs/9" and chosen["own"]
    closed_ats = [{**members[1], "closed_at": "2026-09-01T00:00:00Z"}, members[0]]
    assert apply_link(listing, closed_ats)["url"] == "https://remotive.com/job/1"
    assert apply_link(listing, [members[2]]) is None


def test_evidence_is_escaped_before_it_is_marked():
    from catalogue.site.plugins.evaljobs_site import highlight_evidence

    text = "Hello <b>there</b>.\nPay a $50 fee to   apply <now>."
    out = str(highlight_evidence(text, [("pay-to-apply", "Pay a $50 fee to apply <now>.")]))
    assert "<b>" not in out and "&lt;b&gt;there&lt;/b&gt;" in out
    assert '<mark class="evidence" data-flags="pay-to-apply"' in out
    assert "Pay a $50 fee to   apply &lt;now&gt;.</mark>" in out


def test_only_http_links_are_offered():
    from catalogue.site.plugins.evaljobs_site import safe_http_url

    assert safe_http_url("https://example.org/job?id=1") == "https://example.org/job?id=1"
    for bad in (
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "data:text/html,x",
        "//evil.example/x",
        "/relative",
        'https://example.org/"onmouseover=x',
        None,
        42,
    ):
        assert safe_http_url(bad) is None, bad


def test_cards_facets_and_counts_follow_every_write_to_listings(tmp_path):
    from catalogue import store
    from catalogue.schema import open_catalogue

    db = open_catalogue(tmp_path / "c.db")
    judgement = {
        "relevant": True,
        "role_types": ["annotation"],
        "domains": ["law"],
        "verdict": "clean",
    }
    listing = {
        "source": "remotive",
        "source_id": "1",
        "title": "Legal annotator",
        "company": "Acme",
        "url": "https://remotive.com/1",
        "countries": ["US"],
        "judgement": judgement,
    }
    counts = store.store_batch(db, None, [listing], now="2026-09-01T00:00:00Z")
    assert counts.new == 1

    def facet_count(facet: str, value: str) -> int:
        row = db.execute(
            "select n from facet_counts where facet = ? and value = ?", [facet, value]
        ).fetchone()
        return row[0] if row else 0

    assert facet_count("domain", "law") == 1 and facet_count("country", "US") == 1
    card = db.execute(
        "select shown, flags, pay_band from listing_cards where id = 'remotive:1'"
    ).fetchone()
    assert card == (1, "[]", "not-stated")
    flagged = {
        **listing,
        "judgement": {
            **judgement,
            "verdict": "flagged",
            "red_flags": [{"flag": "pay-to-apply", "evidence": "Pay a fee."}],
        },
    }
    store.store_batch(db, None, [flagged], now="2026-09-02T00:00:00Z")
    assert db.execute("select shown, flags from listing_cards").fetchone() == (
        0,
        '["pay-to-apply"]',
    )
    assert facet_count("domain", "law") == 0
    assert db.execute("select count(*) from listing_facets where facet = 'flag'").fetchone()[0] == 1
    for table in ("red_flags", "listing_versions", "listings"):
        db.execute(f"delete from {table}")
    assert db.execute("select count(*) from listing_cards").fetchone()[0] == 0
    assert db.execute("select count(*) from listing_facets").fetchone()[0] == 0
    assert db.execute("select coalesce(sum(n), 0) from facet_counts").fetchone()[0] == 0


def reference_facet_counts(
    catalogue: dict[str, Any], query: dict[str, list[str]]
) -> dict[str, dict[str, int]]:
    """The listings page's facet counts computed the slow, obvious way (the test's oracle)."""
    from catalogue.site.plugins.evaljobs_site import FACETS, _cutoff

    conn = sqlite3.connect(catalogue["path"])
    cards = {
        r[0]: r
        for r in conn.execute(
            "select card, shown, is_open, relevant, is_flagged, listed_at from listing_cards"
        )
    }
    facets: dict[int, set[tuple[str, str]]] = {}
    for card, facet, value in conn.execute("select card, facet, value from listing_facets"):
        facets.setdefault(card, set()).add((facet, value))
    conn.close()
    shows = {k for k in ("_closed", "_irrelevant", "_flagged") if k in query}
    selected = []
    for card, shown, is_open, relevant, flagged, listed_at in cards.values():
        if not shows and not shown:
            continue
        if shows and (
            ("_closed" not in shows and not is_open)
            or ("_irrelevant" not in shows and not relevant)
            or ("_flagged" not in shows and flagged)
        ):
            continue
        ok = True
        for facet, (param, _h, _l) in FACETS.items():
            if param in query and not any(
                (facet, v) in facets.get(card, set()) for v in query[param]
            ):
                ok = False
        if "_within" in query and not (listed_at and listed_at >= _cutoff(query["_within"][0])):
            ok = False
        if ok:
            selected.append(card)
    counts: dict[str, dict[str, int]] = {}
    for card in selected:
        for facet, value in facets.get(card, set()):
            counts.setdefault(facet, {})[value] = counts.setdefault(facet, {}).get(value, 0) + 1
    return counts


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"_domain": ["general"]},
        {"_role": ["response-rating"], "_pay": ["not-stated"]},
        {"_closed": ["1"], "_irrelevant": ["1"]},
        {"_flagged": ["1"], "_verdict": ["flagged", "review"]},
        {"_country": ["US", "anywhere"], "_within": ["month"]},
    ],
)
def test_facet_counts_from_bitmaps_and_from_sql_equal_the_obvious_count(site, catalogue, query):
    from catalogue.site.plugins.evaljobs_site import facet_bitmaps

    qs = urllib.parse.urlencode([(k, v) for k, values in query.items() for v in values])
    path = f"/catalogue/listing_cards.json?_facet_size=max&{qs}"
    expected = reference_facet_counts(catalogue, query)
    by_sql = site.get(path + "&card__gte=0").json()  # a column filter: only SQL can answer
    site._run(facet_bitmaps(site.ds, wait=True))
    by_bitmaps = site.get(path).json()
    for data in (by_sql, by_bitmaps):
        for facet in (
            "role",
            "domain",
            "lang",
            "country",
            "employer",
            "verdict",
            "source",
            "pay",
            "remote",
            "flag",
        ):
            got = {
                r["value"]: r["count"]
                for r in data["facet_results"].get(facet, {}).get("results", [])
            }
            assert got == expected.get(facet, {}), (facet, query)


def test_facet_counts_catch_up_with_a_write_within_one_rebuild(tmp_path):
    from site_client import SiteClient

    from catalogue import store
    from catalogue.schema import open_catalogue
    from catalogue.site.plugins.evaljobs_site import facet_bitmaps
    from catalogue.site_app import make_datasette

    def listing(n: int) -> dict[str, Any]:
        return {
            "source": "remotive",
            "source_id": str(n),
            "title": f"Legal rater {n}",
            "company": "Acme",
            "judgement": {"relevant": True, "role_types": ["response-rating"], "domains": ["law"]},
        }

    path = tmp_path / "c.db"
    db = open_catalogue(path)
    store.store_batch(db, None, [listing(1)])
    client = SiteClient(make_datasette(path))
    try:
        client._run(facet_bitmaps(client.ds, wait=True))
        law = client.get("/catalogue/listing_cards.json?_domain=law").json()["facet_results"][
            "domain"
        ]["results"]
        assert law[0]["count"] == 1
        store.store_batch(db, None, [listing(2)])
        # The rows and Datasette's count are read from SQLite: right at once.
        data = client.get("/catalogue/listing_cards.json?_domain=law").json()
        assert data["filtered_table_rows_count"] == 2 and len(data["rows"]) == 2
        # The facet counts may lag until the rebuild the write started has finished.
        assert data["facet_results"]["domain"]["results"][0]["count"] in (1, 2)
        client._run(facet_bitmaps(client.ds, wait=True))
        law = client.get("/catalogue/listing_cards.json?_domain=law").json()["facet_results"][
            "domain"
        ]["results"]
        assert law[0]["count"] == 2
    finally:
        client.close()
        db.conn.close()
