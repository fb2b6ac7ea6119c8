"""How long the chat TUI takes to paint its first frame, from a cold interpreter.

Each run starts a fresh Python process that builds an `Assistant` (on an empty temp data
dir, extractive provider), runs `NewsApp` headless and records the moment the first frame
of the chat screen is composed and rendered. Times are measured from just before the
process is spawned (`time.monotonic()` is the system-wide CLOCK_MONOTONIC on Linux, so
parent and child share it), so interpreter start-up and imports are included.

    .venv/bin/python benchmarks/tui_startup.py [--runs 5]

Prints each run and the median, split into: `import assistant`, `import assistant.tui.app`,
and first paint (the total). The budget is 0.8 s for the total.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BUDGET = 0.8


def child(t0: float, data_dir: str) -> None:
    """Runs in the measured process: import, build, paint once, report, exit."""
    marks: dict[str, float] = {"interpreter": time.monotonic() - t0}
    from assistant import Assistant

    marks["import assistant"] = time.monotonic() - t0
    from assistant.tui.app import NewsApp

    marks["import tui"] = time.monotonic() - t0
    bot = Assistant.from_config(store__data_dir=data_dir, llm__provider="extractive")

    class Timed(NewsApp):
        def _display(self, screen: object, renderable: object) -> None:
            if renderable is not None and "first paint" not in marks:
                marks["first paint"] = time.monotonic() - t0
                self.exit()
            super()._display(screen, renderable)  # type: ignore[arg-type]

    async def run() -> None:
        app = Timed(bot)
        async with app.run_test(size=(100, 30)) as pilot:
            while "first paint" not in marks:
                await pilot.pause(0.005)

    asyncio.run(run())
    print(json.dumps(marks))


def measure(data_dir: str) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    t0 = time.monotonic()
    env["TUI_STARTUP_T0"] = repr(t0)
    out = subprocess.run(
        [sys.executable, __file__, "--child", data_dir],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    marks: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return marks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", metavar="DATA_DIR")
    args = parser.parse_args()
    if args.child:
        child(float(os.environ["TUI_STARTUP_T0"]), args.child)
        return
    with tempfile.TemporaryDirectory() as data_dir:
        runs = [measure(data_dir) for _ in range(args.runs)]
    for n, marks in enumerate(runs, 1):
        print(f"run {n}: " + "  ".join(f"{k} {v:.3f} s" for k, v in marks.items()))
    print("median:")
    for key in runs[0]:
        print(f"  {key:<17} {statistics.median(m[key] for m in runs):.3f} s")
    total = statistics.median(m["first paint"] for m in runs)
    verdict = "within" if total <= BUDGET else "over"
    print(f"first paint {total:.3f} s ({verdict} the {BUDGET} s budget)")


if __name__ == "__main__":
    main()
