"""The store's own records in Chroma: its id, its generation, the write in flight, the
articles that went away, and the ingest lease; so every reader and writer, on any machine
that shares the Chroma server, agrees on them.

Chroma has no transactions, but `add` of an id that exists is ignored, so the first `add`
of an id wins: the lease is a chain of records `lease:1`, `lease:2`, ..., and taking the
lease is adding the next one and reading it back. A lease expires (a crashed writer blocks
no one for longer than `lease_seconds`), and one held by a process that is gone from this
host is free at once.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from dataclasses import dataclass
from typing import Any

from ..errors import IngestLockedError, StoreError

STORE_ID = "store"
_ZERO = [0.0]  # Chroma wants a vector for every record; these are never searched


@dataclass(frozen=True)
class Pending:
    """A write that had started but not committed: its article ids, its generation, and
    whether it wrote or deleted them."""

    ids: tuple[str, ...]
    generation: int
    deleting: bool


@dataclass(frozen=True)
class Snapshot:
    """The store record as one read sees it."""

    store_id: str
    generation: int
    pending: Pending | None


@dataclass
class Lease:
    """The ingest lease this process holds (number `n` of the chain)."""

    n: int
    token: str
    expires: float


class StoreState:
    """The `<name>_state` collection (a `Guarded` Chroma collection)."""

    def __init__(self, collection: Any, where: str, lease_seconds: float) -> None:
        self.col = collection
        self.where = where
        self.lease_seconds = lease_seconds
        self.host = socket.gethostname()

    # -- the store record -----------------------------------------------------------------
    def read(self) -> Snapshot | None:
        """The store record (one small read: this is the freshness check); None when the
        store has none yet."""
        got = self.col.get(ids=[STORE_ID], include=["metadatas"])
        if not got["ids"]:
            return None
        meta = got["metadatas"][0]
        pending = None
        if meta.get("pending"):
            pending = Pending(
                tuple(json.loads(meta["pending"])),
                int(meta.get("pending_generation", 0)),
                bool(meta.get("deleting", False)),
            )
        return Snapshot(str(meta["store_id"]), int(meta["generation"]), pending)

    def create(self, generation: int) -> Snapshot:
        """Give a store without a record one (a new store, or one written before records
        existed); the first `add` wins, so two processes agree on the id."""
        self.col.add(
            ids=[STORE_ID],
            metadatas=[{"store_id": uuid.uuid4().hex, "generation": generation, "pending": ""}],
            embeddings=[_ZERO],
        )
        snapshot = self.read()
        assert snapshot is not None
        return snapshot

    def write(self, snapshot: Snapshot) -> None:
        """Replace the store record: one upsert, so a commit sets the generation and clears
        the write in flight at once."""
        pending = snapshot.pending
        meta: dict[str, Any] = {
            "store_id": snapshot.store_id,
            "generation": snapshot.generation,
            "pending": json.dumps(list(pending.ids)) if pending else "",
        }
        if pending:
            meta |= {"pending_generation": pending.generation, "deleting": pending.deleting}
        self.col.upsert(ids=[STORE_ID], metadatas=[meta], embeddings=[_ZERO])

    # -- articles that went away ----------------------------------------------------------
    def mark_gone(self, article_ids: list[str], generation: int) -> None:
        """Record that these articles left the store at `generation` (readers drop them)."""
        if article_ids:
            self.col.upsert(
                ids=[f"gone:{a}" for a in article_ids],
                metadatas=[{"kind": "gone", "generation": generation}] * len(article_ids),
                embeddings=[_ZERO] * len(article_ids),
            )

    def gone_since(self, generation: int) -> list[str]:
        got = self.col.get(
            where={"$and": [{"kind": "gone"}, {"generation": {"$gt": generation}}]}, include=[]
        )
        return [record_id.removeprefix("gone:") for record_id in got["ids"]]

    # -- the ingest lease -----------------------------------------------------------------
    def acquire(self) -> Lease:
        """Take the ingest lease, or raise IngestLockedError naming who holds it."""
        got = self.col.get(where={"kind": "lease"}, include=["metadatas"])
        leases = sorted(zip(got["ids"], got["metadatas"], strict=True), key=lambda r: r[1]["n"])
        head = leases[-1][1] if leases else None
        if head is not None and self._alive(head):
            raise self._held_by(head)
        n = int(head["n"]) + 1 if head else 1
        lease = Lease(n, uuid.uuid4().hex, time.time() + self.lease_seconds)
        self.col.add(ids=[f"lease:{n}"], metadatas=[self._meta(lease)], embeddings=[_ZERO])
        won = self.col.get(ids=[f"lease:{n}"], include=["metadatas"])["metadatas"][0]
        if won["token"] != lease.token:  # another writer added lease n first
            raise self._held_by(won)
        old = [record_id for record_id, meta in leases if meta["n"] < n]
        if old:
            self.col.delete(ids=old)
        return lease

    def renew(self, lease: Lease) -> None:
        """Extend the lease before a commit. One that expired is taken again when no other
        writer took it meanwhile (adding the next record: the first add wins); otherwise
        this raises StoreError and the ingest stops."""
        now = time.time()
        if now < lease.expires - 2 * self.lease_seconds / 3:
            return
        successor = f"lease:{lease.n + 1}"
        if now < lease.expires and not self.col.get(ids=[successor], include=[])["ids"]:
            lease.expires = now + self.lease_seconds
            self.col.upsert(
                ids=[f"lease:{lease.n}"], metadatas=[self._meta(lease)], embeddings=[_ZERO]
            )
            return
        taken = Lease(lease.n + 1, lease.token, now + self.lease_seconds)
        self.col.add(ids=[successor], metadatas=[self._meta(taken)], embeddings=[_ZERO])
        won = self.col.get(ids=[successor], include=["metadatas"])["metadatas"][0]
        if won["token"] != lease.token:
            raise StoreError(
                f"the ingest lease on {self.where} expired and another ingest took it; "
                "this ingest stopped (what it committed is kept)"
            )
        self.col.delete(ids=[f"lease:{lease.n}"])
        lease.n, lease.expires = taken.n, taken.expires

    def release(self, lease: Lease) -> None:
        lease.expires = 0.0
        self.col.upsert(ids=[f"lease:{lease.n}"], metadatas=[self._meta(lease)], embeddings=[_ZERO])

    def _meta(self, lease: Lease) -> dict[str, Any]:
        return {
            "kind": "lease",
            "n": lease.n,
            "token": lease.token,
            "host": self.host,
            "pid": os.getpid(),
            "expires": lease.expires,
        }

    def _alive(self, meta: dict[str, Any]) -> bool:
        if float(meta["expires"]) <= time.time():
            return False
        if meta["host"] == self.host:  # on this host, a holder that is gone holds nothing
            try:
                os.kill(int(meta["pid"]), 0)
            except ProcessLookupError:
                return False
            except PermissionError:
                return True
        return True

    def _held_by(self, meta: dict[str, Any]) -> IngestLockedError:
        left = max(0, round(float(meta["expires"]) - time.time()))
        return IngestLockedError(
            f"another ingest is running on {self.where} (host {meta['host']}, pid {meta['pid']}, "
            f"lease expires in {left} s); wait for it to finish"
        )
