"""Take the README's screenshots from the demo catalogue, in Debian's headless Chromium.

    .venv/bin/evaljobs demo --no-serve && .venv/bin/python scripts/screenshots.py

Serves data/demo/catalogue.db with `evaljobs serve` on a free loopback port and saves the
home page, a filtered search and the flagged listing's page under docs/screenshots/.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
DB = ROOT / "data" / "demo" / "catalogue.db"
OUT = ROOT / "docs" / "screenshots"
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    if not DB.exists():
        sys.exit(f"no demo catalogue at {DB}: run `evaljobs demo --no-serve` first")
    port = free_port()
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "evaljobs"), "serve", "--db", str(DB), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        flagged = (
            urllib.request.urlopen(
                base
                + "/catalogue.json?sql=select+id+from+listings+where+verdict%3D%27flagged%27+limit+1&_shape=array"
            )
            .read()
            .decode()
        )
        flagged_id = __import__("json").loads(flagged)[0]["id"]
        from datasette.utils import tilde_encode

        OUT.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            time.sleep(2)  # let the site build its facet index once
            for name, path in (
                ("home.png", "/"),
                (
                    "filtered-search.png",
                    "/catalogue/listing_cards?_search=AI+trainer&_irrelevant=1",
                ),
                ("flagged-listing.png", f"/catalogue/listings/{tilde_encode(flagged_id)}"),
            ):
                page.goto(base + path)
                page.screenshot(path=str(OUT / name), full_page=True)
                print("saved", OUT / name)
            browser.close()
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
