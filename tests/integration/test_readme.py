"""The README's Python example runs as written and prints what a reader expects."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path


def test_readme_python_example_runs(repo_root: Path, data_dir: Path) -> None:
    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    [code] = re.findall(r"```python\n(.*?)```", readme, re.S)
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=repo_root,
        env={**os.environ, "ASSISTANT_DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Media: Trump’s China visit paves way for Xi Jinping’s US trip"
    assert "500 Boeing" in lines[1] and lines[1].endswith("[1]")
