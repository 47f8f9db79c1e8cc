"""Real greenhouse crawls against a loopback server that serves recorded answers and faults.

Each test starts `scrapy crawl greenhouse` in a subprocess (a Twisted reactor cannot restart
in one process) with its catalogue, raw archive and base URL pointed at a temporary folder
and a `http.server` on 127.0.0.1, then reads the run's `crawl_runs` row and the listings
with sqlite3. The faults: an unknown board (404), a 429 with Retry-After (honoured: the
stats counter says so, the clock is never read), a 429 asking for too long, a 500 that stays
a 500 through its retries, a truncated body and an empty 200. A healthy crawl seeds the
catalogue first, so "closes nothing" is a real claim: an ok run that saw none of those
listings would have closed them.

The judge is left out of these crawls (EVALJOBS_JUDGE=False): whether
a model is trained is not what these tests are about, and with no model the pipeline marks
every run failed on purpose.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import FIXTURES

pytestmark = pytest.mark.slow  # each test is one `scrapy crawl` subprocess, about 3 s

ROOT = Path(__file__).resolve().parents[2]
BOARD_BODY = (FIXTURES / "greenhouse" / "anthropic-jobs-content-trimmed4-2026-07.json").read_bytes()
NOT_FOUND_BODY = b'{"status":404,"error":"Job not found"}'
RETRY_TIMES = 2
PIPELINES_WITHOUT_JUDGE = {
    "crawler.pipelines.RawArchivePipeline": 100,
    "crawler.pipelines.NormalizePipeline": 200,
    "crawler.pipelines.StorePipeline": 400,
}


@dataclass
class Answer:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class LoopbackServer:
    """Serves a queue of answers per path (the last one repeats) and records every hit."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Answer]] = {}
        self.hits: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                path = self.path.split("?", 1)[0]
                server.hits.append(path)
                queue = server.routes.get(path)
                answer = (
                    (queue.pop(0) if len(queue) > 1 else queue[0])
                    if queue
                    else Answer(404, b"Not Found")
                )
                self.send_response(answer.status)
                headers = {"Content-Type": "application/json", **answer.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            def log_message(self, *args: object) -> None:
                pass  # keep the test output quiet

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root}/gh"

    def serve(self, board: str, *answers: Answer) -> None:
        """Answers for a Greenhouse board's jobs path."""
        self.serve_path(f"/gh/{board}/jobs", *answers)

    def serve_path(self, path: str, *answers: Answer) -> None:
        """Answers for any path (query strings are ignored), in order; the last repeats."""
        self.routes[path] = list(answers)

    def hits_for(self, board: str) -> int:
        return self.hits.count(f"/gh/{board}/jobs")

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    loopback = LoopbackServer()
    yield loopback
    loopback.close()


