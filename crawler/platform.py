"""What AI-training platforms' own listings say that an ATS posting does not: helpers.

This module owns the judgements every platform spider (mercor, micro1, alignerr) makes
the same way: whether a listing is an *evergreen* talent / referral pool rather than an
opening (from the platform's own data or explicit wording only), whether it states a
*paid* or *unpaid* assessment, whether its pay is per task whatever an hourly figure in its
data says, each platform's own pay-unit vocabulary (kept apart per platform, never
guessed across them), whether a response is a block (403, bot challenge) rather than a
page, and markdown descriptions as text. All of that is pure. The impure pieces are
`PlatformQueue` and `PlatformSpiderMixin`: the platform spiders send one request per
response from their own queue, so that a block or a spent budget stops further requests
to the platform at once instead of leaving them in Scrapy's scheduler.
"""

from __future__ import annotations

import html as html_lib
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import scrapy

STAT_BLOCKED = "evaljobs/blocked"
# Listings a platform declared (index total, sitemap entries) that the run did not read.
STAT_UNREAD = "evaljobs/declared_unread"

# ---------------------------------------------------------------- evergreen pools

# Explicit wording only: each pattern is a phrase a platform uses for a standing pool.
_EVERGREEN_TEXT = [
    re.compile(p, re.I)
    for p in (
        r"\btalent (?:pool|network)\b",
        r"\bevergreen\b",
        r"\bstanding (?:listing|pool|application|requisition|opening)\b",
        r"\bnot (?:a|tied to a|for a) specific (?:job )?(?:opening|role|position|project|vacancy)\b",
        r"\bwe(?:'|’| wi)?ll (?:reach out|contact you|be in touch|notify you|get in touch)"
        r"(?: with you)? (?:when|as|if|once) (?:new |future |relevant |suitable |matching )?"
        r"(?:projects?|opportunit(?:y|ies)|roles?|positions?|work) (?:open|opens|become available|"
        r"becomes available|arise|arises|come up|comes up)",
        r"\b(?:join|added to) (?:our|the) (?:wait ?list|talent community)\b",
    )
]
_EVERGREEN_TITLE = re.compile(
    r"\[\s*ref(?:erral)?[\s-]*only\s*\]|\btalent (?:pool|network)\b|\bgeneral application\b", re.I
)
# Values of a platform's own listing-type field that mean "standing pool".
EVERGREEN_TYPES = frozenset({"evergreen", "pool", "talent_pool", "referral_only"})


def evergreen_evidence(
    *, listing_type: Any = None, title: str | None = None, text: str | None = None
) -> str | None:
    """Why a listing is a standing pool (the field value or the words quoted), else None.

    The platform's own field wins (Mercor ``listingType: evergreen``); otherwise only
    explicit wording in the title or text counts ("talent pool", "evergreen", "we'll reach
    out when projects open"). A listing that merely says nothing is an opening.
    """
    text = _plain(text)
    if isinstance(listing_type, str) and listing_type.strip().lower() in EVERGREEN_TYPES:
        return f"listingType: {listing_type.strip()}"
    if title:
        match = _EVERGREEN_TITLE.search(title)
        if match:
            return match.group(0)
    for pattern in _EVERGREEN_TEXT:
        match = pattern.search(text)
        if match:
            return _sentence_around(text, match.start(), match.end())
    return None


# ---------------------------------------------------------------- assessments

# Words for an entry test. Not "evaluation": for a rater, "paid evaluation work" is the job.
_TEST_WORDS = (
    r"(?:assessments?|tests?|trials?|trial tasks?|qualifications?|qualification tasks?"
    r"|sample tasks?|skills? tests?|screening tasks?|onboarding tasks?)"
)
_UNPAID = [
    re.compile(p, re.I)
    for p in (
        rf"\bunpaid {_TEST_WORDS}\b",
        rf"\b{_TEST_WORDS} (?:is|are|will be) (?:not paid|unpaid|not compensated|uncompensated)\b",
        rf"\b(?:not|won't be|will not be) (?:paid|compensated) for (?:the|your|this|any) {_TEST_WORDS}\b",
    )
]
_PAID = [
    re.compile(p, re.I)
    for p in (
        rf"\bpaid {_TEST_WORDS}\b",
        rf"\b{_TEST_WORDS} (?:is|are|will be) (?:fully |also )?(?:paid|compensated)\b",
        rf"\b(?:paid|compensated) for (?:the|your|this|completing the|completing your) {_TEST_WORDS}\b",
    )
]


