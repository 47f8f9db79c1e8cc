"""Pure functions that turn what a source says into the catalogue's normalized fields.

HTML (also entity-escaped HTML, as Greenhouse sends it) to clean text with paragraphs kept;
dates of any common shape to UTC ISO-8601; pay text or structured pay to min / max /
currency / unit plus an hourly figure (never guessing a unit the source did not state);
location text to a remote scope, eligible countries and regions; URLs without tracking
parameters. No I/O, no Scrapy: every function is table-tested in tests/crawler/test_normalize.py.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pycountry
from bs4 import BeautifulSoup

# ---------------------------------------------------------------- HTML to text

_BLOCK_TAGS = {
    "p",
    "div",
    "section",
    "article",
    "header",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "table",
    "tr",
    "blockquote",
    "pre",
    "hr",
    "dl",
    "dt",
    "dd",
    "main",
    "aside",
}
_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "svg", "head")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def html_to_text(markup: str | None) -> str:
    """Return readable text of an HTML fragment: paragraphs kept, bullets marked, no tags.

    Entity-escaped HTML (``&lt;p&gt;Hello&lt;/p&gt;``) is unescaped first, so both shapes
    give the same text. Scripts and styles are dropped, never shown.
    """
    if not markup:
        return ""
    markup = _CONTROL_CHARS.sub(" ", str(markup))
    if "&lt;" in markup and markup.count("<") < markup.count("&lt;"):
        markup = html_lib.unescape(markup)
    if "<" not in markup:
        return _tidy_text(html_lib.unescape(markup))
    soup = BeautifulSoup(markup, "html.parser")
    for tag in soup(_DROP_TAGS):
        tag.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for li in soup.find_all("li"):
        li.insert_before("\n• ")
        li.insert_after("\n")
    for tag in soup.find_all(_BLOCK_TAGS):
        tag.insert_before("\n\n")
        tag.insert_after("\n\n")
    return _tidy_text(soup.get_text())


def _tidy_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    lines = [re.sub(r"[ \t\f\v]+", " ", line).strip() for line in text.split("\n")]
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        if line:
            current.append(line)
        elif current:
            paragraphs.append("\n".join(current))
            current = []
    if current:
        paragraphs.append("\n".join(current))
    # A bullet marker left alone on its line belongs to the next line.
    text = "\n\n".join(paragraphs)
    text = re.sub(r"•\s*\n+", "• ", text)
    text = re.sub(r"\n{2,}(?=• )", "\n", text)
    return text.strip()


# ---------------------------------------------------------------- mojibake

# UTF-8 bytes read as Latin-1 or Windows-1252 ("Youâ€™ll", "ZÃ³calo"): a lead byte
# (Â..ô) followed by continuation bytes (0x80..0xBF, which cp1252 shows as € ‚ ƒ … ™ etc.).
_CP1252_CONTINUATION = "".join(
    bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in range(0x80, 0xC0)
)
_MOJIBAKE = re.compile("[\xc2-\xf4][" + re.escape(_CP1252_CONTINUATION) + "\x80-\xbf]{1,3}")


def repair_mojibake(text: str | None) -> str | None:
    """Undo UTF-8 that was decoded as Latin-1 / cp1252, sequence by sequence.

    Only sequences that decode as valid UTF-8 are replaced, so correct text (including
    real accented letters) is left as it is. Remote OK serves descriptions this way.
    """
    if not text or not _MOJIBAKE.search(text):
        return text

    def fix(match: re.Match[str]) -> str:
        chunk = match.group(0)
        raw = bytearray()
        for char in chunk:
            if ord(char) < 256:
                raw.append(ord(char))
            else:
                try:
                    raw.extend(char.encode("cp1252"))
                except UnicodeEncodeError:
                    return chunk
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return chunk

    return _MOJIBAKE.sub(fix, text)


# ---------------------------------------------------------------- dates

_DATE_FORMATS = (
    "%b %d, %Y",
    "%B %d, %Y",
    "%d %b %Y",
    "%d %B %Y",
    "%Y/%m/%d",
    "%m/%d/%Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S UTC",  # Recruitee: "2023-07-25 17:53:46 UTC"
)


def to_utc_iso(value: object) -> str | None:
    """Return `value` as a UTC ISO-8601 string (``2026-07-18T09:30:00Z``), or None.

    Accepts ISO-8601 with or without offset (naive times are taken as UTC), epoch seconds
    or milliseconds, RFC 2822 dates (RSS) and a few written forms ("Feb 28, 2025").
    Anything else gives None rather than a wrong date.
    """
    if value is None or value == "" or isinstance(value, bool):
        return None
    parsed: datetime | None = None
    if isinstance(value, int | float):
        seconds = float(value)
        if seconds > 1e11:  # milliseconds since the epoch (Lever, Himalayas)
            seconds /= 1000.0
        try:
            parsed = datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    else:
        text = str(value).strip()
        if re.fullmatch(r"\d{9,13}(\.\d+)?", text):
            return to_utc_iso(float(text))
        parsed = _parse_date_text(text)
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_date_text(text: str) -> datetime | None:
    iso = text.replace("Z", "+00:00") if text.endswith("Z") else text
    iso = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", iso)  # +0000 -> +00:00
    try:
        return datetime.fromisoformat(iso)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


# ---------------------------------------------------------------- pay

PAY_UNITS = ("hour", "day", "week", "month", "year", "task")
# Hours per unit, to state pay per hour. A task has no known length: no hourly figure.
_HOURS_PER_UNIT = {"hour": 1.0, "day": 8.0, "week": 40.0, "month": 2080.0 / 12, "year": 2080.0}

_UNIT_WORDS = {
    "hour": r"(?:/\s*(?:hr|hour|h)\b|per\s+hour|an\s+hour|a\s+hour|hourly|p/h|\bph\b|/hora)",
    "day": r"(?:/\s*day\b|per\s+day|a\s+day|daily)",
    "week": r"(?:/\s*(?:wk|week)\b|per\s+week|a\s+week|weekly)",
    "month": r"(?:/\s*(?:mo|month)\b|per\s+month|a\s+month|monthly)",
    "year": r"(?:/\s*(?:yr|year|annum)\b|per\s+(?:year|annum)|a\s+year|annual(?:ly)?|yearly|p\.?a\.?\b)",
    "task": r"(?:/\s*task\b|per\s+task|a\s+task|per\s+(?:submission|item|assignment))",
}
_UNIT_ALIASES = {
    "hour": "hour",
    "hourly": "hour",
    "hr": "hour",
    "h": "hour",
    "per_hour": "hour",
    "day": "day",
    "daily": "day",
    "per_day": "day",
    "week": "week",
    "weekly": "week",
    "wk": "week",
    "per_week": "week",
    "month": "month",
    "monthly": "month",
    "mo": "month",
    "per_month": "month",
    "year": "year",
    "yearly": "year",
    "annual": "year",
    "annually": "year",
    "yr": "year",
    "per_year": "year",
    "salary": None,
    "task": "task",
    "per_task": "task",
    "item": "task",
    "submission": "task",
}
_CURRENCY_SYMBOLS = {
    "$": "USD",
    "€": "EUR",
    "£": "GBP",
    "₹": "INR",
    "¥": "JPY",
    "₩": "KRW",
    "R$": "BRL",
}
_CURRENCY_CODES = (
    "USD",
    "EUR",
    "GBP",
    "CAD",
    "AUD",
    "NZD",
    "CHF",
    "INR",
    "JPY",
    "BRL",
    "MXN",
    "SGD",
    "PLN",
    "SEK",
    "NOK",
    "DKK",
    "ZAR",
    "PHP",
    "HKD",
    "CNY",
    "KRW",
    "ILS",
    "TRY",
    "AED",
)
_NUMBER = r"\d{1,3}(?:[,.\s]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_AMOUNT = re.compile(
    rf"(?P<cur>R\$|[$€£₹¥₩]|\b(?:{'|'.join(_CURRENCY_CODES)})\b)?\s*(?P<num>{_NUMBER})\s*(?P<k>[kK]\b)?"
    rf"\s*(?P<code>\b(?:{'|'.join(_CURRENCY_CODES)})\b)?"
)
_RANGE_GLUE = re.compile(r"^\s*(?:-|–|—|to|and)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Pay:
    """Pay as min / max / currency / unit, with per-hour figures where the unit allows."""

    text: str | None = None
    min: float | None = None
    max: float | None = None
    currency: str | None = None
    unit: str | None = None
    hourly_min: float | None = None
    hourly_max: float | None = None


def normalize_pay_unit(unit: object) -> str | None:
    """Map a source's pay-period word ("HOUR", "yearly", "per_task") to a PAY_UNITS slug."""
    if not unit:
        return None
    key = re.sub(r"[\s-]+", "_", str(unit).strip().lower())
    # Ashby says "1 YEAR"; Lever's salaryRange says "per-year-salary" / "per-hour-wage".
    key = re.sub(r"^1_|_(?:salary|wage)$", "", key)
    return _UNIT_ALIASES.get(key) or _UNIT_ALIASES.get(key.removeprefix("per_"))


