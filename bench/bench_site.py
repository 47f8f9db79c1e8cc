"""Measure the site at 100,000 listings: latency of the pages a job seeker uses.

Builds (or reuses, with --db) a catalogue of N listings (default 100,000): every posting of
the recorded responses in tests/fixtures/ parsed by the real spiders, judged (the trained
model when there is one, else the real red-flag rules and a keyword guess, as the site tests
do), then repeated with varied ids, first-seen dates over 120 days, employers and pay, and
stored with the real `catalogue.store` (so the triggers of catalogue/browse.py build the cards
and the facet index as they would in production). To measure the worst case for the default
view, 70% of rows are made relevant with role types and fields taken from the relevant
recorded postings (a real AI-job catalogue is mostly relevant), and 10% are closed.

Then, in-process through Datasette's own client (no network), it requests each page several
times and prints the median and p95 latency: the listings page (all facets, default view and
three facet filters), a full-text search, a listing's page, and the Atom feed of canned
queries. Target: p95 < 150 ms each.

    .venv/bin/python bench/bench_site.py [--rows 100000] [--db /tmp/bench.db] [--runs 30]
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "site"))  # the site tests' catalogue builder

import sitedata  # noqa: E402

from catalogue import store  # noqa: E402
from catalogue.schema import open_catalogue  # noqa: E402

EMPLOYERS = (
    "mercor",
    "micro1",
    "alignerr",
    "outlier",
    "turing",
    "dataannotation",
    "invisible",
    "handshake",
    "telus",
    "appen",
    "toloka",
    "oneforma",
    "welocalize",
    "prolific",
    None,
    None,
    None,
    None,
)
START = datetime(2026, 6, 1, tzinfo=UTC)


def _all_captures() -> list[tuple[str, str]]:
    from crawler.capture import spider_class

    captures = []
    for folder in sorted(sitedata.FIXTURES.iterdir()):
        if not folder.is_dir():
            continue
        try:
            spider_class(folder.name)
        except Exception:
            continue
        for file in sorted(folder.iterdir()):
            if file.suffix.lower() in (".json", ".html", ".htm", ".xml"):
                captures.append((folder.name, file.name))
    return captures


def recorded_listings() -> list[dict[str, Any]]:
    listings: list[dict[str, Any]] = []
    for source, name in _all_captures():
        try:
            listings.extend(sitedata.parse_captures([(source, name)]))
        except Exception as error:  # a capture the spider rejects (error answers): skip it
            print(f"  skip {source}/{name}: {type(error).__name__}", file=sys.stderr)
    listings.extend(sitedata.made_listings(listings))
    judge = sitedata.judge_listings(listings)
    print(f"{len(listings)} recorded listings, judged by {judge}")
    return listings


def build(path: Path, rows: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    base = recorded_listings()
    relevant_judgements = [x["judgement"] for x in base if x["judgement"].get("relevant")]
    db = open_catalogue(path)
    try:
        from crawler.pipelines import sync_reference_tables

        sync_reference_tables(db)
    except Exception:
        pass
    batch_size = 2000
    made = 0
    started = time.perf_counter()
    run = store.start_run(db, "bench", started_at="2026-06-01T00:00:00Z")
    total = store.BatchCounts()
    while made < rows:
        # Each batch is stored on its own day, so first-seen dates spread over 120 days.
        day = START + timedelta(days=120 * made / rows)
        now = day.strftime("%Y-%m-%dT%H:%M:%SZ")
        batch = []
        for _ in range(min(batch_size, rows - made)):
            listing = copy.deepcopy(base[made % len(base)])
            listing["source_id"] = f"{listing['source_id']}-r{made}"
            listing["id"] = f"{listing['source']}:{listing['source_id']}"
            employer = EMPLOYERS[rng.randrange(len(EMPLOYERS))]
            if employer:
                listing["employer_key"] = employer
                listing["company"] = employer.title()
            listing["posted_at"] = (day - timedelta(hours=rng.randrange(0, 24 * 20))).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            )
            if rng.random() < 0.5:
                hourly = rng.choice([12, 18, 22, 30, 35, 45, 55, 75, 120])
                listing.update(
                    pay_hourly_min=float(hourly),
                    pay_hourly_max=float(hourly + 10),
                    pay_min=float(hourly),
                    pay_max=float(hourly + 10),
                    pay_unit="hour",
                    pay_currency="USD",
                    pay_text=f"${hourly}-{hourly + 10}/hr",
                )
            if rng.random() < 0.7 and relevant_judgements:
                listing["judgement"] = copy.deepcopy(
                    relevant_judgements[rng.randrange(len(relevant_judgements))]
                )
            batch.append(listing)
            made += 1
        total.add(store.store_batch(db, run, batch, now=now))
        if made % 20000 == 0:
            print(f"  stored {made:,} listings ({time.perf_counter() - started:.0f} s)")
    store.finish_run(db, run, status="partial", counts=total, finished_at="2026-10-01T00:00:00Z")
    with db.conn:
        db.execute("update listings set closed_at = '2026-09-30T00:00:00Z' where rowid % 10 = 0")
    db.execute("analyze")
    db.conn.close()
    print(f"built {rows:,} listings in {time.perf_counter() - started:.0f} s")


async def measure(
    path: Path, runs: int, bitmaps: bool = True
) -> list[tuple[str, float, float, int]]:
    from catalogue.site_app import make_datasette

    ds = make_datasette(path, base_url="https://evaljobs.example/")
    db = open_catalogue(path)
    sample_id = next(
        iter(db.query("select id from listing_cards where shown = 1 and flags != '[]' limit 1")),
        None,
    )
    sample_id = (
        sample_id["id"]
        if sample_id
        else next(iter(db.query("select id from listings limit 1")))["id"]
    )
    db.conn.close()
    from datasette.utils import tilde_encode

    from catalogue.site.plugins import evaljobs_site

    if bitmaps:
        started = time.perf_counter()
        await evaljobs_site.facet_bitmaps(ds, wait=True)
        built_ms = (time.perf_counter() - started) * 1000
        print(
            f"facet bitmaps built in {built_ms:.0f} ms (a worker thread, once per catalogue change)"
        )
    else:
        # What a page costs while the bitmaps are being rebuilt after a crawl: SQL only.
        async def no_bitmaps(*args: Any, **kwargs: Any) -> None:
            return None

        evaljobs_site.facet_bitmaps = no_bitmaps
        print("facet bitmaps off: SQL paths only (as while they rebuild after a crawl)")
    pages = [
        ("listings page, default view (all facets)", "/catalogue/listing_cards"),
        (
            "listings page, 1 big facet value (70%)",
            "/catalogue/listing_cards?_role=response-rating",
        ),
        (
            "listings page, 3 facet filters",
            "/catalogue/listing_cards?_domain=writing&_role=response-rating&_pay=25-40",
        ),
        ("listings page, a rare facet value", "/catalogue/listing_cards?_domain=science"),
        (
            "listings page, with closed + irrelevant",
            "/catalogue/listing_cards?_closed=1&_irrelevant=1",
        ),
        ("listings page, full-text search", "/catalogue/listing_cards?_search=annotation"),
        (
            "listings page, search + filter",
            "/catalogue/listing_cards?_search=writer&_domain=writing",
        ),
        ("listings JSON, default view", "/catalogue/listing_cards.json"),
        ("a listing's page", f"/catalogue/listings/{tilde_encode(sample_id)}"),
        ("Atom feed of canned query `feed`", "/catalogue/feed.atom"),
        ("Atom feed of `feed` with a search", "/catalogue/feed.atom?q=data&domain=general"),
        ("Atom feed of `background_writer`", "/catalogue/background_writer.atom"),
        ("home page", "/"),
        ("scam watch", "/catalogue/scam_watch"),
    ]
    results = []
    for name, path_ in pages:
        times = []
        status = 0
        for i in range(runs + 2):
            started = time.perf_counter()
            response = await ds.client.get(path_)
            elapsed = (time.perf_counter() - started) * 1000
            status = response.status_code
            if i >= 2:  # the first two warm SQLite's page cache and Datasette's introspection
                times.append(elapsed)
        times.sort()
        p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
        results.append((name, statistics.median(times), p95, status))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/evaljobs-bench-site.db"))
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--rebuild", action="store_true", help="Build even if --db exists.")
    parser.add_argument("--json", type=Path, help="Also write the figures here.")
    parser.add_argument("--no-bitmaps", action="store_true", help="Measure the SQL-only paths.")
    args = parser.parse_args()
    if args.rebuild or not args.db.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(str(args.db) + suffix).unlink(missing_ok=True)
        build(args.db, args.rows)
    results = asyncio.run(measure(args.db, args.runs, bitmaps=not args.no_bitmaps))
    print(f"\nSite latency at {args.rows:,} listings, in-process, {args.runs} requests each (ms):")
    print(f"{'page':45} {'median':>8} {'p95':>8}  status  target p95 < 150")
    for name, median, p95, status in results:
        print(f"{name:45} {median:8.1f} {p95:8.1f}  {status:6}  {'ok' if p95 < 150 else 'SLOW'}")
    if args.json:
        args.json.write_text(
            json.dumps(
                [
                    {"page": n, "median_ms": round(m, 1), "p95_ms": round(p, 1), "status": s}
                    for n, m, p, s in results
                ],
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
