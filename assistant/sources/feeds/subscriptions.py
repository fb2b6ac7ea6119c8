"""Which feeds are subscribed, and what each URL's last refresh saw, in `<data_dir>/feeds.json`.

A subscription is only a URL until a refresh fetches it; `feeds` reads this state to make
refreshes polite and cheap: each URL's ETag and Last-Modified (a 304 downloads and re-embeds
nothing) and each entry's `updated` value (an already indexed entry with the same value does
not get its linked page fetched again). The file is written atomically, under a file lock,
and only after the fetched articles were indexed (`FetchResult.commit`), so a failed ingest
is retried in full next time.

URL checks live here too: a URL is checked the same way when subscribed and when fetched
(a host that is only link-local or cloud-metadata addresses is refused at once).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ...config import private_dir, private_tree
from ...errors import SourceError

STATE_FILE = "feeds.json"
_URL_LIKE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


@dataclass(frozen=True)
class Subscription:
    """A subscribed feed and what its last refresh saw."""

    url: str
    added: str
    title: str | None = None
    checked: str | None = None
    entries: int = 0
    folder: str | None = None
    """The reader's folder it was imported from ("News/World"), kept for export."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- URLs and subscriptions ---------------------------------------------------------------
def is_url(value: str) -> bool:
    """True for anything shaped like `scheme://...` (routed here, even if later refused)."""
    return bool(_URL_LIKE.match(value.strip()))


def check_url(url: str) -> str:
    """`url` without surrounding blanks, or SourceError when it is not an http(s) URL."""
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        shown = f"{scheme}://" if scheme else "(none)"
        raise SourceError(f"unsupported URL scheme {shown}: only http and https URLs are read")
    if not parts.hostname:
        raise SourceError(f"not a URL (no host): {url}")
    from .guard import refusal_for_url  # loads httpx: only when a URL is checked

    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise SourceError(f"not a URL (bad port): {url}") from None
    refusal = refusal_for_url(parts.hostname, port)
    if refusal is not None:
        raise SourceError(f"refused: {refusal}")
    return url


def list_feeds(data_dir: Path) -> list[Subscription]:
    """The subscribed feeds, in the order they were added."""
    state = load_state(data_dir)
    out = []
    for sub in state["subscriptions"]:
        info = state["urls"].get(sub["url"], {})
        out.append(
            Subscription(
                url=sub["url"],
                added=sub.get("added", ""),
                title=info.get("title") or sub.get("title"),
                checked=info.get("checked"),
                entries=len(info.get("entries", ())),
                folder=sub.get("folder"),
            )
        )
    return out


def add_feed(
    data_dir: Path, url: str, *, title: str | None = None, folder: str | None = None
) -> bool:
    """Subscribe to `url`; False when it already was. Nothing is fetched until a refresh.
    `title` and `folder` (from an OPML file) are kept until a refresh names the feed."""
    return add_feeds(data_dir, [(url, title, folder)])[0]


def add_feeds(data_dir: Path, feeds: Sequence[tuple[str, str | None, str | None]]) -> list[bool]:
    """Subscribe to each (url, title, folder) in one write; for each, whether it was new."""
    urls = [check_url(url) for url, _, _ in feeds]
    added: list[bool] = []

    def apply(state: dict[str, Any]) -> None:
        known = {sub["url"] for sub in state["subscriptions"]}
        for url, (_, title, folder) in zip(urls, feeds, strict=True):
            added.append(url not in known)
            if url in known:
                continue
            known.add(url)
            record = {"url": url, "added": now_iso(), "title": title, "folder": folder}
            state["subscriptions"].append({k: v for k, v in record.items() if v})

    update_state(data_dir, apply)
    return added


def remove_feed(data_dir: Path, url: str) -> bool:
    """Unsubscribe from `url` (its articles stay indexed); False when it was not subscribed."""
    url = url.strip()
    removed = False

    def apply(state: dict[str, Any]) -> None:
        nonlocal removed
        kept = [sub for sub in state["subscriptions"] if sub["url"] != url]
        removed = len(kept) != len(state["subscriptions"])
        state["subscriptions"] = kept
        state["urls"].pop(url, None)

    update_state(data_dir, apply)
    return removed


def now_iso() -> str:
    """Now in UTC as ISO 8601 to the second (the `added` and `checked` stamps)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


# -- state file ----------------------------------------------------------------------------
_STATE_LOCK = threading.Lock()


def load_state(data_dir: Path) -> dict[str, Any]:
    """The contents of `<data_dir>/feeds.json` (empty when there is none)."""
    path = Path(data_dir) / STATE_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        data = {}
    except (OSError, ValueError) as exc:
        raise SourceError(f"could not read {path} ({exc}); fix or delete it") from None
    if not isinstance(data, dict):
        raise SourceError(f"could not read {path} (not a JSON object); fix or delete it")
    state: dict[str, Any] = {"version": 1, "subscriptions": [], "urls": {}, "entries": {}}
    for key, kind in (("subscriptions", list), ("urls", dict), ("entries", dict)):
        if isinstance(data.get(key), kind):
            state[key] = data[key]
    return state


@contextmanager
def _locked(data_dir: Path) -> Iterator[None]:
    private_dir(data_dir)
    with _STATE_LOCK, open(data_dir / (STATE_FILE + ".lock"), "a") as handle:
        private_tree(data_dir / (STATE_FILE + ".lock"))
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def update_state(data_dir: Path, apply: Callable[[dict[str, Any]], None]) -> None:
    """Read the state afresh, change it with `apply`, write it back atomically."""
    data_dir = Path(data_dir)
    with _locked(data_dir):
        state = load_state(data_dir)
        apply(state)
        fd, tmp = tempfile.mkstemp(prefix=".feeds-", suffix=".json", dir=data_dir)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(state, handle, indent=1, ensure_ascii=False)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, data_dir / STATE_FILE)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
