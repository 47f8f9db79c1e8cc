"""The evaljobs Datasette plugin: what turns the catalogue into a job seeker's site.

This module owns the site's behaviour inside Datasette 0.65: the listings page's filters
(`_role=`, `_domain=`, ... read through the `listing_facets` index of catalogue/browse.py)
and its facet counts (`CardFacet`: the default view's counts kept by triggers in
`facet_counts`, a filtered view's counted by integer joins, never `json_each` over every
row), the words shown for every slug (role types, domains, verdicts, red flags and what to do
about them, backgrounds), evidence highlighting that escapes listing text before marking it,
http(s)-only links, SQL helper functions for feeds, and the site's own routes (home page,
about the red flags, robots.txt, sitemap.xml). Listing text is hostile input: nothing here
marks listing text safe without escaping it first. It imports only Datasette, MarkupSafe
and the standard library, so Datasette can also load it straight from `--plugins-dir`.
"""

from __future__ import annotations

import html
import json
import os
import re
import sqlite3
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from datasette import hookimpl
from datasette.facets import Facet
from datasette.filters import FilterArguments
from datasette.utils import path_with_added_args, path_with_removed_args, tilde_encode
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

DATABASE = "catalogue"
CARDS = "listing_cards"

# ---------------------------------------------------------------------------------------
# Words for slugs (TAXONOMY.md)
# ---------------------------------------------------------------------------------------

ROLE_LABELS: dict[str, str] = {
    "response-rating": "Response rating",
    "ab-comparison": "A/B comparison",
    "prompt-evaluation": "Prompt evaluation",
    "fact-checking": "Fact-checking",
    "annotation": "Annotation & labelling",
    "rewriting": "Rewriting & ideal answers",
    "safety-review": "Safety review & red-teaming",
    "domain-expert-review": "Expert review",
}
DOMAIN_LABELS: dict[str, str] = {
    "general": "General",
    "coding": "Coding",
    "math": "Math",
    "science": "Science",
    "medicine": "Medicine & health",
    "law": "Law",
    "finance": "Finance",
    "education": "Education",
    "writing": "Writing",
    "language": "Languages",
    "marketing": "Marketing",
    "business": "Business",
}
LANGUAGE_LABELS: dict[str, str] = {
    "en": "English",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "it": "Italian",
    "pt": "Portuguese",
    "nl": "Dutch",
    "pl": "Polish",
    "ru": "Russian",
    "uk": "Ukrainian",
    "tr": "Turkish",
    "ar": "Arabic",
    "he": "Hebrew",
    "hi": "Hindi",
    "bn": "Bengali",
    "ur": "Urdu",
    "ta": "Tamil",
    "te": "Telugu",
    "zh": "Chinese",
    "ja": "Japanese",
    "ko": "Korean",
    "vi": "Vietnamese",
    "th": "Thai",
    "id": "Indonesian",
    "ms": "Malay",
    "tl": "Tagalog",
    "sv": "Swedish",
    "no": "Norwegian",
    "da": "Danish",
    "fi": "Finnish",
    "cs": "Czech",
    "sk": "Slovak",
    "hu": "Hungarian",
    "ro": "Romanian",
    "bg": "Bulgarian",
    "el": "Greek",
    "sr": "Serbian",
    "hr": "Croatian",
    "fa": "Persian",
    "sw": "Swahili",
    "yo": "Yoruba",
    "ig": "Igbo",
    "ha": "Hausa",
    "am": "Amharic",
    "zu": "Zulu",
    "af": "Afrikaans",
}
COUNTRY_LABELS: dict[str, str] = {
    "anywhere": "Anywhere (worldwide)",
    "US": "United States",
    "GB": "United Kingdom",
    "CA": "Canada",
    "AU": "Australia",
    "NZ": "New Zealand",
    "IE": "Ireland",
    "DE": "Germany",
    "FR": "France",
    "ES": "Spain",
    "IT": "Italy",
    "NL": "Netherlands",
    "PL": "Poland",
    "PT": "Portugal",
    "SE": "Sweden",
    "IN": "India",
    "PH": "Philippines",
    "BR": "Brazil",
    "MX": "Mexico",
    "AR": "Argentina",
    "CO": "Colombia",
    "NG": "Nigeria",
    "KE": "Kenya",
    "ZA": "South Africa",
    "EG": "Egypt",
    "JP": "Japan",
    "KR": "South Korea",
    "SG": "Singapore",
    "CH": "Switzerland",
    "AT": "Austria",
    "BE": "Belgium",
    "DK": "Denmark",
    "NO": "Norway",
    "FI": "Finland",
    "IL": "Israel",
    "AE": "United Arab Emirates",
    "PK": "Pakistan",
    "UA": "Ukraine",
    "RO": "Romania",
    "CZ": "Czechia",
    "GR": "Greece",
    "TR": "Türkiye",
}
VERDICT_LABELS: dict[str, str] = {
    "clean": "No red flags",
    "review": "Check first",
    "flagged": "Likely scam",
}
PAY_LABELS: dict[str, str] = {
    "under-15": "under 15 an hour",
    "15-25": "15–25 an hour",
    "25-40": "25–40 an hour",
    "40-60": "40–60 an hour",
    "60-100": "60–100 an hour",
    "100-plus": "100+ an hour",
    "not-stated": "hourly pay not stated",
}
REMOTE_LABELS: dict[str, str] = {
    "worldwide": "Remote, worldwide",
    "countries": "Remote in named countries",
    "regions": "Remote in named regions",
    "hybrid": "Hybrid",
    "onsite": "On site",
    "unknown": "Remote eligibility not stated",
}
WITHIN_LABELS: dict[str, str] = {
    "day": "last 24 hours",
    "week": "last 7 days",
    "month": "last 30 days",
}
WITHIN_DAYS: dict[str, int] = {"day": 1, "week": 7, "month": 30}

# What each red flag means, why it matters and what to do, in plain words (TAXONOMY.md §4 and
# the seed article's red-flag advice: never pay to apply, distrust instant high income with
# no screening, unnamed companies, messaging-app interviews and early requests for ID).
FLAG_GUIDE: dict[str, dict[str, str]] = {
    "pay-to-apply": {
        "name": "Asks you to pay",
        "means": "The listing wants money from you: an application, training, certification, "
        "starter-kit, equipment, software or background-check fee.",
        "why": "Real AI-training platforms and employers pay you; they do not charge you to "
        "apply or to start. A fee up front is how many job scams make their money.",
        "todo": "Do not pay anything. Look the company up on its own website and apply there, "
        "or skip the listing.",
    },
    "deposit-to-unlock": {
        "name": "Deposit to unlock tasks or earnings",
        "means": "You must deposit money, often crypto, to unlock tasks, move up a tier or "
        "withdraw what you earned.",
        "why": "This is the classic 'task scam': the earnings shown are fake and every deposit "
        "is lost.",
        "todo": "Never deposit money to work or to withdraw. Stop contact and report the listing.",
    },
    "off-platform-contact": {
        "name": "Contact only by chat app",
        "means": "The contact or interview happens only on Telegram, WhatsApp, Signal, "
        "TextNow, Hangouts or a similar messaging app.",
        "why": "Real hiring runs through the company's own site or applicant-tracking system. "
        "Scammers move you to chat apps where they cannot be traced.",
        "todo": "Apply through the employer's official site instead. Do not move to a chat app "
        "for an 'interview'.",
    },
    "sensitive-info-early": {
        "name": "Asks for sensitive details early",
        "means": "It asks for your SSN, bank or card details, ID scans or date of birth before "
        "an interview or a written offer.",
        "why": "Real employers ask for ID and payment details only after an offer, inside their "
        "own onboarding. Sent early, these details are used for identity theft.",
        "todo": "Do not send ID, bank or card details until you hold a written offer from a "
        "company you have verified.",
    },
    "too-good-to-be-true": {
        "name": "Too good to be true",
        "means": "It promises guaranteed or instant high income, pay far above the market, with "
        "no experience and no screening.",
        "why": "Real human-feedback work has screening tests and pay that matches the skill "
        "asked for. Big promises with no checks are bait.",
        "todo": "Compare the pay with similar listings here. Expect a screening test; be wary "
        "if there is none.",
    },
    "unnamed-employer": {
        "name": "Employer not named",
        "means": "No employer is named, only 'our client' or 'a leading company', and there is "
        "no website.",
        "why": "You cannot check a company you cannot name, and you cannot know who gets your "
        "data or who will pay you.",
        "todo": "Ask who the employer is before sharing anything. Skip the listing if they "
        "will not say.",
    },
    "impersonation": {
        "name": "Claims to be a known platform",
        "means": "It claims to be a known platform or company while its links, domain or e-mail "
        "are not that company's own, or it recruits from a free e-mail address.",
        "why": "Scammers borrow the names of real AI-training platforms. The platform's official "
        "domains are listed on its page here.",
        "todo": "Apply only through the platform's official domain (see its employer page). "
        "Never reply to a free e-mail address claiming to be a company.",
    },
    "money-mule": {
        "name": "Moving money or parcels",
        "means": "The 'job' is reshipping parcels, processing payments, cashing checks or "
        "sending money on.",
        "why": "This is money laundering. The person doing it can be held liable.",
        "todo": "Do not accept. Report the listing.",
    },
    "urgency": {
        "name": "Pressure to act now",
        "means": "It pushes you to act now: limited spots, start today, reply within hours.",
        "why": "Pressure is meant to stop you from checking the offer. Real projects can fill "
        "quickly, but they do not need your answer within the hour.",
        "todo": "Take the time to verify the employer anyway.",
    },
}
FLAG_LABELS: dict[str, str] = {slug: guide["name"] for slug, guide in FLAG_GUIDE.items()}