def _to_float(number: str) -> float | None:
    text = number.strip().replace(" ", "")
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", text):
        text = text.replace(",", "")
    elif re.fullmatch(r"\d{1,3}(?:\.\d{3})+", text):  # 65.000 (European thousands)
        text = text.replace(".", "")
    else:
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None


def _unit_in(text: str) -> str | None:
    for unit, pattern in _UNIT_WORDS.items():
        if re.search(pattern, text, re.IGNORECASE):
            return unit
    return None


def parse_pay(
    text: str | None = None,
    *,
    minimum: object = None,
    maximum: object = None,
    currency: str | None = None,
    unit: object = None,
) -> Pay:
    """Return the pay a listing states, from structured fields first, else from its text.

    The unit comes from the source's field or from explicit words in the text ("/hr",
    "per year", "per task"); where neither says it, the unit stays None and no hourly
    figure is made: "$65k-95k" alone is not assumed to be a salary.
    """
    raw_text = (text or "").strip() or None
    unit_slug = normalize_pay_unit(unit)
    low = _number_or_none(minimum)
    high = _number_or_none(maximum)
    cur = currency.strip().upper() if isinstance(currency, str) and currency.strip() else None
    if (low is None and high is None) and raw_text:
        low, high, text_cur = _amounts_in(raw_text)
        cur = cur or text_cur
    if raw_text and unit_slug is None:
        unit_slug = _unit_in(raw_text)
    if low is None and high is None:
        # A unit without an amount ("3 days a week") says nothing about pay.
        return Pay(text=raw_text, currency=cur, unit=unit_slug if unit is not None else None)
    if low is not None and high is not None and high < low:
        low, high = high, low
    hourly_min = hourly_max = None
    if unit_slug in _HOURS_PER_UNIT:
        hours = _HOURS_PER_UNIT[unit_slug]
        hourly_min = round(low / hours, 2) if low is not None else None
        hourly_max = round(high / hours, 2) if high is not None else None
    return Pay(raw_text, low, high, cur, unit_slug, hourly_min, hourly_max)


