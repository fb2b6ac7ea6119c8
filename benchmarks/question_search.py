"""Search latency for analysed questions: simple ones, and ones decomposed into parts.

`Assistant.search` reads the question first (outlets, dates, kind, parts) and searches each
part within its own filters; this measures what that costs on MultiHop-RAG's 609 articles
(the dev questions: most name two or more outlets), against one plain hybrid search of the
same question in the same run (the baseline), after a warm-up.

Usage: .venv/bin/python benchmarks/question_search.py [--limit N]
(the index is built once in $ASSISTANT_DATA_DIR/eval/, as `assistant eval` builds it)
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MULTIHOP = ROOT.parent / "shared" / "eval" / "multihop"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    from assistant import Assistant
    from assistant.eval import index_dir
    from assistant.types import Filters

    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()
    corpus = MULTIHOP / "corpus.jsonl"
    base = Assistant.from_config(llm__provider="extractive")
    bot = Assistant.from_config(
        llm__provider="extractive",
        store__data_dir=str(index_dir(base.settings.data_path, corpus, base)),
    )
    bot.ingest(corpus)
    lines = (MULTIHOP / "questions-dev.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(x)["question"] for x in lines if x.strip()]
    if args.limit:
        questions = questions[: args.limit]
    bot.search("warm up", 10)
    analyse, simple, parts, plain = [], [], [], []
    for q in questions:
        bot.retriever.forget_queries()  # each search embeds its queries, as a new one does
        t0 = time.perf_counter()
        analysis = bot.analyse(q)
        analyse.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        bot.search(q, 10)
        (parts if analysis.multi else simple).append((time.perf_counter() - t0) * 1000)
        bot.retriever.forget_queries()
        t0 = time.perf_counter()
        bot.retriever.search(q, 10, Filters())
        plain.append((time.perf_counter() - t0) * 1000)
    for label, times in (
        ("analysis alone", analyse),
        ("simple questions (one part)", simple),
        ("decomposed questions", parts),
        ("baseline: one plain hybrid search", plain),
    ):
        if times:
            print(
                f"{label:36} n={len(times):3}  p50 {statistics.median(times):6.1f} ms  "
                f"p95 {pct(times, 0.95):6.1f} ms"
            )
    if parts and plain:
        ratio = statistics.median(parts) / statistics.median(plain)
        print(f"decomposed / plain p50: {ratio:.2f}x")


if __name__ == "__main__":
    main()