# Search by background: the seed article's advice for each, mapped to domains and role types.
BACKGROUNDS: dict[str, dict[str, Any]] = {
    "teacher": {
        "label": "Teachers",
        "advice": "Teachers may be strong at explaining why an answer is incomplete. Search "
        "for education AI evaluator and AI tutor work.",
        "domains": ["education"],
        "roles": [],
    },
    "lawyer": {
        "label": "Lawyers",
        "advice": "Legal professionals qualify for specialised legal AI review: judging answers "
        "for accuracy, risk and missing caveats.",
        "domains": ["law"],
        "roles": [],
    },
    "coder": {
        "label": "Coders",
        "advice": "Coding AI evaluator and code-review AI training: rate, fix and write code "
        "answers for models.",
        "domains": ["coding"],
        "roles": [],
    },
    "nurse": {
        "label": "Nurses & clinicians",
        "advice": "Healthcare experts review medical answers for accuracy and safety.",
        "domains": ["medicine"],
        "roles": [],
    },
    "bilingual": {
        "label": "Bilingual workers",
        "advice": "Bilingual workers are valuable for language quality, translation review, "
        "localisation and cultural nuance: bilingual AI rater jobs.",
        "domains": ["language"],
        "roles": [],
    },
    "writer": {
        "label": "Writers",
        "advice": "Writers may enjoy judging tone, structure and clarity, and rewriting weak "
        "answers into ideal ones.",
        "domains": ["writing"],
        "roles": ["rewriting"],
    },
    "analyst": {
        "label": "Analysts",
        "advice": "Analysts may be good at scoring responses against a rubric: finance, "
        "business and math review.",
        "domains": ["finance", "business", "math"],
        "roles": [],
    },
    "generalist": {
        "label": "Generalists",
        "advice": "Careful readers with consistent judgment: response rating, A/B comparison, "
        "fact-checking and annotation need no special field.",
        "domains": ["general"],
        "roles": ["response-rating", "ab-comparison", "fact-checking", "annotation"],
    },
}

# The listings page's facets: name -> (query-string parameter, heading, labels).
FACETS: dict[str, tuple[str, str, Mapping[str, str]]] = {
    "role": ("_role", "Role type", ROLE_LABELS),
    "domain": ("_domain", "Field", DOMAIN_LABELS),
    "lang": ("_lang", "Language", LANGUAGE_LABELS),
    "pay": ("_pay", "Pay per hour", PAY_LABELS),
    "country": ("_country", "Eligible country", COUNTRY_LABELS),
    "remote": ("_remote", "Remote", REMOTE_LABELS),
    "employer": ("_employer", "Employer", {}),
    "verdict": ("_verdict", "Scam check", VERDICT_LABELS),
    "flag": ("_flag", "Red flag", FLAG_LABELS),
    "source": ("_source", "Source", {}),
}
# Hourly bands shown in this order rather than by count.
PAY_ORDER = list(PAY_LABELS)
# Switches that show what the default view hides.
SHOW_PARAMS: dict[str, str] = {
    "_closed": "closed listings",
    "_irrelevant": "listings judged not relevant",
    "_flagged": "listings flagged as likely scams",
}
# Query-string keys that do not narrow the set of listings (facet counts can use the index).
_NON_NARROWING = {
    "_nocount",
    "_facet",
    "_facet_size",
    "_size",
    "_next",
    "_sort",
    "_sort_desc",
    "_labels",
    "_col",
    "_nocol",
    "_trace",
    "_shape",
    "_json",
    "_nl",
    "_stream",
    "_dl",
    "_searchmode",
}


def label(kind: str, value: Any) -> str:
    """The words shown for a slug of `kind` (role, domain, lang, country, verdict, ...)."""
    if value is None:
        return ""
    labels = FACETS[kind][2] if kind in FACETS else {}
    return labels.get(str(value), str(value))


# ---------------------------------------------------------------------------------------
# Safe text: escaping, evidence highlighting, links
# ---------------------------------------------------------------------------------------

_SPACE = re.compile(r"\s+")


