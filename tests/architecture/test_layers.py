"""The shape of the house: layers (import-linter contracts in pyproject.toml, run by `make
test`), and here what a contract cannot say: nothing outside the TUI loads Textual at run
time, the package root stays small, modules stay readable, each says why it exists."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from conftest import REPO_ROOT

PACKAGE = REPO_ROOT / "assistant"
TUI = PACKAGE / "tui"


def _modules() -> list[tuple[str, Path]]:
    """(dotted name, file) of every module of the package outside assistant/tui."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.is_relative_to(TUI):
            continue
        parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found.append((".".join(parts), path))
    return found


def test_the_package_has_modules() -> None:
    names = {name for name, _ in _modules()}
    assert {"assistant", "assistant.api", "assistant.cli", "assistant.config"} <= names


def test_the_package_root_holds_at_most_ten_modules() -> None:
    root = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(root) <= 10, root


def test_no_module_is_over_400_lines_and_each_has_a_docstring() -> None:
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert len(text.splitlines()) <= 400, f"{path} has {len(text.splitlines())} lines"
        assert ast.get_docstring(ast.parse(text)), f"{path} has no module docstring"


def test_the_package_exports_what_the_readme_documents() -> None:
    import assistant

    documented = {"Assistant", "Answer", "Citation", "Chat", "AnswerStream", "Hit", "Article"}
    assert documented <= set(assistant.__all__)
    assert all(hasattr(assistant, name) for name in assistant.__all__)


def test_importing_outside_the_tui_does_not_load_textual() -> None:
    names = [name for name, _ in _modules()]
    script = (
        "import importlib, json, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'textual')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded == [], f"textual was imported by a module outside assistant/tui: {loaded}"


def _imported_modules(tree: ast.AST) -> set[str]:
    """Absolute names of every module an AST imports (at any depth, lazily or not)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_no_module_outside_the_tui_imports_textual() -> None:
    offenders = []
    for name, path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        if any(m == "textual" or m.startswith("textual.") for m in _imported_modules(tree)):
            offenders.append(name)
    assert offenders == [], f"only assistant/tui may import textual: {offenders}"
