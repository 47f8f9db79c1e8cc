"""Fixtures of the site tests: one real test catalogue, the site in-process and served.

The catalogue is built once per session (tests/site/sitedata.py). `site` is the Datasette of
catalogue/site_app.py used in-process through its own ASGI client; `server` runs
`evaljobs serve` in a subprocess on a free loopback port; `browser` is Debian's headless
Chromium driven by Playwright (never a downloaded browser).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import sitedata  # noqa: E402
from site_client import SiteClient  # noqa: E402

ROOT = HERE.parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Path and facts of the session's test catalogue."""
    path = tmp_path_factory.mktemp("site") / "catalogue.db"
    facts = sitedata.build_catalogue(path)
    facts["path"] = path
    return facts


@pytest.fixture(scope="session")
def site(catalogue: dict[str, Any]) -> Iterator[SiteClient]:
    from catalogue.site_app import make_datasette

    client = SiteClient(make_datasette(catalogue["path"], base_url="https://evaljobs.example/"))
    yield client
    client.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def server(catalogue: dict[str, Any]) -> Iterator[str]:
    """Base URL of `evaljobs serve` running over the test catalogue."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from evaljobs.cli import main; main()",
            "serve",
            "--db",
            str(catalogue["path"]),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--base-url",
            base + "/",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                output = process.stdout.read().decode(errors="replace") if process.stdout else ""
                raise RuntimeError(f"evaljobs serve exited with {process.returncode}:\n{output}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("evaljobs serve did not start within 30 s") from None
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: run scripts/ensure-chromium.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()
