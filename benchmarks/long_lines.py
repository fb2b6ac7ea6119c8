"""Chunking a 3 MB file that is one long line, against the same words in paragraphs.

For each text, in a fresh process each (so the peak RSS is that run's own):
1. whole: llama-index's `SentenceSplitter` over the whole text at once (how every text was
   chunked before long texts were cut into segments),
2. ours: `chunk_article`, which cuts a text over 100,000 characters into ~20,000-character
   segments at a paragraph, line, sentence or word break first.

Embedding is left out: it costs the same per chunk whatever the line breaks (see
benchmarks/ingest.py). Prints seconds, peak RSS and chunks, and the ratios.

Usage: .venv/bin/python benchmarks/long_lines.py [MEGABYTES]   (default 3)
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time

WORDS = "the harbour council met on tuesday to discuss ferry timetables and the budget "


def text(kind: str, size: int) -> str:
    line = (WORDS * (size // len(WORDS) + 1))[:size]
    if kind == "paragraphs":  # the same words, a sentence and a paragraph every 400 chars
        return ".\n\n".join(line[i : i + 400] for i in range(0, size, 400))
    return line


def one(mode: str, kind: str, size: int) -> dict[str, float]:
    from assistant.index.chunks import _splitter, chunk_article
    from assistant.types import Article

    splitter = _splitter(160, 20)
    splitter.split_text("Warm up. The models load now.")
    body = text(kind, size)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    if mode == "whole":
        count = len(splitter.split_text(body))
    else:
        count = len(chunk_article(Article("a", "t", body)))
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "seconds": seconds,
        "rss_mb": peak / 1024,
        "growth_mb": (peak - base) / 1024,
        "chunks": count,
    }


def main() -> None:
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(one(sys.argv[2], sys.argv[3], int(sys.argv[4]))))
        return
    size = int(float(sys.argv[1] if len(sys.argv) > 1 else 3) * 1_000_000)
    results = {}
    for kind in ("paragraphs", "line"):
        for mode in ("whole", "ours"):
            done = subprocess.run(
                [sys.executable, __file__, "--one", mode, kind, str(size)],
                capture_output=True,
                text=True,
                check=True,
            )
            results[kind, mode] = json.loads(done.stdout.strip().splitlines()[-1])
    base = results["paragraphs", "whole"]
    print(f"{size / 1e6:g} MB of text, chunk_size 160, overlap 20")
    print(
        f"{'text':<11} {'chunker':<6} {'seconds':>8} {'x base':>7} {'peak RSS':>9} "
        f"{'growth':>8} {'chunks':>7}"
    )
    for (kind, mode), r in results.items():
        print(
            f"{kind:<11} {mode:<6} {r['seconds']:8.1f} {r['seconds'] / base['seconds']:7.2f} "
            f"{r['rss_mb']:7.0f}MB {r['growth_mb']:6.0f}MB {r['chunks']:7.0f}"
        )


if __name__ == "__main__":
    main()
