"""How long a briefing of a busy day takes: 500 articles published in the last 24 hours.

The day is built from real news text: the first 500 BBC articles of ../shared/eval/bbc (by
path), each given a publication time spread over the last 23 hours (the texts are from
2004-5; only the dates are made up), ingested once into a data dir of its own (grouping into
stories runs at ingest and is timed separately). Then `Assistant.brief("24h")` with the
extractive provider, three times (the first pays for loading the models). The baseline,
in the same run and process, is one extractive answer (`ask`) over the same index: the
briefing's cost is shown as a number of answers. Each briefing uses a fresh `Assistant`
(nothing cached but the loaded model); the first also pays for loading the models.

    .venv/bin/python benchmarks/brief.py [--articles 500] [--data-dir /tmp/brief-day]
    .venv/bin/python benchmarks/brief.py --local --stories 3   # the local model (slow)
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant import Assistant  # noqa: E402

SHARED = next((p / "shared" for p in REPO.parents if (p / "shared" / "eval").is_dir()), REPO)
BBC = SHARED / "eval" / "bbc"


def day_file(folder: Path, count: int) -> Path:
    now = datetime.now(UTC)
    paths = sorted(p for p in BBC.rglob("*.txt"))[:count]
    rows = []
    for i, path in enumerate(paths):
        text = path.read_bytes().decode("utf-8", errors="replace")
        title, _, body = text.strip().partition("\n")
        when = now - timedelta(minutes=5 + (i * 23 * 60) // max(1, count))
        rows.append(
            {
                "id": str(path.relative_to(BBC)),
                "title": title.strip(),
                "text": body.strip(),
                "source": f"BBC {path.parent.name}",
                "published": when.isoformat(timespec="seconds"),
            }
        )
    out = folder / "day.jsonl"
    out.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--local", action="store_true", help="summaries by the local model")
    parser.add_argument("--stories", type=int, default=3, help="stories the local model writes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data_dir or Path(tmp) / "store"
        bot = Assistant.from_config(store__data_dir=str(data_dir), llm__provider="extractive")
        if bot.open(create=True).counts()[0] == 0:
            started = time.perf_counter()
            report = bot.ingest(day_file(Path(tmp), args.articles))
            print(f"ingest: {report.added} articles in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        bot.store.rebuild_stories()
        took = time.perf_counter() - started
        print(f"grouping {bot.counts()[0]} articles into stories: {took:.2f} s")
        if args.local:
            local = Assistant.from_config(
                store__data_dir=str(data_dir),
                llm__provider="local",
                brief__llm_stories=args.stories,
            )
            started = time.perf_counter()
            briefing = local.brief("24h")
            took = time.perf_counter() - started
            print(
                f"local brief: {len(briefing.stories)} stories ({args.stories} written by the "
                f"model) in {took:.1f} s"
            )
            return
        runs = []
        for _ in range(3):  # a fresh Assistant each time: no sentence vector is cached
            fresh = Assistant.from_config(store__data_dir=str(data_dir), llm__provider="extractive")
            started = time.perf_counter()
            briefing = fresh.brief("24h")
            runs.append(time.perf_counter() - started)
        several = sum(1 for s in briefing.stories if len(s.articles) > 1)
        started = time.perf_counter()
        bot.ask("What did the chancellor say about the economy?")
        ask = time.perf_counter() - started
        print(
            f"extractive brief of {briefing.articles} articles: {len(briefing.stories)} stories "
            f"({several} with several articles); runs {', '.join(f'{r:.1f}' for r in runs)} s"
        )
        best = min(runs[1:])
        print(f"baseline: one extractive answer {ask:.2f} s; brief = {best / ask:.1f} answers")


if __name__ == "__main__":
    main()
