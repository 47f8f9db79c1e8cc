"""The offline demo: recorded responses -> the real spiders and pipelines -> the site.

`build_demo` serves the recorded responses of `evaljobs/demo_routes.yaml` (the same real
captures the tests use, under tests/fixtures/, each folder with its PROVENANCE.md) on a
loopback HTTP server, points every spider's base URL at it and runs each spider as a real
`scrapy crawl` subprocess into a fresh catalogue. Nothing touches the network.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml

from evaljobs.crawling import CrawlResult, run_crawl
from evaljobs.fixture_server import FixtureServer, Route
from evaljobs.paths import PROJECT_ROOT

logger = logging.getLogger(__name__)

DEMO_ROUTES = Path(__file__).with_name("demo_routes.yaml")
FIXTURES_DIR = PROJECT_ROOT / "tests" / "fixtures"
# Settings for crawling a loopback server: no politeness delays are owed to ourselves.
LOOPBACK_SETTINGS = {
    "EVALJOBS_INCLUDE_FIXTURE_BOARDS": "True",
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "RETRY_TIMES": "0",
    "LOG_LEVEL": "WARNING",
}


class DemoConfigError(ValueError):
    pass


def load_routes(path: Path = DEMO_ROUTES, fixtures_dir: Path = FIXTURES_DIR) -> list[Route]:
    """The loopback routes of the demo: per source, path patterns -> recorded files."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    routes: list[Route] = []
    for source, entries in (data.get("sources") or {}).items():
        for index, entry in enumerate(entries or []):
            file = fixtures_dir / entry["file"]
            if not file.is_file():
                raise DemoConfigError(
                    f"{path}: sources.{source}[{index}].file: no such file {file}"
                )
            routes.append(
                Route(
                    source=source,
                    pattern=entry.get("path", ".*"),
                    file=file,
                    content_type=entry.get("content_type", _content_type(file)),
                )
            )
    return routes


def demo_spider_args(path: Path = DEMO_ROUTES) -> dict[str, dict[str, str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {
        source: {k: str(v) for k, v in (args or {}).items()}
        for source, args in (data.get("spider_args") or {}).items()
    }


def _content_type(file: Path) -> str:
    return {
        ".html": "text/html; charset=utf-8",
        ".xml": "application/xml",
        ".json": "application/json",
    }.get(file.suffix.lower(), "application/octet-stream")


def build_demo(
    db_path: Path,
    *,
    raw_dir: Path | None = None,
    routes_file: Path = DEMO_ROUTES,
    parallel: int = 2,
    sources: list[str] | None = None,
) -> list[CrawlResult]:
    """Build a fresh demo catalogue at `db_path` from the recorded responses."""
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    routes = load_routes(routes_file)
    spider_args = demo_spider_args(routes_file)
    chosen = sources or sorted({route.source for route in routes})
    raw_dir = raw_dir or db_path.parent / "raw"
    # The catalogue is created once before the crawls so parallel crawls never race to migrate it.
    from catalogue.schema import open_catalogue

    open_catalogue(db_path).close()
    with FixtureServer(routes) as server:

        def crawl(source: str) -> CrawlResult:
            result = run_crawl(
                source,
                db_path,
                raw_dir=raw_dir,
                base_urls={source: server.base_url(source)},
                settings=LOOPBACK_SETTINGS,
                spider_args=spider_args.get(source),
                timeout=300,
            )
            logger.info("demo crawl %s: %s", source, result.status)
            return result

        with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
            return list(pool.map(crawl, chosen))


def summarize(results: list[CrawlResult]) -> list[dict[str, Any]]:
    return [
        {
            "source": r.source,
            "status": r.status,
            "items": (r.run or {}).get("items", 0),
            "note": (r.run or {}).get("note") or ("" if r.run else r.log_tail[-300:]),
        }
        for r in results
    ]
