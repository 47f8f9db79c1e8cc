"""One job, one entry: grouping the same job seen on several sources.

Listings are grouped, never deleted: every source link stays. Keys first — the canonical
apply URL (tracking parameters already stripped by normalization) and employer +
normalized title + location — then near-duplicate text: TF-IDF cosine similarity of
title + description between listings of the same employer on different sources, above
`NEAR_DUPLICATE_THRESHOLD` (chosen on the labelled pairs of tests/fixtures/grouping/, see
bench/bench_grouping.py). The group's canonical listing prefers the employer's own ATS or
platform posting. A job reposted within 90 days of its group closing joins that group.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlite_utils
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from catalogue.schema import writing

# Sources that are the employer's own posting (ATS boards, careers pages, platforms).
EMPLOYER_SOURCES = (
    "greenhouse",
    "lever",
    "ashby",
    "workable",
    "smartrecruiters",
    "recruitee",
    "jsonld",
    "mercor",
    "micro1",
    "alignerr",
)
NEAR_DUPLICATE_THRESHOLD = 0.8  # middle of the plateau measured by bench/bench_grouping.py
TITLE_OVERLAP = 0.75
REPOST_WINDOW_DAYS = 90
_COMPANY_NOISE = re.compile(
    r"\b(inc|llc|ltd|gmbh|corp|corporation|co|company|technologies|labs?|ai)\b\.?", re.I
)


def normalize_company(name: str | None) -> str:
    text = _COMPANY_NOISE.sub(" ", (name or "").lower())
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def _normalize_title(title: str | None) -> str:
    # Parentheses stay: "(German)", "(São Paulo)", "(iOS)" tell two jobs apart.
    text = (title or "").lower()
    text = re.sub(r"\b(remote|contract|freelance|part[- ]time|full[- ]time|us|uk|eu)\b", " ", text)
    return re.sub(r"[^a-z0-9+#]+", " ", text).strip()


def _countries(listing: Mapping[str, Any]) -> list[str]:
    countries = listing.get("countries")
    if isinstance(countries, str):
        countries = json.loads(countries or "[]")
    return sorted(countries or [])


def _first_place(listing: Mapping[str, Any]) -> str:
    """The first named place of the location text ("sf" of "SF / Remote"), or ""."""
    first = re.split(r"[,;/|(]", listing.get("location_raw") or "")[0]
    first = re.sub(r"[^a-z]+", " ", first.lower()).strip()
    return "" if first in {"", "remote", "anywhere", "worldwide", "hybrid"} else first


def job_key(listing: Mapping[str, Any]) -> str | None:
    """employer + normalized title + place: the same job under another source id."""
    company = normalize_company(listing.get("company"))
    title = _normalize_title(listing.get("title"))
    if not company or not title:
        return None
    place = ",".join(_countries(listing)) or (listing.get("remote_scope") or "")
    return f"{company}|{title}|{place}|{_first_place(listing)}"


def titles_alike(a: str | None, b: str | None, least: float = TITLE_OVERLAP) -> bool:
    """Word overlap (Jaccard) of two normalized titles is at least `least`."""
    words_a, words_b = set(_normalize_title(a).split()), set(_normalize_title(b).split())
    if not words_a or not words_b:
        return False
    return len(words_a & words_b) / len(words_a | words_b) >= least


def places_compatible(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Same eligible countries and first named place, or one of the two does not say."""
    ca, cb = _countries(a), _countries(b)
    if ca and cb and ca != cb:
        return False
    pa, pb = _first_place(a), _first_place(b)
    return not pa or not pb or pa == pb


def apply_key(listing: Mapping[str, Any]) -> str | None:
    """The canonical apply URL, when it is a posting's own page (not a bare domain)."""
    url = listing.get("apply_url") or listing.get("url")
    if not url or re.fullmatch(r"https?://[^/]+/?", url):
        return None
    return url.rstrip("/")


def canonical_rank(row: Mapping[str, Any]) -> tuple[int, str, str]:
    """Sort key: the employer's own posting first, then the earliest seen, then the id."""
    own = 0 if row.get("source") in EMPLOYER_SOURCES else 1
    return (own, row.get("first_seen") or "", row.get("id") or "")


def text_similarity(texts_a: Sequence[str], texts_b: Sequence[str]) -> Any:
    """Cosine similarity matrix of two lists of texts under one TF-IDF space."""
    vectorizer = TfidfVectorizer(
        sublinear_tf=True, ngram_range=(1, 2), min_df=1, max_features=50000
    )
    matrix = vectorizer.fit_transform(list(texts_a) + list(texts_b))
    return cosine_similarity(matrix[: len(texts_a)], matrix[len(texts_a) :])


def _doc(row: Mapping[str, Any]) -> str:
    return f"{row.get('title') or ''}\n{(row.get('description') or '')[:4000]}"


def group_listings(
    db: sqlite_utils.Database, listing_ids: Iterable[str] | None = None, *, now: str | None = None
) -> int:
    """Put each of `listing_ids` (default: every listing alone in its group) into its job's group.

    Returns how many listings joined another group. Runs in one transaction.
    """
    now = now or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    repost_cutoff = (
        datetime.strptime(now, "%Y-%m-%dT%H:%M:%SZ") - timedelta(days=REPOST_WINDOW_DAYS)
    ).strftime("%Y-%m-%dT%H:%M:%SZ")
    columns = "id, source, title, company, description, apply_url, url, countries, remote_scope, first_seen, closed_at, group_id"
    if listing_ids is None:
        candidates = list(db.query(f"select {columns} from listings where group_id = id"))
    else:
        ids = list(listing_ids)
        candidates = []
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" for _ in chunk)
            candidates += list(
                db.query(f"select {columns} from listings where id in ({marks})", chunk)
            )
    if not candidates:
        return 0
    joined = 0
    touched_groups: set[str] = set()
    with writing(db):
        by_company: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in candidates:
            target = _match_by_key(db, row, repost_cutoff)
            if target and target != row["group_id"]:
                _join(db, row["id"], target)
                touched_groups.update({target, row["group_id"]})
                joined += 1
                continue
            company = normalize_company(row.get("company"))
            if company:
                by_company[company].append(row)
        for company, rows in by_company.items():
            joined += _match_by_text(db, company, rows, repost_cutoff, touched_groups)
        for group in touched_groups:
            refresh_group(db, group)
    return joined


