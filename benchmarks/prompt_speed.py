"""How fast llama.cpp reads a prompt on this machine, per setting: what sets the local
model's time to first token.

Usage: .venv/bin/python benchmarks/prompt_speed.py [--tokens 480] [--quantizations]

With `--quantizations`, only the packaged Q4_K_M and a Q4_0 made from it
(`models.local.quantized_file("q4_0")`, once) are compared, on the same prompt, in the same
run: prompt tokens/s and the time to a first generated token.

Evaluates the same prompt (the seed article's first N tokens) with a cleared cache, three
times per setting, and prints the best time and tokens/s; then the answer prompt with and
without the system prompt's KV cache reused (llama-cpp-python keeps the longest common
prefix of the previous prompt).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SETTINGS: list[dict[str, object]] = [
    {"n_batch": 512},
    {"n_batch": 512, "n_ubatch": 512},
    {"n_batch": 512, "flash_attn": True},
    {"n_batch": 128, "n_ubatch": 128},
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, default=480)
    parser.add_argument("--quantizations", action="store_true")
    args = parser.parse_args()
    if args.quantizations:
        compare_quantizations(args.tokens)
        return

    from llama_cpp import Llama

    from assistant.models.local import model_file

    path = str(model_file())
    text = seed_text()
    for setting in SETTINGS:
        model = Llama(model_path=path, n_ctx=4096, n_threads=2, verbose=False, **setting)
        tokens = model.tokenize(text.encode())[: args.tokens]
        best = best_read(model, tokens)
        print(
            f"{setting!s:45} {len(tokens)} tokens  {best:6.2f} s  {len(tokens) / best:5.0f} tok/s"
        )
        model.close()

    system = (ROOT / "prompts" / "system.txt").read_text(encoding="utf-8")
    model = Llama(model_path=path, n_ctx=4096, n_threads=2, n_batch=512, verbose=False)
    words = text.split()
    for label, start in (("cold", 0), ("system prompt cached", 40)):
        user = " ".join(words[start : start + 110]) + "\nQuestion: what happened?"
        started = time.perf_counter()
        out = model.create_chat_completion(
            messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
            max_tokens=1,
        )
        seconds = time.perf_counter() - started
        print(f"answer prompt, {label:22} {out['usage']['prompt_tokens']} tokens  {seconds:5.2f} s")
    model.close()


def seed_text() -> str:
    """The prompt text: the seed article, three times over."""
    return next((ROOT / "seeds").glob("*.txt")).read_text(encoding="utf-8") * 3


def best_read(model: Any, tokens: list[int]) -> float:
    """The fastest of three reads of `tokens` from a cleared cache, in seconds."""
    times = []
    for _ in range(3):
        model.reset()
        started = time.perf_counter()
        model.eval(tokens)
        times.append(time.perf_counter() - started)
    return min(times)


def compare_quantizations(count: int) -> None:
    from llama_cpp import Llama

    from assistant.models.local import quantized_file

    text = seed_text()
    base = None
    for kind in ("q4_k_m", "q4_0"):
        started = time.perf_counter()
        path = quantized_file(kind)
        made = time.perf_counter() - started
        model = Llama(model_path=str(path), n_ctx=4096, n_threads=2, n_batch=512, verbose=False)
        tokens = model.tokenize(text.encode())[:count]
        best = best_read(model, tokens)
        rate = len(tokens) / best
        base = base or rate
        print(
            f"{kind:7} {path.stat().st_size / 1e6:6.0f} MB  {len(tokens)} tokens  "
            f"{best:6.2f} s  {rate:5.0f} tok/s  x{rate / base:.2f}  (file ready in {made:.0f} s)"
        )
        model.close()


if __name__ == "__main__":
    main()
