"""How fast llama.cpp reads a prompt on this machine, per setting: what sets the local
model's time to first token.

Usage: .venv/bin/python benchmarks/prompt_speed.py [--tokens 480]

Evaluates the same prompt (the seed article's first N tokens) with a cleared cache, three
times per setting, and prints the best time and tokens/s; then the answer prompt with and
without the system prompt's KV cache reused (llama-cpp-python keeps the longest common
prefix of the previous prompt).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

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
    args = parser.parse_args()

    from llama_cpp import Llama

    from assistant.models.local import model_file

    path = str(model_file())
    text = next((ROOT / "seeds").glob("*.txt")).read_text(encoding="utf-8") * 3
    for setting in SETTINGS:
        model = Llama(model_path=path, n_ctx=4096, n_threads=2, verbose=False, **setting)
        tokens = model.tokenize(text.encode())[: args.tokens]
        times = []
        for _ in range(3):
            model.reset()
            started = time.perf_counter()
            model.eval(tokens)
            times.append(time.perf_counter() - started)
        best = min(times)
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


if __name__ == "__main__":
    main()
