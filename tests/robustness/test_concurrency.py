"""One Assistant shared by many threads: eight threads ask (extractive) and search while
another thread ingests new articles into the same Assistant. No exceptions, every answer
and every hit well-formed, and the store consistent at the end.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import SEED_ID, SEEDS, make_assistant

from assistant import Assistant
from assistant.index.keyword import KeywordDoc, KeywordIndex
from assistant.types import Answer, Article, Hit

WORKERS = 8
ROUNDS = 3
TOPICS = [
    (
        "ferry",
        "Harbour",
        "The harbour council approved a new ferry timetable; ferries will run "
        "every twenty minutes in summer and residents welcomed the change.",
    ),
    (
        "orchard",
        "Valley",
        "Orchards in the valley began the apple harvest two weeks early after "
        "a warm summer that produced sweet fruit but smaller yields.",
    ),
    (
        "library",
        "City",
        "The city library will open until nine in the evening from October "
        "because students asked for more time to study before exams.",
    ),
    (
        "tunnel",
        "River",
        "The river tunnel reopened at dawn on Monday after three weeks of "
        "repairs to its waterproof lining, the transport authority said.",
    ),
    (
        "stadium",
        "County",
        "The county stadium will get a new roof before the winter season, "
        "paid for by a grant of four million pounds from the sports council.",
    ),
    (
        "tram",
        "Northern",
        "The northern tram line carried a record forty thousand passengers on "
        "Saturday as fans travelled to the cup final.",
    ),
]
QUESTIONS = [
    "How many Boeing jets might China buy?",
    "When will the city library stay open until nine?",
    "Why did the apple harvest start early?",
    "How often will the ferries run in summer?",
    "What was repaired in the river tunnel?",
    "Who paid for the new stadium roof?",
    "How many passengers did the northern tram carry?",
]
QUERIES = ["Boeing jets", "ferry timetable", "apple harvest", "tunnel repairs", "tram passengers"]


def new_articles(batch: int) -> list[Article]:
    out = []
    for n, (topic, place, text) in enumerate(TOPICS):
        out.append(
            Article(
                id=f"{topic}-{batch}",
                title=f"{place} {topic} news, part {batch}",
                text=f"{text} This is report number {batch} on the {topic}, filed at {n + 1} pm.",
                source="Wire",
                published=f"2025-09-{batch + 1:02d}",
            )
        )
    return out


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    bot = make_assistant(tmp_path_factory.mktemp("shared-store"), llm__provider="extractive")
    assert bot.ingest(SEEDS).added == 1
    assert bot.ingest_articles(new_articles(0)).added == len(TOPICS)
    return bot


def check_answer(bot: Assistant, answer: Answer, texts: dict[str, str]) -> None:
    assert answer.text.strip()
    assert answer.provider == "extractive" and not answer.partial and answer.error is None
    if answer.abstained:
        assert not answer.citations
        return
    shown = list(dict.fromkeys(int(n) for n in re.findall(r"\[(\d+)\]", answer.text)))
    assert shown == list(range(1, len(shown) + 1)), answer.text
    assert [c.n for c in answer.citations] == shown
    for c in answer.citations:
        text = texts.get(c.article_id)
        if text is None:
            article = bot.article(c.article_id)
            assert article is not None, c.article_id
            text = texts[c.article_id] = article.text
        assert c.quote and text[c.start : c.end] == c.quote, c


def check_hits(hits: list[Hit], k: int, texts: dict[str, str]) -> None:
    assert len(hits) <= k
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert len({h.chunk_id for h in hits}) == len(hits)
    for hit in hits:
        if hit.article_id in texts:
            assert texts[hit.article_id][hit.start : hit.end] == hit.text, hit.chunk_id


def test_threads_ask_and_search_while_another_ingests(shared: Assistant) -> None:
    errors: list[BaseException] = []
    counts: Counter[str] = Counter()
    asks: list[tuple[float, float]] = []
    ingests: list[tuple[float, float]] = []
    start = threading.Barrier(WORKERS + 1)
    lock = threading.Lock()
    texts: dict[str, str] = {}

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        local_texts: dict[str, str] = {}
        try:
            start.wait(timeout=60)
            for _ in range(ROUNDS):
                question = rng.choice(QUESTIONS)
                began = time.monotonic()
                answer = shared.ask(question)
                asked = (began, time.monotonic())
                check_answer(shared, answer, local_texts)
                query = rng.choice(QUERIES)
                hits = shared.search(query, k=4)
                check_hits(hits, 4, local_texts)
                with lock:
                    counts["ask"] += 1
                    counts["search"] += 1
                    counts["answered"] += not answer.abstained
                    asks.append(asked)
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)
        with lock:
            texts.update(local_texts)

    def ingester() -> None:
        try:
            start.wait(timeout=60)
            for batch in (1, 2, 3):
                began = time.monotonic()
                report = shared.ingest_articles(new_articles(batch))
                ingests.append((began, time.monotonic()))
                assert report.added == len(TOPICS), report
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(WORKERS)]
    threads.append(threading.Thread(target=ingester))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    if errors:
        raise errors[0]
    assert counts["ask"] == counts["search"] == WORKERS * ROUNDS
    assert counts["answered"] >= WORKERS * ROUNDS // 2, counts
    overlapping = [a for a in asks if any(a[0] < i[1] and i[0] < a[1] for i in ingests)]
    assert overlapping, "no answer overlapped an ingest"

    # the final store is consistent and holds everything
    ids = {a.id for a in shared.articles()}
    assert ids == {SEED_ID} | {f"{t}-{b}" for t, _, _ in TOPICS for b in range(4)}
    got = shared.store.chunks.get(include=["metadatas"])
    assert len(got["ids"]) == len(set(got["ids"]))
    per_article = Counter(meta["article_id"] for meta in got["metadatas"])
    assert per_article == Counter({a.id: a.chunks for a in shared.articles()})
    assert shared.counts() == (len(ids), len(got["ids"]))
    for batch in (1, 2, 3):
        hits = shared.search(f"report number {batch} on the tram", k=10)
        assert f"tram-{batch}" in {h.article_id for h in hits}
    assert shared.store.keyword_index.chunk_ids() == sorted(got["ids"])


# -- the keyword index while it is rebuilt ---------------------------------------------------
DOCS = [
    KeywordDoc(f"c{i}", f"a{i}", f"Boeing jets order {i} and ferry {i * 7}", "s", None)
    for i in range(200)
]
REBUILD_SCRIPT = """
import sys, time
from pathlib import Path
from assistant.index.keyword import KeywordDoc, KeywordIndex
docs = [KeywordDoc(f"c{i}", f"a{i}", f"Boeing jets order {i} and ferry {i * 7}", "s", None)
        for i in range(200)]
