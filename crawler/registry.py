"""The employer registry: the loader of `crawler/employers.yaml` and questions asked of it.

This module owns who the AI-work employers and platforms are: their names and aliases,
their verified official domains, the ATS and board token their jobs are on (with how sure
we are), their careers and contractor-platform pages, and how their jobs can be listed.
The ATS spiders ask `boards_for`, the jsonld spider `jsonld_pages_for`, the pipelines
`match_employer`, the classifier's impersonation rule takes `employers_for_rules` (plain
dicts, since the classifier imports nothing of ours) and the catalogue's `employers`
table is `registry_rows`. Boards kept only for recorded fixtures are marked
`fixture_only` and never returned for a live crawl unless asked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler.config import (
    At,
    check_keys,
    expect_bool,
    expect_choice,
    expect_domain,
    expect_optional_str,
    expect_optional_url,
    expect_slug,
    expect_str,
    expect_str_list,
    expect_url,
    read_yaml_mapping,
)

DEFAULT_PATH = Path(__file__).resolve().parent / "employers.yaml"

ATS_PLATFORMS: tuple[str, ...] = (
    "greenhouse",
    "lever",
    "ashby",
    "workable",
    "smartrecruiters",
    "recruitee",
)
ATS_VALUES: tuple[str, ...] = (*ATS_PLATFORMS, "none", "own")
KINDS: tuple[str, ...] = ("lab", "platform", "vendor", "bigtech", "other")
BOARD_CONFIDENCE: tuple[str, ...] = ("confirmed", "likely", "unsure", "unknown")
BOARD_REGIONS: tuple[str, ...] = ("global", "eu")

# Hosts many employers share (ATS hosts, free mail): never one employer's official
# domain, or every listing on them would pass as that employer's.
SHARED_HOSTS: frozenset[str] = frozenset(
    {
        "greenhouse.io",
        "lever.co",
        "ashbyhq.com",
        "workable.com",
        "smartrecruiters.com",
        "recruitee.com",
        "paylocity.com",
        "myworkdayjobs.com",
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "yahoo.com",
        "icloud.com",
        "proton.me",
        "protonmail.com",
        "aol.com",
        "gmx.com",
        "mail.com",
    }
)

_TOKEN_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_LEGAL_SUFFIX_RE = re.compile(r"[,\s]+(inc|llc|ltd|limited|gmbh|corp|corporation|co)\.?$")

_REQUIRED = (
    "key",
    "name",
    "kind",
    "aliases",
    "domains",
    "ats",
    "board",
    "board_confidence",
    "board_note",
    "careers_url",
    "platform_url",
    "listing_interface",
    "jsonld_pages",
)
_OPTIONAL = ("parent", "domains_note", "board_region", "fixture_only", "notes")


@dataclass(frozen=True)
class Employer:
    """One employer or platform of the registry."""

    key: str
    name: str
    kind: str  # one of KINDS
    aliases: tuple[str, ...]
    web_domains: tuple[str, ...]
    apply_domains: tuple[str, ...]
    email_domains: tuple[str, ...]
    ats: str  # one of ATS_VALUES
    board: str | None
    board_confidence: str  # one of BOARD_CONFIDENCE
    board_note: str
    careers_url: str | None
    platform_url: str | None
    listing_interface: str
    jsonld_pages: tuple[str, ...] = ()
    parent: str | None = None
    board_region: str = "global"
    unverified_domains: tuple[str, ...] = ()
    domains_note: str = ""
    fixture_only: bool = False
    notes: str = ""
    names: tuple[str, ...] = field(default=(), repr=False)  # name + aliases, normalised


def _normalise_name(text: str) -> str:
    """Case-folded, single-spaced, without a trailing legal suffix ("G2i Inc." -> "g2i")."""
    folded = " ".join(text.casefold().split())
    return _LEGAL_SUFFIX_RE.sub("", folded).strip()


def _domains(raw: Any, at: At) -> dict[str, tuple[str, ...]]:
    check_keys(raw, at, required=("web", "apply", "email"), optional=("unverified",))
    out: dict[str, tuple[str, ...]] = {}
    for part in ("web", "apply", "email", "unverified"):
        items = expect_str_list(raw.get(part, []), at.key(part))
        for i, domain in enumerate(items):
            expect_domain(domain, at.key(part).index(i))
            if _in_shared(domain):
                raise (
                    at.key(part)
                    .index(i)
                    .error(f"expected the employer's own domain, got the shared host {domain!r}")
                )
        out[part] = items
    return out


def _in_shared(domain: str) -> bool:
    return any(domain == host or domain.endswith("." + host) for host in SHARED_HOSTS)


def _parse_employer(raw: Any, at: At) -> Employer:
    check_keys(raw, at, required=_REQUIRED, optional=_OPTIONAL)
    key = expect_slug(raw["key"], at.key("key"))
    ats = expect_choice(raw["ats"], at.key("ats"), ATS_VALUES)
    board = expect_optional_str(raw["board"], at.key("board"))
    confidence = expect_choice(
        raw["board_confidence"], at.key("board_confidence"), BOARD_CONFIDENCE
    )
    if board is not None:
        if not _TOKEN_RE.match(board):
            raise at.key("board").error(
                f"expected a board token (letters, digits, '.', '_', '-'), got {board!r}"
            )
        if ats not in ATS_PLATFORMS:
            raise at.key("board").error(
                f"expected null: a board token needs ats one of {', '.join(ATS_PLATFORMS)}, got ats {ats!r}"
            )
        if confidence == "unknown":
            raise at.key("board_confidence").error(
                "expected confirmed, likely or unsure for a known board token; got 'unknown'"
            )
    elif confidence != "unknown":
        raise at.key("board_confidence").error(
            f"expected unknown when board is null; got {confidence!r}"
        )
    domains = _domains(raw["domains"], at.key("domains"))
    name = expect_str(raw["name"], at.key("name"))
    aliases = expect_str_list(raw["aliases"], at.key("aliases"))
    pages_at = at.key("jsonld_pages")
    pages = expect_str_list(raw["jsonld_pages"], pages_at)
    for i, page in enumerate(pages):
        expect_url(page, pages_at.index(i))
    return Employer(
        key=key,
        name=name,
        kind=expect_choice(raw["kind"], at.key("kind"), KINDS),
        aliases=aliases,
        web_domains=domains["web"],
        apply_domains=domains["apply"],
        email_domains=domains["email"],
        unverified_domains=domains["unverified"],
        ats=ats,
        board=board,
        board_confidence=confidence,
        board_note=expect_str(raw["board_note"], at.key("board_note")),
        board_region=expect_choice(
            raw.get("board_region", "global"), at.key("board_region"), BOARD_REGIONS
        ),
        careers_url=expect_optional_url(raw["careers_url"], at.key("careers_url")),
        platform_url=expect_optional_url(raw["platform_url"], at.key("platform_url")),
        listing_interface=expect_str(raw["listing_interface"], at.key("listing_interface")),
        jsonld_pages=pages,
        parent=expect_optional_str(raw.get("parent"), at.key("parent")),
        domains_note=expect_optional_str(raw.get("domains_note"), at.key("domains_note")) or "",
        fixture_only=expect_bool(raw.get("fixture_only", False), at.key("fixture_only")),
        notes=expect_optional_str(raw.get("notes"), at.key("notes")) or "",
        names=tuple(dict.fromkeys(_normalise_name(n) for n in (name, *aliases))),
    )


def load_registry(path: Path | None = None) -> list[Employer]:
    """Read and check an employers file (default: the shipped `crawler/employers.yaml`).

    Raises ConfigError naming the file, the key path and what was expected for an unknown
    key, wrong type, unknown ats / kind / confidence, bad domain syntax, a shared host as a
    domain, a duplicate key, name or domain, or a parent that is not in the registry.
    """
    data, at = read_yaml_mapping(Path(path) if path is not None else DEFAULT_PATH)
    check_keys(data, at, required=("employers",))
    raw_list = data["employers"]
    list_at = at.key("employers")
    if not isinstance(raw_list, list) or not raw_list:
        raise list_at.error("expected a non-empty list of employers")

    employers: list[Employer] = []
    keys: dict[str, int] = {}
    names: dict[str, str] = {}
    domains: dict[str, str] = {}
    boards: dict[tuple[str, str], str] = {}
    for i, raw in enumerate(raw_list):
        item_at = list_at.index(i)
        employer = _parse_employer(raw, item_at)
        if employer.key in keys:
            raise item_at.key("key").error(
                f"duplicate key {employer.key!r} (first at employers[{keys[employer.key]}])"
            )
        keys[employer.key] = i
        for name in employer.names:
            if name in names:
                raise item_at.key("aliases").error(
                    f"name or alias {name!r} already belongs to {names[name]!r}"
                )
            names[name] = employer.key
        # One domain, one employer: the same verified domain under two keys would make
        # match_employer's answer depend on file order.
        for part, items in (
            ("web", employer.web_domains),
            ("apply", employer.apply_domains),
            ("email", employer.email_domains),
            ("unverified", employer.unverified_domains),
        ):
            for j, domain in enumerate(items):
                owner = domains.get(domain)
                if owner is not None and owner != employer.key:
                    raise (
                        item_at.key("domains")
                        .key(part)
                        .index(j)
                        .error(f"domain {domain!r} already belongs to {owner!r}")
                    )
                domains[domain] = employer.key
        if employer.board is not None:
            board_key = (employer.ats, employer.board.casefold())
            if board_key in boards:
                raise item_at.key("board").error(
                    f"{employer.ats} board {employer.board!r} already belongs to {boards[board_key]!r}"
                )
            boards[board_key] = employer.key
        employers.append(employer)

    for i, employer in enumerate(employers):
        if employer.parent is not None and employer.parent not in keys:
            raise (
                list_at.index(i)
                .key("parent")
                .error(f"expected the key of another employer, got {employer.parent!r}")
            )
    return employers


@lru_cache(maxsize=1)
def _shipped() -> tuple[Employer, ...]:
    return tuple(load_registry())


def _table(employers: list[Employer] | tuple[Employer, ...] | None) -> tuple[Employer, ...]:
    return tuple(employers) if employers is not None else _shipped()


def official_domains(employer: Employer) -> set[str]:
    """The employer's verified domains (web, apply and e-mail; never the unverified ones)."""
    return {*employer.web_domains, *employer.apply_domains, *employer.email_domains}