def _number_or_none(value: object) -> float | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if value >= 0 else None
    return _to_float(str(value))


def _amounts_in(text: str) -> tuple[float | None, float | None, str | None]:
    """The first amount (or range of two) in a pay text, and its currency."""
    matches = [m for m in _AMOUNT.finditer(text) if m.group("num")]
    if not matches:
        return None, None, None
    first = matches[0]
    # A bare small number with no currency and no k (e.g. "3 days a week") is not pay.
    if not (first.group("cur") or first.group("code") or first.group("k")) and not re.search(
        r"[$€£₹¥]|\b(?:" + "|".join(_CURRENCY_CODES) + r")\b", text
    ):
        return None, None, None
    amounts = [_amount_value(first)]
    currency = _currency_of(first)
    if len(matches) > 1 and _RANGE_GLUE.match(text[first.end() : matches[1].start()]):
        second = matches[1]
        value = _amount_value(second)
        if (
            first.group("k") is None
            and second.group("k")
            and amounts[0] is not None
            and amounts[0] < 1000
        ):
            amounts[0] *= 1000  # "65-95k"
        amounts.append(value)
        currency = currency or _currency_of(second)
    low = amounts[0]
    high = amounts[1] if len(amounts) > 1 else None
    return low, high if high is not None else low, currency