def safe_http_url(url: Any) -> str | None:
    """`url` if it is an absolute http(s) URL, else None (no javascript:, data:, relative)."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme.lower() not in ("http", "https") or not parsed.netloc:
        return None
    if any(ch in url for ch in "\x00\r\n\t<>\"'` "):
        return None
    return url


def _evidence_spans(text: str, evidence: str) -> list[tuple[int, int]]:
    """Where `evidence` occurs in `text`: exact first, then ignoring runs of whitespace."""
    evidence = (evidence or "").strip()
    if len(evidence) < 3:
        return []
    spans = []
    start = text.find(evidence)
    while start != -1:
        spans.append((start, start + len(evidence)))
        start = text.find(evidence, start + len(evidence))
    if spans:
        return spans
    words = [re.escape(word) for word in _SPACE.split(evidence) if word]
    if not words:
        return []
    pattern = re.compile(r"\s+".join(words), re.IGNORECASE)
    return [(m.start(), m.end()) for m in pattern.finditer(text)]


def highlight_evidence(text: Any, evidences: Iterable[tuple[str, str]]) -> Markup:
    """Listing text escaped, with each quoted evidence sentence wrapped in <mark>.

    `evidences` are (flag, sentence) pairs. The text is escaped piece by piece and only
    our own <mark> tags are added, so markup in the listing is shown as text.
    """
    text = "" if text is None else str(text)
    marks: list[tuple[int, int, str]] = []
    for flag, evidence in evidences:
        for start, end in _evidence_spans(text, evidence or ""):
            marks.append((start, end, flag))
    marks.sort()
    merged: list[tuple[int, int, list[str]]] = []
    for start, end, flag in marks:
        if merged and start < merged[-1][1]:
            last_start, last_end, flags = merged[-1]
            merged[-1] = (last_start, max(last_end, end), flags + [flag])
        else:
            merged.append((start, end, [flag]))
    out: list[str] = []
    cursor = 0
    for start, end, flags in merged:
        out.append(str(escape(text[cursor:start])))
        names = ", ".join(dict.fromkeys(FLAG_LABELS.get(f, f) for f in flags))
        slugs = " ".join(dict.fromkeys(flags))
        out.append(
            f'<mark class="evidence" data-flags="{escape(slugs)}" title="Red flag: {escape(names)}">'
            f"{escape(text[start:end])}</mark>"
        )
        cursor = end
    out.append(str(escape(text[cursor:])))
    return Markup("".join(out))


def snippet_markup(snippet: Any) -> Markup:
    """An FTS5 snippet made with \\x02/\\x03 around matches: escaped, matches in <mark>."""
    text = "" if snippet is None else str(snippet)
    escaped = str(escape(text))
    return Markup(escaped.replace("\x02", '<mark class="match">').replace("\x03", "</mark>"))


def json_list(value: Any) -> list[Any]:
    """A JSON-array column as a list (empty for NULL or bad JSON)."""
    if isinstance(value, list):
        return value
    if not value:
        return []
    try:
        parsed = json.loads(value)
    except (TypeError, ValueError):
        return [part.strip() for part in str(value).split(",") if part.strip()]
    return parsed if isinstance(parsed, list) else []


def _money(amount: Any) -> str:
    try:
        number = float(amount)
    except (TypeError, ValueError):
        return ""
    return f"{number:,.0f}" if number >= 100 or number == int(number) else f"{number:,.2f}"


def hourly_pay(row: Mapping[str, Any]) -> str:
    """'25–40 USD an hour' from the hourly columns, or '' when the hour rate is not known."""
    low, high = row.get("pay_hourly_min"), row.get("pay_hourly_max")
    currency = row.get("pay_currency") or ""
    if low is None and high is None:
        return ""
    if low is not None and high is not None and float(low) != float(high):
        figure = f"{_money(low)}–{_money(high)}"
    else:
        figure = _money(low if low is not None else high)
    return f"{figure} {currency} an hour".replace("  ", " ")


def short_date(value: Any) -> str:
    """'2026-09-15' from an ISO-8601 timestamp."""
    return str(value)[:10] if value else ""


def row_dict(row: Any) -> dict[str, Any]:
    if isinstance(row, Mapping):
        return dict(row)
    try:
        return {key: row[key] for key in row.keys()}
    except AttributeError:
        return dict(row)


# ---------------------------------------------------------------------------------------
# The listings page: filters and facets over listing_cards
# ---------------------------------------------------------------------------------------


def _args(request: Any) -> list[tuple[str, str]]:
    return urllib.parse.parse_qsl(request.query_string, keep_blank_values=False)


def _cutoff(within: str, now: datetime | None = None) -> str | None:
    days = WITHIN_DAYS.get(within)
    if days is None:
        return None
    now = now or datetime.now(UTC)
    return (now - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _is_narrowed(request: Any) -> bool:
    """Whether the request filters listings beyond the default view."""
    for key, value in _args(request):
        if key.startswith("_facet") or key in _NON_NARROWING or not value:
            continue
        return True
    return False


# ---------------------------------------------------------------------------------------
# Facet bitmaps: the listings page's counts for any combination of facet filters
# ---------------------------------------------------------------------------------------
#
# One click on a big facet value ("Response rating": 70% of 100,000 listings) selects tens of
# thousands of cards; counting every other facet over them in SQL joins and sorts hundreds of
# thousands of rows (close to a second). Instead, each facet value's cards are kept in memory
# as one integer bitset (bit n = card n), with masks for the default view and the "also
# show" switches: a view's set is a few ANDs, each count a popcount, a whole page's facets a
# millisecond. The bitsets are rebuilt, in a worker thread, when the catalogue file changes
# (a crawl wrote to it) or the posted-within masks are half an hour old; the previous bitsets
# answer meanwhile, and before the first build the SQL paths do.

BITMAP_MAX_AGE_S = 1800.0
REBUILD_EVERY_S = 10.0


class FacetBitmaps:
    """Bitsets of cards per facet value and per view, built from one catalogue version."""

    def __init__(self, version: tuple[int, ...], built_at: float, now: datetime) -> None:
        self.version = version
        self.built_at = built_at
        self.now = now
        self.bits: dict[tuple[str, str], int] = {}
        self.masks: dict[str, int] = {}

    @classmethod
    def build(cls, conn: sqlite3.Connection, version: tuple[int, ...]) -> FacetBitmaps:
        # SQLite lists each value's cards (group_concat, in C, without the GIL); the lists
        # become bitsets through numpy when it is there (it comes with scikit-learn), so a
        # build of 100,000 listings holds the interpreter for a fraction of a second.
        import time

        now = datetime.now(UTC)
        index = cls(version, time.monotonic(), now)
        top = conn.execute("select coalesce(max(card), 0) from listing_cards").fetchone()[0]
        index.bits = {
            (facet, value): _bitset(cards, top)
            for facet, value, cards in conn.execute(
                "select facet, value, group_concat(card) from listing_facets group by facet, value"
            )
        }
        cutoffs = {key: _cutoff(key, now) for key in WITHIN_DAYS}
        conditions = {
            "all": "1",
            "shown": "shown = 1",
            "open": "is_open = 1",
            "relevant": "relevant = 1",
            "unflagged": "is_flagged = 0",
            **{key: f"listed_at >= :{key}" for key in WITHIN_DAYS},
        }
        columns = ", ".join(
            f"group_concat(case when {condition} then card end) as [{name}]"
            for name, condition in conditions.items()
        )
        row = conn.execute(f"select {columns} from listing_cards", cutoffs).fetchone()
        index.masks = {name: _bitset(row[i], top) for i, name in enumerate(conditions)}
        return index

    def view(
        self, shows: set[str], chosen: Sequence[tuple[str, Sequence[str]]], within: str | None
    ) -> int:
        """The bitset of the cards a listings page selects (the same rules as the SQL filters)."""
        if not shows:
            selected = self.masks["shown"]
        else:
            selected = self.masks["all"]
            if "_closed" not in shows:
                selected &= self.masks["open"]
            if "_irrelevant" not in shows:
                selected &= self.masks["relevant"]
            if "_flagged" not in shows:
                selected &= self.masks["unflagged"]
        for facet, values in chosen:
            either = 0
            for value in values:
                either |= self.bits.get((facet, value), 0)
            selected &= either
        if within in WITHIN_DAYS:
            selected &= self.masks[within]
        return selected

    def counts(self, selected: int, names: Sequence[str]) -> dict[str, dict[str, int]]:
        """{facet: {value: count}} of `selected`, plus "within": {day|week|month: count}."""
        wanted = set(names)
        counts: dict[str, dict[str, int]] = {}
        for (facet, value), bits in self.bits.items():
            if facet in wanted:
                n = (bits & selected).bit_count()
                if n:
                    counts.setdefault(facet, {})[value] = n
        counts["within"] = {key: (self.masks[key] & selected).bit_count() for key in WITHIN_DAYS}
        return counts


def _bitset(cards: str | None, top: int) -> int:
    """A comma-separated list of card numbers as an integer whose bit n says card n is in."""
    if not cards:
        return 0
    try:
        import numpy
    except ImportError:  # pure Python: the same answer, more slowly
        array = bytearray(top // 8 + 1)
        for card in map(int, cards.split(",")):
            array[card >> 3] |= 1 << (card & 7)
        return int.from_bytes(array, "little")
    flags = numpy.zeros(top + 1, dtype=bool)
    flags[numpy.array(cards.split(","), dtype=numpy.int64)] = True
    return int.from_bytes(numpy.packbits(flags, bitorder="little").tobytes(), "little")


# Per catalogue file: {"index": FacetBitmaps | None, "building": Task | None, "started": float}.
_BITMAPS: dict[str, dict[str, Any]] = {}


def _catalogue_version(datasette: Any) -> tuple[int, ...] | None:
    """The catalogue file's state: any committed write changes the WAL's or the file's."""
    path = getattr(datasette.get_database(DATABASE), "path", None)
    if not path:
        return None
    version: list[int] = []
    for suffix in ("", "-wal"):
        try:
            stat = os.stat(path + suffix)
        except OSError:
            version.extend((0, 0))
            continue
        # An empty WAL is created and removed by readers opening and closing: not a write.
        version.extend((stat.st_mtime_ns, stat.st_size) if stat.st_size else (0, 0))
    return tuple(version)


async def facet_bitmaps(datasette: Any, *, wait: bool = False) -> FacetBitmaps | None:
    """The facet bitmaps to count with, or None before the first build has finished.

    After the catalogue changes, the previous bitmaps keep answering (their counts are behind
    by at most one rebuild, under a second at 100,000 listings) while a rebuild runs, and a
    crawl writing batch after batch starts at most one rebuild every REBUILD_EVERY_S seconds.
    With `wait`, the bitmaps of the catalogue as it is now are built and returned.
    """
    import asyncio
    import time

    version = _catalogue_version(datasette)
    if version is None:
        return None
    state = _BITMAPS.setdefault(
        datasette.get_database(DATABASE).path, {"index": None, "building": None}
    )
    index = state["index"]
    fresh = (
        index is not None
        and index.version == version
        and time.monotonic() - index.built_at < BITMAP_MAX_AGE_S
    )
    if fresh:
        return index
    task = state["building"]
    due = time.monotonic() - state.get("started", 0.0) >= REBUILD_EVERY_S
    if (task is None or task.done()) and (due or wait or index is None):
        db = datasette.get_database(DATABASE)

        async def rebuild() -> None:
            try:
                built = await db.execute_fn(lambda conn: FacetBitmaps.build(conn, version))
            except Exception:  # the SQL paths (or the previous bitmaps) keep answering
                return
            state["index"] = built

        state["started"] = time.monotonic()
        task = state["building"] = asyncio.ensure_future(rebuild())
    if wait and task is not None:
        await task
        index = state["index"]
        return index if index is not None and index.version == version else None
    return index