def boards_for(
    ats: str,
    employers: list[Employer] | None = None,
    include_fixture_only: bool = False,
) -> list[tuple[str, str]]:
    """(employer key, board token) of every employer on `ats` with a token, in file order.

    Fixture-only boards (non-AI employers whose recorded responses the tests and the demo
    use) are left out unless `include_fixture_only` is true.
    """
    return [
        (e.key, e.board)
        for e in _table(employers)
        if e.ats == ats and e.board is not None and (include_fixture_only or not e.fixture_only)
    ]


def jsonld_pages_for(
    employers: list[Employer] | None = None, include_fixture_only: bool = False
) -> list[tuple[str, str]]:
    """(employer key, page URL) of every careers page known to carry JobPosting JSON-LD."""
    return [
        (e.key, page)
        for e in _table(employers)
        if include_fixture_only or not e.fixture_only
        for page in e.jsonld_pages
    ]


def _host_of(text: str) -> str | None:
    """The host of a URL, an e-mail address or a bare domain; None for a plain name."""
    text = text.strip().casefold()
    if not text or " " in text:
        return None
    if "@" in text and "://" not in text:
        text = text.rsplit("@", 1)[1]
    if "://" not in text:
        text = "//" + text
    try:
        host = urlsplit(text).hostname or ""
    except ValueError:
        return None
    host = host.rstrip(".")
    return host if "." in host else None


