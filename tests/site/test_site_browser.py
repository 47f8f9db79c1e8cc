"""The site in a real headless Chromium against `evaljobs serve` over the test catalogue.

Each test drives Debian's Chromium through Playwright; the page screenshots of the home page,
a filtered search and a flagged listing are taken (kept when EVALJOBS_SCREENSHOTS_DIR is set).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import urllib.request
from pathlib import Path
from typing import Any

import feedparser
import pytest
import sitedata
from datasette.utils import tilde_encode

pytestmark = pytest.mark.browser


def shown(catalogue: dict[str, Any]) -> list[sqlite3.Row]:
    conn = sqlite3.connect(catalogue["path"])
    conn.row_factory = sqlite3.Row
    rows = list(conn.execute("select * from listing_cards where shown = 1 order by listed_at desc"))
    conn.close()
    return rows


def screenshot(page: Any, name: str) -> None:
    # Tests never rewrite tracked files: the README's pictures come from the demo catalogue
    # (scripts/screenshots.py); set EVALJOBS_SCREENSHOTS_DIR to keep these for a look.
    folder = os.environ.get("EVALJOBS_SCREENSHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name), full_page=True)
    else:
        assert page.screenshot(full_page=True)[:8] == b"\x89PNG\r\n\x1a\n"


def test_listing_cards_render_with_their_verdict_badges(page, server, catalogue):
    page.goto(server + "/")
    cards = page.locator("article.card")
    assert cards.count() == min(12, len(shown(catalogue)))
    first = cards.first
    assert first.locator("h3.card-title a").inner_text().strip()
    badge = first.locator(".badge").first
    assert badge.is_visible()
    assert badge.inner_text() in ("No red flags", "Check first", "Likely scam")
    assert first.locator(".chip").count() >= 1
    screenshot(page, "home.png")


def test_clicking_a_facet_value_filters_the_listings(page, server):
    page.goto(server + "/catalogue/listing_cards")
    before = int(page.locator(".result-count").inner_text().replace(",", ""))
    link = page.locator('.facet[data-facet="domain"] li a').first
    value = link.get_attribute("data-value")
    expected = int(link.locator("xpath=..").locator(".count").inner_text().replace(",", ""))
    link.click()
    page.wait_for_load_state()
    assert f"_domain={value}" in page.url
    after = int(page.locator(".result-count").inner_text().replace(",", ""))
    assert after == expected <= before
    assert (
        page.locator('.facet[data-facet="domain"] li.selected a').get_attribute("data-value")
        == value
    )
    for card in page.locator("article.card").all():
        assert card.locator(f'.chip-domain a[href$="_domain={value}"]').count() == 1


def test_searching_finds_a_known_listing_and_marks_the_match(page, server, catalogue):
    target = shown(catalogue)[0]
    word = max(re.findall(r"[A-Za-z]{5,}", target["title"]), key=len)
    page.goto(server + "/catalogue/listing_cards")
    page.fill('form.search input[name="_search"]', word)
    page.click("form.search button")
    page.wait_for_load_state()
    assert page.locator(f'article.card[data-listing-id="{target["id"]}"]').count() == 1
    assert page.locator("article.card mark.match").count() >= 1


def test_a_filtered_search_looks_right(page, server, catalogue):
    target = next(r for r in shown(catalogue) if r["domains"] != "[]")
    word = max(re.findall(r"[A-Za-z]{5,}", target["title"]), key=len)
    domain = json.loads(target["domains"])[0]
    page.goto(server + f"/catalogue/listing_cards?_search={word}&_domain={domain}")
    assert page.locator(f'article.card[data-listing-id="{target["id"]}"]').count() == 1
    screenshot(page, "filtered-search.png")


def test_a_flagged_listings_page_highlights_its_evidence(page, server, catalogue):
    page.goto(server + f"/catalogue/listings/{tilde_encode(sitedata.SCAM_ID)}")
    marks = page.locator(".description-text mark.evidence")
    texts = [" ".join(m.inner_text().split()) for m in marks.all()]
    conn = sqlite3.connect(catalogue["path"])
    flags = conn.execute(
        "select flag, evidence from red_flags where listing_id = ?", [sitedata.SCAM_ID]
    ).fetchall()
    conn.close()
    assert flags
    for _, evidence in flags:
        assert any(" ".join(evidence.split()) in text for text in texts), evidence
    # Highlighted: the mark has a background colour the rest of the text does not.
    background = marks.first.evaluate("m => getComputedStyle(m).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    assert page.locator(".badge-flagged").first.inner_text() == "Likely scam"
    assert page.locator(".flag-explained").count() == len(flags)
    screenshot(page, "flagged-listing.png")


def test_hostile_listing_text_is_shown_and_never_executed(page, server):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for path in (
        f"/catalogue/listings/{tilde_encode(sitedata.HOSTILE_ID)}",
        "/catalogue/listing_cards?_irrelevant=1&_search=chatbot",
    ):
        page.goto(server + path)
        page.wait_for_load_state("load")
        assert page.evaluate("() => window.__pwned") is None
        assert page.locator("img").count() == 0
        assert "<script>window.__pwned" in page.locator("body").inner_text()
        for link in page.locator("a").all():
            assert not (link.get_attribute("href") or "").strip().lower().startswith("javascript:")
        assert page.locator("a", has_text="click me").count() == 0
    assert dialogs == []


def test_the_atom_feed_parses_as_atom_with_one_entry_per_listing(page, server, catalogue):
    response = page.request.get(server + "/catalogue/feed.atom")
    assert response.status == 200
    feed = feedparser.parse(response.body())
    assert not feed.bozo and feed.version == "atom10"
    rows = shown(catalogue)
    assert len(feed.entries) == len(rows)
    assert {e.link for e in feed.entries} == {
        f"{server}/catalogue/listings/{tilde_encode(r['id'])}" for r in rows
    }
    # The listings page announces the feed of its own search.
    domain = next(json.loads(r["domains"])[0] for r in rows if r["domains"] != "[]")
    page.goto(server + f"/catalogue/listing_cards?_domain={domain}")
    href = page.locator('link[rel="alternate"][type="application/atom+xml"]').get_attribute("href")
    with urllib.request.urlopen(server + href) as answer:  # loopback only
        narrowed = feedparser.parse(answer.read())
    assert 0 < len(narrowed.entries) <= len(rows)
