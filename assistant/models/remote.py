"""How the assistant talks to model servers over HTTP: which API key goes where, and how
long a call may take with its retries.

The OpenAI key is a secret of one host: it is sent to api.openai.com, and to another server
(`llm.base_url`) only when the user names the environment variable that holds its key
(`llm.api_key_env`); a key about to travel over plain http to a host that is not this
machine is warned about once, on stderr. `Budget` makes `llm.timeout` the wall-clock bound
of a whole call: every try gets what is left of it, and a retry (with back-off, or after
the server's Retry-After) is made only when it can start within it.
"""

from __future__ import annotations

import ipaddress
import os
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..errors import redact_credentials

OPENAI_HOST = "api.openai.com"
OPENAI_KEY_ENV = "OPENAI_API_KEY"
PLACEHOLDER_KEY = "not-needed"
"""Sent where no key belongs: the SDK insists on one, and a server that needs none ignores it."""
RETRIES = 2
_warned: set[str] = set()
_warned_lock = threading.Lock()


def api_key(base_url: str, key_env: str = "") -> str | None:
    """The key to send to `base_url` (empty: OpenAI): $OPENAI_API_KEY to api.openai.com,
    else the variable named by `key_env`; None when none belongs there."""
    host = (urlsplit(base_url).hostname or "").lower() if base_url else OPENAI_HOST
    name = key_env or (OPENAI_KEY_ENV if host == OPENAI_HOST else "")
    key = os.environ.get(name) if name else None
    if key and base_url:
        warn_plain_http(base_url)
    return key or None


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def warn_plain_http(url: str) -> None:
    """Once per host: a key is about to be sent unencrypted to another machine."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme != "http" or is_loopback(host):
        return
    with _warned_lock:
        if host in _warned:
            return
        _warned.add(host)
    shown = redact_credentials(url)
    print(
        f"warning: the API key is sent to {shown} over plain http: anyone on the way can read "
        "it (use https)",
        file=sys.stderr,
    )


@dataclass
class Budget:
    """`seconds` for a call and its retries (see the module docstring)."""

    seconds: float
    retries: int = RETRIES
    started: float = field(default_factory=time.monotonic)
    tries: int = 0

    @property
    def left(self) -> float:
        return self.seconds - (time.monotonic() - self.started)

    def retry_after(self, status: int | None, headers: Mapping[str, str] | None) -> float | None:
        """Seconds to wait before trying again after a failed try (`status` None: no answer
        at all), or None when there is no retry to make within the budget."""
        self.tries += 1
        retryable = status is None or status in (408, 409, 429) or status >= 500
        if not retryable or self.tries > self.retries:
            return None
        wait = min(0.5 * 2 ** (self.tries - 1), 8.0)
        told = _retry_after(headers or {})
        if told is not None:
            wait = told
        return wait if wait < self.left - 0.05 else None


def _retry_after(headers: Mapping[str, str]) -> float | None:
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is not None:
            try:
                return max(0.0, float(value) * scale)
            except ValueError:
                return None  # an HTTP date: not worth a wait within llm.timeout
    return None