def _amount_value(match: re.Match[str]) -> float | None:
    value = _to_float(match.group("num"))
    if value is not None and match.group("k"):
        value *= 1000
    return value


def _currency_of(match: re.Match[str]) -> str | None:
    symbol = match.group("cur") or match.group("code")
    if not symbol:
        return None
    return _CURRENCY_SYMBOLS.get(symbol, symbol.upper())


# ---------------------------------------------------------------- location

REMOTE_SCOPES = ("worldwide", "countries", "regions", "hybrid", "onsite", "unknown")

_WORLDWIDE = re.compile(
    r"\b(worldwide|anywhere|global(?:ly)?|world ?wide|any ?where in the world|all countries)\b",
    re.I,
)
_HYBRID = re.compile(r"\bhybrid\b", re.I)
_ONSITE = re.compile(r"\b(on[- ]?site|in[- ]office|in[- ]person)\b", re.I)
_REMOTE = re.compile(r"\b(remote|remotely|work from home|wfh|distributed|telecommute)\b", re.I)
_REGION_WORDS = {
    "emea": "EMEA",
    "europe": "Europe",
    "eu": "EU",
    "latam": "LATAM",
    "latin america": "LATAM",
    "apac": "APAC",
    "asia": "Asia",
    "americas": "Americas",
    "north america": "North America",
    "south america": "South America",
    "africa": "Africa",
    "middle east": "Middle East",
    "oceania": "Oceania",
    "cet": "CET",
    "est": "EST",
    "pst": "PST",
    "cst": "CST",
}
_TIMEZONE = re.compile(
    r"\b(?:UTC|GMT)\s?[+-−]\s?\d{1,2}(?::?\d{2})?(?:\s*(?:to|-|–)\s*(?:UTC|GMT)?\s?[+-−]\s?\d{1,2})?",
    re.I,
)
_US_STATES = {
    "AL",
    "AK",
    "AZ",
    "AR",
    "CA",
    "CO",
    "CT",
    "DE",
    "FL",
    "GA",
    "HI",
    "ID",
    "IL",
    "IN",
    "IA",
    "KS",
    "KY",
    "LA",
    "ME",
    "MD",
    "MA",
    "MI",
    "MN",
    "MS",
    "MO",
    "MT",
    "NE",
    "NV",
    "NH",
    "NJ",
    "NM",
    "NY",
    "NC",
    "ND",
    "OH",
    "OK",
    "OR",
    "PA",
    "RI",
    "SC",
    "SD",
    "TN",
    "TX",
    "UT",
    "VT",
    "VA",
    "WA",
    "WV",
    "WI",
    "WY",
    "DC",
}
_CITY_STATE = re.compile(
    r"[A-Z][A-Za-z .'-]+,\s*([A-Z]{2})\b(?!\s*,?\s*(?:Canada|Germany|India|Indonesia))"
)
_COUNTRY_ALIASES = {
    "usa": "US",
    "u.s.": "US",
    "u.s.a.": "US",
    "us": "US",
    "united states": "US",
    "america": "US",
    "uk": "GB",
    "u.k.": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "britain": "GB",
    "great britain": "GB",
    "south korea": "KR",
    "korea": "KR",
    "russia": "RU",
    "vietnam": "VN",
    "czech republic": "CZ",
    "czechia": "CZ",
    "turkey": "TR",
    "türkiye": "TR",
    "iran": "IR",
    "taiwan": "TW",
    "bolivia": "BO",
    "venezuela": "VE",
    "tanzania": "TZ",
    "moldova": "MD",
    "uae": "AE",
    "holland": "NL",
    "the netherlands": "NL",
    "ivory coast": "CI",
    "laos": "LA",
    "syria": "SY",
    "palestine": "PS",
    "kosovo": "XK",
    "deutschland": "DE",
}