def _bitmap_request(
    request: Any,
) -> tuple[set[str], list[tuple[str, list[str]]], str | None] | None:
    """(show switches, facet filters, within) when bitmaps can answer this request, else None."""
    params = {param: facet for facet, (param, _heading, _labels) in FACETS.items()}
    shows: set[str] = set()
    chosen: dict[str, list[str]] = {}
    for key, value in _args(request):
        if key.startswith("_facet") or key in _NON_NARROWING or not value:
            continue
        if key in SHOW_PARAMS:
            if value not in ("", "0"):
                shows.add(key)
        elif key in params:
            chosen.setdefault(params[key], []).append(value)
        elif key != "_within":
            return None  # a search or a column filter: only SQL knows that set
    within = request.args.get("_within")
    return shows, list(chosen.items()), within if within in WITHIN_DAYS else None


@hookimpl
def startup(datasette: Any) -> Any:
    async def warm() -> None:
        if DATABASE in datasette.databases:
            await facet_bitmaps(datasette)

    return warm


# Above this share of the base view, a filtered page reads cards in date order and probes.
DENSE_SHARE = 0.02


async def _dense(
    datasette: Any, request: Any, shows: set[str], chosen: Sequence[tuple[str, list[str]]]
) -> bool:
    """Whether the facet filters keep a large share of the view (known only from bitmaps)."""
    index = await facet_bitmaps(datasette)
    parsed = _bitmap_request(request)
    if index is None or parsed is None:
        return False
    base = index.view(shows, [], None).bit_count()
    selected = index.view(shows, chosen, parsed[2]).bit_count()
    return base > 0 and selected / base >= DENSE_SHARE


@hookimpl
def filters_from_request(request: Any, database: str, table: str, datasette: Any) -> Any:
    if database != DATABASE or table != CARDS:
        return None

    async def inner() -> FilterArguments:
        where: list[str] = []
        params: dict[str, Any] = {}
        descriptions: list[str] = []
        args = _args(request)
        shows = {key for key, value in args if key in SHOW_PARAMS and value not in ("", "0")}
        if not shows:
            where.append("shown = 1")
        else:
            if "_closed" not in shows:
                where.append("is_open = 1")
            if "_irrelevant" not in shows:
                where.append("relevant = 1")
            if "_flagged" not in shows:
                where.append("is_flagged = 0")
            descriptions.append("including " + ", ".join(SHOW_PARAMS[s] for s in sorted(shows)))
        chosen: list[tuple[str, list[str]]] = []
        for facet, (param, heading, _labels) in FACETS.items():
            values = [value for key, value in args if key == param and value]
            if values:
                chosen.append((facet, values))
                descriptions.append(
                    f"{heading.lower()} is " + " or ".join(label(facet, v) for v in values)
                )
        if chosen and request.args.get("_search"):
            # The full-text match drives (Datasette's own clause: a search keeps a few
            # thousand listings at most); each facet filter is then a probe per matching card.
            for facet, values in chosen:
                marks = _bind(params, facet, values)
                where.append(
                    f"exists (select 1 from listing_facets p where p.card = {CARDS}.card "
                    f"and p.facet = '{facet}' and p.value in ({marks}))"
                )
        elif chosen and await _dense(datasette, request, shows, chosen):
            # Many cards pass: read the newest in index order and probe each filter per card,
            # so the page stops after its 20 rows instead of collecting and sorting them all.
            for facet, values in chosen:
                marks = _bind(params, facet, values)
                where.append(
                    f"exists (select 1 from listing_facets p where p.card = {CARDS}.card "
                    f"and p.facet = '{facet}' and p.value in ({marks}))"
                )
        elif chosen:
            # One clause, evaluated inside the compact facet index: the smallest posting list
            # drives, every other filter is a primary-key probe per candidate, and only the
            # cards that pass are looked up in listing_cards. (Materialising a large IN list,
            # 70,000 cards for "response rating", or reading each candidate's card row, costs
            # more than the whole page may.)
            sizes = await _facet_sizes(datasette, chosen)
            chosen.sort(key=lambda item: sizes.get(item[0], 0))
            conditions = []
            for position, (facet, values) in enumerate(chosen):
                marks = _bind(params, facet, values)
                if position == 0:
                    conditions.append(f"d.facet = '{facet}' and d.value in ({marks})")
                    if not shows:
                        conditions.append("d.shown = 1")
                else:
                    conditions.append(
                        f"exists (select 1 from listing_facets p where p.card = d.card "
                        f"and p.facet = '{facet}' and p.value in ({marks}))"
                    )
            where.append(
                f"card in (select d.card from listing_facets d where {' and '.join(conditions)})"
            )
        within = request.args.get("_within")
        cutoff = _cutoff(within or "")
        if cutoff:
            where.append("listed_at >= :ej_within")
            params["ej_within"] = cutoff
            descriptions.append(f"posted in the {WITHIN_LABELS[within]}")
        return FilterArguments(where, params, descriptions)

    return inner


def _bind(params: dict[str, Any], facet: str, values: Sequence[str]) -> str:
    """Add a facet filter's values to `params`; return their placeholders."""
    marks = []
    for i, value in enumerate(values):
        params[f"ej_{facet}_{i}"] = value
        marks.append(f":ej_{facet}_{i}")
    return ", ".join(marks)


async def _facet_sizes(datasette: Any, chosen: Sequence[tuple[str, list[str]]]) -> dict[str, int]:
    """How many default-view listings each chosen facet filter keeps (from facet_counts)."""
    db = datasette.get_database(DATABASE)
    sizes: dict[str, int] = {}
    for facet, values in chosen:
        row = (
            await db.execute(
                f"select coalesce(sum(n), 0) as n from facet_counts where facet = ? and value in ({_marks(len(values))})",
                [facet, *values],
            )
        ).first()
        sizes[facet] = int(row["n"]) if row else 0
    return sizes


def _toggle(request: Any, param: str, value: str, selected: bool) -> str:
    if selected:
        path = path_with_removed_args(request, {param: value})
    else:
        path = path_with_added_args(request, {param: value})
    # A new filter starts again from the first page.
    return without_nocount(path_with_removed_args_in_path(path, "_next"))


def path_with_removed_args_in_path(path: str, key: str) -> str:
    parts = urllib.parse.urlsplit(path)
    pairs = [
        (k, v) for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True) if k != key
    ]
    query = urllib.parse.urlencode(pairs)
    return parts.path + (f"?{query}" if query else "")


