"""Run the installed `assistant` command as a user would: its own process, a clean
environment (no OPENAI_* or ASSISTANT_* from the caller's shell), the repository's config
and a given data dir; output captured as text (bytes with `text=False`)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from conftest import CONFIG, REPO_ROOT, SCRUBBED

EXE = Path(sys.executable).parent / "assistant"


def cli_env(data_dir: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED and "ASSISTANT_" not in k}
    env |= {"ASSISTANT_CONFIG": str(CONFIG), "ASSISTANT_DATA_DIR": str(data_dir), "NO_COLOR": "1"}
    return env | dict(extra or {})


def run_assistant(
    data_dir: Path,
    *args: str,
    prefix: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    timeout: float = 300,
    text: bool = True,
) -> subprocess.CompletedProcess[Any]:
    """`[prefix...] assistant ARGS` on `data_dir`; `prefix` runs it under another command
    (setpriv, unshare)."""
    return subprocess.run(
        [*prefix, str(EXE), *args],
        capture_output=True,
        text=text,
        env=cli_env(data_dir, env),
        cwd=REPO_ROOT,
        timeout=timeout,
        check=False,
    )
