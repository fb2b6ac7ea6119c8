"""Many machines, one `chroma run`: each node has its own data dir (its own keyword index),
and Chroma is the shared truth. Node B, which never ingested, finds node A's articles by
keyword too and keeps up with A's later writes; two nodes never ingest at once (a lease in
Chroma, which expires when its holder crashed); and a write interrupted on one node is
cleaned up by another.

A "node" is an `Assistant` with its own data dir against the same server; node A's ingests
run as the real CLI in a subprocess where a separate process matters.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import CONFIG, REPO_ROOT, SCRUBBED, SEEDS
from test_chroma_server import running_chroma

from assistant import Assistant
from assistant.errors import IngestLockedError

pytestmark = pytest.mark.server

STORY = {
    "id": "tunnel",
    "title": "Tunnel reopens after repairs",
    "text": "The river tunnel reopened at dawn on Monday after three weeks of repairs to its "
    "waterproof lining, the transport authority said.",
    "source": "Coast News",
    "published": "2025-09-09",
}
LATER = {
    "id": "orchard",
    "title": "Apple harvest starts early after a warm summer",
    "text": "Orchards in the valley began the apple harvest two weeks early. Growers said the "
    "quince and medlar crops were the sweetest in a decade.",
    "source": "Farm Weekly",
    "published": "2025-09-03",
}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    (tmp_path / "srv").mkdir()
    with running_chroma(tmp_path / "srv") as (url, _):
        yield url


def node(url: str, data_dir: Path, **overrides: Any) -> Assistant:
    return Assistant.from_config(
        CONFIG,
        store__url=url,
        store__data_dir=str(data_dir),
        llm__provider="extractive",
        **overrides,
    )


def cli_ingest(url: str, data_dir: Path, path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not (k.startswith("ASSISTANT_") or k in SCRUBBED)}
    env.update(
        ASSISTANT_CONFIG=str(CONFIG), ASSISTANT_DATA_DIR=str(data_dir), ASSISTANT_STORE__URL=url
    )
    return subprocess.run(
        [str(Path(sys.executable).parent / "assistant"), "ingest", str(path)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def jsonl(path: Path, *rows: dict[str, str]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_node_b_finds_node_a_s_articles_by_keyword(server: str, tmp_path: Path) -> None:
    done = cli_ingest(server, tmp_path / "node-a", jsonl(tmp_path / "a.jsonl", STORY))
    assert done.returncode == 0, done.stderr
    b = node(server, tmp_path / "node-b", retrieval__mode="bm25")
    hits = b.search("waterproof lining tunnel", k=3)
    assert hits and hits[0].article_id == "tunnel", hits
    assert b.search("tunnel", k=3, source="Farm Weekly") == []  # filters inside the search

    # B stays open; A writes again: B finds it by keyword and by vector
    done = cli_ingest(server, tmp_path / "node-a", jsonl(tmp_path / "a2.jsonl", STORY, LATER))
    assert done.returncode == 0, done.stderr
    assert b.search("quince medlar crops", k=3)[0].article_id == "orchard"
    vectors = node(server, tmp_path / "node-b", retrieval__mode="vector")
    assert vectors.search("quince and medlar harvest", k=1)[0].article_id == "orchard"
    snapshot = b.store.state.read()
    assert snapshot is not None
    assert b.store.keyword_index.state().generation == snapshot.generation


def test_two_nodes_never_ingest_at_once(server: str, tmp_path: Path) -> None:
    a, b = node(server, tmp_path / "node-a"), node(server, tmp_path / "node-b")
    with a.open(create=True).store.ingest_lock():  # node A is ingesting
        with pytest.raises(IngestLockedError) as refused:
            b.ingest(SEEDS)
        message = str(refused.value)
        assert message.startswith(f"another ingest is running on {server} (host ")
        assert f"pid {os.getpid()}" in message and "\n" not in message
        assert b.counts() == (0, 0)
    assert b.ingest(SEEDS).added == 1  # released: B goes ahead


def _crashed_lease(bot: Assistant, seconds: float) -> None:
    """The lease record a writer on another machine leaves when it dies mid-ingest."""
    state = bot.store.state
    held = state.col.get(where={"kind": "lease"}, include=["metadatas"])["metadatas"]
    n = max((int(meta["n"]) for meta in held), default=0) + 1
    state.col.upsert(
        ids=[f"lease:{n}"],
        metadatas=[
            {
                "kind": "lease",
                "n": n,
                "token": "dead",
                "host": "elsewhere-" + socket.gethostname(),
                "pid": 1,
                "expires": time.time() + seconds,
            }
        ],
        embeddings=[[0.0]],
    )


def test_a_crashed_node_s_lease_expires_and_any_node_recovers(server: str, tmp_path: Path) -> None:
    from assistant.index.state import Pending

    a = node(server, tmp_path / "node-a", store__lease_seconds=3)
    assert a.ingest(SEEDS).added == 1
    # node A dies between writing a ghost article's chunks and committing it
    store = a.store
    before = store._snapshot()
    generation = before.generation + 1
    store.state.write(replace(before, pending=Pending(("ghost",), generation, False)))
    store.chunks.upsert(
        ids=["ghost::0"],
        documents=["Quokkas ran the zeppelin factory."],
        metadatas=[{"article_id": "ghost", "title": "Ghost", "generation": generation}],
        embeddings=a.embedder.embed(["Quokkas ran the zeppelin factory."]),
    )
    _crashed_lease(a, 3)

    b = node(server, tmp_path / "node-b", store__lease_seconds=3)
    with pytest.raises(IngestLockedError):  # the dead writer's lease still holds
        b.ingest(jsonl(tmp_path / "story.jsonl", STORY))
    assert b.store.chunks.get(ids=["ghost::0"])["ids"] == ["ghost::0"]  # left alone
    time.sleep(3.5)
    report = node(server, tmp_path / "node-b", store__lease_seconds=3).ingest(
        tmp_path / "story.jsonl"
    )
    assert report.added == 1, report
    assert b.store.chunks.get(ids=["ghost::0"])["ids"] == []  # recovered by node B
    snapshot = b.store.state.read()
    assert snapshot is not None and snapshot.pending is None
    assert {info.id for info in b.articles()} == {"tunnel", "000_9b8fe6ecb3e6f2bf.txt"}
    assert all(h.article_id != "ghost" for h in b.search("quokkas zeppelin factory", k=5))
