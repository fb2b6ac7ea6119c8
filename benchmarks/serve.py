"""`assistant ask` with the local model: loading it in each process, or through `assistant
serve`, in the same run.

Usage: .venv/bin/python benchmarks/serve.py [--runs 2]

Ingests seeds/ into a temporary data dir, then times `assistant ask QUESTION --provider
local --json` as a fresh process `--runs` times without a server (each loads the model), then
starts `assistant serve` on that data dir (its start-up is timed too) and times the same
command `--runs` times through it. Prints each run's wall time and how much of it was spent
outside answering (process start, imports, index and model loading: wall time minus the
answer's own `timings.total`), the medians and their ratio. The machine is shared: keep
--runs small.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXE = Path(sys.executable).parent / "assistant"
QUESTION = "How many Boeing jets might China buy?"
STATE_FILE = "model-server.json"


def env(data_dir: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "OPENAI_"))}
    return {**clean, "ASSISTANT_DATA_DIR": data_dir, "ASSISTANT_CONFIG": str(ROOT / "config.toml")}


def ask(data_dir: str) -> tuple[float, float, dict[str, object]]:
    """Wall seconds, seconds outside the answer, the answer."""
    started = time.monotonic()
    command = [str(EXE), "ask", QUESTION, "--provider", "local", "--json"]
    out = subprocess.run(
        command, env=env(data_dir), capture_output=True, text=True, check=True, cwd=ROOT
    )
    wall = time.monotonic() - started
    answer = json.loads(out.stdout)
    return wall, wall - answer["timings"]["total"] / 1000, answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        subprocess.run(
            [str(EXE), "ingest", str(ROOT / "seeds")],
            env=env(data_dir),
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        alone, alone_out = [], []
        for n in range(args.runs):
            seconds, outside, _ = ask(data_dir)
            alone.append(seconds)
            alone_out.append(outside)
            print(f"without a server, run {n + 1}: {seconds:.1f} s, {outside:.1f} s outside")
        started = time.monotonic()
        server = subprocess.Popen(
            [str(EXE), "serve"],
            env=env(data_dir),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            while not (Path(data_dir) / STATE_FILE).exists():
                if server.poll() is not None:
                    raise SystemExit("assistant serve ended before it was ready")
                time.sleep(0.1)
            print(f"assistant serve ready in {time.monotonic() - started:.1f} s")
            served, served_out = [], []
            for n in range(args.runs):
                seconds, outside, _ = ask(data_dir)
                served.append(seconds)
                served_out.append(outside)
                print(f"through the server, run {n + 1}: {seconds:.1f} s, {outside:.1f} s outside")
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
    a, b = statistics.median(alone), statistics.median(served)
    c, d = statistics.median(alone_out), statistics.median(served_out)
    print(f"median wall: {a:.1f} s without a server, {b:.1f} s through it ({a / b:.1f}x)")
    print(f"median outside the answer: {c:.1f} s without, {d:.1f} s through it ({c / d:.1f}x)")


if __name__ == "__main__":
    main()
