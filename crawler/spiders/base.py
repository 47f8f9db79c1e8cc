"""The base of every evaljobs spider: base URL from settings, item making, counted skips.

A source's spider subclasses `SourceSpider`, sets `name` (the source slug) and
`default_base_url`, and writes `start_requests` and parse callbacks that yield `JobListing`s
made with `make_listing`. Everything that goes wrong is counted in the crawl stats under
``evaljobs/...`` and logged with the source and URL; the store reads those counters to
decide whether the run was ok, partial or failed (only ok runs close listings).
`parse_capture` lets `evaljobs parse` and the tests run a spider's parsing on one recorded
response with no network.
"""

from __future__ import annotations

import codecs
import json
import logging
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

import scrapy
from scrapy.http import Response

from crawler.items import JobListing

logger = logging.getLogger(__name__)

# Stats keys the store reads to judge a run.
STAT_PARSE_FAILURES = "evaljobs/parse_failures"
STAT_REQUEST_FAILURES = "evaljobs/request_failures"
STAT_PARTIAL = "evaljobs/partial"
STAT_FAILED = "evaljobs/failed"
STAT_SKIPPED = "evaljobs/skipped"
STAT_ITEMS = "evaljobs/items_yielded"
STAT_REQUESTS = "evaljobs/requests_issued"
STAT_BUDGET_EXHAUSTED = "evaljobs/budget_exhausted"


