"""Query latency of vector, BM25 and hybrid retrieval, with memory use.

Stores: the Lee corpus (350 articles), the BBC corpus (2,225 files) and a generated store of
100,000 chunks (sentences sampled from the BBC corpus, random unit vectors: the point is the
size of the index, not the meaning). Each mode answers the same queries; the first query of
each mode is a warm-up and is not counted.

Usage: .venv/bin/python benchmarks/retrieval.py [--skip-100k] [--chunks 100000]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "eval"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def queries() -> list[str]:
    found: list[str] = []
    for name in ("lee-qa-dev.jsonl", "bbc-qa-dev.jsonl", "seed-qa.jsonl"):
        path = EVAL / name
        if path.exists():
            found += [json.loads(x)["question"] for x in path.read_text().splitlines() if x]
    return found


def measure(bot: object, label: str, qs: list[str]) -> None:
    from assistant import Assistant

    assert isinstance(bot, Assistant)
    started = time.perf_counter()
    bot.search("warm up", 10)  # the first search reads the vectors into memory
    print(f"{label:10} first search {(time.perf_counter() - started) * 1000:8.0f} ms")
    for mode in ("vector", "bm25", "hybrid"):
        bot.retriever.mode = mode
        bot.search("warm up", 10)
        times = []
        for q in qs:
            bot.retriever.forget_queries()  # each query is embedded, as a new one is
            started = time.perf_counter()
            bot.search(q, 10)
            times.append((time.perf_counter() - started) * 1000)
        print(
            f"{label:10} {mode:7} n={len(qs)}  p50 {statistics.median(times):6.1f} ms  "
            f"p95 {pct(times, 0.95):6.1f} ms   max RSS {rss_mb():6.0f} MB",
            flush=True,
        )


def one_more_article(bot: object, label: str) -> None:
    """What a search costs right after another article was ingested (the vector copy is
    brought up to date by what changed), as in a TUI following feeds."""
    from assistant import Assistant
    from assistant.types import Article

    assert isinstance(bot, Assistant)
    stamp = time.time_ns()
    article = Article(
        id=f"late-{stamp}",
        title="Harbour tunnel reopens",
        text="The harbour tunnel reopened on Monday after three weeks of repairs, the city said.",
        source="Benchmark News",
    )
    bot.ingest_articles([article])
    bot.retriever.forget_queries()
    started = time.perf_counter()
    hits = bot.search("harbour tunnel reopened after repairs", 10)
    took = (time.perf_counter() - started) * 1000
    assert hits and hits[0].article_id == article.id
    print(f"{label:10} search after one more article {took:6.0f} ms")
    with bot.store.ingest_lock():  # the eval index is left as it was
        bot.store.delete_articles([article.id])


def generated_store(data_dir: Path, chunks: int) -> object:
    from assistant import Assistant
    from assistant.types import Article, Chunk

    sentences: list[str] = []
    for path in sorted((EVAL / "bbc").rglob("*.txt"))[:800]:
        text = path.read_bytes().decode("utf-8", "replace")
        sentences += [s.strip() + "." for s in text.split(".") if len(s.split()) > 5]
    rng = random.Random(7)
    vec_rng = np.random.default_rng(7)
    bot = Assistant.from_config(store__data_dir=str(data_dir))
    store = bot.open(create=True).store
    per_article = 10
    started = time.perf_counter()
    batch = []
    for a in range(chunks // per_article):
        parts = [" ".join(rng.sample(sentences, 4)) for _ in range(per_article)]
        text = "\n".join(parts)
        article = Article(id=f"gen-{a}", title=parts[0][:60], text=text, source=f"s{a % 20}")
        spans, offset = [], 0
        for i, part in enumerate(parts):
            spans.append(Chunk(f"gen-{a}::{i}", article.id, i, part, offset, offset + len(part)))
            offset += len(part) + 1
        vectors = vec_rng.standard_normal((per_article, 384)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        batch.append((article, f"h{a}", f"t{a}", spans, vectors))
        if len(batch) == 500:
            store.write_articles(batch)
            batch = []
    if batch:
        store.write_articles(batch)
    store.rebuild_keyword_index()
    print(f"generated {store.count()[1]} chunks in {time.perf_counter() - started:.0f} s")
    return bot


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-100k", action="store_true")
    parser.add_argument("--chunks", type=int, default=100_000)
    args = parser.parse_args()

    from assistant import Assistant
    from assistant.eval import index_dir

    qs = queries()
    base = Assistant.from_config()
    for label, corpus in (("lee", EVAL / "lee-articles.jsonl"), ("bbc", EVAL / "bbc")):
        bot = Assistant.from_config(
            store__data_dir=str(index_dir(base.settings.data_path, corpus, base))
        )
        report = bot.ingest(corpus)
        print(
            f"{label}: {bot.counts()[0]} articles, {bot.counts()[1]} chunks "
            f"({report.added} added, {report.duplicates} duplicates)"
        )
        measure(bot, label, qs)
        one_more_article(bot, label)
    if not args.skip_100k:
        with tempfile.TemporaryDirectory() as tmp:
            bot = generated_store(Path(tmp), args.chunks)
            measure(bot, f"{args.chunks // 1000}k", qs)
            one_more_article(bot, f"{args.chunks // 1000}k")


if __name__ == "__main__":
    main()
