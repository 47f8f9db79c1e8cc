"""A loopback HTTP server that answers like the job sources, from recorded responses.

The demo and the end-to-end tests point every spider's base URL at
``http://127.0.0.1:<port>/<source>`` and this server answers each request with the recorded
response whose route matches (first match wins; routes are regular expressions over the
path and query), so the real spiders and pipelines run with no network. Routes may also
ask for faults (status codes, Retry-After, truncated bodies) so tests can replay them.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit


@dataclass
class Route:
    source: str
    pattern: str  # regular expression matched against the path + query after /<source>
    file: Path | None = None
    status: int = 200
    content_type: str = "application/json"
    headers: dict[str, str] | None = None
    truncate: int | None = None  # serve only the first N bytes (a cut-off body)
    body: bytes | None = None

    def matches(self, source: str, rest: str) -> bool:
        return source == self.source and re.search(self.pattern, rest) is not None

    def payload(self) -> bytes:
        data = (
            self.body if self.body is not None else (self.file.read_bytes() if self.file else b"")
        )
        return data[: self.truncate] if self.truncate is not None else data


class FixtureServer:
    """Serve `routes` on 127.0.0.1 in a background thread; use as a context manager."""

    def __init__(self, routes: list[Route], port: int = 0) -> None:
        self.routes = routes
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                server.requests.append(self.path)
                split = urlsplit(self.path)
                parts = split.path.lstrip("/").split("/", 1)
                source = parts[0]
                rest = (
                    "/"
                    + (parts[1] if len(parts) > 1 else "")
                    + (f"?{split.query}" if split.query else "")
                )
                for route in server.routes:
                    if route.matches(source, rest):
                        payload = route.payload()
                        self.send_response(route.status)
                        self.send_header("Content-Type", route.content_type)
                        for key, value in (route.headers or {}).items():
                            self.send_header(key, value)
                        self.send_header("Content-Length", str(len(payload)))
                        self.end_headers()
                        self.wfile.write(payload)
                        return
                self.send_response(404)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"error": "not found"}')

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    def base_url(self, source: str) -> str:
        return f"http://127.0.0.1:{self.port}/{source}"

    def __enter__(self) -> FixtureServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
