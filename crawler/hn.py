"""Reading one top-level comment of a Hacker News "Ask HN: Who is hiring?" thread.

This module owns the conventions of those comments and nothing about fetching them:
`parse_hn_comment` takes the comment's HTML (as the Algolia API gives it) and returns the
employer, the role title(s), location, remote note, pay, employment type and apply link
wherever the poster states them. Most posts open with a headline of pipe-separated parts
(``Company | Role | Location | REMOTE | $pay | url``); others use dashes, a block of
``Key: value`` lines, or a list of open roles in the body. A post with no structure is
still read: its employer stays unknown and its first sentence stands for a title. Pure:
no I/O, never raises on odd input.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass, field

from crawler.normalize import country_code

# Words that make a phrase a job title (checked on whole words, any case).
_ROLE_WORDS = (
    "engineer",
    "engineers",
    "developer",
    "developers",
    "designer",
    "designers",
    "manager",
    "managers",
    "scientist",
    "scientists",
    "researcher",
    "researchers",
    "analyst",
    "analysts",
    "architect",
    "architects",
    "lead",
    "leads",
    "head",
    "director",
    "directors",
    "founder",
    "cto",
    "ceo",
    "coo",
    "cfo",
    "vp",
    "sre",
    "devops",
    "intern",
    "interns",
    "internship",
    "specialist",
    "specialists",
    "consultant",
    "consultants",
    "administrator",
    "recruiter",
    "recruiters",
    "writer",
    "writers",
    "editor",
    "operator",
    "operators",
    "trainer",
    "trainers",
    "tutor",
    "tutors",
    "annotator",
    "annotators",
    "rater",
    "raters",
    "reviewer",
    "reviewers",
    "evaluator",
    "evaluators",
    "labeler",
    "labelers",
    "technician",
    "associate",
    "representative",
    "executive",
    "marketer",
    "strategist",
    "coordinator",
    "officer",
    "programmer",
    "programmers",
    "hacker",
    "hackers",
    "advocate",
    "owner",
    "accountant",
    "counsel",
    "attorney",
    "physician",
    "nurse",
    "teacher",
    "instructor",
    "expert",
    "experts",
    "partner",
    "staff",
    "generalist",
    "contributor",
    "contributors",
    "qa",
    "sdet",
    "mle",
)
_ROLE = re.compile(r"\b(?:" + "|".join(_ROLE_WORDS) + r")\b", re.I)
_GENERIC_TITLE = re.compile(
    r"\b(?:multiple|various|several|many|all|open)\s+(?:roles|positions|openings|jobs)\b|"
    r"\b(?:engineers|developers|designers|operators|roles|positions)\b",
    re.I,
)
_URL = re.compile(r"https?://[^\s<>\"')|]+|\bwww\.[^\s<>\"')|]+", re.I)
_DOMAIN = re.compile(
    r"^[\w-]+(?:\.[\w-]+)*\.(?:com|io|ai|co|org|net|dev|app|tech|so|xyz|inc|jobs)(?:/\S*)?$", re.I
)
_PAY = re.compile(
    r"(?:[$€£₹]\s?\d|\b\d+(?:[.,]\d+)?\s?[kK]\b|\b(?:USD|EUR|GBP|CAD|AUD|CHF)\s?\d|\d\s?(?:USD|EUR|GBP|CAD|AUD|CHF)\b|"
    r"\bsalary\b|\bequity\b|/\s?(?:hr|hour|year|yr|month)\b)",
    re.I,
)
_REMOTE = re.compile(
    r"\b(?:remote|remotely|onsite|on-site|on site|in[- ]office|hybrid|wfh|anywhere|worldwide)\b",
    re.I,
)
_EMPLOYMENT = re.compile(
    r"\b(?:full[- ]?time|part[- ]?time|contract(?:or)?|freelance|internships?|intern|temporary|permanent|ft|pt)\b",
    re.I,
)
_VISA = re.compile(r"\bvisa\b|\bsponsorship\b", re.I)
_KEY_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z /&]{1,24}?)\s*:\s*(.+)$")
_KEYS = {
    "company": "employer",
    "employer": "employer",
    "organization": "employer",
    "role": "title",
    "roles": "title",
    "position": "title",
    "positions": "title",
    "title": "title",
    "job": "title",
    "job title": "title",
    "hiring": "title",
    "location": "location",
    "locations": "location",
    "where": "location",
    "remote": "remote",
    "remote ok": "remote",
    "onsite": "remote",
    "work mode": "remote",
    "type": "employment_type",
    "employment type": "employment_type",
    "job type": "employment_type",
    "commitment": "employment_type",
    "salary": "pay",
    "compensation": "pay",
    "pay": "pay",
    "comp": "pay",
    "rate": "pay",
    "apply": "apply",
    "apply here": "apply",
    "to apply": "apply",
    "url": "apply",
    "website": "apply",
    "careers": "apply",
    "jobs": "apply",
    "link": "apply",
}
_BULLET = re.compile(r"^\s*(?:[-*•·–]|\d+[.)])\s+(.+)$")
_APPLY_HINT = re.compile(
    r"apply|career|jobs?\b|join|greenhouse|lever\.co|ashbyhq|workable|recruit|vacanc|vacature|hiring",
    re.I,
)
_SEPARATORS = re.compile(r"\s+[—–]\s+|\s+-\s+|\s+/\s+(?=[A-Z])")


@dataclass
class HnPosting:
    """What one "Who is hiring?" comment states; None where it says nothing."""

    text: str  # the whole comment as plain text, paragraphs kept
    headline: str  # its first line
    employer: str | None = None
    titles: list[str] = field(default_factory=list)
    location: str | None = None
    remote: str | None = None
    pay: str | None = None
    employment_type: str | None = None
    apply_url: str | None = None
    links: list[str] = field(default_factory=list)
    structured: bool = False  # True when a headline or key lines were recognised


def comment_lines(markup: str | None) -> tuple[list[str], list[str]]:
    """The comment's non-empty text lines and its links, from HN's comment HTML."""
    markup = markup or ""
    links = [html_lib.unescape(h) for h in re.findall(r'<a\s[^>]*href="([^"]+)"', markup, re.I)]
    text = re.sub(r"<p>|</p>|<br\s*/?>", "\n", markup, flags=re.I)
    text = re.sub(
        r"<a\s[^>]*href=\"([^\"]+)\"[^>]*>.*?</a>", lambda m: m.group(1), text, flags=re.I | re.S
    )
    text = html_lib.unescape(re.sub(r"<[^>]+>", "", text))
    lines = [re.sub(r"[ \t\xa0]+", " ", line).strip() for line in text.split("\n")]
    return [line for line in lines if line], links


def parse_hn_comment(markup: str | None) -> HnPosting:
    """The facts a "Who is hiring?" comment states (see the module docstring)."""
    lines, links = comment_lines(markup)
    posting = HnPosting(text="\n\n".join(lines), headline=lines[0] if lines else "", links=links)
    if not lines:
        return posting
    keyed = _read_key_lines(lines[:12])
    if keyed.get("employer") or (len(keyed) >= 2 and not _looks_like_headline(lines[0])):
        _apply_keys(posting, keyed)
        posting.structured = True
        if not posting.titles:
            posting.titles = _first_title_line(lines[1:8], keyed)
    elif _looks_like_headline(lines[0]):
        _read_headline(posting, lines[0])
        _apply_keys(posting, keyed, keep=True)
        posting.structured = True
    body_roles = _bullet_roles(lines[1:])
    if body_roles and (not posting.titles or all(_GENERIC_TITLE.search(t) for t in posting.titles)):
        posting.titles = body_roles
    if posting.titles:
        posting.titles = [
            t for t in posting.titles if not _GENERIC_TITLE.fullmatch(t)
        ] or posting.titles
    if not posting.apply_url:
        posting.apply_url = _apply_link(links, lines)
    return posting


def _looks_like_headline(line: str) -> bool:
    if line.count("|") >= 1:
        return True
    parts = [p for p in _SEPARATORS.split(line) if p.strip()]
    return len(parts) >= 2 and len(parts[0]) <= 60 and len(line) <= 300


def _read_headline(posting: HnPosting, line: str) -> None:
    parts = [p.strip() for p in (line.split("|") if "|" in line else _SEPARATORS.split(line))]
    parts = [p for p in parts if p]
    if not parts:
        return
    employer, inside = _split_parenthesis(parts[0])
    url_in_name = _url_of(employer)
    if url_in_name and " " not in employer.strip():
        posting.apply_url = url_in_name
    posting.employer = employer.strip() or None
    rest = parts[1:]
    if inside:
        rest.insert(0, inside)
    unclassified: list[str] = []
    for part in rest:
        kind = _classify(part)
        if kind == "url":
            posting.apply_url = posting.apply_url or _url_of(part)
        elif kind == "pay":
            posting.pay = _join(posting.pay, part)
        elif kind == "remote":
            posting.remote = _join(posting.remote, part)
            if _has_place(part):
                posting.location = _join(posting.location, part)
        elif kind == "employment":
            posting.employment_type = _join(posting.employment_type, part)
        elif kind == "location":
            posting.location = _join(posting.location, part)
        elif kind == "title":
            posting.titles.extend(_split_titles(part))
        elif kind != "ignore":
            unclassified.append(part)
    if not posting.titles and unclassified:
        posting.titles = _split_titles(unclassified[0])


def _classify(part: str) -> str:
    text = part.strip()
    if _URL.search(text) or _DOMAIN.match(text):
        return "url"
    if _VISA.search(text) and not _ROLE.search(text):
        return "ignore"
    if _ROLE.search(text) and not _REMOTE.fullmatch(text):
        # "Senior Engineer (Remote, US)" is a title; "Remote (US)" is not.
        return "title"
    if _PAY.search(text) and re.search(r"\d", text):
        return "pay"
    if _REMOTE.search(text):
        return "remote"
    if _EMPLOYMENT.search(text) and len(text) <= 40:
        return "employment"
    if _has_place(text):
        return "location"
    return "other"


def _has_place(text: str) -> bool:
    """True when the text names a country, a US state pair ("Austin, TX") or a region word."""
    if re.search(r"[A-Z][a-zA-Z .]+,\s*[A-Z]{2}\b", text):
        return True
    if re.search(
        r"\b(?:US|USA|UK|EU|EMEA|APAC|LATAM|Europe|Americas|NYC|SF|Bay Area|London|Berlin|Toronto)\b",
        text,
    ):
        return True
    words = re.split(r"[,;/()]|\bor\b|\band\b", text)
    return any(country_code(w.strip()) for w in words if 3 < len(w.strip()) <= 30)


def _split_parenthesis(text: str) -> tuple[str, str]:
    match = re.match(r"^(.*?)\s*\((.+)\)\s*$", text)
    return (match.group(1), match.group(2)) if match and match.group(1) else (text, "")


def _split_titles(part: str) -> list[str]:
    """One segment naming one or several roles ("Backend Engineer, Designer")."""
    pieces = [
        p.strip(" .;") for p in re.split(r",\s+|;\s+|\s+&\s+|\s+and\s+", part) if p.strip(" .;")
    ]
    if len(pieces) > 1 and all(_ROLE.search(p) for p in pieces):
        return pieces
    return [part.strip()]


def _read_key_lines(lines: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in lines:
        match = _KEY_LINE.match(line)
        if not match:
            continue
        key = _KEYS.get(match.group(1).strip().lower())
        if key and key not in found:
            found[key] = match.group(2).strip()
    return found


def _apply_keys(posting: HnPosting, keyed: dict[str, str], keep: bool = False) -> None:
    """Set the facts of `Key: value` lines; with `keep`, only where the headline said nothing."""
    for key, value in keyed.items():
        if key == "title":
            if not (keep and posting.titles):
                posting.titles = _split_titles(value)
        elif key == "apply":
            url = _url_of(value)
            if url and not (keep and posting.apply_url):
                posting.apply_url = url
        elif key == "employer":
            if not (keep and posting.employer):
                posting.employer = _split_parenthesis(value)[0] or value
        elif not (keep and getattr(posting, key)):
            setattr(posting, key, value)


def _first_title_line(lines: list[str], keyed: dict[str, str]) -> list[str]:
    values = set(keyed.values())
    for line in lines:
        if _KEY_LINE.match(line) or any(v in line for v in values):
            continue
        if len(line) <= 100 and _ROLE.search(line):
            return [line]
    return []


def _bullet_roles(lines: list[str]) -> list[str]:
    """Roles listed in the body ("- Agentic Engineer — ship real software ...")."""
    roles: list[str] = []
    for line in lines:
        match = _BULLET.match(line)
        if not match:
            continue
        head = re.split(r"\s+[—–-]\s+|:\s|\s\(", match.group(1), maxsplit=1)[0].strip()
        if head and len(head.split()) <= 7 and _ROLE.search(head) and not _URL.search(head):
            roles.append(head)
    return roles


def _url_of(text: str) -> str | None:
    match = _URL.search(text)
    if match:
        url = match.group(0).rstrip(".,;")
        return url if url.lower().startswith("http") else "https://" + url
    match = _DOMAIN.match(text.strip())
    return "https://" + match.group(0) if match else None


def _apply_link(links: list[str], lines: list[str]) -> str | None:
    """A link the post names for applying or careers; None when it names none."""
    for link in links:
        if _APPLY_HINT.search(link):
            return link
    for index, line in enumerate(lines):
        if _APPLY_HINT.search(line):
            # "More details and apply:" often puts its link on the next line.
            for candidate in (line, *lines[index + 1 : index + 2]):
                url = _url_of(candidate)
                if url:
                    return url
    return None


def _join(current: str | None, part: str) -> str:
    return f"{current}; {part}" if current else part


def fallback_title(posting: HnPosting, limit: int = 90) -> str:
    """A title for a post that names none: its first sentence, cut at a word."""
    sentence = re.split(r"(?<=[.!?])\s", posting.headline or posting.text, maxsplit=1)[0].strip()
    if len(sentence) <= limit:
        return sentence
    return sentence[:limit].rsplit(" ", 1)[0] + "…"
