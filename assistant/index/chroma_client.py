"""Opening Chroma so that a bad disk or a bad server is a clear line, not a hang or a riddle.

Three cases `Store` would otherwise meet raw. A Chroma server that hangs (a paused
`chroma run`) would hang every command: chromadb's HttpClient talks through an httpx client
with no timeout and no setting for one (chromadb 1.5.9), so the server is asked for its
heartbeat within `store.timeout` first and the client's own httpx client is then given that
timeout. A data dir this process cannot write (a read-only share, another user's index):
chromadb has no read-only client and writes to its SQLite file on open, so the index is
opened from a private snapshot copy in a temporary folder, searches work, and writes are
refused with a clear error. A full disk surfaces from Chroma as "Error in compaction: Failed
to apply logs ..." or from the OS as ENOSPC: `disk_full` recognises both, so the user reads
"the disk is full". A write that meets a full disk inside Chroma can leave its SQLite
connection holding a lock, and the next write then waits for ever (chromadb 1.5.9), so
`room_error` refuses a write the free space cannot hold before Chroma sees it.
"""

from __future__ import annotations

import atexit
import errno
import math
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ..errors import StoreError

LOW_SPACE = 64 * 1024 * 1024
"""Below this many free bytes, a failed Chroma write is taken to be a full disk."""
ROOM_PER_CHUNK = 32 * 1024
"""Bytes one chunk may take in the index: about 12 KB measured on Lee, BBC and MultiHop-RAG
(SQLite holds its text, vector and full-text entries, HNSW its vector), with room to spare."""
ROOM_MARGIN = 1024 * 1024
"""Bytes kept free beyond a write's own need (SQLite's journal, the lease and state records)."""
_FULL_WORDS = ("no space left", "disk is full", "disk full")


@dataclass
class OpenedClient:
    client: Any
    read_only: bool = False
    """True when the index is a snapshot of a data dir this process cannot write."""


def open_client(data_dir: Path, url: str, timeout: float, settings: Any) -> OpenedClient:
    """A Chroma client for the server at `url`, else for the embedded store in `data_dir`."""
    import chromadb

    if url:
        import httpx

        parsed = urlparse(url)
        scheme = parsed.scheme or "http"
        port = parsed.port or (443 if scheme == "https" else 8000)
        base = f"{scheme}://{parsed.hostname or '127.0.0.1'}:{port}"
        try:
            httpx.get(f"{base}/api/v2/heartbeat", timeout=timeout)
        except httpx.TimeoutException:
            raise StoreError(
                f"the Chroma server at {url} did not answer in {timeout:g} s (store.timeout)"
            ) from None
        except httpx.HTTPError:
            pass  # not there at all: chromadb says so below, as it always did
        client = chromadb.HttpClient(
            host=parsed.hostname or "127.0.0.1", port=port, ssl=scheme == "https", settings=settings
        )
        session = getattr(getattr(client, "_server", None), "_session", None)
        if isinstance(session, httpx.Client):  # chromadb builds it with timeout=None
            session.timeout = httpx.Timeout(timeout)
        return OpenedClient(client)
    path = data_dir / "chroma"
    if path.is_dir() and not _writable(path):
        copy = readable(path, data_dir)
        return OpenedClient(chromadb.PersistentClient(str(copy), settings), True)
    return OpenedClient(chromadb.PersistentClient(path=str(path), settings=settings))


def readable(path: Path, data_dir: Path | None = None) -> Path:
    """`path`, or when this process cannot write it a private snapshot copy of it (removed
    at exit): chromadb writes its SQLite file on open and tantivy takes a lock file even to
    read, so a read-only index is searched from the copy."""
    if not path.exists() or _writable(path):
        return path
    snapshot = Path(tempfile.mkdtemp(prefix="news-assistant-ro-"))
    atexit.register(shutil.rmtree, snapshot, ignore_errors=True)
    try:
        shutil.copytree(path, snapshot / path.name, copy_function=shutil.copyfile)
        for folder, _, names in os.walk(snapshot):  # the copy is ours to write
            os.chmod(folder, 0o700)
            for name in names:
                os.chmod(os.path.join(folder, name), 0o600)
    except OSError as exc:
        raise StoreError(
            f"the index at {data_dir or path.parent} is read-only and could not be copied to "
            f"open it ({exc.strerror or exc})"
        ) from None
    return snapshot / path.name


def _writable(path: Path) -> bool:
    """Whether this process may write the folder and every file in it (SQLite writes its
    database and journal on open)."""

    def writable(target: Path) -> bool:  # as this process is: root without its override too
        return os.access(target, os.W_OK, effective_ids=os.access in os.supports_effective_ids)

    return writable(path) and all(writable(path / name) for name in os.listdir(path))


def read_only_error(data_dir: Path) -> StoreError:
    return StoreError(
        f"the index at {data_dir} is read-only for this user: it can be searched, but "
        "ingesting needs write access to it"
    )


def disk_full(exc: BaseException, data_dir: Path | None) -> str | None:
    """ "the disk is full ..." when `exc` (or what caused it) says so, else None. Chroma's
    compaction error says only that it failed: it counts as a full disk when little space
    is left."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno == errno.ENOSPC:
            break
        text = str(seen).lower()
        if any(word in text for word in _FULL_WORDS):
            break
        if "failed to apply logs" in text and data_dir is not None and _free(data_dir) < LOW_SPACE:
            break
        seen = seen.__cause__ or seen.__context__
    else:
        return None
    return _full(data_dir, _free(data_dir) if data_dir is not None else -1)


class NoRoomError(StoreError):
    """A write refused for want of free space, before Chroma saw any of it."""


def room_error(data_dir: Path, chunks: int = 0) -> NoRoomError | None:
    """A "the disk is full" error when the free space at `data_dir` cannot hold a write of
    `chunks` chunks (with `ROOM_MARGIN` to spare), else None."""
    need = ROOM_MARGIN + ROOM_PER_CHUNK * chunks
    free = _free(data_dir)
    if free < 0 or free >= need:
        return None
    return NoRoomError(_full(data_dir, free, need))


def _full(data_dir: Path | None, free: int, need: int = 0) -> str:
    where = data_dir if data_dir is not None else "the data dir"
    left = f"{math.floor(free / 100_000) / 10:.1f} MB free" if free >= 0 else "no space left"
    needs = f", this needs about {math.ceil(need / 100_000) / 10:.1f} MB" if need else ""
    return f"the disk is full ({left} at {where}{needs}): free some space and run the command again"


def _free(path: Path) -> int:
    try:
        return shutil.disk_usage(path).free
    except OSError:
        return -1