class CardFacet(Facet):
    """Facet counts of the listings page from the tables of catalogue/browse.py.

    The default view (open, relevant, unflagged) reads `facet_counts`, kept by triggers. A
    narrowed view selects its cards once and counts every facet of them in one pass over
    `listing_facets` (a primary-key range per card). Configured in metadata.yml as
    `{"card": "<facet name>"}`; "within" is the posted-within facet.
    """

    type = "card"

    async def facet_results(self) -> tuple[list[dict[str, Any]], list[str]]:
        results: list[dict[str, Any]] = []
        timed_out: list[str] = []
        if self.database != DATABASE or self.table != CARDS:
            return results, timed_out
        names = []
        for source_and_config in self.get_configs():
            config = source_and_config["config"]
            name = config.get("simple") or config.get("facet")
            if name == "within" or name in FACETS:
                names.append(name)
        if not names:
            return results, timed_out
        counts = None
        parsed = _bitmap_request(self.request)
        index = await facet_bitmaps(self.ds) if parsed is not None else None
        if index is not None and parsed is not None:
            shows, chosen, within = parsed
            selected = index.view(shows, chosen, within)
            counts = index.counts(selected, [n for n in names if n != "within"])
        if counts is None:
            try:
                counts = await self._counts(
                    [n for n in names if n != "within"], _is_narrowed(self.request)
                )
            except Exception:  # QueryInterrupted and friends: show the page without facets
                return results, names
        size = self.get_facet_size()
        qs = _args(self.request)
        employer_names = await _employer_names(self.ds) if "employer" in names else {}
        source_names = (
            {slug: row.get("name") or slug for slug, row in (await _sources(self.ds)).items()}
            if "source" in names
            else {}
        )
        for name in names:
            if name == "within":
                results.append(self._within_result(counts.get("within", {}), qs))
                continue
            param, heading, labels = FACETS[name]
            rows = sorted(counts.get(name, {}).items(), key=lambda item: (-item[1], item[0]))
            if name == "pay":
                rows.sort(key=lambda item: PAY_ORDER.index(item[0]) if item[0] in PAY_ORDER else 99)
                shown_rows = rows
            else:
                shown_rows = rows[:size]
            names_for = (
                employer_names if name == "employer" else source_names if name == "source" else {}
            )
            values = []
            for value, count in shown_rows:
                selected = (param, value) in qs
                values.append(
                    {
                        "value": value,
                        "label": names_for.get(value) or labels.get(value, value),
                        "count": count,
                        "toggle_url": self.ds.absolute_url(
                            self.request,
                            self.ds.urls.path(_toggle(self.request, param, value, selected)),
                        ),
                        "selected": selected,
                    }
                )
            results.append(
                {
                    "name": name,
                    "heading": heading,
                    "type": self.type,
                    "hideable": False,
                    "toggle_url": self.ds.urls.path(
                        path_with_removed_args(self.request, {param: None})
                    ),
                    "results": values,
                    "truncated": len(rows) > len(shown_rows),
                }
            )
        return results, timed_out

    async def _counts(self, names: list[str], narrowed: bool) -> dict[str, dict[str, int]]:
        """{facet: {value: count}} for `names`, plus "within": {day|week|month: count}."""
        cutoffs = {key: _cutoff(key) for key in WITHIN_DAYS}
        facet_list = ", ".join(f"'{n}'" for n in names) or "''"
        if narrowed:
            sql = (
                # Each card's facet rows are one primary-key range: read it whole (a facet
                # IN list would make it ten seeks per card) and drop unwanted facets after.
                f"with c as materialized (select card, listed_at from ({self.sql})) "
                "select facet, value, count from (select f.facet as facet, f.value as value, "
                "count(*) as count from c cross join listing_facets f on f.card = c.card "
                f"group by f.facet, f.value) where facet in ({facet_list}) "
                + "".join(
                    f"union all select 'within', '{key}', coalesce(sum(listed_at >= :ej_{key}), 0) from c "
                    for key in WITHIN_DAYS
                )
            )
            params = dict(self.params) if isinstance(self.params, dict) else {}
        else:
            # Three range counts on the index (shown, listed_at): no row is read.
            sql = (
                f"select facet, value, n as count from facet_counts where n > 0 and facet in ({facet_list}) "
                + "".join(
                    f"union all select 'within', '{key}', (select count(*) from listing_cards "
                    f"where shown = 1 and listed_at >= :ej_{key}) "
                    for key in WITHIN_DAYS
                )
            )
            params = {}
        params.update({f"ej_{key}": value for key, value in cutoffs.items()})
        rows = (
            await self.ds.execute(
                self.database,
                sql,
                params,
                truncate=False,
                custom_time_limit=self.ds.setting("facet_time_limit_ms"),
            )
        ).rows
        counts: dict[str, dict[str, int]] = {}
        for row in rows:
            counts.setdefault(row["facet"], {})[str(row["value"])] = int(row["count"] or 0)
        return counts

    def _within_result(
        self, counts: Mapping[str, int], qs: list[tuple[str, str]]
    ) -> dict[str, Any]:
        values = []
        for key in WITHIN_DAYS:
            selected = ("_within", key) in qs
            if selected:
                path = path_with_removed_args(self.request, {"_within": key})
            else:
                path = path_with_added_args(self.request, {"_within": key})
            values.append(
                {
                    "value": key,
                    "label": WITHIN_LABELS[key],
                    "count": counts.get(key, 0),
                    "toggle_url": self.ds.absolute_url(
                        self.request,
                        self.ds.urls.path(
                            without_nocount(path_with_removed_args_in_path(path, "_next"))
                        ),
                    ),
                    "selected": selected,
                }
            )
        return {
            "name": "within",
            "heading": "Posted within",
            "type": self.type,
            "hideable": False,
            "toggle_url": self.ds.urls.path(
                path_with_removed_args(self.request, {"_within": None})
            ),
            "results": values,
            "truncated": False,
        }


_LINK_OUT_SOURCES: dict[str, Any] = {"at": 0.0, "slugs": frozenset()}


@hookimpl
def render_cell(
    row: Any, value: Any, column: str, table: str, database: str, datasette: Any
) -> Any:
    """In the listings table, a link-out source's description is not shown (its terms allow
    a link to the posting, not a copy of it); the listing's page says the same."""
    if database != DATABASE or table != "listings" or column != "description" or not value:
        return None

    async def inner() -> Any:
        import time

        if time.monotonic() - _LINK_OUT_SOURCES["at"] > 60:
            rows = (
                await datasette.get_database(DATABASE).execute(
                    "select slug from sources where republish = 'link-out'"
                )
            ).rows
            _LINK_OUT_SOURCES.update(at=time.monotonic(), slugs=frozenset(r["slug"] for r in rows))
        try:
            source = row["source"]
        except (KeyError, IndexError, TypeError):
            return None
        if source in _LINK_OUT_SOURCES["slugs"]:
            return Markup(
                '<em class="muted">not copied: this source allows a link, not a copy</em>'
            )
        return None

    return inner


@hookimpl
def register_facet_classes() -> list[type[Facet]]:
    return [CardFacet]


# ---------------------------------------------------------------------------------------
# Data the templates ask for
# ---------------------------------------------------------------------------------------


async def _employer_names(datasette: Any) -> dict[str, str]:
    db = datasette.get_database(DATABASE)
    try:
        rows = (await db.execute("select key, name from employers")).rows
    except Exception:
        return {}
    return {row["key"]: row["name"] for row in rows if row["name"]}


async def _sources(datasette: Any) -> dict[str, dict[str, Any]]:
    db = datasette.get_database(DATABASE)
    try:
        rows = (await db.execute("select * from sources")).rows
    except Exception:
        return {}
    return {row["slug"]: row_dict(row) for row in rows}


def listing_path(datasette: Any, listing_id: str) -> str:
    return datasette.urls.row(DATABASE, "listings", tilde_encode(str(listing_id)))


def employer_path(datasette: Any, key: str) -> str:
    return datasette.urls.row(DATABASE, "employers", tilde_encode(str(key)))


def _marks(n: int) -> str:
    return ", ".join("?" for _ in range(n))


async def card_extras(
    datasette: Any, rows: Sequence[Any], search: str | None = None
) -> dict[str, Any]:
    """For the cards on a page: red flags with evidence, search snippets, source names."""
    ids = [row_dict(row).get("id") for row in rows]
    ids = [i for i in ids if i]
    db = datasette.get_database(DATABASE)
    flags: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
    snippets: dict[str, Markup] = {}
    if ids:
        for row in (
            await db.execute(
                f"select listing_id, flag, evidence from red_flags where listing_id in ({_marks(len(ids))}) order by id",
                ids,
            )
        ).rows:
            flags.setdefault(row["listing_id"], []).append(
                {
                    "flag": row["flag"],
                    "name": FLAG_LABELS.get(row["flag"], row["flag"]),
                    "evidence": row["evidence"],
                }
            )
        if search:
            # The matching words of the description, marked; the title's when the match is
            # only there, or when the source allows a link but not a copy of its text.
            link_out = {
                slug
                for slug, row in (await _sources(datasette)).items()
                if row.get("republish") == "link-out"
            }
            try:
                result = await db.execute(
                    "select l.id as id, l.source as source, "
                    "snippet(listings_fts, 2, char(2), char(3), '…', 24) as body, "
                    "snippet(listings_fts, 0, char(2), char(3), '…', 24) as title "
                    "from listings_fts join listings l on l.rowid = listings_fts.rowid "
                    f"where listings_fts match escape_fts(?) and l.id in ({_marks(len(ids))})",
                    [search, *ids],
                )
                for row in result.rows:
                    body = row["body"] or ""
                    if "\x02" in body and row["source"] not in link_out:
                        snippets[row["id"]] = snippet_markup(body)
                    elif "\x02" in (row["title"] or ""):
                        snippets[row["id"]] = snippet_markup(row["title"])
            except Exception:  # a search the FTS cannot parse: cards without snippets
                snippets = {}
    return {
        "flags": flags,
        "snippets": snippets,
        "sources": await _sources(datasette),
        "employers": await _employer_names(datasette),
    }