@dataclass(frozen=True)
class Location:
    """Where a listing can be done from."""

    remote_scope: str = "unknown"
    countries: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)


@lru_cache(maxsize=4096)
def country_code(name: str) -> str | None:
    """ISO 3166-1 alpha-2 code of a country name or code ("Germany", "DE", "USA"), or None."""
    key = name.strip().strip(".").lower()
    if not key:
        return None
    if key in _COUNTRY_ALIASES:
        return _COUNTRY_ALIASES[key]
    try:
        return pycountry.countries.lookup(key).alpha_2
    except LookupError:
        pass
    try:
        matches = pycountry.countries.search_fuzzy(key) if len(key) > 3 else []
    except LookupError:
        return None
    # Only accept a fuzzy match whose name is the key itself (no guessing from partial words).
    for match in matches[:1]:
        names = {getattr(match, a, "").lower() for a in ("name", "common_name", "official_name")}
        if key in names:
            return match.alpha_2
    return None


def parse_location(
    location: str | None,
    *,
    countries: list[str] | None = None,
    remote: object = None,
) -> Location:
    """Return the remote scope, eligible countries and regions a listing states.

    `countries` are explicit country names or codes from a source's own field;
    `remote` is the source's remote flag or label. Nothing stated gives "unknown".
    """
    text = (location or "").strip()
    codes: list[str] = []
    for name in countries or []:
        code = country_code(str(name))
        if code and code not in codes:
            codes.append(code)
    regions: list[str] = []
    for match in _TIMEZONE.finditer(text):
        label = re.sub(r"\s+", "", match.group(0)).upper().replace("−", "-")
        label = (
            re.sub(r"(?:TO|-|–)(?=UTC|GMT|[+-]\d)", "..", label, count=1)
            if "TO" in label or "–" in label
            else label
        )
        if label not in regions:
            regions.append(label)
    # "San Francisco, CA" names a US state, not Canada: read such pairs first.
    for match in _CITY_STATE.finditer(text):
        if match.group(1) in _US_STATES and "US" not in codes:
            codes.append("US")
    text_for_countries = _CITY_STATE.sub(
        lambda m: " " if m.group(1) in _US_STATES else m.group(0), text
    )
    for part in re.split(r"[,;/|()\[\]]|\bor\b|\band\b|·|\s-\s", text_for_countries, flags=re.I):
        part = part.strip()
        word = re.sub(
            r"\b(remote|only|based|hybrid|on-?site|in|from|the|anywhere in)\b", "", part, flags=re.I
        ).strip(" .:-")
        if not word:
            continue
        if word.lower() in _REGION_WORDS:
            label = _REGION_WORDS[word.lower()]
            if label not in regions:
                regions.append(label)
            continue
        code = country_code(word)
        if code and code not in codes:
            codes.append(code)
    remote_flag = _remote_flag(remote)
    if _HYBRID.search(text) or (isinstance(remote, str) and _HYBRID.search(remote)):
        scope = "hybrid"
    elif _WORLDWIDE.search(text) and not codes:
        scope = "worldwide"
    elif codes:
        # Countries a source names for an on-site job (Lever's `country` with workplaceType
        # "onsite") say where the office is, not where one may work from.
        scope = (
            "countries"
            if (remote_flag or _REMOTE.search(text) or (countries and remote_flag is not False))
            else "onsite"
        )
    elif regions:
        scope = "regions"
    elif _ONSITE.search(text) or remote_flag is False:
        scope = "onsite"
    else:
        scope = "unknown"
    if scope == "onsite" and remote_flag:
        scope = "countries" if codes else "unknown"
    return Location(scope, codes, regions)


def _remote_flag(remote: object) -> bool | None:
    if remote is None or remote == "":
        return None
    if isinstance(remote, bool):
        return remote
    text = str(remote).lower()
    if _REMOTE.search(text) or text in {"true", "yes", "1", "telecommute"}:
        return True
    if text in {"false", "no", "0", "onsite", "on-site", "office"}:
        return False
    return None


