"""Scale-out: the index in a real Chroma server (`chroma run`, as in the README's "Running
at scale") behaves like the embedded store: same articles, same chunks, same hits, same
answers, through the Python API and through the CLI with ASSISTANT_STORE__URL.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CONFIG, REPO_ROOT, SCRUBBED, SEED_ID, SEEDS, make_assistant
from servers.chroma_server import running_chroma
from servers.llm_server import free_port

from assistant import Assistant
from assistant.errors import StoreError

pytestmark = pytest.mark.server

QUERIES = (
    "Boeing jets",
    "ferry timetable harbour",
    "apple harvest warm summer",
    "Xi Jinping visit to the United States",
    "library opening hours students",
)
QUESTION = "How many Boeing jets might China buy?"
EXTRA = [
    {
        "id": "harbour",
        "title": "Harbour council approves new ferry timetable",
        "text": "The harbour council approved a new ferry timetable on Tuesday. Ferries will run "
        "every twenty minutes in summer, and residents welcomed the change.",
        "source": "Coast News",
        "published": "2025-09-01",
    },
    {
        "id": "orchard",
        "title": "Apple harvest starts early after a warm summer",
        "text": "Orchards in the valley began the apple harvest two weeks early. Growers said the "
        "warm summer produced sweet fruit but smaller yields than last year.",
        "source": "Farm Weekly",
        "published": "2025-09-03",
    },
    {
        "id": "library",
        "title": "City library extends opening hours",
        "text": "The city library will open until nine in the evening from October. The library "
        "said students asked for more time to study before exams.",
        "source": "City Desk",
        "published": "2025-09-07",
    },
]
LATE = {
    "id": "tunnel",
    "title": "Tunnel reopens after repairs",
    "text": "The river tunnel reopened at dawn on Monday after three weeks of repairs to its "
    "waterproof lining, the transport authority said.",
    "source": "Coast News",
    "published": "2025-09-09",
}


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_chroma(tmp_path_factory.mktemp("chroma-server")) as (url, _):
        yield url


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("server-corpus")
    shutil.copytree(SEEDS, folder / "seeds")
    (folder / "extra.jsonl").write_text("\n".join(json.dumps(a) for a in EXTRA) + "\n")
    return folder


@pytest.fixture(scope="module")
def served(chroma_server: str, corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    bot = Assistant.from_config(
        CONFIG,
        store__url=chroma_server,
        store__data_dir=str(tmp_path_factory.mktemp("server-data")),
        llm__provider="extractive",
    )
    report = bot.ingest(corpus)
    assert report.ok and report.added == 1 + len(EXTRA), report
    return bot


@pytest.fixture(scope="module")
def embedded(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    bot = make_assistant(tmp_path_factory.mktemp("embedded-data"), llm__provider="extractive")
    assert bot.ingest(corpus).added == 1 + len(EXTRA)
    return bot


def hit_keys(bot: Assistant, query: str, **filters: object) -> list[tuple[str, str, int, int]]:
    return [(h.chunk_id, h.text, h.start, h.end) for h in bot.search(query, **filters)]  # type: ignore[arg-type]


def test_the_server_holds_the_index(served: Assistant, chroma_server: str) -> None:
    import chromadb

    client = chromadb.HttpClient(host="127.0.0.1", port=int(chroma_server.rsplit(":", 1)[1]))
    names = {c.name for c in client.list_collections()}
    assert {"news_chunks", "news_articles"} <= names
    assert client.get_collection("news_articles").count() == 1 + len(EXTRA)
    # the data dir keeps only the keyword index and the lock, no embedded Chroma
    assert not (served.settings.data_path / "chroma").exists()


def test_same_articles_and_chunks_as_embedded(served: Assistant, embedded: Assistant) -> None:
    assert served.counts() == embedded.counts()

    def fields(bot: Assistant) -> list[tuple[object, ...]]:
        return [(a.id, a.title, a.published, a.chunks, a.content_hash) for a in bot.articles()]

    assert fields(served) == fields(embedded)
    for info in embedded.articles():
        assert served.article(info.id) == embedded.article(info.id)
    ids = sorted(served.store.chunks.get(include=[])["ids"])
    assert ids == sorted(embedded.store.chunks.get(include=[])["ids"])


@pytest.mark.parametrize("mode", ["hybrid", "vector", "bm25"])
def test_same_hits_as_embedded(served: Assistant, embedded: Assistant, mode: str) -> None:
    s = Assistant.from_config(CONFIG, **_overrides(served), retrieval__mode=mode)
    e = make_assistant(embedded.settings.data_path, retrieval__mode=mode)
    for query in QUERIES:
        got, want = s.search(query, k=4), e.search(query, k=4)
        assert [h.chunk_id for h in got] == [h.chunk_id for h in want], (mode, query)
        assert [h.score for h in got] == pytest.approx([h.score for h in want], abs=1e-4)
        assert got and got[0].text == want[0].text
    # filters are applied by the server too
    for filters in ({"source": "Coast News"}, {"since": "2025-09-02", "until": "2025-09-06"}):
        query = "council summer library ferry"
        assert hit_keys(s, query, **filters) == hit_keys(e, query, **filters), filters
    assert {h.article_id for h in s.search("ferry", source="Coast News")} == {"harbour"}


def test_same_answer_as_embedded(served: Assistant, embedded: Assistant) -> None:
    got, want = served.ask(QUESTION), embedded.ask(QUESTION)
    assert not got.abstained and "500" in got.text
    assert got.text == want.text
    assert [c.to_dict() for c in got.citations] == [c.to_dict() for c in want.citations]


def test_reingest_is_free_and_updates_replace(served: Assistant, corpus: Path) -> None:
    again = served.ingest(corpus)
    assert (again.added, again.updated, again.unchanged, again.chunks) == (0, 0, 4, 0)


def _overrides(bot: Assistant) -> dict[str, str]:
    return {
        "store__url": bot.settings.store.url,
        "store__data_dir": str(bot.settings.data_path),
        "llm__provider": "extractive",
    }


def _cli(*args: str, url: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not (k.startswith("ASSISTANT_") or k in SCRUBBED)}
    env.update(
        ASSISTANT_CONFIG=str(CONFIG),
        ASSISTANT_DATA_DIR=str(data_dir),
        ASSISTANT_STORE__URL=url,
        ASSISTANT_LLM__PROVIDER="extractive",
        NO_COLOR="1",
    )
    exe = Path(sys.executable).parent / "assistant"
    return subprocess.run(
        [str(exe), *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_cli_against_the_server(
    served: Assistant, embedded: Assistant, chroma_server: str, tmp_path: Path
) -> None:
    late = tmp_path / "late.jsonl"
    late.write_text(json.dumps(LATE) + "\n")
    data_dir = served.settings.data_path
    ingest = _cli("ingest", str(late), "--json", url=chroma_server, data_dir=data_dir)
    assert ingest.returncode == 0, ingest.stderr
    assert json.loads(ingest.stdout)["added"] == 1
    assert served.counts()[0] == 2 + len(EXTRA)  # the API sees what the CLI wrote
    assert embedded.ingest(late).added == 1

    search = _cli(
        "search", "tunnel repairs", "--json", "-k", "3", url=chroma_server, data_dir=data_dir
    )
    assert search.returncode == 0, search.stderr
    hits = json.loads(search.stdout)
    assert hits[0]["article_id"] == "tunnel"
    assert [h["text"] for h in hits] == [h.text for h in embedded.search("tunnel repairs", k=3)]

    ask = _cli("ask", QUESTION, "--json", url=chroma_server, data_dir=data_dir)
    assert ask.returncode == 0, ask.stderr
    answer = json.loads(ask.stdout)
    assert answer["answer"] == embedded.ask(QUESTION).text
    assert answer["citations"][0]["article_id"] == f"seeds/{SEED_ID}"


def test_unreachable_server_is_one_clear_error(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    bot = Assistant.from_config(CONFIG, store__url=url, store__data_dir=str(tmp_path))
    started = time.monotonic()
    with pytest.raises(StoreError) as err:
        bot.counts()
    assert url in str(err.value) and "\n" not in str(err.value)
    assert time.monotonic() - started < 20


def test_server_that_goes_away_is_one_clear_error(tmp_path: Path) -> None:
    """Chroma's client raises raw httpx errors; the store turns them into a StoreError."""
    (tmp_path / "srv").mkdir()
    with running_chroma(tmp_path / "srv") as (url, proc):
        bot = Assistant.from_config(
            CONFIG, store__url=url, store__data_dir=str(tmp_path / "d"), llm__provider="extractive"
        )
        assert bot.ingest(SEEDS).added == 1
        proc.terminate()
        proc.wait(timeout=10)
        for call in (
            lambda: bot.search("Boeing jets"),
            lambda: bot.ask(QUESTION),
            bot.articles,
            lambda: bot.ingest(SEEDS),
        ):
            with pytest.raises(StoreError) as err:
                call()
            message = str(err.value)
            assert message.startswith(f"the vector store at {url} failed: ") and "\n" not in message
