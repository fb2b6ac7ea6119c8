"""A scripted OpenAI-compatible chat-completions server, for testing the answering layer.

`FakeLLM` is a real HTTP server (`ThreadingHTTPServer` on 127.0.0.1, a free port, in a
background thread) that speaks `POST /v1/chat/completions`, streaming (server-sent events
over chunked HTTP/1.1, ending with `data: [DONE]`) and non-streaming (one `chat.completion`
JSON). It records every request body, so a test can read the prompt, and answers with what
the test scripted:

    server.script(["The deal covers ", "500 jets [", "1]."])    # the next reply, in chunks
    server.script(Reply.error(401, "bad key"))                  # an HTTP failure
    server.script(Reply.cut(["The deal", " covers"]))           # connection dropped mid-answer
    server.respond(lambda body: "...")                          # a reply computed per request

Scripted replies are used once each, in order; then the responder (if set); then `default`.
The `llm_server` fixture starts one per test; import it into a test module with
registered for every test module by `pytest_plugins` in conftest.py.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

CHAT_PATH = "/v1/chat/completions"


@dataclass(frozen=True)
class Reply:
    """One scripted response."""

    chunks: tuple[str, ...] = ()
    """The answer text, as streamed deltas (joined for a non-streaming reply)."""
    status: int = 200
    error: str = ""
    """For a status >= 400: the error message in OpenAI's `{"error": {...}}` body."""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    """Seconds to wait before sending anything (a slow server)."""
    chunk_delay: float = 0.0
    """Seconds between streamed chunks."""
    cut_after: int | None = None
    """Send this many chunks, then drop the connection mid-body (no [DONE])."""
    clean_end: bool = False
    """End the HTTP body properly after the chunks, but send no finish_reason and no [DONE]."""
    raw_events: tuple[str, ...] = ()
    """Sent verbatim as SSE `data:` lines after the chunks (for malformed streams)."""

    @classmethod
    def text(cls, *chunks: str, **options: Any) -> Reply:
        return cls(chunks=chunks, **options)

    @classmethod
    def fail(cls, status: int, message: str = "", **options: Any) -> Reply:
        return cls(status=status, error=message or f"HTTP {status}", **options)

    @classmethod
    def cut(cls, chunks: Sequence[str], after: int | None = None) -> Reply:
        """A stream that stops mid-answer: `after` chunks (default all), then a dropped
        connection."""
        return cls(chunks=tuple(chunks), cut_after=len(chunks) if after is None else after)

    @classmethod
    def malformed(cls, chunks: Sequence[str] = (), event: str = '{"choices": [{"delta": ') -> Reply:
        return cls(chunks=tuple(chunks), raw_events=(event,))

    @classmethod
    def slow(cls, seconds: float, *chunks: str) -> Reply:
        return cls(chunks=chunks or ("Too late.",), delay=seconds)

    @property
    def content(self) -> str:
        return "".join(self.chunks)


def as_reply(value: Reply | str | Sequence[str]) -> Reply:
    if isinstance(value, Reply):
        return value
    if isinstance(value, str):
        return Reply(chunks=(value,))
    return Reply(chunks=tuple(value))


@dataclass(frozen=True)
class Request:
    """One request the server received."""

    path: str
    headers: Mapping[str, str]
    body: Mapping[str, Any]
    at: float

    @property
    def messages(self) -> list[dict[str, str]]:
        return list(self.body.get("messages", []))

    @property
    def prompt(self) -> str:
        """Every message's content, joined."""
        return "\n".join(str(m.get("content", "")) for m in self.messages)

    @property
    def is_condense(self) -> bool:
        """True for the follow-up rewriting request (prompts/condense.txt)."""
        return "Standalone query:" in self.prompt