# ---------------------------------------------------------------- URLs

_TRACKING_PARAMS = re.compile(
    r"^(utm_.*|gclid|fbclid|msclkid|mc_[a-z]+|ref|referrer|referral|ref_id|refid|source|src|"
    r"gh_src|gh_jid_src|lever-source|lever-origin|lever-via|ashby_src|trk|trackingid|"
    r"campaign|_hs(enc|mi)|igshid|yclid|si|s_kwcid|__hstc|__hssc|__hsfp|hss_channel|"
    r"share_id|invite|invite_code|rc|utm|"
    # AI-training platforms' referral codes (Mercor, micro1) and source tags (DataAnnotation)
    r"referralcode|referral_code|referrer_code|worker_src)$",
    re.I,
)


def canonical_url(url: str | None) -> str | None:
    """Return `url` without tracking or referral parameters and fragment; None if not http(s)."""
    if not url:
        return None
    url = str(url).strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return None
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not _TRACKING_PARAMS.match(k)
    ]
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", urlencode(query), "")
    )


# ---------------------------------------------------------------- a whole listing

_MAX_DESCRIPTION_CHARS = 100_000  # longer descriptions are cut: no real posting is longer


def normalize_listing(item: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of a spider's item with every normalized field filled.

    Source fields are kept as they are (the raw pay text included); derived fields are
    recomputed, so normalizing twice gives the same result (rebuild relies on it).
    """
    out = dict(item)
    out["source_id"] = str(item.get("source_id") or "").strip()
    out["id"] = f"{item.get('source')}:{out['source_id']}"
    out["title"] = _clean_line(item.get("title"))
    out["company"] = _clean_line(item.get("company")) or None
    out["client"] = _clean_line(item.get("client")) or None
    out["url"] = canonical_url(item.get("url"))
    out["apply_url"] = canonical_url(item.get("apply_url")) or out["url"]
    text = item.get("description")
    if item.get("description_html"):
        text = html_to_text(item["description_html"])
    else:
        text = _tidy_text(_CONTROL_CHARS.sub(" ", str(text or "")))
    out["description"] = text[:_MAX_DESCRIPTION_CHARS]
    out.pop("description_html", None)
    pay = parse_pay(
        item.get("pay_text"),
        minimum=item.get("pay_min_raw"),
        maximum=item.get("pay_max_raw"),
        currency=item.get("pay_currency_raw"),
        unit=item.get("pay_unit_raw"),
    )
    out.update(
        pay_min=pay.min,
        pay_max=pay.max,
        pay_currency=pay.currency,
        pay_unit=pay.unit,
        pay_hourly_min=pay.hourly_min,
        pay_hourly_max=pay.hourly_max,
    )
    if not out.get("pay_text") and pay.min is not None:
        out["pay_text"] = _describe_pay(pay)
    location = parse_location(
        item.get("location_raw"), countries=item.get("countries_raw"), remote=item.get("remote_raw")
    )
    out["remote_scope"] = location.remote_scope
    out["countries"] = location.countries
    out["regions"] = location.regions
    out["posted_at"] = to_utc_iso(item.get("posted_raw"))
    out["valid_through"] = to_utc_iso(item.get("valid_through_raw"))
    out["tags"] = sorted({_clean_line(t) for t in (item.get("tags") or []) if _clean_line(t)})
    out["evergreen"] = bool(item.get("evergreen"))
    return out


def _clean_line(value: object) -> str:
    if value is None:
        return ""
    return re.sub(r"\s+", " ", html_lib.unescape(_CONTROL_CHARS.sub(" ", str(value)))).strip()


def _describe_pay(pay: Pay) -> str:
    amount = (
        f"{pay.min:,.0f}"
        if pay.min == pay.max or pay.max is None
        else f"{pay.min:,.0f}-{pay.max:,.0f}"
    )
    unit = f" per {pay.unit}" if pay.unit else ""
    return f"{pay.currency + ' ' if pay.currency else ''}{amount}{unit}"
