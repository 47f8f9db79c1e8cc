"""Hacker News "Ask HN: Who is hiring?": the monthly thread through the Algolia HN API.

A run finds the newest thread (`search_by_date?tags=story,author_whoishiring`), then reads
its whole comment tree in one request (`items/{id}`); `-a story=ID` names a thread
directly. Each top-level comment is a post: `crawler.hn.parse_hn_comment` reads its
employer, roles, location, pay and apply link, and a post naming several roles gives one
listing per role (`<comment id>-<n>`). Replies are not posts; deleted or dead comments are
skipped and counted. The Algolia search endpoint (`hits`, paged) parses too. Posts are
kept when they name a search term or relevance hint; the comment itself is the source
link (sources.yaml: link-out, the posters' own words).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.hn import fallback_title, parse_hn_comment
from crawler.items import JobListing
from crawler.sources import source_terms
from crawler.spiders.base import SourceSpider

THREAD_PREFIX = "ask hn: who is hiring"
_GONE = {"", "[deleted]", "[dead]", "[flagged]"}


class HnHiringSpider(SourceSpider):
    name = "hn_hiring"
    default_base_url = "https://hn.algolia.com/api/v1"
    attribution = source_terms("hn_hiring").attribution_text

    def __init__(self, *args: Any, story: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.story_id = story

    @classmethod
    def capture_url(cls, path: Any) -> str:
        return f"{cls.default_base_url}/items/0"

    def start_requests(self) -> Iterator[scrapy.Request]:
        if self.story_id:
            url = f"{self.base_url}/items/{self.story_id}"
        else:
            url = f"{self.base_url}/search_by_date?tags=story,author_whoishiring&hitsPerPage=10"
        request = self.within_budget(
            scrapy.Request(url, callback=self.parse, errback=self.on_request_error)
        )
        if request is not None:
            yield request

    def parse(self, response: Response) -> Iterator[JobListing | scrapy.Request]:
        data = self.load_json(response)
        if data is None:
            return
        if isinstance(data, dict) and isinstance(data.get("children"), list):
            yield from self.parse_thread(data, response)
        elif isinstance(data, dict) and isinstance(data.get("hits"), list):
            hits = data["hits"]
            if hits and all("story" in (h.get("_tags") or []) for h in hits if isinstance(h, dict)):
                yield from self.follow_newest_thread(hits, response)
            else:
                yield from self.parse_hits(data, response)
        else:
            self.parse_failed(response, "neither an item tree ('children') nor search hits")

    # ------------------------------------------------------------ the three answer shapes

    def follow_newest_thread(self, hits: list[Any], response: Response) -> Iterator[scrapy.Request]:
        threads = [
            h
            for h in hits
            if isinstance(h, dict) and str(h.get("title") or "").lower().startswith(THREAD_PREFIX)
        ]
        if not threads:
            self.mark_failed("no 'Ask HN: Who is hiring?' thread in the search answer")
            return
        newest = max(threads, key=lambda h: h.get("created_at_i") or 0)
        request = self.within_budget(
            scrapy.Request(
                f"{self.base_url}/items/{newest['objectID']}",
                callback=self.parse,
                errback=self.on_request_error,
            )
        )
        if request is not None:
            yield request

    def parse_thread(self, data: dict[str, Any], response: Response) -> Iterator[JobListing]:
        story_id = data.get("id")
        thread = data.get("title") or (f"story {story_id}" if story_id else None)
        children = data["children"]
        if not children:
            self.mark_partial(f"thread {story_id} has no comments")
        for child in children:
            if not isinstance(child, dict):
                self.skip("malformed_comment", str(child)[:80], response)
                continue
            # Only top-level comments are posts; the tree's own nesting says which they are.
            yield from self.listings_of_comment(
                child.get("id"), child.get("text"), child, thread, response
            )

    def parse_hits(
        self, data: dict[str, Any], response: Response
    ) -> Iterator[JobListing | scrapy.Request]:
        for hit in data["hits"]:
            if not isinstance(hit, dict):
                self.skip("malformed_comment", str(hit)[:80], response)
                continue
            if hit.get("parent_id") != hit.get("story_id"):
                self._inc("evaljobs/replies_ignored")
                continue
            yield from self.listings_of_comment(
                hit.get("objectID"), hit.get("comment_text"), hit, hit.get("story_title"), response
            )
        page, pages = data.get("page"), data.get("nbPages")
        if isinstance(page, int) and isinstance(pages, int) and page + 1 < pages:
            url = _with_page(response.url, page + 1)
            request = self.within_budget(
                scrapy.Request(url, callback=self.parse, errback=self.on_request_error)
            )
            if request is not None:
                yield request

    # ------------------------------------------------------------ one post

    def listings_of_comment(
        self,
        comment_id: Any,
        markup: Any,
        comment: dict[str, Any],
        thread: str | None,
        response: Response,
    ) -> Iterator[JobListing]:
        if not comment_id:
            self.skip("malformed_comment", str(comment)[:80], response)
            return
        if (
            comment.get("dead")
            or comment.get("deleted")
            or not comment.get("author")
            or str(markup or "").strip() in _GONE
        ):
            self.skip("deleted_comment", str(comment_id), response)
            return
        posting = parse_hn_comment(str(markup))
        matched = self.matched_terms(posting.text)
        if not matched and not self.keep_unmatched:
            self._inc("evaljobs/unmatched")
            return
        titles = posting.titles or [fallback_title(posting)]
        for n, title in enumerate(titles, start=1):
            yield self.make_listing(
                source_id=str(comment_id) if len(titles) == 1 else f"{comment_id}-{n}",
                board=thread,
                url=f"https://news.ycombinator.com/item?id={comment_id}",
                apply_url=posting.apply_url,
                title=title,
                company=posting.employer,
                description_html=str(markup),
                location_raw=posting.location or posting.remote,
                remote_raw=posting.remote,
                pay_text=posting.pay,
                employment_type=posting.employment_type,
                posted_raw=comment.get("created_at") or comment.get("created_at_i"),
                tags=matched,
            )


def _with_page(url: str, page: int) -> str:
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "page"]
    query.append(("page", str(page)))
    return urlunsplit(parts._replace(query=urlencode(query)))
