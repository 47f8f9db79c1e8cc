"""A small real catalogue for the site's tests and benchmark, built from recorded responses.

Listings come from real recorded API responses and job pages (tests/fixtures/<source>/),
parsed by the real spiders (`crawler.capture.parse_capture_file`), judged by
`classifier.judge` when a trained model is available, else by the real red-flag rules plus a
keyword relevance guess (test-only, said so in `judge_listings`), and stored with the real
`catalogue.store` functions, so the site is tested on what the crawler really writes.

Three listings are made on purpose and named so:
- `SCAM_ID`: a real AI-data posting (Remotive's "Data Labeling Specialists") with two real
  sentences of fraudulent postings from the EMSCAD data set appended
  (/work/shared/data/emscad_partial, job_ids 17769, 17573, 17564 and 4651);
- `HOSTILE_ID`: a real posting whose title, description and links were replaced by hostile
  markup (script tags, an onerror attribute, a javascript: link, broken tags);
- `ATS_COPY_ID`: the same Remotive posting as if also read from the employer's Greenhouse
  board (same title, company and apply link), so the job has two sources and its page can
  prefer the employer's own posting for "apply";
- a second crawl cuts the pay of a listing and drops another, so a version and a closed
  listing exist.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
FROZEN_NOW = "2026-09-15T12:00:00Z"
SECOND_RUN = "2026-09-20T12:00:00Z"

# (source, file) of recorded responses used by the tests' catalogue.
CAPTURES: tuple[tuple[str, str], ...] = (
    ("greenhouse", "anthropic-jobs-content-trimmed4-2026-07.json"),
    ("greenhouse", "codepath-job-4426707007-questions-2024-08-05.json"),
    ("alignerr", "job-page-583b0f74-generalist-location-vietnam-2026-09-14.html"),
    ("mercor", "job-page-list_AAABm4Xm5vZiwyWXybFBRJJN-generalist-writer-rendered-2026-02-03.html"),
    ("micro1", "job-page-5136fd03-biology-expert-phd-2026-09-05.html"),
    ("remotive", "remote-jobs-all-2026-07-29-bom.json"),
    ("himalayas", "jobs-api-trimmed3-2026-08.json"),
    ("ashby", "lightdash-job-board-compensation-2024-08-05.json"),
    ("recruitee", "radishlab-offers-2024-08-08.json"),
)

# Real sentences from fraudulent postings of EMSCAD (job_ids 17769, 17573, 17564, 4651):
# two kinds of sign (too good to be true, urgency), so the listing is flagged however the
# rules weigh any one sentence.
EMSCAD_SCAM_SENTENCES = (
    "***NO EXPERIENCE NECESSARY $500 Per Day",
    "We are offering only 3 positions at the moment.",
    "URGENT Job Full Time & Part Time, Cash Pay.",
    "Make Easy Money at Home",
)
SCAM_ID = "remotive:scam-test-1"
HOSTILE_ID = "remotive:hostile-test-1"
ATS_COPY_ID = "greenhouse:workada-4410"
ATS_COPY_URL = "https://job-boards.greenhouse.io/workada/jobs/4410"
HOSTILE_TITLE = '<script>window.__pwned = "title"</script>AI Rater <b>bold</b>'
HOSTILE_DESCRIPTION = (
    "Rate chatbot answers. <img src=x onerror=\"window.__pwned = 'img'\"> "
    "<a href=\"javascript:window.__pwned='link'\">click me</a> <div <p unclosed "
    '<script>window.__pwned = "description"</script> Remote, flexible hours.'
)

_RELEVANT_WORDS = (
    "ai trainer",
    "ai tutor",
    "rater",
    "rlhf",
    "annotat",
    "labeling",
    "labelling",
    "evaluat",
    "human data",
    "prompt",
    "red team",
    "fact-check",
    "ai training",
    "train ai",
    "expert",
    "generalist",
    "writer",
    "model",
)
_DOMAIN_WORDS = {
    "coding": ("software", "engineer", "developer", "code", "coding"),
    "science": ("biology", "chemistry", "physics", "science"),
    "medicine": ("nurse", "clinical", "medical", "patient", "health"),
    "writing": ("writer", "writing", "copywrit", "editor"),
    "law": ("legal", "lawyer", "attorney", "law "),
    "finance": ("finance", "accounting", "financial"),
    "education": ("teacher", "tutor", "education"),
    "language": ("bilingual", "translation", "german", "spanish", "french"),
}


def parse_captures(captures: Iterable[tuple[str, str]] = CAPTURES) -> list[dict[str, Any]]:
    from crawler.capture import parse_capture_file

    listings: list[dict[str, Any]] = []
    for source, name in captures:
        listings.extend(parse_capture_file(source, FIXTURES / source / name, frozen_now=FROZEN_NOW))
    return listings


def _employers() -> list[dict[str, Any]]:
    try:
        from crawler.registry import employers_for_rules, load_registry

        return list(employers_for_rules(load_registry()))
    except Exception:
        return []


def _keyword_judgement(
    listing: dict[str, Any], employers: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    from classifier.rules import decide_verdict, find_red_flags

    text = f"{listing.get('title') or ''}\n{listing.get('description') or ''}".lower()
    title = (listing.get("title") or "").lower()
    relevant = any(word in title for word in _RELEVANT_WORDS) or "ai train" in text
    domains = [d for d, words in _DOMAIN_WORDS.items() if any(w in title for w in words)] or [
        "general"
    ]
    roles = ["response-rating"]
    if "annotat" in text or "label" in text:
        roles.append("annotation")
    if "expert" in title or domains != ["general"]:
        roles.append("domain-expert-review")
    if "writ" in title:
        roles.append("rewriting")
    flags = find_red_flags(
        {
            "title": listing.get("title"),
            "company": listing.get("company"),
            "description": listing.get("description"),
            "url": listing.get("url"),
            "apply_url": listing.get("apply_url"),
            "pay_text": listing.get("pay_text"),
        },
        employers,
    )
    return {
        "relevant": relevant,
        "relevance_score": 0.9 if relevant else 0.1,
        "role_types": roles if relevant else [],
        "domains": domains if relevant else [],
        "languages": [],
        "red_flags": [vars(f) if not isinstance(f, dict) else f for f in flags],
        "verdict": decide_verdict(0.0, flags),
        "scam_score": 0.0,
        "model_version": "test-keywords",
        "missing_fields": [],
    }


def recognise_employers(listings: list[dict[str, Any]]) -> None:
    """Set `employer_key` as the crawler's NormalizePipeline does (registry name or domain)."""
    try:
        from crawler.pipelines import recognise_employer
        from crawler.registry import load_registry

        registry = load_registry()
    except Exception:  # no registry yet: listings keep their company names only
        return
    for listing in listings:
        listing["employer_key"] = recognise_employer(listing, registry)