async def listing_extras(datasette: Any, row: Any) -> dict[str, Any]:
    """Everything a listing's page shows besides the row: flags, versions, group, employer."""
    listing = row_dict(row)
    db = datasette.get_database(DATABASE)
    listing_id = listing["id"]
    flags = [
        row_dict(r)
        for r in (
            await db.execute(
                "select flag, evidence, origin from red_flags where listing_id = ? order by id",
                [listing_id],
            )
        ).rows
    ]
    versions = []
    for version in (
        await db.execute(
            "select seen_at, changed, before, after from listing_versions where listing_id = ? order by seen_at desc, id desc",
            [listing_id],
        )
    ).rows:
        versions.append(_describe_version(row_dict(version)))
    group_id = listing.get("group_id") or listing_id
    members = [
        row_dict(r)
        for r in (
            await db.execute(
                "select l.id, l.source, l.url, l.apply_url, l.title, l.company, l.closed_at, l.first_seen, "
                "l.last_seen, l.pay_text, l.verdict, s.name as source_name, s.kind as source_kind, "
                "s.attribution_text, s.attribution_url, s.republish from listings l "
                "left join sources s on s.slug = l.source where l.group_id = ? or l.id = ? "
                "order by l.first_seen",
                [group_id, listing_id],
            )
        ).rows
    ]
    sources = await _sources(datasette)
    source = sources.get(listing.get("source") or "", {})
    employer = None
    if listing.get("employer_key"):
        found = (
            await db.execute("select * from employers where key = ?", [listing["employer_key"]])
        ).rows
        employer = row_dict(found[0]) if found else None
    return {
        "flags": flags,
        "description": highlight_evidence(
            listing.get("description"), [(f["flag"], f["evidence"]) for f in flags]
        ),
        "versions": versions,
        "members": members,
        "source": source,
        "link_out": (source.get("republish") == "link-out"),
        "employer": employer,
        "apply": apply_link(listing, members),
        "closed": bool(listing.get("closed_at")),
    }


def apply_link(
    listing: Mapping[str, Any], members: Sequence[Mapping[str, Any]]
) -> dict[str, Any] | None:
    """Where to apply: an open group member from an ATS or careers page first, then any.

    The employer's own posting (its applicant-tracking system or careers page) is where the
    application really goes; boards and aggregators copy it. Only http(s) links are offered.
    """

    def rank(member: Mapping[str, Any]) -> tuple[int, int]:
        own = 0 if member.get("source_kind") in ("ats", "careers-page", "platform") else 1
        closed = 1 if member.get("closed_at") else 0
        return (closed, own)

    for member in sorted(members or [listing], key=rank):
        url = safe_http_url(member.get("apply_url")) or safe_http_url(member.get("url"))
        if url:
            return {
                "url": url,
                "host": urllib.parse.urlsplit(url).netloc,
                "own": member.get("source_kind") in ("ats", "careers-page", "platform"),
                "source_name": member.get("source_name") or member.get("source"),
                "closed": bool(member.get("closed_at")),
            }
    return None


_FIELD_WORDS = {
    "title": "title",
    "company": "employer",
    "description": "description",
    "location_raw": "location",
    "remote_scope": "remote eligibility",
    "countries": "eligible countries",
    "pay_text": "pay",
    "pay_min": "minimum pay",
    "pay_max": "maximum pay",
    "pay_currency": "currency",
    "pay_unit": "pay unit",
    "employment_type": "employment type",
    "valid_through": "closing date",
    "apply_url": "apply link",
}


def _describe_version(version: Mapping[str, Any]) -> dict[str, Any]:
    """One version row in words: 'pay: 40 USD/hour → 30 USD/hour', 'remote → hybrid'."""
    changed = json_list(version.get("changed"))
    try:
        before = json.loads(version.get("before") or "{}")
        after = json.loads(version.get("after") or "{}")
    except ValueError:
        before, after = {}, {}
    changes = []
    if changed == ["created"]:
        return {"seen_at": version.get("seen_at"), "created": True, "changes": []}
    for field in changed:
        old, new = before.get(field), after.get(field)
        if field == "description":
            changes.append(
                {
                    "field": "description",
                    "before": None,
                    "after": None,
                    "note": "the description was edited",
                }
            )
            continue
        note = ""
        if (
            field in ("pay_min", "pay_max")
            and isinstance(old, (int, float))
            and isinstance(new, (int, float))
        ):
            note = "pay cut" if new < old else "pay raised" if new > old else ""
        if field == "remote_scope":
            old, new = REMOTE_LABELS.get(str(old), old), REMOTE_LABELS.get(str(new), new)
        changes.append(
            {"field": _FIELD_WORDS.get(field, field), "before": old, "after": new, "note": note}
        )
    return {"seen_at": version.get("seen_at"), "created": False, "changes": changes}