def assessment_statement(text: str | None) -> tuple[str, str] | None:
    """("paid" | "unpaid", the sentence saying so) when a listing states it, else None.

    Where a listing says both (an unpaid screen, then a paid trial), "unpaid" is kept: an
    unpaid step is what a job seeker needs to know about.
    """
    text = _plain(text)
    if not text:
        return None
    for value, patterns in (("unpaid", _UNPAID), ("paid", _PAID)):
        for pattern in patterns:
            match = pattern.search(text)
            if match:
                return value, _sentence_around(text, match.start(), match.end())
    return None


# ---------------------------------------------------------------- pay


_PER_TASK = re.compile(
    r"\b(?:paid|compensated|pay(?:ment)? is) (?:per |by the |on a per[- ])(?:task|submission|item|deliverable|unit)\b"
    r"|\boutput[- ]based\b|\bper[- ]task (?:basis|pay|rate|compensation)\b|\bpiece[- ]?rate\b",
    re.I,
)


def per_task_statement(text: str | None) -> str | None:
    """The sentence saying pay is per task / output-based, if a listing says so."""
    text = _plain(text)
    match = _PER_TASK.search(text)
    return _sentence_around(text, match.start(), match.end()) if match else None


# Each platform's own pay-period words, as its data spells them, and the unit they mean.
# None means the word is known and names no per-unit rate (a single payment): the amount
# is kept with no unit, so no hourly figure is ever made from it.
PAY_UNITS_BY_PLATFORM: dict[str, dict[str, str | None]] = {
    # record.payRateFrequency (index and job page); counts seen: hourly 332, per-task 30,
    # one-time 9, yearly 3 of 374 (CONTRACTOR-PLATFORMS.md §1).
    "mercor": {"hourly": "hour", "per-task": "task", "one-time": None, "yearly": "year"},
    # micro1's record has one pay field per period (ideal_hourly_rate, ideal_monthly_salary_*,
    # ideal_yearly_compensation): the spider names the period of the field it read, or
    # "per task" when the post says pay is output-based.
    "micro1": {"hourly": "hour", "monthly": "month", "yearly": "year", "per task": "task"},
    # job.salaryType on the job page (only HOURLY seen in a capture).
    "alignerr": {"HOURLY": "hour"},
}


def platform_pay_unit(platform: str, word: Any) -> tuple[bool, str | None]:
    """(known, unit) of a platform's pay-period word; unknown words give (False, None).

    Words are compared as the platform spells them (case aside): one platform's words are
    never used to read another's.
    """
    table = PAY_UNITS_BY_PLATFORM.get(platform, {})
    if not isinstance(word, str) or not word.strip():
        return False, None
    for known, unit in table.items():
        if known.lower() == word.strip().lower():
            return True, unit
    return False, None


def amount_text(low: Any, high: Any) -> str | None:
    """ "35-45" / "500" from two amounts (integers without ".0"), or None when both are absent."""

    def show(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"

    a, b = show(low), show(high)
    if a and b and a != b:
        return f"{a}-{b}"
    return a or b


# ---------------------------------------------------------------- markdown descriptions

_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
_MD_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1|(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\(([^)\s]*)[^)]*\)")


