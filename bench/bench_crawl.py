"""Benchmark: a full offline crawl of recorded responses, multiplied to 10,000+ postings.

The real Lever and Ashby captures are served by the loopback fixture server under many
board tokens, each copy with its posting ids rewritten so every posting is new; the real
spiders, pipelines (normalize, judge, store, grouping) and catalogue run as `scrapy crawl`
subprocesses, exactly as a live crawl would. Prints postings per second end to end.

    .venv/bin/python bench/bench_crawl.py [--copies-lever 40] [--copies-ashby 62]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from evaljobs.crawling import run_crawl  # noqa: E402
from evaljobs.fixture_server import FixtureServer, Route  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
LOOPBACK = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "LOG_LEVEL": "WARNING",
    "EVALJOBS_REQUEST_BUDGETS": json.dumps({"lever": 1000, "ashby": 1000}),
}


def lever_copy(n: int) -> bytes:
    postings = json.loads(
        (FIXTURES / "lever" / "gotogroup-postings-mode-json-2024-07-30.json").read_bytes()
    )
    for posting in postings:
        posting["id"] = f"{posting['id']}-{n}"
    return json.dumps(postings).encode()


def ashby_copy(n: int) -> bytes:
    board = json.loads((FIXTURES / "ashby" / "cursor-job-board-2026-03-11.json").read_bytes())
    for job in board["jobs"]:
        job["id"] = f"{job['id']}-{n}"
        job["jobUrl"] = f"{job.get('jobUrl', '')}-{n}"
    return json.dumps(board).encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies-lever", type=int, default=40)
    parser.add_argument("--copies-ashby", type=int, default=62)
    args = parser.parse_args()
    routes = [
        Route("lever", f"^/board{n}(\\?|$)", body=lever_copy(n)) for n in range(args.copies_lever)
    ]
    routes += [
        Route("ashby", f"^/board{n}(\\?|$)", body=ashby_copy(n)) for n in range(args.copies_ashby)
    ]
    with tempfile.TemporaryDirectory() as tmp, FixtureServer(routes) as server:
        db = Path(tmp) / "catalogue.db"
        total_items = 0
        started = time.perf_counter()
        for source, copies in (("lever", args.copies_lever), ("ashby", args.copies_ashby)):
            t0 = time.perf_counter()
            result = run_crawl(
                source,
                db,
                raw_dir=Path(tmp) / "raw",
                base_urls={source: server.base_url(source)},
                settings=LOOPBACK,
                spider_args={"boards": ",".join(f"board{n}" for n in range(copies))},
                timeout=3600,
            )
            items = (result.run or {}).get("items", 0)
            total_items += items
            seconds = time.perf_counter() - t0
            print(
                f"{source:<8} {result.status:<8} {items:>6} postings in {seconds:6.1f} s  ({items / seconds:6.1f} postings/s)"
            )
        seconds = time.perf_counter() - started
        print(
            f"total    {total_items:>6} postings in {seconds:6.1f} s  ->  {total_items / seconds:.1f} postings/s "
            "through spiders, pipelines (normalize, judge, store, grouping) and catalogue"
        )


if __name__ == "__main__":
    main()
