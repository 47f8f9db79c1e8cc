"""Text cleanup and sentence splitting shared by the red-flag rules and the feature code.

This module owns the two operations every text-reading part of the judge does first:
`clean_text` turns whatever a crawler handed us (HTML-escaped Greenhouse content, markdown,
1 MB descriptions, binary garbage, None) into bounded, printable text whose line breaks still
mark list items; `split_sentences` cuts that text into the sentences that red flags quote as
evidence. Both are pure functions over `str`, import nothing of the project, and are
linear-time regex passes so that the judge can read thousands of listings a second.
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Any

# Longest text we ever look at. Real postings are 1-15k characters (Alignerr's longest are
# ~20k); anything beyond this is padding, a crawler accident or an attack, and reading it
# would only cost time. Cut *before* any regex runs so a 1 MB input costs a slice.
MAX_CHARS: int = 40_000

# A sentence longer than this (a 5k-character line without punctuation) is cut into pieces
# of about this size at word boundaries, so that evidence quotes stay readable.
MAX_SENTENCE_CHARS: int = 400

# C0/C1 controls except tab/newline, DEL, lone surrogates, zero-width and bidi marks, BOM,
# the replacement character and private-use code points: all invisible or garbage in text.
_GARBAGE_RE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064"
    "\ufeff\ufffd\ufffe\uffff\ud800-\udfff\ue000-\uf8ff]+"
)
# An HTML tag (not "<someone@x.com>" nor "a < b"): name right after "<", optional attributes.
_TAG_RE = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]{0,15}(?:\s[^<>]{0,500})?/?>")
# Block-level tags become line breaks so list items and paragraphs stay separate sentences.
_BLOCK_TAG_RE = re.compile(r"<(?:br|/?p|/?li|/?ul|/?ol|/?div|/?h[1-6]|/?tr)\b[^<>]{0,500}>", re.I)


def _surely_clean(s: str) -> bool:
    """True when `s` holds none of the characters `_GARBAGE_RE` removes.

    Every one of them but U+FFFD is non-printable (controls, format marks, surrogates,
    private use, non-characters), so printable text apart from tab, line breaks and no-break
    spaces has none.
    str.isprintable is a C loop, several times faster than the regex scan; text with other
    non-printable characters (no-break spaces, U+2028) just takes the regex.
    """
    if "\ufffd" in s:
        return False
    if "\n" in s:
        s = s.replace("\n", "")
    if "\t" in s:
        s = s.replace("\t", "")
    if "\r" in s:
        s = s.replace("\r", "")
    if "\xa0" in s:  # no-break spaces: common in scraped HTML, not garbage
        s = s.replace("\xa0", "")
    return s.isprintable()


# The entities of nearly all escaped crawler text. When every "&" of a text starts one of
# them, replacing them one kind at a time is html.unescape's single pass: their replacements
# hold no "&", and "&amp;" goes last, so "&amp;lt;" stays "&lt;" as html.unescape leaves it.
_COMMON_ENTITIES = (
    ("&lt;", "<"),
    ("&gt;", ">"),
    ("&quot;", '"'),
    ("&#39;", "'"),
    ("&nbsp;", "\xa0"),
    ("&amp;", "&"),
)
_OTHER_ENTITY_RE = re.compile(r"&(?!(?:lt|gt|quot|nbsp|amp);|#39;)")
# Characters NFKC rewrites that crawled text often holds, with their NFKC decompositions:
# replaced beforehand, they leave NFKC's result unchanged and usually the text normalized.
_COMMON_NFKC = (("\xa0", " "), ("\u2026", "..."))
# Written with a two-character literal head, which the regex engine finds without trying a
# match at every single space.
_SPACE_RUN_RE = re.compile("  +")


def _unescape(s: str) -> str:
    """html.unescape(s), without its per-entity Python call when only common entities occur."""
    if _OTHER_ENTITY_RE.search(s):
        return html.unescape(s)
    for entity, char in _COMMON_ENTITIES:
        s = s.replace(entity, char)  # the same string back, after one scan, when absent
    return s


def clean_text(s: Any, max_chars: int = MAX_CHARS) -> str:
    """Return `s` as bounded, printable text; never raises.

    - None -> ""; bytes are decoded as UTF-8 with replacement; other objects via str().
    - the input is cut to `max_chars` (x2 before cleanup, then exactly) first, so cost is bounded;
    - HTML entities are unescaped (Greenhouse content arrives as "&lt;p&gt;"), tags removed,
      block tags (p, li, br, div, h1..) turned into line breaks;
    - control characters, zero-width/bidi marks, private-use and replacement characters dropped;
    - NFKC normalization (folds the full-width letters and ligatures scammers use to dodge
      keyword filters, "ｔｅｌｅｇｒａｍ");
    - runs of spaces/tabs collapse to one space; runs of line breaks (with the blanks between)
      collapse to one "\\n" — line breaks are kept because they separate bullets and headings.

    The usual crawled text takes quicker forms of three steps: the common HTML entities are
    replaced without html.unescape's per-entity call; no-break spaces and ellipses get their
    NFKC form first (so the normalization rarely has to rewrite); and text whose lines are
    printable (no control, format or space character but " ") is tidied by stripping its
    lines, with no split and join of every word. tests/classifier/test_text_cleaning.py checks
    the result against the plain definition on random and real text.
    """
    if s is None:
        return ""
    if isinstance(s, (bytes, bytearray, memoryview)):
        s = bytes(s[: max_chars * 4]).decode("utf-8", errors="replace")
    elif not isinstance(s, str):
        try:
            s = str(s)
        except Exception:  # an object whose __str__ fails is no text at all
            return ""
    if not s:
        return ""
    # A title or URL is often clean already: one printable ASCII line (no control character,
    # no space but " ", NFKC-stable), no entity or tag, no run of spaces, no space at an end.
    if (
        s.isascii()
        and s.isprintable()
        and "&" not in s
        and "<" not in s
        and "  " not in s
        and s[0] != " "
        and s[-1] != " "
    ):
        return s[:max_chars]
    s = s[: max_chars * 2]
    if "&" in s:
        s = _unescape(s)
    if "<" in s:
        s = _BLOCK_TAG_RE.sub("\n", s)
        s = _TAG_RE.sub(" ", s)
    for char, nfkc in _COMMON_NFKC:
        if char in s:
            s = s.replace(char, nfkc)
    if "\ufffd" not in s and "\t" not in s and "\r" not in s:
        lines = s.split("\n")
        # Printable lines hold no garbage and no whitespace but " ": clean_text's garbage
        # pass has nothing to do, and its line loop comes down to stripping the lines once
        # runs of spaces are one space.
        if all(map(str.isprintable, lines)) and unicodedata.is_normalized("NFKC", s):
            if "  " in s:
                lines = _SPACE_RUN_RE.sub(" ", s).split("\n")
            return "\n".join(filter(None, map(str.strip, lines)))[:max_chars]
    if not _surely_clean(s):
        s = _GARBAGE_RE.sub(" ", s)
    if not unicodedata.is_normalized("NFKC", s):
        s = unicodedata.normalize("NFKC", s)
    lines = (" ".join(line.split()) for line in s.splitlines())
    return "\n".join(line for line in lines if line)[:max_chars]


# Abbreviations after which a period does not end a sentence (lower-case, without the dot).
_ABBREVIATIONS: frozenset[str] = frozenset(
    """e.g i.e etc vs viz cf al approx appt apt dept est min max no nos num fig
    mr mrs ms dr prof sr jr st mt ave blvd rd co corp inc ltd llc plc bros
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun
    hr hrs wk wks mo yr yrs u.s u.k u.s.a e.u a.m p.m ph.d b.s b.a m.s m.a m.d j.d
    dipl tel ext ref pp ed eds govt intl dept assn univ""".split()
)

# Candidate sentence ends: terminal punctuation (plus closing quotes/brackets) then space.
# Written "[.!?…][.!?…]*" rather than "[.!?…]+" (the same matches): a pattern that opens with
# a character class lets the regex engine skip to the next punctuation mark instead of
# trying a match at every character (27 us -> 3 us on a 3,000-character line).
_END_RE = re.compile(r"[.!?…][.!?…]*[\"'”’)\]]*\s+")
# "field.We employ": EMSCAD and scraped HTML glue sentences when tags are dropped. Only a
# period after two lower-case letters and before Upper+lower counts (keeps "U.S.A", "e.g.X",
# "outlier.ai", "Node.Js" intact in the common cases).
_GLUED_RE = re.compile(r"(?<=[a-z]{2}[.!?])(?=[A-Z][a-z])")
# The same cut points, found from the punctuation (a leading character class lets the regex
# engine skip from candidate to candidate instead of trying the lookbehind at every position).
_GLUED_PUNCT_RE = re.compile(r"[.!?](?<=[a-z]{2}[.!?])(?=[A-Z][a-z])")
# Bullets and list numbering at the start of a line.
_BULLET_RE = re.compile(
    r"^(?:[-*•·▪◦‣●○■□➢➤►✓✔→>#]+|\(?\d{1,2}[.)](?=\s)|\(?[a-zA-Z][.)](?=\s))\s*"
)
_WORD_BEFORE_RE = re.compile(r"([A-Za-z][A-Za-z.]*)$")


def _line_spans(line: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of one line: cut at sentence ends that are not
    abbreviations ("e.g.", "Inc.", single initials) nor followed by a lower-case word."""
    out: list[tuple[int, int]] = []
    start = 0
    for m in _END_RE.finditer(line):
        end = m.end()
        punct_at = m.start()
        if line[punct_at] == ".":
            w = _WORD_BEFORE_RE.search(line, max(0, punct_at - 12), punct_at)
            if w:
                word = w.group(1).lower().rstrip(".")
                if word in _ABBREVIATIONS or len(word) == 1:
                    continue
            # A lower-case next word after a period usually means an abbreviation we do
            # not know ("approx. two hours"): keep going.
            if line[end : end + 1].islower():
                continue
        out.append((start, end))
        start = end
    if start < len(line):
        out.append((start, len(line)))
    return out


