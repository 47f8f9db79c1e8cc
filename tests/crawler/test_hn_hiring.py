"""The hn_hiring spider on the real recorded Algolia answers (item tree and search hits)."""

from __future__ import annotations

import json

import pytest
from scrapy.http import Request, TextResponse

from crawler.items import JobListing
from crawler.spiders.hn_hiring import HnHiringSpider

ITEM = "item-48747976-who-is-hiring-july-2026-trimmed4.json"
ITEM_URL = "https://hn.algolia.com/api/v1/items/48747976"
SEARCH = "search-comments-story47219668-hpp3-2026-03-28.json"
SEARCH_URL = "https://hn.algolia.com/api/v1/search?tags=comment,story_47219668&hitsPerPage=3"


@pytest.fixture
def thread(parse_capture):
    return {item["source_id"]: item for item in parse_capture("hn_hiring", ITEM, url=ITEM_URL)}


@pytest.fixture
def flywheel(thread):
    return thread["48747990-2"]


def data(fixtures_dir, name: str = ITEM) -> dict:
    return json.loads((fixtures_dir / "hn_hiring" / name).read_bytes())


def parse_body(
    content: bytes, url: str = ITEM_URL, spider: HnHiringSpider | None = None
) -> tuple[list, dict]:
    spider = spider or HnHiringSpider()
    response = TextResponse(url=url, body=content, headers={"Content-Type": "application/json"})
    return list(spider.parse(response)), spider._stats_fallback


def test_each_top_level_comment_gives_a_listing_per_role(thread):
    assert sorted(thread) == [
        "48747987",
        "48747990-1",
        "48747990-2",
        "48747990-3",
        "48748003",
        "48748007",
    ]


def test_a_role_of_a_several_role_post_keeps_title_employer_and_comment_link(flywheel):
    assert flywheel["id"] == "hn_hiring:48747990-2"
    assert flywheel["title"] == "Sr Agentic Engineer"
    assert flywheel["company"] == "We The Flywheel"
    assert flywheel["url"] == "https://news.ycombinator.com/item?id=48747990"


def test_the_comment_html_becomes_the_description_text(flywheel):
    assert flywheel["description"].startswith("We The Flywheel | AI-Native Engineers & Operators")
    assert "&#x27;" not in flywheel["description"] and "<p>" not in flywheel["description"]


def test_posted_date_is_the_comment_time_in_utc(flywheel):
    assert flywheel["posted_at"] == "2026-07-01T15:02:00Z"


def test_remote_worldwide_and_employment_type_from_the_headline(flywheel):
    assert flywheel["remote_raw"] == "REMOTE (worldwide)"
    assert flywheel["remote_scope"] == "worldwide"
    assert flywheel["employment_type"] == "Contract / Part-time (10–40 hrs/wk)"


def test_pay_and_apply_link_from_the_headline(thread):
    smarter = thread["48748003"]
    assert smarter["pay_text"] == "150-250k+ + equity + benefits"
    assert smarter["apply_url"] == "https://smarterdx.com/careers"
    assert smarter["countries"] == ["US"]


def test_the_thread_title_is_the_board(flywheel):
    assert flywheel["board"] == "Ask HN: Who is hiring? (July 2026)"


def test_a_post_without_structure_is_one_listing_with_unknown_employer(thread):
    caselight = thread["48747987"]
    assert caselight["company"] is None
    assert caselight["title"].startswith("CaseLight is looking for a U.S.-based developer")
    assert caselight["description"].startswith("CaseLight is looking for")


def test_every_listing_names_hacker_news(thread):
    assert {item["attribution"] for item in thread.values()} == {
        'From Hacker News "Ask HN: Who is hiring?"'
    }
    assert thread["48748003"]["fetched_at"] == "2026-09-15T12:00:00Z"


def test_the_search_endpoint_gives_top_level_posts_and_ignores_replies(parse_capture):
    (faqta,) = parse_capture("hn_hiring", SEARCH, url=SEARCH_URL)
    assert faqta["source_id"] == "47398997"
    assert (faqta["title"], faqta["company"]) == (
        "Medior Backend Developer (Node.js / TypeScript)",
        "Faqta",
    )
    assert (faqta["pay_min"], faqta["pay_max"], faqta["pay_currency"], faqta["pay_unit"]) == (
        3000.0,
        3525.0,
        "EUR",
        "month",
    )
    assert faqta["board"] == "Ask HN: Who is hiring? (March 2026)"
    assert faqta["apply_url"] == "https://vacatures.faqta.nl/vacature-medior-backend-developer"


