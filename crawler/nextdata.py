"""Reading the data a Next.js page ships to the browser, once for every platform.

Next.js sites carry their data in one of two forms, and this module owns reading both:
the pages router's ``<script id="__NEXT_DATA__">`` JSON (Mercor, Alignerr), and the app
router's React-server-component "flight" — ``self.__next_f.push([1,"…"])`` script chunks
whose concatenated text is a sequence of rows ``<hex id>:<payload>`` (micro1). Flight rows
are either one line of JSON (possibly prefixed by a row tag such as ``I`` or ``HL``) or a
length-prefixed text row ``<id>:T<hex byte length>,<text>`` that a JSON row points to with
the string ``"$<id>"``. The helpers here decode the chunks, split the rows by *byte*
length (the way React does), resolve ``"$<id>"`` references, and find the objects a spider
wants. Pure: no I/O, no Scrapy; errors are `NextDataError` with a reason a spider can log.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

# The tag's attributes vary (Mercor adds a nonce, order differs): match on the id only.
_NEXT_DATA_SCRIPT = re.compile(
    r"<script\b[^>]*\bid\s*=\s*[\"']__NEXT_DATA__[\"'][^>]*>(?P<body>.*?)</script\s*>", re.S | re.I
)
# One flight chunk: self.__next_f.push([<kind>, "<json string>"]). The argument is a JSON
# array literal; ")</script>" cannot occur inside it because "<" is escaped as \u003c.
_FLIGHT_PUSH = re.compile(r"self\.__next_f\.push\((?P<arg>\[.*?\])\)\s*;?\s*</script>", re.S)
# Length-prefixed rows: T = text; the others are binary typed-array rows of newer React.
_SIZED_ROW = re.compile(rb"([TAOoUSsLlGgMmV])([0-9a-fA-F]+),")
_ROW_ID = re.compile(rb"[0-9a-fA-F]+")
_REFERENCE = re.compile(r"^\$([0-9a-fA-F]+)$")
_MAX_DEPTH = 64


class NextDataError(ValueError):
    """A page without the expected Next.js data, or with data in a shape we cannot read."""


# ---------------------------------------------------------------- pages router: __NEXT_DATA__


def read_next_data(html: str | bytes) -> dict[str, Any]:
    """The page's ``__NEXT_DATA__`` object; NextDataError when it is missing or not JSON."""
    text = _as_text(html)
    match = _NEXT_DATA_SCRIPT.search(text)
    if match is None:
        raise NextDataError("no __NEXT_DATA__ script in the page")
    try:
        data = json.loads(match.group("body"))
    except ValueError as error:
        raise NextDataError(f"__NEXT_DATA__ is not JSON ({error})") from None
    if not isinstance(data, dict):
        raise NextDataError(f"__NEXT_DATA__ is a {type(data).__name__}, not an object")
    return data


def page_props(data: dict[str, Any]) -> dict[str, Any]:
    """``props.pageProps`` of a ``__NEXT_DATA__`` object; NextDataError when absent."""
    props = data.get("props")
    pp = props.get("pageProps") if isinstance(props, dict) else None
    if not isinstance(pp, dict):
        raise NextDataError("__NEXT_DATA__ has no props.pageProps object")
    return pp


def dehydrated_query_data(pp: dict[str, Any]) -> Iterator[tuple[Any, Any]]:
    """(queryKey, state.data) of each React Query cache entry a page dehydrated into pageProps."""
    state = pp.get("dehydratedState")
    queries = state.get("queries") if isinstance(state, dict) else None
    for query in queries if isinstance(queries, list) else []:
        if isinstance(query, dict) and isinstance(query.get("state"), dict):
            yield query.get("queryKey"), query["state"].get("data")


# ---------------------------------------------------------------- app router: the RSC flight