def markdown_to_text(markdown: str | None) -> str:
    """Readable text of a markdown description (Mercor, Alignerr): no ``**``, ``#`` or escapes.

    Headings become their own paragraph, list items "• " lines, links "text (url)"; the
    rest is left to crawler.normalize's text tidying. Not a markdown renderer: enough for
    the platforms' descriptions, which use headings, bold, lists and escaped digits.
    """
    if not markdown:
        return ""
    lines: list[str] = []
    for raw in str(markdown).replace("\r\n", "\n").split("\n"):
        line = raw.rstrip()
        stripped = line.strip()
        heading = re.match(r"#{1,6}\s+(.*)", stripped)
        item = re.match(r"(?:[-*+]|\d+[.)])\s+(.*)", stripped)
        if heading:
            lines.extend(["", heading.group(1), ""])
        elif item:
            lines.append("• " + item.group(1))
        else:
            lines.append(stripped)
    text = "\n".join(lines)
    text = _MD_LINK.sub(lambda m: m.group(1) + (f" ({m.group(2)})" if m.group(2) else ""), text)
    text = _MD_EMPHASIS.sub(lambda m: m.group(2) or m.group(3) or "", text)
    text = _MD_ESCAPE.sub(r"\1", text)
    # A list item followed by blank lines (Mercor's editor adds them) stays in its list.
    text = re.sub(r"(•[^\n]*)\n\s*\n(?=• )", r"\1\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# ---------------------------------------------------------------- URLs in a platform's pages


def rebase_url(url: str, base_url: str, platform_hosts: Iterable[str]) -> str | None:
    """`url` (found in a platform's sitemap) re-rooted on the spider's base URL, or None.

    A sitemap names the live host; the spider asks its configured base URL (the live host,
    or a loopback server in tests). URLs on other hosts are None: a sitemap never sends
    the spider off the platform.
    """
    match = re.match(r"^https?://([^/?#]+)(.*)$", url.strip())
    if match is None:
        return None
    host, rest = match.group(1).lower(), match.group(2) or "/"
    base_host = re.sub(r"^https?://", "", base_url).split("/")[0].lower()
    if host != base_host and host not in {h.lower() for h in platform_hosts}:
        return None
    return base_url.rstrip("/") + (rest if rest.startswith("/") else "/" + rest)


# ---------------------------------------------------------------- blocks and challenges

# Markers of an interstitial that asks a browser to prove itself. A normal Mercor page loads
# Google reCAPTCHA for its apply form, so "captcha" alone is NOT a marker.
_CHALLENGE_MARKERS = [
    re.compile(p, re.I)
    for p in (
        r"<title>\s*just a moment\.\.\.\s*</title>",
        r"<title>\s*attention required! \| cloudflare\s*</title>",
        # Challenge pages only; a normal page may load Cloudflare's bot-detection script
        # (/cdn-cgi/challenge-platform/scripts/jsd/main.js, window.__CF$cv$params).
        r"window\._cf_chl_opt|cf-browser-verification|cf_chl_|/challenge-platform/\S*/orchestrate/chl_",
        r"checking (?:if the site connection is secure|your browser before accessing)",
        r"captcha-delivery\.com|_incapsula_resource|px-captcha|\bperimeterx\b.*\bblock",
        r"<title>\s*access denied\s*</title>",
    )
]


def block_reason(
    status: int, headers: Mapping[str, Any] | None, body: bytes | str | None
) -> str | None:
    """Why a response is a block rather than the platform's page, or None.

    A 401/403 is a block whatever its body says; any status with a bot-challenge page (or
    Cloudflare's ``cf-mitigated: challenge`` header) is one too. 404 and 5xx without a
    challenge are ordinary errors, handled elsewhere.
    """
    mitigated = _header(headers, "cf-mitigated")
    if mitigated and "challenge" in mitigated.lower():
        return f"HTTP {status} with cf-mitigated: {mitigated}"
    head = body[:20000] if body else b""
    text = head.decode("utf-8", errors="replace") if isinstance(head, bytes) else str(head)
    for marker in _CHALLENGE_MARKERS:
        match = marker.search(text)
        if match:
            return f"HTTP {status}, bot-challenge page ({match.group(0)[:60]!r})"
    if status in (401, 403):
        return f"HTTP {status}"
    return None


def _header(headers: Mapping[str, Any] | None, name: str) -> str | None:
    if not headers:
        return None
    for key, value in headers.items():
        key_text = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        if key_text.lower() == name:
            if isinstance(value, list):
                value = value[0] if value else b""
            return value.decode("latin-1") if isinstance(value, bytes) else str(value)
    return None


# ---------------------------------------------------------------- request queue


class PlatformQueue:
    """Requests still to send to one platform, drained one per response.

    Platform spiders ask one request at a time (they are slow-delay sources anyway), so a
    block or a spent budget stops the run's remaining requests here: nothing is left queued
    inside Scrapy to go out after the platform said no.
    """

    def __init__(self) -> None:
        self.pending: deque[Any] = deque()
        self.stopped: str | None = None

    def add(self, requests: Iterable[Any]) -> None:
        if self.stopped is None:
            self.pending.extend(requests)

    def stop(self, reason: str) -> int:
        """Stop the queue; returns how many requests will now not be sent."""
        if self.stopped is None:
            self.stopped = reason
        dropped = len(self.pending)
        self.pending.clear()
        return dropped

    def next_request(self, within_budget: Callable[[Any], Any | None]) -> Any | None:
        """The next request the budget allows, or None (queue empty, stopped or budget spent).

        `within_budget` is the spider's budget gate (it counts and marks the run partial
        when the budget is spent); a spent budget stops the whole queue.
        """
        if self.stopped is not None or not self.pending:
            return None
        request = within_budget(self.pending.popleft())
        if request is None:
            self.stop("request budget spent")
        return request


class PlatformSpiderMixin:
    """Request queue and block handling shared by the platform spiders (mixed into SourceSpider).

    Every callback and errback ends with ``yield from self.continue_queue()``: it sends the
    next queued request, or, when nothing is left to send, yields `finish()`'s output (a
    spider's completeness check and any listings it holds back until the end, such as
    Alignerr's per-country copies merged into one job).
    """

    queue: PlatformQueue
    name: str
    logger: Any
    base_url: str
    blocked_reason: str | None = None
    # Hosts whose nested sitemaps are the platform's own (others are never asked).
    sitemap_hosts: tuple[str, ...] = ()

    def start_queue(self, requests: Iterable[Any]) -> Iterator[Any]:
        """Queue the run's first requests and send the first of them."""
        self.queue.add(requests)
        yield from self.continue_queue()

    def queue_request(self, url: str, callback: Any) -> scrapy.Request:
        """A request for the queue: its failure goes on with the queue (`on_queue_error`)."""
        # dont_filter: the queue already sends each page once; a retried URL must not vanish.
        return scrapy.Request(url, callback=callback, errback=self.on_queue_error, dont_filter=True)

    def on_queue_error(self, failure: Any) -> Iterator[Any]:
        """Errback: count the failure, then send the next queued request."""
        self.on_request_error(failure)  # type: ignore[attr-defined]
        yield from self.continue_queue()

    def parse_capture(self, response: Any) -> Iterator[Any]:
        """Listings of one recorded response, following no links."""
        from crawler.items import JobListing

        for result in self.parse(response):  # type: ignore[attr-defined]
            if isinstance(result, JobListing):
                yield result

    def sitemap_locs(self, response: Any) -> list[str] | None:
        """The page URLs (`<loc>`) a sitemap lists, or None when there are none to read here.

        None when the response is a block, is no sitemap (a counted parse failure) or is a
        sitemap index, whose sitemaps on `sitemap_hosts` are queued for `parse_sitemap`.
        """
        if self.check_block(response):
            return None
        text = response.text
        if "<urlset" not in text and "<sitemapindex" not in text:
            self.parse_failed(response, "sitemap: neither <urlset> nor <sitemapindex>")  # type: ignore[attr-defined]
            return None
        locs = _SITEMAP_LOC.findall(text)
        if "<sitemapindex" in text:
            # Nested sitemaps: read each (on the platform's own host only).
            urls = (rebase_url(loc, self.base_url, self.sitemap_hosts) for loc in locs)
            self.queue.add(self.queue_request(url, self.parse_sitemap) for url in urls if url)  # type: ignore[attr-defined]
            return None
        return locs

    def continue_queue(self) -> Iterator[Any]:
        request = self.queue.next_request(self.within_budget)  # type: ignore[attr-defined]
        if request is not None:
            yield request
            return
        if getattr(self, "_finished", False):
            return
        self._finished = True
        yield from self.finish()

    def finish(self) -> Iterable[Any]:
        """Called once, when the queue has nothing more to send (override)."""
        return ()

    def declared_unread(self, what: str, declared: int, unread: int) -> None:
        """Fewer listings read than the platform declared: counted, logged, run partial."""
        if unread <= 0:
            return
        note = f"{what} declared {declared}; {unread} were not read"
        self.logger.warning("[%s] %s: the run closes nothing", self.name, note)
        self._inc(STAT_UNREAD, unread)  # type: ignore[attr-defined]
        self.mark_partial(note)  # type: ignore[attr-defined]

    def check_block(self, response: Any) -> bool:
        """True (and the platform is asked nothing more this run) when `response` is a block."""
        reason = block_reason(response.status, response.headers, response.body)
        if reason is None:
            return False
        dropped = self.queue.stop(f"blocked: {reason}")
        self.blocked_reason = reason
        self.logger.warning(
            "[%s] blocked at %s: %s; asking nothing more this run (%d queued requests dropped)",
            self.name,
            response.url,
            reason,
            dropped,
        )
        self._inc(STAT_BLOCKED)  # type: ignore[attr-defined]
        self.mark_partial(f"blocked at {response.url}: {reason}")  # type: ignore[attr-defined]
        return True


# ---------------------------------------------------------------- helpers

_SITEMAP_LOC = re.compile(r"<loc>\s*([^<\s]+)\s*</loc>", re.I)


def looks_like_sitemap(body: bytes) -> bool:
    """Whether a response body is a sitemap (XML) rather than a page, from its first bytes."""
    head = body[:400].lstrip().lower()
    return head.startswith(b"<?xml") or b"<urlset" in head or b"<sitemapindex" in head


def _plain(text: str | None) -> str:
    """Text with HTML tags turned into line breaks and entities decoded (matching is on words)."""
    if not text:
        return ""
    if "<" in text:
        text = html_lib.unescape(re.sub(r"<[^>]+>", "\n", text))
    return text


def _sentence_around(text: str, start: int, end: int, limit: int = 300) -> str:
    """The sentence (or line) holding text[start:end], trimmed to `limit` characters."""
    left = max(text.rfind(sep, 0, start) for sep in (". ", "\n", "! ", "? "))
    left = 0 if left < 0 else left + 1
    rights = [i for i in (text.find(sep, end) for sep in (". ", "\n", "! ", "? ")) if i != -1]
    right = min(rights) + 1 if rights else len(text)
    sentence = re.sub(r"\s+", " ", text[left:right]).strip()
    if len(sentence) > limit:
        sentence = sentence[: limit - 1].rstrip() + "…"
    return sentence