class SourceSpider(scrapy.Spider):
    """A spider for one source; subclasses set `name` and `default_base_url`."""

    default_base_url: str = ""
    attribution: str = ""
    # Fixed "now" for tests and captures: ISO-8601 text, set by the EVALJOBS_FROZEN_NOW setting.
    frozen_now: str | None = None

    def __init__(
        self, *args: Any, base_url: str | None = None, match: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._base_url_override = base_url
        # Feed sources keep only postings that name a search term; `-a match=all` keeps all.
        self.keep_unmatched = match == "all"
        self._stats_fallback: dict[str, Any] = {}

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> SourceSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.frozen_now = crawler.settings.get("EVALJOBS_FROZEN_NOW") or None
        return spider

    # ------------------------------------------------------------ politeness

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        """Apply the source's own download delay (crawler/sources.yaml) to its crawls.

        Set at "spider" priority, so a command-line setting (tests on loopback) still wins.
        """
        super().update_settings(settings)
        terms = cls.terms()
        if terms is not None:
            settings.set("DOWNLOAD_DELAY", terms.download_delay, priority="spider")

    @classmethod
    def terms(cls) -> Any | None:
        """The source's SourceTerms, or None for a spider without an entry in sources.yaml."""
        from crawler.config import ConfigError
        from crawler.sources import source_terms

        try:
            return source_terms(cls.name)
        except ConfigError:
            return None

    @property
    def request_budget(self) -> int | None:
        """Most requests one run may make: EVALJOBS_REQUEST_BUDGETS[name], then sources.yaml."""
        settings = getattr(self, "settings", None)
        budgets = settings.getdict("EVALJOBS_REQUEST_BUDGETS") if settings is not None else {}
        if budgets.get(self.name) is not None:
            return int(budgets[self.name])
        terms = self.terms()
        return terms.request_budget if terms is not None else None

    def within_budget(self, request: scrapy.Request) -> scrapy.Request | None:
        """`request` if the run's request budget allows one more, else None.

        A request left out for want of budget means the run did not see the whole source:
        it is counted, logged and the run marked partial (so it closes no listings).
        """
        budget = self.request_budget
        spent = self._stat_value(STAT_REQUESTS)
        if budget is not None and spent >= budget:
            logger.warning(
                "[%s] request budget of %d spent; not asking %s", self.name, budget, request.url
            )
            self._inc(STAT_BUDGET_EXHAUSTED)
            self.mark_partial(f"request budget of {budget} spent before the source was read whole")
            return None
        self._inc(STAT_REQUESTS)
        return request

    # ------------------------------------------------------------ local matching

    def matched_terms(self, *texts: Any) -> list[str]:
        """The search terms and relevance hints named in `texts` (whole words, any case).

        Sources read whole (a feed, not a search) use it to keep the postings about this
        kind of work; the terms found also go into the listing's `board`. HTML is fine.
        """
        return _term_matcher()(" ".join(str(t) for t in texts if t))

    # ------------------------------------------------------------ settings

    @property
    def base_url(self) -> str:
        """The source's base URL: spider argument, then EVALJOBS_BASE_URLS[name], then default."""
        if self._base_url_override:
            return self._base_url_override.rstrip("/")
        settings = getattr(self, "settings", None)
        urls = settings.getdict("EVALJOBS_BASE_URLS") if settings is not None else {}
        return str(urls.get(self.name) or self.default_base_url).rstrip("/")

    def now_iso(self) -> str:
        if self.frozen_now:
            return self.frozen_now
        return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    async def start(self) -> Any:
        """Scrapy >= 2.13 asks `start()`, not `start_requests()`: bridge to the latter.

        Spiders here write `start_requests()` (a plain generator, easy to test); without
        this bridge Scrapy 2.19 would only read `start_urls` and crawl nothing.
        """
        for request in self.start_requests():
            yield request

    def start_requests(self) -> Iterator[Any]:
        yield from ()

    # ------------------------------------------------------------ items

    def make_listing(self, **fields: Any) -> JobListing:
        """A JobListing of this source, stamped with its fetch time and attribution."""
        item = JobListing(source=self.name, fetched_at=self.now_iso())
        if self.attribution:
            item["attribution"] = self.attribution
        for key, value in fields.items():
            if value is not None:
                item[key] = value
        self._inc(STAT_ITEMS)
        return item

    # ------------------------------------------------------------ bad input

    def load_json(self, response: Response) -> Any | None:
        """The response body as JSON, or None (counted, logged, run marked partial).

        A UTF-8 byte-order mark and bodies in another declared encoding are accepted.
        """
        body = response.body
        try:
            if body.startswith(codecs.BOM_UTF8):
                text = body[len(codecs.BOM_UTF8) :].decode("utf-8")
            else:
                try:
                    text = body.decode("utf-8")
                except UnicodeDecodeError:
                    text = body.decode(
                        getattr(response, "encoding", None) or "latin-1", errors="replace"
                    )
            return json.loads(text)
        except (ValueError, UnicodeDecodeError) as error:
            self.parse_failed(response, f"body is not JSON ({error.__class__.__name__}: {error})")
            return None

    def parse_failed(self, response: Response | None, reason: str) -> None:
        """A response we could not read: counted, logged with the URL, run marked partial."""
        url = response.url if response is not None else "-"
        logger.warning("[%s] parse failure at %s: %s", self.name, url, reason)
        self._inc(STAT_PARSE_FAILURES)
        self.mark_partial(reason)

    def skip(self, reason: str, detail: str = "", response: Response | None = None) -> None:
        """A record we leave out on purpose (malformed, not a posting): counted and logged."""
        url = response.url if response is not None else "-"
        logger.info("[%s] skipped (%s) at %s %s", self.name, reason, url, detail)
        self._inc(STAT_SKIPPED)
        self._inc(f"{STAT_SKIPPED}/{reason}")

    def mark_partial(self, reason: str) -> None:
        self._set(STAT_PARTIAL, reason)

    def mark_failed(self, reason: str) -> None:
        self._set(STAT_FAILED, reason)

    def on_request_error(self, failure: Any) -> None:
        """Errback: an HTTP error or a timeout after retries. Counted; the run closes nothing."""
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "-"
        response = getattr(getattr(failure, "value", None), "response", None)
        status = getattr(response, "status", None)
        logger.warning(
            "[%s] request failed at %s: %s", self.name, url, status or failure.getErrorMessage()
        )
        self._inc(STAT_REQUEST_FAILURES)
        self.mark_partial(f"request failed: {url} ({status or failure.type.__name__})")

    # ------------------------------------------------------------ offline parsing

    @classmethod
    def capture_url(cls, path: Any) -> str:
        """The URL a recorded response of this source most likely answered (override)."""
        return cls.default_base_url or f"https://{cls.name}.invalid/"

    def parse_capture(self, response: Response) -> Iterator[JobListing]:
        """Listings of one recorded response, following no links (for `evaljobs parse`).

        Every posting is kept, matched or not: a capture is parsed to be looked at whole.
        """
        self.keep_unmatched = True
        yield from _items_only(self.parse(response))

    # ------------------------------------------------------------ stats

    def _stats(self) -> Any:
        crawler = getattr(self, "crawler", None)
        return crawler.stats if crawler is not None else None

    def _inc(self, key: str, count: int = 1) -> None:
        stats = self._stats()
        if stats is not None:
            stats.inc_value(key, count)
        else:
            self._stats_fallback[key] = self._stats_fallback.get(key, 0) + count

    def _stat_value(self, key: str) -> int:
        stats = self._stats()
        value = stats.get_value(key) if stats is not None else self._stats_fallback.get(key)
        return int(value or 0)

    def _set(self, key: str, value: Any) -> None:
        stats = self._stats()
        if stats is not None:
            if stats.get_value(key) is None:
                stats.set_value(key, value)
        else:
            self._stats_fallback.setdefault(key, value)


def _items_only(results: Iterable[Any] | None) -> Iterator[JobListing]:
    for result in results or ():
        if isinstance(result, JobListing):
            yield result


STAT_UNKNOWN_BOARDS = "evaljobs/unknown_boards"
STAT_EMPTY_BOARDS = "evaljobs/empty_boards"


class BoardSpider(SourceSpider):
    """A spider reading one board per registry employer on an ATS platform.

    The boards come from `-a boards=a,b` when given (tests, one-off checks), else from the
    registry (`board_tokens(name)`). A board the ATS does not know (404) is a registry entry
    to fix, not a broken source: counted under ``evaljobs/unknown_boards`` and logged,
    without marking the run partial.
    """

    handle_httpstatus_list = [404]

    def __init__(self, *args: Any, boards: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.board_list = [b.strip() for b in boards.split(",") if b.strip()] if boards else None

    def boards(self) -> list[str]:
        return self.board_list or board_tokens(self.name, getattr(self, "settings", None))

    def board_url(self, board: str) -> str:  # pragma: no cover - abstract
        """The URL of the API answer for one whole board (each platform names its own)."""
        raise NotImplementedError

    def board_request(self, board: str) -> scrapy.Request:
        """The first request of one board, answered by `parse(response, board=...)`."""
        return scrapy.Request(
            self.board_url(board),
            callback=self.parse,
            errback=self.on_request_error,
            cb_kwargs={"board": board},
        )

    def start_requests(self) -> Iterator[scrapy.Request]:
        for board in self.boards():
            request = self.board_request(board)
            if self.within_budget(request) is not None:
                yield request

    def board_json(self, response: Response, board: str | None) -> Any | None:
        """The board's answer as JSON, or None: an unknown board (404) or an unreadable body.

        Both are already counted and logged here, so a caller just returns on None.
        """
        if response.status == 404:
            self.unknown_board(response, board)
            return None
        return self.load_json(response)

    def well_formed(
        self, record: Any, id_key: str, title_key: str, reason: str, response: Response
    ) -> bool:
        """Whether `record` is an object with an id and a non-blank title; else skipped.

        A record without them cannot become a listing (no identity, nothing to show), so it
        is counted as skipped under `reason` rather than failing the run.
        """
        if (
            not isinstance(record, dict)
            or not record.get(id_key)
            or not str(record.get(title_key) or "").strip()
        ):
            self.skip(reason, str(record)[:80], response)
            return False
        return True

    def unknown_board(self, response: Response, board: str | None) -> None:
        logger.warning(
            "[%s] board %r not found (%s) at %s: fix crawler/employers.yaml",
            self.name,
            board,
            response.status,
            response.url,
        )
        self._inc(STAT_UNKNOWN_BOARDS)
        self._inc(f"{STAT_UNKNOWN_BOARDS}/{board}")

    def empty_board(self, response: Response, board: str | None) -> None:
        """A board that answered with no postings: maybe none open, maybe a wrong token."""
        logger.info("[%s] board %r listed no postings at %s", self.name, board, response.url)
        self._inc(STAT_EMPTY_BOARDS)
        self._inc(f"{STAT_EMPTY_BOARDS}/{board}")


def board_tokens(ats: str, settings: Any) -> list[str]:
    """Board tokens of the registry employers on `ats` (fixture-only boards when asked)."""
    from crawler.registry import boards_for, load_registry

    include = bool(settings.getbool("EVALJOBS_INCLUDE_FIXTURE_BOARDS")) if settings else False
    return [token for _key, token in boards_for(ats, load_registry(), include_fixture_only=include)]


@lru_cache(maxsize=1)
def _term_matcher() -> Any:
    """A function giving the search terms and relevance hints found in a text or HTML."""
    import html
    import re

    from crawler.search_terms import load_search_terms

    terms = load_search_terms()
    phrases: dict[str, str] = {}  # casefolded phrase -> phrase as written, in file order
    for phrase in [*terms.all_terms(), *terms.relevance_hints.suggest_relevant]:
        phrases.setdefault(" ".join(phrase.split()).casefold(), phrase)
    # One alternation, longest first, scanned once per text: a regex per phrase made
    # matching a 100-job feed take seconds.
    ordered = sorted(phrases, key=len, reverse=True)
    pattern = re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in ordered) + r")(?!\w)",
        re.I,
    )
    rank = {key: index for index, key in enumerate(phrases)}

    def found(text: str) -> list[str]:
        # Tags out, entities decoded: phrases split by markup ("AI <b>trainer</b>") still match.
        plain = html.unescape(re.sub(r"<[^>]+>", " ", text))
        keys = {" ".join(m.group(0).split()).casefold() for m in pattern.finditer(plain)}
        return [phrases[key] for key in sorted(keys, key=rank.__getitem__)]

    return found


