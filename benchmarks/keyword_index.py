"""What a keyword index costs to build, to grow and to query, for three candidates.

- bm25s, rebuilt from every chunk whenever anything changed (the index before issue 16);
- SQLite FTS5 from the standard library: incremental, ranked by its own `bm25()`, on the
  same stemmed tokens (pre-tokenised in Python);
- tantivy (`assistant.index.keyword.KeywordIndex`, the index now): incremental, one commit
  per change, tokens analysed in Rust.

Chunks are made of BBC sentences (4 sentences, ~90 words), four chunks an article. For each
index size (1k, 10k, 100k chunks) the script builds the index, adds 1, 10 and 100 articles
(one change each, as one ingest would) and runs the dev-set questions as queries (k = 40, the
fetch of a k = 10 search). Each candidate runs in its own process, so its peak RSS is its own.

Usage: .venv/bin/python benchmarks/keyword_index.py [--sizes 1000,10000,100000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EVAL = Path(os.environ.get("EVAL_DIR") or ROOT.parent / "shared" / "eval")
"""The shared evaluation data (`EVAL_DIR` overrides `<repo>/../shared/eval`)."""

PER_ARTICLE = 4
FETCH = 40


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def queries() -> list[str]:
    """The dev-set questions of Lee, BBC and the seed set."""
    found: list[str] = []
    for name in ("lee-qa-dev.jsonl", "bbc-qa-dev.jsonl", "seed-qa.jsonl"):
        lines = (EVAL / name).read_text(encoding="utf-8").splitlines()
        found += [json.loads(line)["question"] for line in lines if line]
    return found


def sentences() -> list[str]:
    found: list[str] = []
    for path in sorted((EVAL / "bbc").rglob("*.txt"))[:800]:
        text = path.read_bytes().decode("utf-8", "replace")
        found += [s.strip() + "." for s in text.split(".") if len(s.split()) > 5]
    return found


def docs(count: int, start: int, pool: list[str], rng: random.Random) -> list[tuple[str, str, str]]:
    """(chunk id, article id, text) for `count` chunks of articles numbered from `start`."""
    out = []
    for n in range(count):
        article = f"art-{(start + n) // PER_ARTICLE}"
        out.append(
            (f"{article}::{(start + n) % PER_ARTICLE}", article, " ".join(rng.sample(pool, 4)))
        )
    return out


class Bm25sRebuild:
    name = "bm25s rebuild"

    def __init__(self, folder: Path) -> None:
        import bm25s
        import Stemmer

        stemmer = Stemmer.Stemmer("english")

        def tokens(text: str) -> list[str]:  # as the index before issue 16 tokenised
            return list(
                bm25s.tokenize(
                    [text], stopwords="en", stemmer=stemmer, show_progress=False, return_ids=False
                )[0]
            )

        self.folder, self.tokens, self.all = folder, tokens, []

    def build(self, rows: list[tuple[str, str, str]]) -> None:
        import bm25s

        self.all = list(rows)
        model = bm25s.BM25()
        import bm25s
        import Stemmer

        tokenized = bm25s.tokenize(
            [t for _, _, t in self.all],
            stopwords="en",
            stemmer=Stemmer.Stemmer("english"),
            show_progress=False,
        )
        model.index(tokenized, show_progress=False)
        shutil.rmtree(self.folder, ignore_errors=True)
        model.save(str(self.folder), show_progress=False)
        self.model = bm25s.BM25.load(str(self.folder), mmap=True, show_progress=False)

    def add(self, rows: list[tuple[str, str, str]]) -> None:
        self.build(self.all + rows)

    def search(self, query: str) -> int:
        vocab = self.model.vocab_dict
        words = [w for w in self.tokens(query) if w in vocab]
        if not words:
            return 0
        found, _ = self.model.retrieve([words], k=FETCH, show_progress=False, n_threads=1)
        return len(found[0])


class Fts5:
    name = "FTS5 incremental"

    def __init__(self, folder: Path) -> None:
        import sqlite3

        from assistant.index.keyword import _analyzer

        folder.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(folder / "fts5.sqlite3", isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("CREATE VIRTUAL TABLE terms USING fts5(body, article UNINDEXED)")
        self.analyzer = _analyzer()

    def _insert(self, rows: list[tuple[str, str, str]]) -> None:
        self.db.executemany(
            "INSERT INTO terms(body, article) VALUES (?, ?)",
            [(" ".join(self.analyzer.analyze(t)), a) for _, a, t in rows],
        )

    def build(self, rows: list[tuple[str, str, str]]) -> None:
        self.db.execute("BEGIN")
        self._insert(rows)
        self.db.execute("COMMIT")

    def add(self, rows: list[tuple[str, str, str]]) -> None:
        self.db.execute("BEGIN")
        for article in {a for _, a, _ in rows}:
            self.db.execute("DELETE FROM terms WHERE article = ?", (article,))
        self._insert(rows)
        self.db.execute("COMMIT")

    def search(self, query: str) -> int:
        words = self.analyzer.analyze(query)
        if not words:
            return 0
        match = " OR ".join(f'"{w}"' for w in dict.fromkeys(words))
        sql = "SELECT rowid FROM terms WHERE terms MATCH ? ORDER BY rank LIMIT ?"
        return len(self.db.execute(sql, (match, FETCH)).fetchall())


class Tantivy:
    name = "tantivy (KeywordIndex)"

    def __init__(self, folder: Path) -> None:
        from assistant.index.keyword import KeywordIndex

        self.index, self.generation = KeywordIndex(folder), 0

    def _docs(self, rows: list[tuple[str, str, str]]) -> list[Any]:
        from assistant.index.keyword import KeywordDoc

        return [KeywordDoc(c, a, t, "bbc", 1_100_000_000) for c, a, t in rows]

    def build(self, rows: list[tuple[str, str, str]]) -> None:
        self.index.replace_all(self._docs(rows), generation=1, store_id="bench")
        self.generation = 1

    def add(self, rows: list[tuple[str, str, str]]) -> None:
        self.generation += 1
        articles = {a for _, a, _ in rows}
        self.index.apply(
            remove=articles, add=self._docs(rows), generation=self.generation, store_id="bench"
        )

    def search(self, query: str) -> int:
        return len(self.index.search(query, FETCH))


CANDIDATES = {"bm25s": Bm25sRebuild, "fts5": Fts5, "tantivy": Tantivy}


def run_one(name: str, sizes: list[int]) -> dict[str, Any]:
    pool, qs = sentences(), queries()
    result: dict[str, Any] = {"candidate": CANDIDATES[name].name, "sizes": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            rng = random.Random(size)
            index = CANDIDATES[name](Path(tmp) / f"{name}-{size}")
            rows = docs(size, 0, pool, rng)
            started = time.perf_counter()
            index.build(rows)
            row: dict[str, Any] = {"build_s": time.perf_counter() - started}
            next_chunk = size
            for articles in (1, 10, 100):
                new = docs(articles * PER_ARTICLE, next_chunk, pool, rng)
                next_chunk += len(new)
                started = time.perf_counter()
                index.add(new)
                row[f"add_{articles}_s"] = time.perf_counter() - started
            index.search("warm up")
            times, cpu = [], []
            for q in qs:
                started, used = time.perf_counter(), time.thread_time()
                index.search(q)
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.thread_time() - used) * 1000)
            row["query_p50_ms"], row["query_p95_ms"] = statistics.median(times), pct(times, 0.95)
            row["query_cpu_p50_ms"] = statistics.median(cpu)  # what the query costs, whatever
            # else the machine runs (wall time includes waiting for a core)
            row["disk_mb"] = (
                sum(
                    p.stat().st_size for p in Path(tmp).rglob(f"{name}-{size}*/**/*") if p.is_file()
                )
                / 1e6
            )
            result["sizes"][size] = row
            print(
                f"  {name} {size}: {json.dumps({k: round(v, 4) for k, v in row.items()})}",
                file=sys.stderr,
                flush=True,
            )
    result["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--candidates", default="bm25s,fts5,tantivy")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.one:
        print(json.dumps(run_one(args.one, sizes)))
        return
    results = []
    for name in args.candidates.split(","):
        out = subprocess.run(
            [sys.executable, __file__, "--one", name, "--sizes", args.sizes],
            capture_output=False,
            stdout=subprocess.PIPE,
            text=True,
            check=True,
        )
        results.append(json.loads(out.stdout))
    base = results[0]
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(
        f"\n{'candidate':22} {'chunks':>7} {'build s':>8} {'add 1':>9} {'add 10':>9} "
        f"{'add 100':>9} {'q p50 ms':>9} {'q p95 ms':>9} {'q CPU ms':>9} {'disk MB':>8} "
        f"{'RSS MB':>7}"
    )
    for res in results:
        for size, row in res["sizes"].items():
            ratio = row["add_1_s"] / base["sizes"][size]["add_1_s"]
            print(
                f"{res['candidate']:22} {size:>7} {row['build_s']:8.2f} {row['add_1_s']:9.4f} "
                f"{row['add_10_s']:9.4f} {row['add_100_s']:9.4f} {row['query_p50_ms']:9.2f} "
                f"{row['query_p95_ms']:9.2f} {row['query_cpu_p50_ms']:9.2f} "
                f"{row['disk_mb']:8.1f} {res['max_rss_mb']:7.0f}"
                f"   add-1 = {ratio:.4f}x bm25s"
            )


if __name__ == "__main__":
    main()
