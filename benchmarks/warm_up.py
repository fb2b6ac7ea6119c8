"""The first answer of a session, with and without `Assistant.warm_up()` before it.

Usage: .venv/bin/python benchmarks/warm_up.py [--runs 2]

Each run is a fresh process (the model and its KV cache live in the process) that ingests
seeds/ into a temporary data dir, loads the local model, optionally warms up, then asks the
seed question and prints the first-token time. The TUI warms up while you type.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = """
import sys, time
from assistant import Assistant
bot = Assistant.from_config(store__data_dir=sys.argv[1], llm__provider="local")
bot.ingest(sys.argv[2])
bot.answerer()  # loads the model: not counted
if sys.argv[3] == "warm":
    bot.warm_up()
answer = bot.ask("How many Boeing jets might China buy?")
print(answer.timings["first_token"])
"""


def first_token(mode: str, data_dir: str) -> float:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, data_dir, str(ROOT / "seeds"), mode],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        for mode in ("cold", "warm"):
            times = [first_token(mode, data_dir) for _ in range(args.runs)]
            print(f"{mode:5} first answer: first token median {statistics.median(times):6.0f} ms")


if __name__ == "__main__":
    main()