class FakeLLM:
    """The server; see the module docstring."""

    def __init__(self, default: Reply | str | Sequence[str] = "Hello [1].") -> None:
        self.default = as_reply(default)
        self.requests: list[Request] = []
        self.disconnects = 0
        """Streams the client closed before the server finished sending them."""
        self._queue: deque[Reply] = deque()
        self._responder: Callable[[Request], Reply | str | Sequence[str]] | None = None
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        self.disconnected = threading.Event()
        self.httpd = _Server(("127.0.0.1", 0), _Handler)
        self.httpd.owner = self
        self.port = int(self.httpd.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    # -- scripting ------------------------------------------------------------------------
    def script(self, *replies: Reply | str | Sequence[str]) -> FakeLLM:
        """Queue replies for the next requests, one each."""
        with self._lock:
            self._queue.extend(as_reply(r) for r in replies)
        return self

    def respond(self, fn: Callable[[Request], Reply | str | Sequence[str]] | None) -> FakeLLM:
        """Compute the reply from the request once the queue is empty."""
        self._responder = fn
        return self

    def next_reply(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            if self._queue:
                return self._queue.popleft()
        if self._responder is not None:
            return as_reply(self._responder(request))
        return self.default

    # -- inspection -----------------------------------------------------------------------
    @property
    def chat_requests(self) -> list[Request]:
        return [r for r in self.requests if r.path == CHAT_PATH]

    @property
    def answer_requests(self) -> list[Request]:
        return [r for r in self.chat_requests if not r.is_condense]

    @property
    def condense_requests(self) -> list[Request]:
        return [r for r in self.chat_requests if r.is_condense]

    def close(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeLLM:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _chunk(model: str, delta: dict[str, str], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    owner: FakeLLM

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up (a timeout, a cancelled stream) is expected: stay quiet."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    @property
    def owner(self) -> FakeLLM:
        server = self.server
        assert isinstance(server, _Server)
        return server.owner

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        pass

    def _send_json(
        self, status: int, payload: Any, headers: Mapping[str, str] | None = None
    ) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path.rstrip("/") == "/v1/models":
            self._send_json(200, {"object": "list", "data": [{"id": "test-model"}]})
        else:
            self._send_json(404, {"error": {"message": "not found", "type": "invalid_request"}})

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {"_raw": raw.decode("utf-8", "replace")}
        request = Request(self.path, dict(self.headers.items()), body, time.monotonic())
        if self.path != CHAT_PATH:
            self.owner.requests.append(request)
            self._send_json(404, {"error": {"message": f"no route {self.path}"}})
            return
        reply = self.owner.next_reply(request)
        if reply.delay and self.owner.stopping.wait(reply.delay):
            return
        try:
            if reply.status >= 400:
                error = {"message": reply.error, "type": "test_error", "code": reply.status}
                self._send_json(reply.status, {"error": error}, reply.headers)
            elif body.get("stream"):
                self._stream(reply, str(body.get("model", "")))
            else:
                self._complete(reply, str(body.get("model", "")))
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.owner.disconnects += 1
            self.owner.disconnected.set()
            self.close_connection = True

    def _complete(self, reply: Reply, model: str) -> None:
        message = {"role": "assistant", "content": reply.content}
        self._send_json(
            200,
            {
                "id": "chatcmpl-test",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model,
                "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            },
            reply.headers,
        )

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _event(self, payload: Any) -> None:
        text = payload if isinstance(payload, str) else json.dumps(payload)
        self._write_chunk(f"data: {text}\n\n".encode())

    def _stream(self, reply: Reply, model: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self._event(_chunk(model, {"role": "assistant", "content": ""}))
        for i, piece in enumerate(reply.chunks):
            if reply.cut_after is not None and i == reply.cut_after:
                break
            if i and reply.chunk_delay and self.owner.stopping.wait(reply.chunk_delay):
                return
            self._event(_chunk(model, {"content": piece}))
        if reply.cut_after is not None:  # drop the connection without ending the body
            self.wfile.flush()
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        for raw in reply.raw_events:
            self._event(raw)
        if not reply.clean_end and not reply.raw_events:
            self._event(_chunk(model, {}, "stop"))
            self._event("[DONE]")
        self._write_chunk(b"")


@pytest.fixture
def llm_server() -> Iterator[FakeLLM]:
    """A fresh scripted chat-completions server for one test."""
    server = FakeLLM()
    try:
        yield server
    finally:
        server.close()


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