class TermSearchSpider(SourceSpider):
    """A source asked once per search term; a posting found under several terms is one listing.

    The terms (`crawler.search_terms.terms_for_source(name)`, or `-a terms=a,b`) are asked
    one after the other, each request within the run's budget; listings are held until the
    last answer so that a posting found under several terms carries them all in `board`.
    A subclass names its `search_url(term)` and the query parameter carrying the term
    (`search_param`, read back by `term_of` from a recorded answer), and writes
    `fields_of(posting, response)` (a field dict with `source_id`, or None when skipped) and
    `note_truncation(data, response)` for an answer that may hold only part of the results.
    The answer is a JSON object whose `postings_key` list holds the postings.
    """

    search_param: str = ""
    postings_key: str = "jobs"

    def __init__(self, *args: Any, terms: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._terms_override = [t.strip() for t in terms.split(",") if t.strip()] if terms else None
        self._pending: list[str] = []
        self._held: dict[str, dict[str, Any]] = {}
        self._held_terms: dict[str, list[str]] = {}

    def search_terms(self) -> list[str]:
        from crawler.search_terms import terms_for_source

        return self._terms_override or terms_for_source(self.name)

    def search_url(self, term: str) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def fields_of(
        self, posting: Any, response: Response
    ) -> dict[str, Any] | None:  # pragma: no cover
        raise NotImplementedError

    def note_truncation(self, data: dict[str, Any], response: Response) -> None:
        """Mark the run partial when `data` may hold only part of the term's results."""

    def search_request(self, term: str) -> scrapy.Request:
        # A failed term goes on to the next (on_search_error), not ending the run's search.
        return scrapy.Request(
            self.search_url(term),
            callback=self.parse,
            errback=self.on_search_error,
            cb_kwargs={"term": term},
        )

    def term_of(self, response: Response) -> str | None:
        if not self.search_param:
            return None
        values = parse_qs(urlsplit(response.url).query).get(self.search_param)
        return values[0] if values else None

    def postings_in(self, response: Response) -> list[dict[str, Any]] | None:
        """The answer's postings as field dicts; None when the answer cannot be read."""
        data = self.load_json(response)
        if data is None:
            return None
        key = self.postings_key
        if not isinstance(data, dict) or not isinstance(data.get(key), list):
            self.parse_failed(response, f"no '{key}' list in the answer")
            return None
        self.note_truncation(data, response)
        postings = []
        for posting in data[key]:
            fields = self.fields_of(posting, response)
            if fields is not None:
                postings.append(fields)
        return postings

    def start_requests(self) -> Iterator[scrapy.Request]:
        self._pending = list(self.search_terms())
        yield from self._advance()

    def parse(self, response: Response, term: str | None = None) -> Iterator[Any]:
        term = term or self.term_of(response)
        for fields in self.postings_in(response) or ():
            source_id = str(fields["source_id"])
            if source_id in self._held:
                self._inc("evaljobs/found_under_several_terms")
            else:
                self._held[source_id] = fields
                self._held_terms[source_id] = []
            if term and term not in self._held_terms[source_id]:
                self._held_terms[source_id].append(term)
        yield from self._advance()

    def on_search_error(self, failure: Any) -> Iterator[Any]:
        """Errback: count the failure, then go on with the next term."""
        self.on_request_error(failure)
        yield from self._advance()

    def parse_capture(self, response: Response) -> Iterator[JobListing]:
        term = self.term_of(response)
        for fields in self.postings_in(response) or ():
            yield self.make_listing(board=term, **fields)

    def _advance(self) -> Iterator[Any]:
        """The next term's request, or (when none is left or the budget is spent) the listings."""
        while self._pending:
            request = self.within_budget(self.search_request(self._pending.pop(0)))
            if request is None:
                self._pending.clear()
                break
            yield request
            return
        for source_id, fields in self._held.items():
            board = "; ".join(self._held_terms[source_id]) or None
            yield self.make_listing(board=board, **fields)
        self._held.clear()
        self._held_terms.clear()


class FeedSpider(SourceSpider):
    """A source read whole in one request of its base URL (a feed), its jobs matched locally.

    A subclass writes `jobs_in(data, response)` (the answer's job records, or None after
    counting why it could not read them) and `listing_from_job(job, response)`.
    """

    def start_requests(self) -> Iterator[scrapy.Request]:
        request = self.within_budget(
            scrapy.Request(self.base_url, callback=self.parse, errback=self.on_request_error)
        )
        if request is not None:
            yield request

    def jobs_in(self, data: Any, response: Response) -> list[Any] | None:  # pragma: no cover
        raise NotImplementedError

    def listing_from_job(
        self, job: Any, response: Response
    ) -> JobListing | None:  # pragma: no cover
        raise NotImplementedError

    def parse(self, response: Response) -> Iterator[JobListing]:
        data = self.load_json(response)
        if data is None:
            return
        for job in self.jobs_in(data, response) or ():
            listing = self.listing_from_job(job, response)
            if listing is not None:
                yield listing