@dataclass
class Flight:
    """A page's decoded flight: JSON rows (parsed) and text rows, by row id."""

    json_rows: dict[str, Any] = field(default_factory=dict)
    text_rows: dict[str, str] = field(default_factory=dict)
    tagged_rows: dict[str, str] = field(default_factory=dict)  # "I[…]", "HL[…]": module/hint rows
    chunks: int = 0

    def resolve(self, value: Any) -> Any:
        """`value` with every ``"$<id>"`` string replaced by the row it names (recursively)."""
        return self._resolve(value, 0, frozenset())

    def _resolve(self, value: Any, depth: int, seen: frozenset[str]) -> Any:
        if depth > _MAX_DEPTH:
            return value
        if isinstance(value, str):
            match = _REFERENCE.match(value)
            if match is None:
                # "$$…" is React's escape for a literal string that starts with "$".
                return value[1:] if value.startswith("$$") else value
            row_id = match.group(1).lower()
            if row_id in seen:
                return value
            if row_id in self.text_rows:
                return self.text_rows[row_id]
            if row_id in self.json_rows:
                return self._resolve(self.json_rows[row_id], depth + 1, seen | {row_id})
            return value
        if isinstance(value, list):
            return [self._resolve(v, depth + 1, seen) for v in value]
        if isinstance(value, dict):
            return {k: self._resolve(v, depth + 1, seen) for k, v in value.items()}
        return value

    def objects(self, predicate: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
        """Every dict in the JSON rows (references resolved) for which `predicate` holds."""
        found: list[dict[str, Any]] = []
        for value in self.json_rows.values():
            for obj in _dicts(value, 0):
                if predicate(obj):
                    found.append(self.resolve(obj))
        return found

    def objects_with_key(self, key: str) -> list[dict[str, Any]]:
        """Every dict in the JSON rows that has `key` (references resolved)."""
        return self.objects(lambda obj: key in obj)

    def json_in_text_rows(self) -> list[Any]:
        """Text rows that are themselves JSON documents (e.g. a JSON-LD block rendered by a
        client component), parsed; other text rows (HTML, scripts) are left out."""
        parsed: list[Any] = []
        for text in self.text_rows.values():
            stripped = text.lstrip()
            if not stripped.startswith(("{", "[")):
                continue
            try:
                parsed.append(json.loads(stripped))
            except ValueError:
                continue
        return parsed


def flight_bytes(html: str | bytes) -> tuple[bytes, int]:
    """The concatenated flight payload of a page as UTF-8 bytes, and the chunk count."""
    text = _as_text(html)
    payload = bytearray()
    chunks = 0
    for match in _FLIGHT_PUSH.finditer(text):
        try:
            arg = json.loads(match.group("arg"))
        except ValueError:
            raise NextDataError(f"flight chunk {chunks} is not a JSON array") from None
        if not isinstance(arg, list) or not arg or not isinstance(arg[0], int):
            continue
        chunks += 1
        kind = arg[0]
        if kind == 1 and len(arg) > 1 and isinstance(arg[1], str):
            payload += arg[1].encode("utf-8")
        elif kind == 3 and len(arg) > 1 and isinstance(arg[1], str):
            # Binary chunk (newer Next.js): base64 of raw flight bytes.
            try:
                payload += base64.b64decode(arg[1])
            except ValueError:
                raise NextDataError(f"flight chunk {chunks} is not base64") from None
        # kind 0 is the bootstrap marker, kind 2 form state: no rows.
    return bytes(payload), chunks


def read_flight(html: str | bytes) -> Flight:
    """The page's flight rows; NextDataError when the page has no flight chunks at all."""
    payload, chunks = flight_bytes(html)
    if not payload:
        raise NextDataError("no self.__next_f flight data in the page")
    flight = split_flight_rows(payload)
    flight.chunks = chunks
    return flight


def split_flight_rows(payload: bytes) -> Flight:
    """Split decoded flight bytes into rows; text rows are cut by their declared byte length."""
    flight = Flight()
    position, end = 0, len(payload)
    while position < end:
        if payload[position : position + 1] == b"\n":
            position += 1
            continue
        colon = payload.find(b":", position)
        id_match = _ROW_ID.fullmatch(payload, position, colon) if colon != -1 else None
        if id_match is None:
            raise NextDataError(f"flight row at byte {position} has no '<hex id>:' prefix")
        row_id = payload[position:colon].decode("ascii").lower()
        sized = _SIZED_ROW.match(payload, colon + 1)
        if sized is not None:
            length = int(sized.group(2), 16)
            start = sized.end()
            if start + length > end:
                raise NextDataError(
                    f"flight row {row_id} declares {length} bytes, {end - start} remain"
                )
            if sized.group(1) == b"T":
                flight.text_rows[row_id] = payload[start : start + length].decode(
                    "utf-8", errors="replace"
                )
            position = start + length
            continue
        newline = payload.find(b"\n", colon + 1)
        newline = end if newline == -1 else newline
        body = payload[colon + 1 : newline].decode("utf-8", errors="replace")
        position = newline + 1
        if body[:1] in '[{"-0123456789' or body in ("true", "false", "null"):
            try:
                flight.json_rows[row_id] = json.loads(body)
            except ValueError:
                raise NextDataError(f"flight row {row_id} is not JSON") from None
        else:
            flight.tagged_rows[row_id] = body
    return flight


# ---------------------------------------------------------------- helpers


def _dicts(value: Any, depth: int) -> Iterator[dict[str, Any]]:
    if depth > _MAX_DEPTH:
        return
    if isinstance(value, dict):
        yield value
        for v in value.values():
            if isinstance(v, dict | list):
                yield from _dicts(v, depth + 1)
    elif isinstance(value, list):
        for v in value:
            if isinstance(v, dict | list):
                yield from _dicts(v, depth + 1)


def _as_text(html: str | bytes) -> str:
    if isinstance(html, bytes):
        return html.decode("utf-8", errors="replace")
    return html or ""