def match_employer(name_or_domain: str, employers: list[Employer] | None = None) -> Employer | None:
    """The registry employer a company name, alias, domain, URL or e-mail address belongs to.

    Names match case-insensitively as whole names (aliases included; "Inc.", "LLC" and
    similar suffixes ignored). A host matches when it is a verified domain of the employer
    or a subdomain of one ("jobs.micro1.ai" -> micro1). The most specific domain wins, so
    a host under two entries' domains goes to the deeper one. None when nothing matches.
    """
    table = _table(employers)
    wanted = _normalise_name(name_or_domain)
    if wanted:
        for employer in table:
            if wanted in employer.names:
                return employer
    host = _host_of(name_or_domain)
    if host is None:
        return None
    best: tuple[int, Employer] | None = None
    for employer in table:
        for domain in official_domains(employer):
            if host == domain or host.endswith("." + domain):
                depth = domain.count(".")
                if best is None or depth > best[0]:
                    best = (depth, employer)
    return best[1] if best else None


def employers_for_rules(employers: list[Employer] | None = None) -> list[dict[str, Any]]:
    """Plain dicts for the classifier's impersonation rule: key, name, aliases, domains.

    `domains` is the flat sorted list of the verified domains of the employer's whole
    family (parent, itself, children): an Outlier posting linking to scale.com or a
    Meridial one to invisibletech.ai is the same company, not an impersonation.
    Fixture-only entries and entries whose family has no verified domain are left out:
    with no domain to compare, the rule could only flag every listing that names them.
    """
    table = _table(employers)
    by_key = {e.key: e for e in table}

    def root(e: Employer) -> str:
        seen = {e.key}
        while e.parent is not None and e.parent in by_key and e.parent not in seen:
            e = by_key[e.parent]
            seen.add(e.key)
        return e.key

    family: dict[str, set[str]] = {}
    for e in table:
        family.setdefault(root(e), set()).update(official_domains(e))
    rules = []
    for e in table:
        domains = family[root(e)]
        if e.fixture_only or not domains:
            continue
        rules.append(
            {"key": e.key, "name": e.name, "aliases": list(e.aliases), "domains": sorted(domains)}
        )
    return rules


def registry_rows(employers: list[Employer] | None = None) -> list[dict[str, Any]]:
    """Flat rows for the catalogue's `employers` table (lists as lists, booleans 0/1)."""
    rows = []
    for e in _table(employers):
        rows.append(
            {
                "key": e.key,
                "name": e.name,
                "kind": e.kind,
                "parent": e.parent,
                "aliases": list(e.aliases),
                "web_domains": list(e.web_domains),
                "apply_domains": list(e.apply_domains),
                "email_domains": list(e.email_domains),
                "official_domains": sorted(official_domains(e)),
                "unverified_domains": list(e.unverified_domains),
                "domains_note": e.domains_note,
                "ats": e.ats,
                "board": e.board,
                "board_region": e.board_region,
                "board_confidence": e.board_confidence,
                "board_note": e.board_note,
                "careers_url": e.careers_url,
                "platform_url": e.platform_url,
                "listing_interface": e.listing_interface,
                "jsonld_pages": list(e.jsonld_pages),
                "fixture_only": int(e.fixture_only),
                "notes": e.notes,
            }
        )
    return rows