def judge_listings(listings: list[dict[str, Any]]) -> str:
    """Add a judgement to each listing; return which judge was used ("model" or "keywords")."""
    employers = _employers()
    try:
        from classifier import judge_many

        judgements = judge_many(listings, employers=employers)
        for listing, judgement in zip(listings, judgements, strict=True):
            listing["judgement"] = judgement.to_dict()
        return "model"
    except Exception:  # no trained model (or no classifier yet): rules + keywords, test-only
        for listing in listings:
            listing["judgement"] = _keyword_judgement(listing, employers)
        return "keywords"


def made_listings(listings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The scam test listing and the hostile listing, made from real postings."""
    # Remotive allows its descriptions to be shown (republish: full), so the page shows them.
    base = next(x for x in listings if x["source"] == "remotive" and "Labeling" in x["title"])
    scam = copy.deepcopy(base)
    scam["source_id"] = "scam-test-1"
    scam["id"] = SCAM_ID
    scam["description"] = (
        (scam.get("description") or "") + "\n\n" + "\n".join(EMSCAD_SCAM_SENTENCES)
    )
    hostile_base = next(x for x in listings if x["source"] == "remotive" and "Writer" in x["title"])
    hostile = copy.deepcopy(hostile_base)
    hostile["source_id"] = "hostile-test-1"
    hostile["id"] = HOSTILE_ID
    hostile["title"] = HOSTILE_TITLE
    hostile["company"] = "<img src=x onerror=\"window.__pwned='company'\">Acme"
    hostile["description"] = HOSTILE_DESCRIPTION
    hostile["url"] = "javascript:window.__pwned='url'"
    hostile["apply_url"] = "javascript:window.__pwned='apply'"
    hostile["pay_text"] = "<b onmouseover=alert(1)>$40/hr</b>"
    ats = copy.deepcopy(base)
    ats.update(
        source="greenhouse",
        source_id="workada-4410",
        id=ATS_COPY_ID,
        url=ATS_COPY_URL,
        apply_url=ATS_COPY_URL,
        board="workada",
    )
    return [scam, hostile, ats]


def _group(db: Any, run_id: int, now: str) -> None:
    """Group the run's listings with the same job elsewhere, as the StorePipeline does."""
    try:
        from catalogue import groups
    except ImportError:  # no cross-source grouping yet: every listing is its own group
        return
    groups.group_run(db, run_id, now=now)


def build_catalogue(path: str | Path) -> dict[str, Any]:
    """Build the test catalogue at `path`; return facts the tests check against."""
    from catalogue import store
    from catalogue.schema import open_catalogue

    listings = parse_captures()
    listings.extend(made_listings(listings))
    recognise_employers(listings)
    judge = judge_listings(listings)
    db = open_catalogue(path)
    try:
        from crawler.pipelines import sync_reference_tables

        sync_reference_tables(db)
    except Exception:
        from crawler.sources import source_rows

        db["sources"].upsert_all(source_rows(), pk="slug")
    by_source: dict[str, list[dict[str, Any]]] = {}
    for listing in listings:
        by_source.setdefault(listing["source"], []).append(listing)
    for source, items in by_source.items():
        run = store.start_run(db, source, started_at=FROZEN_NOW)
        counts = store.store_batch(db, run, items, now=FROZEN_NOW)
        store.finish_run(db, run, status="ok", counts=counts, finished_at=FROZEN_NOW)
        _group(db, run, FROZEN_NOW)
    # A second crawl of Remotive: one listing's pay is cut, one listing is gone (closed).
    remotive = [copy.deepcopy(x) for x in by_source["remotive"]]
    paid = [x for x in remotive if x.get("pay_max") or x.get("pay_min")]
    made = {SCAM_ID, HOSTILE_ID}
    pay_cut = next(x for x in paid if x["id"] not in made)
    others = [x for x in remotive if x is not pay_cut and x["id"] not in made]
    # A relevant listing if the judge found one (so "closed" is one click away), else any.
    closed = next((x for x in others if x["judgement"].get("relevant")), others[0])
    for field in ("pay_min", "pay_max", "pay_hourly_min", "pay_hourly_max"):
        if pay_cut.get(field):
            pay_cut[field] = round(float(pay_cut[field]) * 0.8, 2)
    pay_cut["pay_text"] = f"{pay_cut.get('pay_text') or ''} (cut)".strip()
    remotive = [x for x in remotive if x is not closed]
    run = store.start_run(db, "remotive", started_at=SECOND_RUN)
    counts = store.store_batch(db, run, remotive, now=SECOND_RUN)
    store.finish_run(db, run, status="ok", counts=counts, finished_at=SECOND_RUN)
    _group(db, run, SECOND_RUN)
    facts = {
        "judge": judge,
        "pay_cut_id": pay_cut["id"],
        "closed_id": closed["id"],
        "count": db["listings"].count,
    }
    db.conn.close()
    return facts
