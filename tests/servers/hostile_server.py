"""A hostile feed and page server for the robustness tests: a real HTTP server on a given
address (127.0.0.1 by default, any address inside a `unshare -n` network namespace).

Each path answers with a `Route`: a body with its content type, a redirect, a status, or a
server that sends its headers one byte at a time (`trickle`). Every request is recorded
(path and Host header), so a test can prove a forbidden URL was never fetched.

    server = FeedServer().start()
    server.routes["/feed"] = Route(rss(...))
    server.routes["/old"] = Route(status=302, location="http://10.0.0.1/admin")
    server.routes["/slow"] = Route(rss(...), trickle=1.0)   # 1 byte/s of headers
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from xml.sax.saxutils import escape

from .background import BackgroundServer, background


@dataclass
class Route:
    body: bytes = b""
    content_type: str = "application/rss+xml; charset=utf-8"
    status: int = 200
    location: str | None = None
    trickle: float = 0.0
    """Seconds between the bytes of the status line and headers (a slow-loris server)."""


class FeedServer(BackgroundServer):
    """A threaded HTTP server with mutable routes that records every request."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.hosts: list[str] = []
        self.stopping = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                owner.hits[self.path] += 1
                owner.hosts.append(self.headers.get("Host", ""))
                route = owner.routes.get(self.path, Route(b"not found", "text/plain", 404))
                head = f"HTTP/1.1 {route.status} X\r\nContent-Type: {route.content_type}\r\n"
                if route.location:
                    head += f"Location: {route.location}\r\n"
                head += f"Content-Length: {len(route.body)}\r\nConnection: close\r\n\r\n"
                if route.trickle:
                    for byte in head.encode():
                        if owner.stopping.wait(route.trickle):
                            return
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                else:
                    self.wfile.write(head.encode())
                self.wfile.write(route.body)
                self.close_connection = True

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd, self.thread = background(Handler, host, port)

    def close(self) -> None:
        self.stopping.set()
        self.stop()


def rss(title: str, items: list[dict[str, str]], *, raw: bool = False) -> bytes:
    """An RSS 2.0 feed; each item has `title`, `guid` and either `text` (full content) or
    `link` (a summary-only entry whose page is fetched). With `raw`, values are not escaped
    (for character references a test wants the parser to see)."""

    def esc(value: str) -> str:
        return value if raw else escape(value)

    parts = [
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{esc(title)}</title>"
    ]
    for item in items:
        parts.append(f"<item><title>{esc(item['title'])}</title><guid>{esc(item['guid'])}</guid>")
        if "link" in item:
            parts.append(f"<link>{esc(item['link'])}</link>")
        if "text" in item:
            parts.append(f"<description>{esc(item['text'])}</description>")
        if "date" in item:
            parts.append(f"<pubDate>{esc(item['date'])}</pubDate>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "".join(parts).encode("utf-8")


def page(title: str, text: str) -> bytes:
    """An article web page trafilatura reads."""
    paragraphs = "".join(f"<p>{escape(text)} {escape(text)}</p>" for _ in range(3))
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(title)}</title></head>"
        f"<body><article><h1>{escape(title)}</h1>{paragraphs}</article></body></html>"
    ).encode()


def wait_until(condition: Any, seconds: float = 5.0) -> bool:
    """Poll `condition()` until it is true or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return bool(condition())
