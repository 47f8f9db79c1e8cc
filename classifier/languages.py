"""Languages of the work, read from explicit mentions in a listing.

This module owns the mapping from what a listing says ("Bilingual German/English",
"Portuguese (Brazil)", "pt-BR", "native Japanese speaker") to ISO 639-1 codes. It follows
TAXONOMY.md: only a named language counts, a country alone adds none ("Software Engineer
(India)" names no language), and English counts only when it is named as the language of
the work (a title such as "AI Language Annotator (English - Australia)", or "English"
next to words like bilingual / native / rater / annotator) -- nearly every remote posting
asks for good English, which says nothing about the language being rated. It is pure
Python (regular expressions compiled once) so it is cheap enough to run on every listing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from classifier.phrases import PhraseSet

# Names (and a few native names / dialects) -> ISO 639-1. Dialects fold into their language
# because the catalogue filters on the language a worker speaks.
LANGUAGE_CODES: dict[str, str] = {
    "english": "en",
    "spanish": "es",
    "castilian": "es",
    "french": "fr",
    "german": "de",
    "italian": "it",
    "portuguese": "pt",
    "brazilian portuguese": "pt",
    "dutch": "nl",
    "flemish": "nl",
    "swedish": "sv",
    "norwegian": "no",
    "danish": "da",
    "finnish": "fi",
    "polish": "pl",
    "czech": "cs",
    "slovak": "sk",
    "hungarian": "hu",
    "romanian": "ro",
    "bulgarian": "bg",
    "greek": "el",
    "turkish": "tr",
    "russian": "ru",
    "ukrainian": "uk",
    "belarusian": "be",
    "arabic": "ar",
    "egyptian arabic": "ar",
    "egyptian": "ar",
    "levantine": "ar",
    "hebrew": "he",
    "persian": "fa",
    "farsi": "fa",
    "dari": "fa",
    "hindi": "hi",
    "bengali": "bn",
    "bangla": "bn",
    "urdu": "ur",
    "punjabi": "pa",
    "tamil": "ta",
    "telugu": "te",
    "marathi": "mr",
    "gujarati": "gu",
    "kannada": "kn",
    "malayalam": "ml",
    "odia": "or",
    "oriya": "or",
    "assamese": "as",
    "nepali": "ne",
    "sinhala": "si",
    "sinhalese": "si",
    "chinese": "zh",
    "mandarin": "zh",
    "cantonese": "zh",
    "japanese": "ja",
    "korean": "ko",
    "vietnamese": "vi",
    "thai": "th",
    "indonesian": "id",
    "bahasa indonesia": "id",
    "malay": "ms",
    "bahasa melayu": "ms",
    "tagalog": "tl",
    "filipino": "tl",
    "swahili": "sw",
    "kiswahili": "sw",
    "amharic": "am",
    "yoruba": "yo",
    "igbo": "ig",
    "hausa": "ha",
    "zulu": "zu",
    "isizulu": "zu",
    "xhosa": "xh",
    "afrikaans": "af",
    "somali": "so",
    "kinyarwanda": "rw",
    "tigrinya": "ti",
    "oromo": "om",
    "malagasy": "mg",
    "croatian": "hr",
    "serbian": "sr",
    "slovenian": "sl",
    "slovene": "sl",
    "bosnian": "bs",
    "macedonian": "mk",
    "albanian": "sq",
    "lithuanian": "lt",
    "latvian": "lv",
    "estonian": "et",
    "catalan": "ca",
    "basque": "eu",
    "galician": "gl",
    "welsh": "cy",
    "irish": "ga",
    "gaelic": "gd",
    "icelandic": "is",
    "maltese": "mt",
    "luxembourgish": "lb",
    "georgian": "ka",
    "armenian": "hy",
    "azerbaijani": "az",
    "azeri": "az",
    "kazakh": "kk",
    "uzbek": "uz",
    "kyrgyz": "ky",
    "tajik": "tg",
    "turkmen": "tk",
    "mongolian": "mn",
    "pashto": "ps",
    "kurdish": "ku",
    "burmese": "my",
    "khmer": "km",
    "lao": "lo",
    "javanese": "jv",
    "sundanese": "su",
    "haitian creole": "ht",
    "yiddish": "yi",
    "esperanto": "eo",
}

# Locale codes such as "pt-BR", "es_MX", "zh-TW": only the language part counts. Restricted
# to codes we know, with a region, so "it" or "no" in prose never matches.
_LOCALE_RE = re.compile(r"\b([a-z]{2})[-_]([A-Z]{2})\b")
_LOCALE_TAIL_RE = re.compile(r"[-_][A-Z]{2}\b")
_KNOWN_CODES = frozenset(LANGUAGE_CODES.values())

# Words that, next to a language name, make it the language of the work rather than, say,
# a nationality or a country's adjective ("German company"), or the verb "polish".
_CONTEXT = (
    r"bilingual|multilingual|native|fluent|fluency|proficien\w*|speaker|speaking|speaks|"
    r"language|languages|linguist\w*|locale|annotator|annotation|rater|raters|rating|"
    r"evaluator|reviewer|translator|translation|transcri\w*|writer|writing|tutor|trainer|"
    r"expert|specialist|generalist|content|dialect|voice|audio|speech|native-level"
)

# Names are found by scanning capitalised words and looking them up (a dict lookup per word is
# far cheaper than one regular expression with a hundred alternatives). Capitalised only
# ("Polish", "POLISH"): a lower-case "polish" is almost always the verb. Two-word names
# ("Haitian Creole", "Bahasa Indonesia") are looked up as a pair first.
_WORD_RE = re.compile(r"\b[A-Z][A-Za-z]+\b")
_SINGLE: dict[str, str] = {n: c for n, c in LANGUAGE_CODES.items() if " " not in n}
_DOUBLE: dict[str, str] = {n: c for n, c in LANGUAGE_CODES.items() if " " in n}
_FIRST_OF_DOUBLE = frozenset(n.split()[0] for n in _DOUBLE)
_NEXT_WORD_RE = re.compile(r"\s+([A-Za-z]+)")
_PAIR_NEXT_RE = re.compile(r"\s*(?:/|&|\+|-|–|and\b|or\b)\s*([A-Z][A-Za-z]+)")
_CONTEXT_RE = re.compile(
    r"\b(?:" + _CONTEXT + r")", re.IGNORECASE
)  # prefix: "speakers", "languages"
# English in a title-like parenthesis: "(English - Australia)", "(English, UK)".
_ENGLISH_LOCALE_RE = re.compile(r"\(\s*english\s*(?:[-–—,(/]|\)\s*$|\)\s*[-–—])", re.IGNORECASE)

TEXT_CAP = 6_000
_WINDOW = 30  # characters either side of a name searched for a context word
# Names that are also ordinary words ("Polish the answers") need a context word right next to them.
_AMBIGUOUS = frozenset({"pl"})
_NEAR = 12


_CANDIDATES = frozenset(_SINGLE) | _FIRST_OF_DOUBLE


# The forms _word_finder looks for (capitalised, upper-case), valued by the name.
_CANDIDATE_PHRASES = PhraseSet(
    (form, name) for name in _CANDIDATES for form in (name.capitalize(), name.upper())
)


def _is_word_char(char: str) -> bool:
    """Whether `re` counts this character as \\w (str patterns): alphanumeric or "_"."""
    return char.isalnum() or char == "_"


def _names(text: str) -> list[tuple[str, int, int]]:
    """(code, start, end) of every capitalised language name in the text, in order."""
    # Fast path: one Aho-Corasick pass says which names occur at all, capitalised or upper-case
    # (as substrings: a superset of the words the finder below can match); most texts name no
    # language besides, at most, English. Only those names are then searched as words.
    present = _CANDIDATE_PHRASES.present(text)
    if not present:
        return []
    found: list[tuple[str, int, int]] = []
    for match in _word_finder(frozenset(present)).finditer(text):
        start = match.start()
        if start and _is_word_char(text[start - 1]):
            continue  # inside a word: the \b the finder leaves out (see _word_finder)
        if not _WORD_RE.fullmatch(match.group(0)):  # a capitalised ASCII word, as before
            continue
        word = match.group(0).lower()
        if word in _FIRST_OF_DOUBLE:
            nxt = _NEXT_WORD_RE.match(text, match.end())
            if nxt and f"{word} {nxt.group(1).lower()}" in _DOUBLE:
                found.append((_DOUBLE[f"{word} {nxt.group(1).lower()}"], match.start(), nxt.end()))
                continue
        code = _SINGLE.get(word)
        if code is not None:
            found.append((code, match.start(), match.end()))
    return found


@lru_cache(maxsize=512)
def _word_finder(names: frozenset[str]) -> re.Pattern[str]:
    """A pattern for just these (capitalised or upper-case) names, ending at a word boundary.

    The \b in front is left to the caller: a pattern that opens with literals lets the
    regex engine skip to their first letters instead of testing a boundary at every
    position (several times faster on a 6,000-character description). The matches are the
    same once those inside a word are dropped: a name is all letters, so a match found
    inside a word cannot hide one that starts at a boundary.
    """
    alternatives = sorted(
        {v for n in names for v in (n.capitalize(), n.upper())}, key=len, reverse=True
    )
    return re.compile(r"(?:" + "|".join(map(re.escape, alternatives)) + r")\b")


def _has_context(text: str, start: int, end: int, width: int = _WINDOW) -> bool:
    window = text[max(0, start - width) : end + width]
    return _CONTEXT_RE.search(window) is not None


def languages_in_title(title: str) -> list[str]:
    """Languages named in a title: any capitalised language name counts there, English too.

    A title is short and about the job, so "Bilingual STEM Content Expert (Polish)",
    "Farsi Bilingual Generalist" or "AI Voice Talent (US English)" need no further context;
    a pair of codes ("EN & JP") counts as well.
    """
    found = [code for code, _, _ in _names(title)]
    for match in _CODE_PAIR_RE.finditer(title):
        codes = [_SHORT_CODES.get(match.group(1)), _SHORT_CODES.get(match.group(2))]
        if all(codes):
            found.extend(c for c in codes if c)
    found.extend(_locale_codes(title))
    return _unique(found)


# Upper-case codes written in pairs in titles ("EN & JP", "ES/EN"); country-style codes of a
# language (JP, CN, KR) are what people write there. Single codes are too ambiguous ("IT").
_SHORT_CODES: dict[str, str] = {
    "EN": "en",
    "ES": "es",
    "FR": "fr",
    "DE": "de",
    "IT": "it",
    "PT": "pt",
    "NL": "nl",
    "JP": "ja",
    "JA": "ja",
    "CN": "zh",
    "ZH": "zh",
    "KR": "ko",
    "KO": "ko",
    "RU": "ru",
    "AR": "ar",
    "HI": "hi",
    "TR": "tr",
    "PL": "pl",
    "VI": "vi",
    "ID": "id",
    "TH": "th",
}
_CODE_PAIR_RE = re.compile(r"\b([A-Z]{2})\s*(?:&|/|-|–|to|<>|>)\s*([A-Z]{2})\b")

# The posting itself written in another language ("Ingénieur Logiciel pour l'Entraînement de
# Données IA"): that language is the language of the work. Told by common function words.
_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        "the and of to for with in is are you your we our this that will on be as".split()
    ),
    "fr": frozenset("le la les des du de et pour vous nous est une un avec dans sur votre".split()),
    "de": frozenset(
        "der die das und für mit ist sie wir ein eine zu von im den auf dem ihre".split()
    ),
    "nl": frozenset("de het een en van voor met je jij wij zijn op te bij naar ons".split()),
    "es": frozenset("el la los las de y para con en es una un por su tu nuestro del".split()),
    "pt": frozenset("o a os as de e para com em é uma um por seu você nosso do da".split()),
    "it": frozenset("il lo la gli le di e per con in è una un del della tuo nostro che".split()),
}
_LANGUAGES_OF_WORD: dict[str, tuple[str, ...]] = {
    word: tuple(lang for lang, words in _FUNCTION_WORDS.items() if word in words)
    for word in frozenset().union(*_FUNCTION_WORDS.values())
}
_TOKEN_RE = re.compile(r"[^\W\d_]+")
# On ASCII text _TOKEN_RE's tokens are the runs of letters: every other byte a space, split.
_ASCII_NON_LETTER_TO_SPACE = bytes(c if chr(c).isalpha() and c < 128 else 32 for c in range(256))


def _letter_runs(text: str) -> list[str]:
    """_TOKEN_RE.findall(text), through bytes.translate and str.split on ASCII text."""
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_NON_LETTER_TO_SPACE).decode("ascii").split()
    return _TOKEN_RE.findall(text)


def posting_language(title: str, description: str) -> str | None:
    """The language a posting is written in, when it is clearly not English (else None)."""
    tokens = _letter_runs(f"{title} {description[:600]}".lower())
    if len(tokens) < 4:
        return None
    # Occurrences of each language's function words (the filter runs in C and keeps only
    # them, about a third of the tokens).
    counts = dict.fromkeys(_FUNCTION_WORDS, 0)
    for token in filter(_LANGUAGES_OF_WORD.__contains__, tokens):
        for lang in _LANGUAGES_OF_WORD[token]:
            counts[lang] += 1
    best = max(counts, key=lambda lang: counts[lang])
    if best != "en" and counts[best] >= 3 and counts[best] >= 2 * counts["en"]:
        return best
    return None


def _english_is_the_work(text: str, start: int, end: int, in_title: bool) -> bool:
    # "AI Language Annotator (English – Australia)": English as a locale of the work.
    if _ENGLISH_LOCALE_RE.search(text[max(0, start - 2) : end + 4]):
        return True
    window = text[max(0, start - _WINDOW) : end + _WINDOW].lower()
    if re.search(r"\bbilingual\b|\btranslat\w*|\blocali[sz]\w*", window):
        return True
    if in_title and re.search(
        r"\b(?:annotator|rater|evaluator|writer|linguist|language|tutor)\b", window
    ):
        return True
    return False


# Each character as its class for the locale tail "-BR": "-" for - and _, "A" for an ASCII
# capital, " " for anything else (a non-ASCII character is encoded as "?" first).
_LOCALE_CLASSES = bytes(
    ord("A") if 65 <= c <= 90 else ord("-") if c in (45, 95) else ord(" ") for c in range(256)
)


def _locale_tail_starts(text: str) -> list[int]:
    """Where _LOCALE_TAIL_RE matches in `text`: C passes over the bytes, not a regex scan."""
    classes = text.encode("ascii", "replace").translate(_LOCALE_CLASSES)
    starts = []
    i = classes.find(b"-AA")
    while i >= 0:
        after = text[i + 3 : i + 4]  # \b: the region is not followed by a word character
        if not after or not _is_word_char(after):
            starts.append(i)
        i = classes.find(b"-AA", i + 1)
    return starts


def _locale_codes(text: str) -> list[str]:
    # Anchored on the separator and region ("-BR"), which are rare, rather than on every
    # two-letter word: the same matches as _LOCALE_RE at a fraction of the cost.
    codes = []
    for start in _locale_tail_starts(text):
        head = text[max(0, start - 3) : start]
        if (
            len(head) >= 2
            and head[-2:].isalpha()
            and head[-2:].islower()
            and (len(head) == 2 or not head[0].isalnum())
            and head[-2:] in _KNOWN_CODES
        ):
            codes.append(head[-2:])
    return codes


def languages_in_text(text: str) -> list[str]:
    """Languages named as the language of the work in running text (a description).

    A name counts when a context word (bilingual, native, fluent, annotator, ...) is near it,
    so "a German company" or "polish the answers" adds nothing.
    """
    found: list[str] = []
    names = _names(text)
    for code, start, end in names:
        if code == "en":
            if _english_is_the_work(text, start, end, False):
                found.append(code)
            continue
        if code in _AMBIGUOUS and not _has_context(text, start, end, _NEAR):
            continue
        if _has_context(text, start, end):
            found.append(code)
            # A pair ("Bilingual German/English", "Spanish and English speakers"): the other
            # side is a language of the work too, English included.
            pair = _PAIR_NEXT_RE.match(text, end)
            if pair and pair.group(1).lower() in _SINGLE:
                found.append(_SINGLE[pair.group(1).lower()])
    found.extend(_locale_codes(text))
    return _unique(found)


def extract_languages(
    title: str = "", description: str = "", *, use_description: bool = True
) -> list[str]:
    """ISO 639-1 codes of the languages of the work named in a listing, in order of mention."""
    title = title or ""
    codes = languages_in_title(title)
    written_in = posting_language(title, description or "")
    if written_in:
        codes.append(written_in)
    if use_description and description:
        # Languages of the work are named where the job is described, not in the legal tail.
        codes += languages_in_text(description[:TEXT_CAP])
    return _unique(codes)


def _unique(codes: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for code in codes:
        seen.setdefault(code, None)
    return list(seen)
