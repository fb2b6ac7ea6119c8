"""What a write costs the whole store as it grows, and what a search costs at 100k chunks.

A generated store (BBC sentences, four chunks an article, random unit vectors: the point is
the size, not the meaning) grows to 1k, 10k and 100k chunks. At each size the script adds
1, 10 and 100 articles through `Store.write_articles` (Chroma records, generation, keyword
index: everything but embedding, which does not depend on the index size), and measures in
the same run what the index before issue 16 did after such a write: read every chunk back
from Chroma and rebuild bm25s from all of them. At the largest size it times `search`
(vector, bm25, hybrid; the query embedded each time) over the dev-set questions.

With `--bbc DIR` (a data dir holding the BBC corpus, e.g. the one `assistant eval` built) it
also ingests one real article (embedding included) into a copy of it and into an empty
store, three times each: the issue's target is at most 2x.

Usage: .venv/bin/python benchmarks/store_writes.py [--sizes 1000,10000,100000] [--bbc DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from keyword_index import EVAL, PER_ARTICLE, pct, queries, sentences  # noqa: E402


def articles(start: int, count: int, pool: list[str], rng: random.Random) -> list[Any]:
    from assistant.types import Article, Chunk

    items = []
    vectors = np.random.default_rng(start)
    for a in range(start, start + count):
        parts = [" ".join(rng.sample(pool, 4)) for _ in range(PER_ARTICLE)]
        text = "\n".join(parts)
        article = Article(id=f"gen-{a}", title=parts[0][:60], text=text, source=f"s{a % 20}")
        chunks, offset = [], 0
        for i, part in enumerate(parts):
            chunks.append(Chunk(f"gen-{a}::{i}", article.id, i, part, offset, offset + len(part)))
            offset += len(part) + 1
        vecs = vectors.standard_normal((PER_ARTICLE, 384)).astype(np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        items.append((article, f"h{a}", f"t{a}", chunks, vecs))
    return items


def old_rebuild(store: Any) -> float:
    """What an ingest cost before issue 16 after any change: every chunk read back from
    Chroma, then bm25s built from all of them."""
    import bm25s
    import Stemmer

    from assistant.index.sync import pages

    started = time.perf_counter()
    texts = [
        f"{meta.get('title', '')}\n{text}"
        for _, docs, metas in pages(store.chunks, documents=True)
        for text, meta in zip(docs, metas, strict=True)
    ]
    tokens = bm25s.tokenize(
        texts, stopwords="en", stemmer=Stemmer.Stemmer("english"), show_progress=False
    )
    bm25s.BM25().index(tokens, show_progress=False)
    return time.perf_counter() - started


def grow(sizes: list[int]) -> None:
    from assistant import Assistant

    pool, rng = sentences(), random.Random(5)
    with tempfile.TemporaryDirectory() as tmp:
        bot = Assistant.from_config(store__data_dir=tmp, llm__provider="extractive")
        store, next_article = bot.open(create=True).store, 0
        print(f"{'chunks':>7} {'add 1':>8} {'add 10':>8} {'add 100':>8} {'before: rebuild':>16}")
        for size in sizes:
            while store.count()[1] < size:
                batch = min(500, (size - store.count()[1]) // PER_ARTICLE) or 1
                store.write_articles(articles(next_article, batch, pool, rng))
                next_article += batch
            row = []
            for count in (1, 10, 100):
                items = articles(next_article, count, pool, rng)
                next_article += count
                started = time.perf_counter()
                store.write_articles(items)
                row.append(time.perf_counter() - started)
            rebuild = old_rebuild(store)
            print(
                f"{store.count()[1]:>7} {row[0]:8.3f} {row[1]:8.3f} {row[2]:8.3f} "
                f"{rebuild:16.2f}   add 1 = {rebuild / row[0]:.0f}x cheaper than a rebuild",
                flush=True,
            )
        qs = queries()
        for mode in ("vector", "bm25", "hybrid"):
            bot.settings.retrieval.mode = mode  # type: ignore[assignment]
            bot.search("warm up", 10)
            times, cpu = [], []
            for q in qs:
                started, used = time.perf_counter(), time.process_time()
                bot.search(q, 10)
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - used) * 1000)
            print(
                f"search {mode:7} at {store.count()[1]} chunks: p50 "
                f"{statistics.median(times):.1f} ms, p95 {pct(times, 0.95):.1f} ms, CPU p50 "
                f"{statistics.median(cpu):.1f} ms (n={len(qs)}; load average "
                f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
            )
    print(f"max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def one_article(bbc: Path) -> None:
    """Ingest one real article (embedding included) into an empty store and into BBC."""
    from assistant import Assistant
    from assistant.types import Article

    text = (EVAL / "bbc" / "business" / "001.txt").read_text(encoding="utf-8", errors="replace")
    title, body = text.split("\n", 1)
    results: dict[str, list[float]] = {"empty": [], "bbc": []}
    for trial in range(3):
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "bbc"
            shutil.copytree(bbc, copy)
            for label, data_dir in (("empty", Path(tmp) / "empty"), ("bbc", copy)):
                bot = Assistant.from_config(store__data_dir=str(data_dir))
                bot.open(create=True)
                bot.search("warm up", 1)
                article = Article(id=f"new-{trial}", title=title, text=body + f" ({trial})")
                started = time.perf_counter()
                report = bot.ingest_articles([article])
                results[label].append(time.perf_counter() - started)
                assert report.added == 1, report
                chunks = bot.counts()[1]
                print(f"  {label}: {chunks} chunks, {results[label][-1]:.3f} s", flush=True)
    empty, full = statistics.median(results["empty"]), statistics.median(results["bbc"])
    print(f"one article: empty {empty:.3f} s, BBC {full:.3f} s: {full / empty:.2f}x (target <= 2x)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--bbc", type=Path, default=None)
    args = parser.parse_args()
    if args.bbc:
        one_article(args.bbc)
    if args.sizes:
        grow([int(s) for s in args.sizes.split(",")])


if __name__ == "__main__":
    main()
