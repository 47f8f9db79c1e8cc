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
_SPACES_RE = re.compile(r"[ \t\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_NEWLINES_RE = re.compile(r" ?(?:\r\n|\r|\n|\u2028|\u2029|\x85)[\s]*")


def clean_text(s: Any, max_chars: int = MAX_CHARS) -> str:
    """Return `s` as bounded, printable text; never raises.

    - None -> ""; bytes are decoded as UTF-8 with replacement; other objects via str().
    - the input is cut to `max_chars` (x2 before cleanup, then exactly) first, so cost is bounded;
    - HTML entities are unescaped (Greenhouse content arrives as "&lt;p&gt;"), tags removed,
      block tags (p, li, br, div, h1..) turned into line breaks;
    - control characters, zero-width/bidi marks, private-use and replacement characters dropped;
    - runs of spaces/tabs collapse to one space; runs of line breaks (with the blanks between)
      collapse to one "\\n" — line breaks are kept because they separate bullets and headings.
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
    # Slack for entities and tags that cleanup will shrink; the final cut comes below.
    s = s[: max_chars * 2]
    if "&" in s:
        s = html.unescape(s)
    if "<" in s:
        s = _BLOCK_TAG_RE.sub("\n", s)
        s = _TAG_RE.sub(" ", s)
    s = _GARBAGE_RE.sub(" ", s)
    # NFKC folds full-width letters and ligatures that scammers use to dodge keyword filters
    # ("ｔｅｌｅｇｒａｍ"); it is linear and cheap on already-bounded text.
    s = unicodedata.normalize("NFKC", s)
    s = _SPACES_RE.sub(" ", s)
    s = _NEWLINES_RE.sub("\n", s)
    return s.strip()[:max_chars]


# Abbreviations after which a period does not end a sentence (lower-case, without the dot).
_ABBREVIATIONS: frozenset[str] = frozenset(
    """e.g i.e etc vs viz cf al approx appt apt dept est min max no nos num fig
    mr mrs ms dr prof sr jr st mt ave blvd rd co corp inc ltd llc plc bros
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun
    hr hrs wk wks mo yr yrs u.s u.k u.s.a e.u a.m p.m ph.d b.s b.a m.s m.a m.d j.d
    dipl tel ext ref pp ed eds govt intl dept assn univ""".split()
)

# Candidate sentence ends: terminal punctuation (plus closing quotes/brackets) then space.
_END_RE = re.compile(r"[.!?…]+[\"'”’)\]]*\s+")
# "field.We employ": EMSCAD and scraped HTML glue sentences when tags are dropped. Only a
# period after two lower-case letters and before Upper+lower counts (keeps "U.S.A", "e.g.X",
# "outlier.ai", "Node.Js" intact in the common cases).
_GLUED_RE = re.compile(r"(?<=[a-z]{2}[.!?])(?=[A-Z][a-z])")
# Bullets and list numbering at the start of a line.
_BULLET_RE = re.compile(r"^(?:[-*•·▪◦‣●○■□➢➤►✓✔→>#]+|\(?\d{1,2}[.)]|\(?[a-zA-Z][.)](?=\s))\s*")
_WORD_BEFORE_RE = re.compile(r"([A-Za-z][A-Za-z.]*)$")


def _split_line(line: str) -> list[str]:
    """Split one line at sentence ends that are not abbreviations."""
    out: list[str] = []
    start = 0
    for m in _END_RE.finditer(line):
        end = m.end()
        punct_at = m.start()
        if line[punct_at] == ".":
            w = _WORD_BEFORE_RE.search(line, max(0, punct_at - 12), punct_at)
            if w:
                word = w.group(1).lower().rstrip(".")
                # "e.g.", "Inc.", a single initial ("J. Smith") do not end sentences.
                if word in _ABBREVIATIONS or len(word) == 1:
                    continue
            # "3.5 years" never matches (needs a space); a lower-case next word after a
            # period usually means an abbreviation we do not know: keep going.
            nxt = line[end : end + 1]
            if nxt.islower():
                continue
        piece = line[start:end].strip()
        if piece:
            out.append(piece)
        start = end
    tail = line[start:].strip()
    if tail:
        out.append(tail)
    return out


def _chunk(sentence: str, size: int) -> list[str]:
    """Cut an over-long sentence at word boundaries into pieces of about `size` chars."""
    pieces: list[str] = []
    while len(sentence) > size:
        cut = sentence.rfind(" ", size // 2, size)
        if cut <= 0:
            cut = size
        pieces.append(sentence[:cut].strip())
        sentence = sentence[cut:].strip()
    if sentence:
        pieces.append(sentence)
    return pieces


def split_sentences(text: Any, max_sentence_chars: int = MAX_SENTENCE_CHARS) -> list[str]:
    """Split text into sentences: one per line/bullet, then at sentence-ending punctuation.

    Lines are the first boundary (bullets, headings, markdown lists have no full stop);
    leading bullet marks and list numbers are removed; abbreviations ("e.g.", "Inc.", "U.S.")
    and decimals do not split; over-long pieces are cut at word boundaries. The input is
    passed through `clean_text` first, so any object is accepted and the cost is bounded.
    """
    text = clean_text(text)
    if not text:
        return []
    text = _GLUED_RE.sub("\n", text) if "." in text or "!" in text or "?" in text else text
    out: list[str] = []
    for raw_line in text.split("\n"):
        line = _BULLET_RE.sub("", raw_line.strip()).strip()
        # Markdown emphasis around headings ("**About the Role**") carries no meaning here.
        line = line.strip("*_ ")
        if not line:
            continue
        for sentence in _split_line(line):
            if len(sentence) > max_sentence_chars:
                out.extend(_chunk(sentence, max_sentence_chars))
            else:
                out.append(sentence)
    return out
