"""Reading schema.org JobPosting JSON-LD: finding the postings in a page and their fields.

This module owns everything about JSON-LD job postings and nothing about fetching them:
`extract_job_postings` finds every JobPosting in the ``<script type="application/ld+json">``
blocks of an HTML page (a block may hold one object, a list, an ``@graph``, a posting nested
in a WebPage, or be wrapped in ``<![CDATA[``/HTML comments); `read_json_ld_blocks` does the
same and also says which blocks were not JSON, so a spider can count them;
`find_job_postings` walks an already-parsed object (pages that ship the posting inside other
data, such as a Next.js flight); `job_posting_fields` maps one posting to the source fields
of a `JobListing` (title, employer, dates, employment type, structured pay, remote flag,
eligible countries, location, description HTML, identifier, URL). Pure: no I/O, no Scrapy
objects, no normalization (crawler.normalize does that later).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from parsel import Selector

# `type` compared without case or spaces: pages write "application/ld+json" in many ways.
_SCRIPT_XPATH = (
    "//script[contains(translate(normalize-space(@type), "
    "'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), 'ld+json')]/text()"
)
_WRAPPERS = re.compile(r"^\s*(?://\s*)?(?:<!\[CDATA\[|<!--)|(?://\s*)?(?:\]\]>|-->)\s*$")
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_SCHEMA_PREFIX = re.compile(r"^(?:https?://schema\.org/|schema:)", re.I)


@dataclass
class JsonLdBlocks:
    """The JSON-LD blocks of a page: the parsed ones and why the others were not JSON."""

    blocks: list[Any] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def job_postings(self) -> list[dict[str, Any]]:
        return [posting for block in self.blocks for posting in find_job_postings(block)]


def read_json_ld_blocks(html: str | bytes) -> JsonLdBlocks:
    """Every ``ld+json`` script of `html`, parsed; blocks that are not JSON go to `errors`."""
    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    result = JsonLdBlocks()
    if not html or not html.strip():
        return result
    for index, raw in enumerate(Selector(text=html).xpath(_SCRIPT_XPATH).getall()):
        text = _WRAPPERS.sub("", raw).strip()
        if not text:
            continue
        try:
            result.blocks.append(_loads(text))
        except ValueError as error:
            result.errors.append(f"ld+json block {index}: {error}")
    return result


def _loads(text: str) -> Any:
    # strict=False lets raw newlines and tabs inside strings through: careers-page templates
    # often paste the description in unescaped. A trailing comma is the other common slip.
    try:
        return json.loads(text, strict=False)
    except ValueError:
        return json.loads(_TRAILING_COMMA.sub(r"\1", text), strict=False)


def extract_job_postings(html: str | bytes) -> list[dict[str, Any]]:
    """The schema.org JobPosting objects in the JSON-LD blocks of an HTML page, in page order."""
    return read_json_ld_blocks(html).job_postings


def find_job_postings(data: Any) -> list[dict[str, Any]]:
    """The JobPosting objects anywhere inside parsed JSON-LD (lists, @graph, nested entities)."""
    return list(_walk(data, depth=0))


def _walk(data: Any, depth: int) -> Iterator[dict[str, Any]]:
    if depth > 12:  # JSON-LD is shallow; a deeper tree is not worth following
        return
    if isinstance(data, list):
        for element in data:
            yield from _walk(element, depth + 1)
    elif isinstance(data, dict):
        if is_job_posting(data):
            yield data
            return
        for value in data.values():
            if isinstance(value, dict | list):
                yield from _walk(value, depth + 1)


def is_job_posting(data: Any) -> bool:
    """True for a dict whose @type is (or includes) JobPosting, with or without a schema prefix."""
    if not isinstance(data, dict):
        return False
    types = data.get("@type")
    types = types if isinstance(types, list) else [types]
    return any(
        isinstance(t, str) and _SCHEMA_PREFIX.sub("", t.strip()) == "JobPosting" for t in types
    )


# ---------------------------------------------------------------- one posting's fields


def job_posting_fields(posting: dict[str, Any]) -> dict[str, Any]:
    """The JobListing source fields a JobPosting states; keys it does not state are absent.

    Values stay as the page gives them (dates as text, pay unit as "HOUR"); the spider adds
    its own identity fields (source_id fallback, url fallback, board) and normalization
    turns these into the catalogue's fields.
    """
    fields: dict[str, Any] = {
        "title": _text(posting.get("title") or posting.get("name")),
        "company": _organization_name(posting.get("hiringOrganization")),
        "posted_raw": _text(posting.get("datePosted")),
        "valid_through_raw": _text(posting.get("validThrough")),
        "employment_type": _joined(posting.get("employmentType")),
        "description_html": _text(posting.get("description")),
        "source_id": _identifier(posting.get("identifier")),
        "url": _url(posting.get("url")),
        "location_raw": _location_text(posting.get("jobLocation")),
        "tags": _tags(posting),
    }
    fields.update(_salary(posting.get("baseSalary")) or _salary(posting.get("estimatedSalary")))
    location_types = [_type_name(t) for t in _as_list(posting.get("jobLocationType"))]
    if any(t.upper() == "TELECOMMUTE" for t in location_types if t):
        fields["remote_raw"] = "TELECOMMUTE"
    countries = _countries(posting.get("applicantLocationRequirements"))
    if countries:
        fields["countries_raw"] = countries
        if "remote_raw" in fields and not fields["location_raw"]:
            fields["location_raw"] = "Remote (" + ", ".join(countries) + ")"
    return {key: value for key, value in fields.items() if value not in (None, "", [])}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list | bool):
        return None
    text = str(value).strip()
    return text or None


def _joined(value: Any) -> str | None:
    parts = [_text(v) for v in _as_list(value)]
    return ", ".join(p for p in parts if p) or None


def _type_name(value: Any) -> str:
    return _SCHEMA_PREFIX.sub("", value.strip()) if isinstance(value, str) else ""


def _organization_name(value: Any) -> str | None:
    for org in _as_list(value):
        if isinstance(org, dict):
            name = _text(org.get("name")) or _text(org.get("legalName"))
        else:
            name = _text(org)
        if name:
            return name
    return None


def _identifier(value: Any) -> str | None:
    for ident in _as_list(value):
        if isinstance(ident, dict):
            found = _text(ident.get("value")) or _text(ident.get("@id"))
        else:
            found = _text(ident)
        if found:
            return found
    return None


def _url(value: Any) -> str | None:
    text = _text(value)
    return text if text and text.lower().startswith(("http://", "https://")) else None


def _salary(value: Any) -> dict[str, Any]:
    """min/max/currency/unit of a MonetaryAmount (its value a number or QuantitativeValue)."""
    for amount in _as_list(value):
        if isinstance(amount, int | float) and not isinstance(amount, bool):
            return {"pay_min_raw": amount, "pay_max_raw": amount}
        if not isinstance(amount, dict):
            continue
        currency = _text(amount.get("currency"))
        inner = amount.get("value")
        unit = _text(amount.get("unitText"))
        low = high = None
        if isinstance(inner, dict):
            unit = _text(inner.get("unitText")) or unit
            low, high = inner.get("minValue"), inner.get("maxValue")
            if low is None and high is None:
                low = high = inner.get("value")
        elif inner is not None:
            low = high = inner
        else:
            low, high = amount.get("minValue"), amount.get("maxValue")
        if low is None and high is None:
            continue
        out = {"pay_min_raw": low, "pay_max_raw": high if high is not None else low}
        if currency:
            out["pay_currency_raw"] = currency
        if unit:
            out["pay_unit_raw"] = unit
        return out
    return {}


def _countries(value: Any) -> list[str]:
    """Names or codes of the countries in applicantLocationRequirements (Country or text)."""
    names: list[str] = []
    for place in _as_list(value):
        if isinstance(place, dict):
            name = _text(place.get("name")) or _text(place.get("identifier"))
        else:
            name = _text(place)
        if name and name not in names:
            names.append(name)
    return names


def _location_text(value: Any) -> str | None:
    """jobLocation Places as "Locality, Region, Country", several joined with "; "."""
    places: list[str] = []
    for place in _as_list(value):
        if isinstance(place, str):
            text = place.strip()
        elif isinstance(place, dict):
            address = place.get("address")
            if isinstance(address, str):
                text = address.strip()
            elif isinstance(address, dict):
                country = address.get("addressCountry")
                if isinstance(country, dict):
                    country = country.get("name")
                parts = [address.get("addressLocality"), address.get("addressRegion"), country]
                text = ", ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
            else:
                text = _text(place.get("name")) or ""
        else:
            text = ""
        if text and text not in places:
            places.append(text)
    return "; ".join(places) or None


def _tags(posting: dict[str, Any]) -> list[str]:
    tags: list[str] = []
    for key in ("occupationalCategory", "industry"):
        for value in _as_list(posting.get(key)):
            text = _text(value if not isinstance(value, dict) else value.get("name"))
            if text and text not in tags:
                tags.append(text)
    return tags