def crawl(
    server: LoopbackServer,
    folder: Path,
    boards: str,
    spider: str = "greenhouse",
    base_url: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `scrapy crawl <spider> -a boards=...` against the server; catalogue in `folder`."""
    env = {
        **os.environ,
        "EVALJOBS_DB": str(folder / "c.db"),
        "EVALJOBS_RAW_DIR": str(folder / "raw"),
        "EVALJOBS_BASE_URLS": json.dumps({spider: base_url or server.base_url}),
    }
    settings = {
        "DOWNLOAD_DELAY": "0",
        "DOWNLOAD_DELAY_JITTER": "0",
        "AUTOTHROTTLE_ENABLED": "False",
        "RETRY_TIMES": str(RETRY_TIMES),
        "EVALJOBS_RETRY_AFTER_MAX": "5",
        "DOWNLOAD_TIMEOUT": "10",
        "LOG_LEVEL": "INFO",
        "ITEM_PIPELINES": json.dumps(PIPELINES_WITHOUT_JUDGE),
        "EVALJOBS_JUDGE": "False",
    }
    command = [sys.executable, "-m", "scrapy", "crawl", spider, "-a", f"boards={boards}"]
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def last_run(folder: Path) -> dict:
    with sqlite3.connect(folder / "c.db") as db:
        db.row_factory = sqlite3.Row
        row = dict(db.execute("select * from crawl_runs order by id desc limit 1").fetchone())
    row["stats"] = json.loads(row["stats"] or "{}")
    return row


def open_listings(folder: Path, source: str = "greenhouse") -> int:
    with sqlite3.connect(folder / "c.db") as db:
        return db.execute(
            "select count(*) from listings where source = ? and closed_at is null", [source]
        ).fetchone()[0]


@pytest.fixture(scope="module")
def seeded_catalogue(tmp_path_factory) -> Path:
    """A catalogue after one healthy crawl of the recorded board: 4 open listings."""
    folder = tmp_path_factory.mktemp("seed")
    loopback = LoopbackServer()
    try:
        loopback.serve("anthropic", Answer(200, BOARD_BODY))
        crawl(loopback, folder, "anthropic")
    finally:
        loopback.close()
    return folder / "c.db"


@pytest.fixture
def catalogue(seeded_catalogue: Path, tmp_path: Path) -> Path:
    """A copy of the seeded catalogue for one test (sqlite's backup keeps WAL contents)."""
    with sqlite3.connect(seeded_catalogue) as source, sqlite3.connect(tmp_path / "c.db") as target:
        source.backup(target)
    return tmp_path


def test_a_healthy_crawl_of_the_recorded_board_is_ok_and_stores_every_job(seeded_catalogue):
    folder = seeded_catalogue.parent
    run = last_run(folder)
    assert (run["status"], run["items"], run["new"]) == ("ok", 4, 4)
    assert open_listings(folder) == 4


def test_an_unknown_board_is_counted_and_logged_and_the_run_stays_ok(server, catalogue):
    server.serve("anthropic", Answer(200, BOARD_BODY))
    server.serve("nosuchboard", Answer(404, NOT_FOUND_BODY))
    result = crawl(server, catalogue, "anthropic,nosuchboard")
    run = last_run(catalogue)
    assert run["status"] == "ok"
    assert run["stats"]["evaljobs/unknown_boards"] == 1
    assert run["stats"]["evaljobs/unknown_boards/nosuchboard"] == 1
    assert "board 'nosuchboard' not found" in result.stderr
    assert open_listings(catalogue) == 4


def test_a_429_with_retry_after_is_waited_out_then_the_board_is_read(server, catalogue):
    server.serve("anthropic", Answer(429, b"{}", {"Retry-After": "1"}), Answer(200, BOARD_BODY))
    crawl(server, catalogue, "anthropic")
    run = last_run(catalogue)
    assert run["stats"]["evaljobs/retry_after/honoured"] == 1
    assert run["stats"]["evaljobs/retry_after/waited_seconds"] == 1.0
    assert server.hits_for("anthropic") == 2
    assert (run["status"], run["items"]) == ("ok", 4)


def test_a_429_asking_for_longer_than_the_cap_is_given_up_and_closes_nothing(server, catalogue):
    server.serve("anthropic", Answer(429, b"{}", {"Retry-After": "3600"}))
    crawl(server, catalogue, "anthropic")
    run = last_run(catalogue)
    assert run["stats"]["evaljobs/retry_after/too_long"] == 1
    assert server.hits_for("anthropic") == 1
    assert run["status"] == "failed" and run["closed"] == 0
    assert open_listings(catalogue) == 4


def test_a_500_is_retried_then_fails_the_run_and_closes_nothing(server, catalogue):
    server.serve("anthropic", Answer(500, b"Internal Server Error"))
    crawl(server, catalogue, "anthropic")
    run = last_run(catalogue)
    assert server.hits_for("anthropic") == RETRY_TIMES + 1
    assert run["stats"]["retry/max_reached"] == 1
    assert run["stats"]["evaljobs/request_failures"] == 1
    assert run["status"] == "failed" and run["closed"] == 0
    assert open_listings(catalogue) == 4


def test_a_500_on_one_board_of_two_makes_the_run_partial_and_closes_nothing(server, catalogue):
    server.serve("anthropic", Answer(500, b"Internal Server Error"))
    server.serve("otherboard", Answer(200, b'{"jobs": [], "meta": {"total": 0}}'))
    crawl(server, catalogue, "anthropic,otherboard")
    run = last_run(catalogue)
    assert run["status"] == "partial" and run["closed"] == 0
    assert "request failed" in run["note"]
    assert open_listings(catalogue) == 4


def test_a_truncated_body_is_a_parse_failure_and_the_run_closes_nothing(server, catalogue):
    server.serve("anthropic", Answer(200, BOARD_BODY[: len(BOARD_BODY) // 2]))
    crawl(server, catalogue, "anthropic")
    run = last_run(catalogue)
    assert run["stats"]["evaljobs/parse_failures"] == 1
    assert run["status"] == "partial" and run["closed"] == 0
    assert open_listings(catalogue) == 4


def test_an_empty_200_is_a_parse_failure_and_the_run_closes_nothing(server, catalogue):
    server.serve("anthropic", Answer(200, b""))
    crawl(server, catalogue, "anthropic")
    run = last_run(catalogue)
    assert run["stats"]["evaljobs/parse_failures"] == 1
    assert run["status"] == "partial" and run["closed"] == 0
    assert open_listings(catalogue) == 4


def test_robots_txt_is_asked_first_and_its_404_allows_the_crawl(server, catalogue):
    server.serve("anthropic", Answer(200, BOARD_BODY))
    crawl(server, catalogue, "anthropic")
    assert server.hits[0] == "/robots.txt"
    assert last_run(catalogue)["status"] == "ok"