def _chunk_spans(a: int, b: int, text: str, size: int) -> list[tuple[int, int]]:
    """Cut the over-long span [a, b) of text at spaces into pieces of about `size` chars."""
    spans: list[tuple[int, int]] = []
    while b - a > size:
        cut = text.rfind(" ", a + size // 2, a + size)
        if cut <= a:
            cut = a + size
        spans.append((a, cut))
        a = cut
    spans.append((a, b))
    return spans


def _tidy(piece: str) -> str:
    """A sentence as quoted: stripped, without a leading bullet or markdown emphasis."""
    piece = piece.strip()
    # Most sentences start with a letter not followed by "." / ")": skip the regex for them.
    if piece and (not piece[0].isalpha() or piece[1:2] in (".", ")")):
        piece = _BULLET_RE.sub("", piece).strip()
    if piece[:1] in ("*", "_") or piece[-1:] in ("*", "_"):
        piece = piece.strip("*_ ")
    return piece


def _glue_break(m: re.Match[str]) -> str:
    return m.group() + "\n"


# Each character as its class for _GLUED_PUNCT_RE: "a" lower-case and "A" upper-case ASCII
# letter, "." sentence punctuation (and "?", which also stands for any non-ASCII character
# once encoded), " " anything else.
_GLUE_CLASSES = bytes(
    97 if 97 <= c <= 122 else 65 if 65 <= c <= 90 else 46 if c in b".!?" else 32 for c in range(256)
)


def prepare_text(text: str) -> str:
    """Cleaned text with glued sentences ("field.We employ") broken onto separate lines."""
    if "." not in text and "!" not in text and "?" not in text:
        return text
    # _GLUED_PUNCT_RE matches where the classes read "aa.Aa" and the "." is a real mark:
    # C passes over the bytes (the regex's scan is slow on non-Latin-1 text), from each
    # ".A", the rarest part.
    classes = text.encode("ascii", "replace").translate(_GLUE_CLASSES)
    pieces = []
    start = 0
    i = classes.find(b".A")
    while i >= 0:
        if (
            classes[i - 2 : i] == b"aa"
            and classes[i + 2 : i + 3] == b"a"
            and text[i] in ".!?"  # not a non-ASCII character encoded as "?"
        ):
            pieces.append(text[start : i + 1])
            start = i + 1
        i = classes.find(b".A", i + 1)
    if not pieces:
        return text
    pieces.append(text[start:])
    return "\n".join(pieces)


class SentenceIndex:
    """The sentences of one cleaned text, found lazily around positions.

    Rules scan the whole text with one regex and only need the sentence around each hit;
    splitting all of a 20k-character description for that would cost more than the scan.
    `text` and `lower` have equal length, so positions found in `lower` index `text`.
    """

    def __init__(self, text: str, max_sentence_chars: int = MAX_SENTENCE_CHARS) -> None:
        text = prepare_text(text)
        lower = text.lower()
        if len(lower) != len(text):  # e.g. "İ" lower-cases to two code points
            text = "".join(c if len(c.lower()) == 1 else "?" for c in text)
            lower = text.lower()
        self.text = text
        self.lower = lower
        self.max_sentence_chars = max_sentence_chars
        self._lines: dict[int, list[tuple[int, int]]] = {}

    def _line_of(self, pos: int) -> int:
        return self.text.rfind("\n", 0, pos) + 1

    def _spans_of_line(self, line_start: int) -> list[tuple[int, int]]:
        spans = self._lines.get(line_start)
        if spans is None:
            end = self.text.find("\n", line_start)
            if end < 0:
                end = len(self.text)
            line = self.text[line_start:end]
            spans = []
            for a, b in _line_spans(line):
                if b - a > self.max_sentence_chars:
                    spans.extend(
                        (line_start + x, line_start + y)
                        for x, y in _chunk_spans(a, b, line, self.max_sentence_chars)
                    )
                else:
                    spans.append((line_start + a, line_start + b))
            self._lines[line_start] = spans
        return spans

    def span_at(self, pos: int) -> tuple[int, int]:
        """(start, end) of the sentence holding position `pos`."""
        pos = max(0, min(pos, len(self.text) - 1))
        for a, b in self._spans_of_line(self._line_of(pos)):
            if a <= pos < b:
                return a, b
        return pos, pos + 1  # pos on a line break

    def sentence(self, span: tuple[int, int]) -> str:
        return _tidy(self.text[span[0] : span[1]])

    def sentences(self) -> list[str]:
        """All sentences, in order, empty ones dropped."""
        out: list[str] = []
        pos = 0
        n = len(self.text)
        while pos < n:
            for span in self._spans_of_line(pos):
                s = self.sentence(span)
                if s:
                    out.append(s)
            nl = self.text.find("\n", pos)
            if nl < 0:
                break
            pos = nl + 1
        return out


def split_sentences(text: Any, max_sentence_chars: int = MAX_SENTENCE_CHARS) -> list[str]:
    """Split text into sentences: one per line/bullet, then at sentence-ending punctuation.

    Lines are the first boundary (bullets, headings, markdown lists have no full stop);
    leading bullet marks, list numbers and markdown emphasis are removed; abbreviations
    ("e.g.", "Inc.", "U.S.") and decimals do not split; over-long pieces are cut at word
    boundaries. The input goes through `clean_text` first, so any object is accepted and
    the cost is bounded.
    """
    text = clean_text(text)
    if not text:
        return []
    return SentenceIndex(text, max_sentence_chars).sentences()
