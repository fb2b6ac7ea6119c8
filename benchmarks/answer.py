"""Time to first token and total answer time, per provider, on the seed and dev questions.

Usage: .venv/bin/python benchmarks/answer.py [--providers extractive,local] [--limit N]

Each question set is answered against its own corpus index (built on first use, in the
data dir's eval/ folder, as `assistant eval` does). Prints p50/p95 per provider and set.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "eval"
SETS = [
    ("seed", ROOT / "seeds", EVAL / "seed-qa.jsonl"),
    ("lee", EVAL / "lee-articles.jsonl", EVAL / "lee-qa-dev.jsonl"),
    ("bbc", EVAL / "bbc", EVAL / "bbc-qa-dev.jsonl"),
]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--providers", default="extractive,local")
    parser.add_argument("--sets", default="seed,lee,bbc")
    parser.add_argument("--limit", type=int, default=0, help="questions per set (0: all)")
    args = parser.parse_args()

    from assistant import Assistant
    from assistant.eval import index_dir

    base = Assistant.from_config()
    for name, corpus, questions_file in SETS:
        if name not in args.sets.split(",") or not questions_file.exists():
            continue
        questions = [
            json.loads(x)["question"] for x in questions_file.read_text().splitlines() if x
        ]
        if args.limit:
            questions = questions[: args.limit]
        data_dir = index_dir(base.settings.data_path, corpus, base)
        for provider in args.providers.split(","):
            bot = Assistant.from_config(store__data_dir=str(data_dir), llm__provider=provider)
            bot.ingest(corpus)
            bot.ask(questions[0])  # loads the models (an off-topic question would not); not counted
            first: list[float] = []
            total: list[float] = []
            for question in questions:
                started = time.perf_counter()
                stream = bot.stream(question)
                seen_first = None
                for _chunk in stream:
                    if seen_first is None:
                        seen_first = time.perf_counter() - started
                answer = stream.answer()
                total.append((time.perf_counter() - started) * 1000)
                first.append((seen_first or 0) * 1000)
                _ = answer
            print(
                f"{name:5} {provider:10} n={len(questions):3}  first token p50 "
                f"{statistics.median(first):7.0f} ms  p95 {pct(first, 0.95):7.0f} ms   "
                f"total p50 {statistics.median(total):7.0f} ms  p95 {pct(total, 0.95):7.0f} ms",
                flush=True,
            )


if __name__ == "__main__":
    main()
