"""A quiet HTTP server on a thread, for the test servers: one place for how it is set up."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


def background(
    handler: type[BaseHTTPRequestHandler], host: str = "127.0.0.1", port: int = 0
) -> tuple[ThreadingHTTPServer, threading.Thread]:
    """A server for `handler` on `host`:`port` (0: any free port) that never blocks on
    close nor prints a client's disconnect, and the thread to serve it on (not started)."""
    httpd = ThreadingHTTPServer((host, port), handler)
    httpd.daemon_threads = True
    httpd.block_on_close = False
    httpd.handle_error = lambda *a: None  # type: ignore[method-assign]
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    return httpd, thread


class BackgroundServer:
    """What the test servers share: started on a thread, a URL for a path, stopped."""

    httpd: ThreadingHTTPServer
    thread: threading.Thread

    def start(self) -> Self:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    def url(self, path: str) -> str:
        return f"http://{self.httpd.server_address[0]!s}:{self.port}{path}"