async def employer_extras(datasette: Any, row: Any) -> dict[str, Any]:
    """An employer's page: open roles, typical pay, eligible countries, recent red flags."""
    employer = row_dict(row)
    key = employer["key"]
    db = datasette.get_database(DATABASE)
    names = [employer.get("name") or key, *json_list(employer.get("aliases"))]
    name_marks = _marks(len(names))
    claim = f"(employer_key = ? or company in ({name_marks}))"
    claim_params = [key, *names]
    roles = (
        await db.execute(
            f"select * from listing_cards where {claim} and is_open = 1 and relevant = 1 "
            "order by listed_at desc limit 50",
            claim_params,
        )
    ).rows
    pay = (
        await db.execute(
            "select count(*) as n, min(coalesce(pay_hourly_min, pay_hourly_max)) as low, "
            "max(coalesce(pay_hourly_max, pay_hourly_min)) as high, "
            "group_concat(distinct pay_currency) as currencies "
            f"from listing_cards where {claim} and is_open = 1 and coalesce(pay_hourly_min, pay_hourly_max) is not null",
            claim_params,
        )
    ).first()
    typical = None
    hourly = [
        r[0]
        for r in (
            await db.execute(
                "select coalesce((pay_hourly_min + pay_hourly_max) / 2.0, pay_hourly_min, pay_hourly_max) "
                f"from listing_cards where {claim} and is_open = 1 and coalesce(pay_hourly_min, pay_hourly_max) is not null "
                "order by 1",
                claim_params,
            )
        ).rows
    ]
    if hourly:
        typical = hourly[len(hourly) // 2]
    countries = (
        await db.execute(
            "select f.value as value, count(*) as n from listing_cards c cross join listing_facets f "
            f"on f.card = c.card and f.facet = 'country' where {claim.replace('employer_key', 'c.employer_key').replace('company', 'c.company')} "
            "and c.is_open = 1 group by f.value order by n desc limit 30",
            claim_params,
        )
    ).rows
    flags = (
        await db.execute(
            "select r.flag, r.evidence, c.id, c.title, c.first_seen, c.source, c.url from red_flags r "
            f"join listing_cards c on c.id = r.listing_id where ({claim.replace('employer_key', 'c.employer_key').replace('company', 'c.company')}) "
            "order by c.first_seen desc limit 30",
            claim_params,
        )
    ).rows
    # Impersonation: listings not from this employer's own domains that name it.
    impersonations = (
        await db.execute(
            "select r.flag, r.evidence, c.id, c.title, c.first_seen, c.source from red_flags r "
            "join listing_cards c on c.id = r.listing_id where r.flag = 'impersonation' and "
            f"({' or '.join('r.evidence like ?' for _ in names)}) order by c.first_seen desc limit 30",
            [f"%{name}%" for name in names],
        )
    ).rows
    seen = {r["id"] for r in flags}
    recent_flags = [row_dict(r) for r in flags] + [
        row_dict(r) for r in impersonations if r["id"] not in seen
    ]
    sources = (
        await db.execute(
            f"select source, count(*) as n from listing_cards where {claim} and is_open = 1 group by source order by n desc",
            claim_params,
        )
    ).rows
    return {
        "roles": roles,
        "role_count": len(roles),
        "typical_hourly": typical,
        "pay": row_dict(pay) if pay else {},
        "countries": [row_dict(r) for r in countries],
        "recent_flags": recent_flags,
        "listed_on": [row_dict(r) for r in sources],
        "official_domains": json_list(employer.get("official_domains"))
        or json_list(employer.get("web_domains")) + json_list(employer.get("apply_domains")),
        "email_domains": json_list(employer.get("email_domains")),
        "unverified_domains": json_list(employer.get("unverified_domains")),
        "aliases": json_list(employer.get("aliases")),
        "extras": await card_extras(datasette, roles),
    }


def feed_path_for(request: Any, datasette: Any) -> str:
    """The saved-search feed (canned query `feed`, .atom) matching the listings page's filters."""
    mapping = {
        "_search": "q",
        "_role": "role",
        "_domain": "domain",
        "_lang": "lang",
        "_country": "country",
        "_employer": "employer",
        "_pay": "pay",
        "_verdict": "verdict",
        "_source": "source",
    }
    pairs = []
    for key, value in _args(request):
        if key in mapping and value:
            pairs.append((mapping[key], value))
    query = urllib.parse.urlencode(pairs)
    return datasette.urls.path(f"/{DATABASE}/feed.atom") + (f"?{query}" if query else "")


@hookimpl
def extra_template_vars(
    template: str,
    database: str,
    table: str,
    columns: Any,
    view_name: str,
    request: Any,
    datasette: Any,
) -> dict[str, Any]:
    async def cards(rows: Sequence[Any], search: str | None = None) -> dict[str, Any]:
        return await card_extras(datasette, rows, search)

    async def listing(row: Any) -> dict[str, Any]:
        return await listing_extras(datasette, row)

    async def employer(row: Any) -> dict[str, Any]:
        return await employer_extras(datasette, row)

    def listing_href(listing_id: str) -> str:
        return listing_path(datasette, listing_id)

    def employer_href(key: str) -> str:
        return employer_path(datasette, key)

    def feed_href() -> str:
        return feed_path_for(request, datasette) if request is not None else ""

    def show_toggle(param: str) -> dict[str, Any]:
        on = request is not None and request.args.get(param) not in (None, "", "0")
        if request is None:
            return {"on": False, "href": ""}
        path = (
            path_with_removed_args(request, {param: None})
            if on
            else path_with_added_args(request, {param: "1"})
        )
        return {
            "on": on,
            "href": datasette.urls.path(
                without_nocount(path_with_removed_args_in_path(path, "_next"))
            ),
        }

    return {
        "ej_cards": cards,
        "ej_listing": listing,
        "ej_employer": employer,
        "listing_href": listing_href,
        "employer_href": employer_href,
        "feed_href": feed_href,
        "show_toggle": show_toggle,
        "show_params": SHOW_PARAMS,
        "ej_label": label,
        "flag_guide": FLAG_GUIDE,
        "backgrounds": BACKGROUNDS,
        "role_labels": ROLE_LABELS,
        "domain_labels": DOMAIN_LABELS,
        "verdict_labels": VERDICT_LABELS,
        "remote_labels": REMOTE_LABELS,
        "card_queries": CARD_QUERIES,
    }


# Canned queries whose rows are listing cards (rendered as cards by query-catalogue.html).
CARD_QUERIES: tuple[str, ...] = (
    "feed",
    "scam_watch",
    *(f"background_{slug}" for slug in BACKGROUNDS),
)


def plain_description(text: Any) -> str:
    """Datasette's "where ... sorted by listed_at descending" without the sort clause."""
    text = re.sub(r"\s*sorted by listed_at descending\s*$", "", str(text or ""))
    return re.sub(r"\s*sorted by [\w ]+$", "", text)


@hookimpl
def prepare_jinja2_environment(env: Any, datasette: Any) -> None:
    env.filters["plain_description"] = plain_description
    env.filters["without_nocount"] = without_nocount
    # A global, not a template var: error pages are rendered without extra_template_vars.
    env.globals["sql_time_limit_ms"] = datasette.setting("sql_time_limit_ms")
    env.filters["json_list"] = json_list
    env.filters["safe_http_url"] = safe_http_url
    env.filters["hourly_pay"] = lambda row: hourly_pay(row_dict(row))
    env.filters["short_date"] = short_date
    env.filters["row_dict"] = row_dict
    env.filters["country_label"] = lambda v: label("country", v)
    env.filters["lang_label"] = lambda v: label("lang", v)
    env.filters["url_host"] = lambda u: (
        urllib.parse.urlsplit(u).netloc if isinstance(u, str) else ""
    )


# ---------------------------------------------------------------------------------------
# Empty feeds: datasette-atom 0.9 fails (max() of nothing) on a query with no rows, and a
# saved search with nothing new yet is normal. Its renderer is wrapped, before Datasette
# collects renderers, to answer such a query with a valid feed of no entries.
# ---------------------------------------------------------------------------------------

try:
    import datasette_atom
except ImportError:  # the site works without feeds
    datasette_atom = None


def _empty_feed(datasette: Any, request: Any, database: str, query_name: str | None) -> Response:
    from feedgen.feed import FeedGenerator

    feed = FeedGenerator()
    feed.id(request.url)
    feed.link(href=request.url, rel="self")
    feed.updated(datetime.now(UTC))
    title = "evaljobs"
    if query_name:
        query = (datasette.metadata(database=database) or {}).get("queries", {}).get(
            query_name
        ) or {}
        title = query.get("title") or query_name
    feed.title(title)
    return Response(
        feed.atom_str(pretty=True), content_type="application/xml; charset=utf-8", status=200
    )


if datasette_atom is not None and not getattr(
    datasette_atom.render_atom, "evaljobs_wrapped", False
):
    _render_atom = datasette_atom.render_atom

    def render_atom(
        datasette, request, sql, columns, rows, database, table, query_name, view_name, data
    ):  # type: ignore[no-untyped-def]
        if not rows and datasette_atom.REQUIRED_COLUMNS.issubset(columns):
            return _empty_feed(datasette, request, database, query_name)
        return _render_atom(
            datasette, request, sql, columns, rows, database, table, query_name, view_name, data
        )

    render_atom.evaljobs_wrapped = True  # type: ignore[attr-defined]
    datasette_atom.render_atom = render_atom


# ---------------------------------------------------------------------------------------
# SQL functions for feeds and queries
# ---------------------------------------------------------------------------------------

_PUBLIC_URL: dict[str, str] = {"url": ""}


def set_public_url(url: str | None) -> None:
    """The site's public address (scheme, host, base path) used in feed links and sitemaps."""
    _PUBLIC_URL["url"] = (url or "").rstrip("/")


def _listing_url(listing_id: Any, fallback: Any = None) -> str | None:
    if listing_id is None:
        return None
    base = _PUBLIC_URL["url"]
    if base:
        return f"{base}/{DATABASE}/listings/{tilde_encode(str(listing_id))}"
    return safe_http_url(fallback)


# Tables of the catalogue that are nobody's business but the project's: digest subscribers'
# e-mail addresses and unsubscribe tokens, what was sent to whom, the scheduler's state.
# Hidden in metadata.yml, and unreadable through the SQL interface (an SQLite authorizer on
# every connection the site opens), since hiding a table does not stop `select * from` it.
PRIVATE_TABLES: frozenset[str] = frozenset(
    {"subscriptions", "deliveries", "digest_messages", "scheduler_state"}
)


def _authorize(action: int, arg1: Any, arg2: Any, dbname: Any, source: Any) -> int:
    if action == sqlite3.SQLITE_READ and str(arg1).lower() in PRIVATE_TABLES:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


@hookimpl
def prepare_connection(conn: Any, database: str, datasette: Any) -> None:
    if database == DATABASE:
        conn.set_authorizer(_authorize)
        # A 100,000-listing catalogue is over a gigabyte (descriptions, FTS): memory-mapped
        # reads and a bigger page cache keep index lookups off the disk.
        conn.execute("pragma mmap_size = 268435456")
        conn.execute("pragma cache_size = -32768")
        # Facet counts group and sort in temporary b-trees: keep them off the disk.
        conn.execute("pragma temp_store = memory")
    conn.create_function(
        "html_escape", 1, lambda s: html.escape(s) if s is not None else "", deterministic=True
    )
    conn.create_function("listing_url", 2, _listing_url)
    conn.create_function("safe_url", 1, safe_http_url, deterministic=True)
    conn.create_function("flag_label", 1, lambda s: FLAG_LABELS.get(s or "", s), deterministic=True)
    conn.create_function(
        "verdict_label", 1, lambda s: VERDICT_LABELS.get(s or "", s), deterministic=True
    )


# ---------------------------------------------------------------------------------------
# Routes: home, about the red flags, robots.txt, sitemap.xml
# ---------------------------------------------------------------------------------------


async def home(datasette: Any, request: Any) -> Response:
    db = datasette.get_database(DATABASE)
    latest = (
        await db.execute(
            "select * from listing_cards where shown = 1 order by listed_at desc limit 12"
        )
    ).rows
    # Every figure from facet_counts or an index range: the home page must stay instant.
    counts = (
        await db.execute(
            "select (select coalesce(sum(n), 0) from facet_counts where facet = 'verdict') as shown, "
            "(select count(*) from listing_cards where is_open = 1 and verdict = 'flagged') as flagged, "
            "(select count(*) from facet_counts where facet = 'employer' and n > 0) as employers"
        )
    ).first()
    domains = (
        await db.execute(
            "select value, n from facet_counts where facet = 'domain' and n > 0 order by n desc"
        )
    ).rows
    roles = (
        await db.execute(
            "select value, n from facet_counts where facet = 'role' and n > 0 order by n desc"
        )
    ).rows
    context = {
        "latest": latest,
        "counts": row_dict(counts) if counts else {},
        "domains": [row_dict(r) for r in domains],
        "roles": [row_dict(r) for r in roles],
        "extras": await card_extras(datasette, latest),
        "listings_path": datasette.urls.table(DATABASE, CARDS),
        "db_path": datasette.urls.database(DATABASE),
    }
    return Response.html(await datasette.render_template("home.html", context, request=request))


async def red_flags_page(datasette: Any, request: Any) -> Response:
    db = datasette.get_database(DATABASE)
    counts = {
        row["flag"]: row["n"]
        for row in (
            await db.execute(
                "select r.flag, count(*) as n from red_flags r join listing_cards c on c.id = r.listing_id "
                "where c.is_open = 1 group by r.flag"
            )
        ).rows
    }
    context = {"counts": counts, "listings_path": datasette.urls.table(DATABASE, CARDS)}
    return Response.html(
        await datasette.render_template("red_flags.html", context, request=request)
    )


def _site_root(datasette: Any, request: Any) -> str:
    return _PUBLIC_URL["url"] or datasette.absolute_url(request, datasette.urls.path("/")).rstrip(
        "/"
    )


async def robots_txt(datasette: Any, request: Any) -> Response:
    root = _site_root(datasette, request)
    prefix = datasette.urls.path("/").rstrip("/")
    lines = [
        "# evaljobs: a public catalogue of remote human-feedback AI jobs.",
        "User-agent: *",
        # The pages are for people and crawlers; ad-hoc SQL, exports and facet permutations
        # are endless URL spaces that only cost the server.
        f"Disallow: {prefix}/-/",
        f"Disallow: {prefix}/{DATABASE}?sql=",
        f"Disallow: {prefix}/*.csv",
        f"Disallow: {prefix}/*.json",
        f"Disallow: {prefix}/*_facet",
        f"Disallow: {prefix}/*_next=",
        # One filter is a page worth indexing ("law jobs"); combinations are endless.
        f"Disallow: {prefix}/*?*&",
        f"Disallow: {prefix}/{DATABASE}.db",
        f"Allow: {prefix}/",
        "",
        f"Sitemap: {root}/sitemap.xml",
        "",
    ]
    return Response.text("\n".join(lines))


SITEMAP_LIMIT = 45000  # under the protocol's 50,000 URLs per file


async def sitemap_xml(datasette: Any, request: Any) -> Response:
    root = _site_root(datasette, request)
    db = datasette.get_database(DATABASE)
    urls: list[tuple[str, str | None]] = [
        (f"{root}/", None),
        (
            root
            + datasette.urls.table(DATABASE, CARDS).replace(
                datasette.urls.path("/").rstrip("/"), "", 1
            ),
            None,
        ),
        (f"{root}/red-flags", None),
    ]
    prefix = datasette.urls.path("/").rstrip("/")

    def absolute(path: str) -> str:
        return root + (path[len(prefix) :] if prefix and path.startswith(prefix) else path)

    for name in (
        "scam_watch",
        "employer_directory",
        "source_health",
        *(f"background_{b}" for b in BACKGROUNDS),
    ):
        urls.append((absolute(datasette.urls.database(DATABASE) + "/" + name), None))
    for row in (await db.execute("select key from employers order by key")).rows:
        urls.append((absolute(employer_path(datasette, row["key"])), None))
    for row in (
        await db.execute(
            f"select id, last_seen from listing_cards where shown = 1 order by listed_at desc limit {SITEMAP_LIMIT}"
        )
    ).rows:
        urls.append((absolute(listing_path(datasette, row["id"])), short_date(row["last_seen"])))
    body = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for loc, lastmod in urls:
        entry = f"<url><loc>{xml_escape(loc)}</loc>"
        if lastmod:
            entry += f"<lastmod>{xml_escape(lastmod)}</lastmod>"
        body.append(entry + "</url>")
    body.append("</urlset>")
    return Response("\n".join(body) + "\n", content_type="application/xml; charset=utf-8")


async def jobs_redirect(datasette: Any, request: Any) -> Response:
    target = datasette.urls.table(DATABASE, CARDS)
    if request.query_string:
        target += "?" + request.query_string
    return Response.redirect(target)


def _count_from_facets(datasette: Any, scope: dict[str, Any]) -> dict[str, Any]:
    """The listings page (HTML) asks Datasette not to count: the facets already do.

    Every card has exactly one verdict facet row, so the verdict facet's counts add up to the
    number of listings selected; Datasette's own count(*) would select them all once more
    (a fifth of a filtered page's time at 100,000 listings). JSON and CSV keep the count.
    """
    if scope.get("path") != datasette.urls.table(DATABASE, CARDS):
        return scope
    query = scope.get("query_string", b"").decode("latin-1")
    if "_nocount=" in query:
        return scope
    query = (query + "&" if query else "") + "_nocount=1"
    return {**scope, "query_string": query.encode("latin-1"), "evaljobs_count_from_facets": True}


def without_nocount(url: Any) -> str:
    """A link of the listings page without the _nocount the site added itself."""
    url = str(url or "")
    parts = urllib.parse.urlsplit(url)
    if "_nocount" not in parts.query:
        return url
    pairs = [
        (k, v)
        for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        if k != "_nocount"
    ]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(pairs)))