index, stop = KeywordIndex(Path(sys.argv[1])), time.monotonic() + float(sys.argv[2])
print("ready", flush=True)
while time.monotonic() < stop:
    index.replace_all(docs, generation=1, store_id='s')
"""


def search_while(index: KeywordIndex, busy: Callable[[], bool]) -> Counter[str]:
    seen: Counter[str] = Counter()
    while busy():
        seen["found" if index.search("Boeing jets", 5) else "empty"] += 1
    return seen


def test_keyword_search_during_rebuilds_in_this_process(tmp_path: Path) -> None:
    """Searches never come back empty while the index is rebuilt in this process (they used
    to get no keyword hits a third of the time)."""
    index = KeywordIndex(tmp_path / "bm25")
    index.replace_all(DOCS, generation=1, store_id="s")
    stop = time.monotonic() + 1.5
    errors: list[BaseException] = []
    results: list[Counter[str]] = []

    def rebuild() -> None:
        try:
            while time.monotonic() < stop:
                index.replace_all(DOCS, generation=1, store_id="s")
        except BaseException as exc:
            errors.append(exc)

    def search() -> None:
        try:
            results.append(search_while(index, lambda: time.monotonic() < stop))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=rebuild)]
    threads += [threading.Thread(target=search) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    total = sum(results, Counter())
    assert total["found"] > 0 and total["empty"] == 0, total


def test_keyword_search_while_another_process_rebuilds(tmp_path: Path) -> None:
    """A reader (the chat) keeps its loaded index while an ingest in another process swaps the
    folder: no empty results, no FileNotFoundError."""
    index = KeywordIndex(tmp_path / "bm25")
    index.replace_all(DOCS, generation=1, store_id="s")
    proc = subprocess.Popen(
        [sys.executable, "-c", REBUILD_SCRIPT, str(tmp_path / "bm25"), "2.0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        seen = search_while(index, lambda: proc.poll() is None)
    finally:
        proc.kill()
        proc.wait(timeout=10)
    assert seen["found"] > 0 and seen["empty"] == 0, seen
