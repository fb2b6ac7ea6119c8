"""A feed and web server on 127.0.0.1 for the tests: mutable routes (body, type, status,
validators, delays, redirects, any header), honouring conditional requests with 304, and
counting (and timing) every request per path."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from .background import BackgroundServer, background


@dataclass
class Route:
    body: bytes = b""
    content_type: str = "application/rss+xml; charset=utf-8"
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0
    location: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    """Any other response headers (Cache-Control, Retry-After...)."""


class FeedServer(BackgroundServer):
    """A threaded HTTP server with mutable routes that counts and records every request."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.times: dict[str, list[float]] = {}
        self.conditional: Counter[str] = Counter()
        self.not_modified: Counter[str] = Counter()
        self.agents: set[str] = set()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                path = self.path
                server.hits[path] += 1
                server.times.setdefault(path, []).append(time.monotonic())
                server.agents.add(self.headers.get("User-Agent", ""))
                route = server.routes.get(path)
                if route is None:
                    self._send(404, b"not found", "text/plain")
                    return
                if route.delay:
                    time.sleep(route.delay)
                inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
                if inm or ims:
                    server.conditional[path] += 1
                if (route.etag and inm == route.etag) or (
                    route.last_modified and not route.etag and ims == route.last_modified
                ):
                    server.not_modified[path] += 1
                    self._send(304, b"", None)
                    return
                headers = {"ETag": route.etag, "Last-Modified": route.last_modified}
                headers["Location"] = route.location
                headers.update(route.headers)
                self._send(route.status, route.body, route.content_type, headers)

            def _send(
                self, status: int, body: bytes, ctype: str | None, headers: Any = None
            ) -> None:
                self.send_response(status)
                if ctype:
                    self.send_header("Content-Type", ctype)
                for name, value in (headers or {}).items():
                    if value:
                        self.send_header(name, value)
                if status != 304:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if status != 304:
                    self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd, self.thread = background(Handler)