def test_replies_in_search_hits_are_counted_not_skipped(fixtures_dir):
    _items, stats = parse_body(json.dumps(data(fixtures_dir, SEARCH)).encode(), SEARCH_URL)
    assert stats["evaljobs/replies_ignored"] == 2
    assert "evaljobs/skipped" not in stats


def test_a_live_search_answer_asks_for_its_next_page(fixtures_dir):
    items, _ = parse_body(json.dumps(data(fixtures_dir, SEARCH)).encode(), SEARCH_URL)
    (request,) = [r for r in items if isinstance(r, Request)]
    assert request.url.endswith("&page=1")


def test_deleted_and_dead_comments_are_skipped_and_counted(fixtures_dir):
    tree = data(fixtures_dir)
    tree["children"].append({"id": 1, "author": None, "text": None, "children": []})
    tree["children"].append({"id": 2, "author": "x", "text": "[dead]", "children": []})
    spider = HnHiringSpider(match="all")
    items, stats = parse_body(json.dumps(tree).encode(), spider=spider)
    assert len([i for i in items if isinstance(i, JobListing)]) == 6
    assert stats["evaljobs/skipped/deleted_comment"] == 2


def test_a_live_parse_keeps_posts_naming_a_search_term(fixtures_dir):
    tree = data(fixtures_dir)
    tree["children"][2]["text"] += "<p>Hiring an AI trainer for RLHF work."
    items, stats = parse_body(json.dumps(tree).encode())
    assert [i["source_id"] for i in items] == ["48748003"]
    assert items[0]["tags"] == ["RLHF", "AI trainer"]
    assert stats["evaljobs/unmatched"] == 3


def test_the_newest_thread_is_found_then_read_whole():
    spider = HnHiringSpider()
    (search,) = spider.start_requests()
    assert "tags=story,author_whoishiring" in search.url
    hits = {
        "hits": [
            {
                "_tags": ["story"],
                "objectID": "1",
                "title": "Ask HN: Who wants to be hired? (July 2026)",
                "created_at_i": 3,
            },
            {
                "_tags": ["story"],
                "objectID": "48747976",
                "title": "Ask HN: Who is hiring? (July 2026)",
                "created_at_i": 2,
            },
            {
                "_tags": ["story"],
                "objectID": "47219668",
                "title": "Ask HN: Who is hiring? (March 2026)",
                "created_at_i": 1,
            },
        ]
    }
    (thread,) = parse_body(json.dumps(hits).encode(), search.url, spider)[0]
    assert thread.url == ITEM_URL


def test_a_named_story_is_read_directly():
    (request,) = HnHiringSpider(story="48747976").start_requests()
    assert request.url == ITEM_URL


def test_a_truncated_body_is_a_counted_parse_failure(fixtures_dir):
    content = (fixtures_dir / "hn_hiring" / ITEM).read_bytes()[:1500]
    items, stats = parse_body(content)
    assert items == [] and stats["evaljobs/parse_failures"] == 1


def test_an_answer_of_another_shape_is_a_parse_failure():
    items, stats = parse_body(b'{"id": 1, "title": "x"}')
    assert items == [] and stats["evaljobs/parse_failures"] == 1


@pytest.mark.slow
def test_a_real_crawl_finds_the_thread_then_reads_it_whole(tmp_path, fixtures_dir):
    from evaljobs.fixture_server import Route
    from tests.crawler.crawl_harness import loopback_crawl

    threads = {
        "hits": [
            {
                "_tags": ["story"],
                "objectID": "48747976",
                "title": "Ask HN: Who is hiring? (July 2026)",
                "created_at_i": 2,
            }
        ]
    }
    routes = [
        Route("hn_hiring", r"^/search_by_date", body=json.dumps(threads).encode()),
        Route("hn_hiring", r"^/items/48747976", file=fixtures_dir / "hn_hiring" / ITEM),
    ]
    result, requests = loopback_crawl(tmp_path, "hn_hiring", routes, {"match": "all"})
    assert [r.split("?")[0] for r in requests] == [
        "/hn_hiring/search_by_date",
        "/hn_hiring/items/48747976",
    ]
    assert result.status == "ok", result.log_tail
    assert result.run["items"] == 6
