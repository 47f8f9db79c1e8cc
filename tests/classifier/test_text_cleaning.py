"""`classifier.text.clean_text` against its plain definition.

clean_text takes quicker forms of its steps for the usual crawled text (common entities, no
garbage, one printable ASCII line); `reference_clean_text` below is the function as first
written, one general pass per step. They must agree on everything.
"""

from __future__ import annotations

import html
import json
import random
import unicodedata
from pathlib import Path
from typing import Any

from classifier.text import (
    _BLOCK_TAG_RE,
    _GARBAGE_RE,
    _TAG_RE,
    MAX_CHARS,
    _surely_clean,
    clean_text,
)

FIXTURES = json.loads((Path(__file__).parent / "fixtures/scam_sentences.json").read_text("utf-8"))
LABELS = Path(__file__).resolve().parents[2] / "data/labels"


def reference_clean_text(s: Any, max_chars: int = MAX_CHARS) -> str:
    """clean_text as first written: the plain definition, one general pass per step."""
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
    if not _surely_clean(s):
        s = _GARBAGE_RE.sub(" ", s)
    # NFKC folds full-width letters and ligatures that scammers use to dodge keyword filters
    # ("ｔｅｌｅｇｒａｍ"); it is linear and cheap on already-bounded text. The quick check
    # skips the rewrite of text that is already normal (most of it).
    if not unicodedata.is_normalized("NFKC", s):
        s = unicodedata.normalize("NFKC", s)
    # str.splitlines / str.split are C loops that know every Unicode line break and space
    # (\r\n, \u2028, \xa0, \u3000 ...): cheaper than regex substitutions over the whole text.
    lines = (" ".join(line.split()) for line in s.splitlines())
    return "\n".join(line for line in lines if line)[:max_chars]


def test_clean_text_equals_its_plain_definition_on_random_pieces_of_markup() -> None:
    rng = random.Random(5)
    pieces = [
        "a", "B", " ", "  ", "\n", "\n\n", "\t", "\r\n", "\xa0", "…", "&", "&amp;", "&lt;",
        "&gt;", "&quot;", "&#39;", "&nbsp;", "&amp;lt;", "&lt", "&ampx", "&D", "<p>", "<br/>",
        "</li>", "<b", ">", "\u2028", "\x0b", "\x85", "\ufffd", "\x00", "\u200b", "ﬀ", "™",
        "\u3000", "\u202f", "¨", "K", "İ", ".", "’",
    ]  # fmt: skip
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) for _ in range(30000)]
    texts += [item["text"] for group in FIXTURES.values() for item in group]
    texts += [None, b"caf\xc3\xa9", 42, "x" * 90_000 + "  y", " lead", "trail ", "One line"]
    for t in texts:
        for max_chars in (40_000, 5):
            assert clean_text(t, max_chars) == reference_clean_text(t, max_chars), repr(t)


def test_clean_text_equals_its_plain_definition_on_the_labelled_listings() -> None:
    for path in sorted(LABELS.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").split("\n"):
            if not line.strip():
                continue
            for value in json.loads(line).values():
                if isinstance(value, str):
                    assert clean_text(value) == reference_clean_text(value)
                    assert clean_text(value, 400) == reference_clean_text(value, 400)