# Defence in depth behind the escaping: no plugin, frame or third-party resource, images
# only from the site itself (an injected <img> could not even call home). Datasette's own
# pages use small inline scripts, hence 'unsafe-inline' for scripts.
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        b"script-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'self'; "
        b"form-action 'self'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
)


UNSUBSCRIBE_PATH = re.compile(r"^(?:/[^/]+)*/-/unsubscribe/[A-Za-z0-9_\-]{16,100}$")


@hookimpl
def asgi_wrapper(datasette: Any) -> Any:
    """Answer every request that is not a read with 405 (the site never writes); add
    security headers to every response."""

    def wrap(app: Any) -> Any:
        async def read_only(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope.get("type") != "http":
                await app(scope, receive, send)
                return
            # The one write: removing a saved search by its token (evaljobs_subscriptions.py).
            is_unsubscribe = scope.get("method") == "POST" and UNSUBSCRIBE_PATH.match(
                scope.get("path", "")
            )
            if scope.get("method", "GET") not in ("GET", "HEAD", "OPTIONS") and not is_unsubscribe:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 405,
                        "headers": [
                            (b"content-type", b"text/plain; charset=utf-8"),
                            (b"allow", b"GET, HEAD"),
                            *SECURITY_HEADERS,
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": b"This site is read-only.\n"})
                return

            scope = _count_from_facets(datasette, scope)

            async def send_with_headers(message: dict[str, Any]) -> None:
                if message.get("type") == "http.response.start":
                    names = {name.lower() for name, _ in message.get("headers", [])}
                    extra = [h for h in SECURITY_HEADERS if h[0] not in names]
                    message = {**message, "headers": [*message.get("headers", []), *extra]}
                await send(message)

            await app(scope, receive, send_with_headers)

        return read_only

    return wrap


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [
        (r"^/$", home),
        (r"^/jobs$", jobs_redirect),
        (r"^/red-flags$", red_flags_page),
        (r"^/robots\.txt$", robots_txt),
        (r"^/sitemap\.xml$", sitemap_xml),
    ]