def _match_by_key(
    db: sqlite_utils.Database, row: Mapping[str, Any], repost_cutoff: str
) -> str | None:
    for column, key in (("apply_key", apply_key(row)), ("job_key", job_key(row))):
        if not key:
            continue
        for other in db.query(
            # Another source, or a closed listing of the same source (a repost). Two open ids
            # on one source are two postings on purpose (two openings, two offices).
            f"select id, group_id, closed_at from listings where {column} = ? and id != ? "
            "and (source != ? or closed_at is not null) "
            "and (closed_at is null or closed_at >= ?) order by first_seen limit 1",
            [key, row["id"], row["source"], repost_cutoff],
        ):
            return other["group_id"] or other["id"]
    return None


def _match_by_text(
    db: sqlite_utils.Database,
    company: str,
    rows: list[dict[str, Any]],
    repost_cutoff: str,
    touched_groups: set[str],
) -> int:
    others = [
        other
        for other in db.query(
            "select id, source, title, description, group_id, company, countries, location_raw from listings "
            "where company_key = ? and (closed_at is null or closed_at >= ?)",
            [company, repost_cutoff],
        )
    ]
    if len(others) < 2:
        return 0
    row_ids = {row["id"] for row in rows}
    similarity = text_similarity([_doc(r) for r in rows], [_doc(o) for o in others])
    joined = 0
    for i, row in enumerate(rows):
        best, best_score = None, NEAR_DUPLICATE_THRESHOLD
        for j, other in enumerate(others):
            if (
                other["id"] == row["id"]
                or other["source"] == row["source"]
                and other["id"] in row_ids
            ):
                continue
            if other["source"] == row["source"]:
                continue  # one source never lists the same job twice under two ids on purpose
            if not titles_alike(row["title"], other["title"]) or not places_compatible(row, other):
                continue  # one employer's boilerplate makes different jobs read alike
            if similarity[i, j] >= best_score:
                best, best_score = other, similarity[i, j]
        if best is not None:
            current = db["listings"].get(row["id"])["group_id"]
            target = best["group_id"] or best["id"]
            if target != current:
                _join(db, row["id"], target)
                touched_groups.update({target, current})
                joined += 1
    return joined


def _join(db: sqlite_utils.Database, listing_id: str, group_id: str) -> None:
    # Everyone in the listing's old group moves with it, so groups merge rather than split.
    old = db["listings"].get(listing_id)["group_id"] or listing_id
    db.execute(
        "update listings set group_id = ? where group_id = ? or id = ?", [group_id, old, listing_id]
    )


def refresh_group(db: sqlite_utils.Database, group_id: str) -> None:
    """Choose the group's canonical listing and give every member the group's source links."""
    members = list(
        db.query(
            "select id, source, url, first_seen, closed_at from listings where group_id = ?",
            [group_id],
        )
    )
    if not members:
        return
    open_members = [m for m in members if not m["closed_at"]] or members
    canonical = min(open_members, key=canonical_rank)
    links = [
        {"source": m["source"], "url": m["url"], "id": m["id"], "closed": bool(m["closed_at"])}
        for m in sorted(members, key=canonical_rank)
    ]
    db.execute(
        "update listings set is_canonical = (id = ?), source_links = ? where group_id = ?",
        [canonical["id"], json.dumps(links), group_id],
    )


def group_run(db: sqlite_utils.Database, run_id: int, *, now: str | None = None) -> int:
    """After a crawl run: group the run's listings that are still alone, refresh closed groups."""
    ids = [
        row["id"]
        for row in db.query(
            "select id from listings where last_run_id = ? and group_id = id", [run_id]
        )
    ]
    joined = group_listings(db, ids, now=now) if ids else 0
    closed_groups = [
        row["group_id"]
        for row in db.query(
            "select distinct group_id from listings where closed_at is not null and is_canonical = 1 "
            "and group_id in (select group_id from listings where closed_at is null)"
        )
    ]
    if closed_groups:
        with writing(db):
            for group in closed_groups:
                refresh_group(db, group)
    return joined


def is_same_job(
    a: Mapping[str, Any],
    b: Mapping[str, Any],
    similarity: float,
    threshold: float = NEAR_DUPLICATE_THRESHOLD,
) -> bool:
    """The grouping rule for two listings of different sources, as one pure decision.

    Same canonical apply URL, or same employer + title + place, or same employer, alike
    titles, compatible places and text similarity at or above `threshold`. (bench/bench_grouping.py measures it on the
    labelled pairs of tests/fixtures/grouping/.)
    """
    for key in (apply_key, job_key):
        ka, kb = key(a), key(b)
        if ka and ka == kb:
            return True
    company = normalize_company(a.get("company"))
    return (
        bool(company)
        and company == normalize_company(b.get("company"))
        and titles_alike(a.get("title"), b.get("title"))
        and places_compatible(a, b)
        and similarity >= threshold
    )
