"""Running the `assistant` command as a user does: piped, or in a pseudo-terminal.

`run_cli` runs it with its output captured (not a terminal, as in a script or a pipe).
`run_in_terminal` runs it on a pseudo-terminal (`os.openpty`) and replays what it wrote
through a terminal emulator (pyte), so a test reads the screen the user is left with: text a
program drew and then erased in place (a streamed draft) is not on it.
"""

from __future__ import annotations

import fcntl
import os
import select
import struct
import subprocess
import sys
import termios
import time
from dataclasses import dataclass
from pathlib import Path

from conftest import CONFIG, REPO_ROOT, SCRUBBED

Result = subprocess.CompletedProcess[str]


def command() -> list[str]:
    script = Path(sys.executable).parent / "assistant"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "assistant.cli"]  # the package is importable, not installed


def cli_env(data_dir: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment without the developer's ASSISTANT_* and OPENAI_* variables."""
    clean = {
        k: v for k, v in os.environ.items() if not (k.startswith("ASSISTANT_") or k in SCRUBBED)
    }
    clean.update(ASSISTANT_CONFIG=str(CONFIG), ASSISTANT_DATA_DIR=str(data_dir), **(env or {}))
    return clean


def run_cli(
    *args: str,
    data_dir: Path,
    env: dict[str, str] | None = None,
    timeout: float = 120,
    stdin: str | None = None,
) -> Result:
    """Run `assistant ARGS` with a clean environment and its own data dir (piped)."""
    return subprocess.run(
        [*command(), *args],
        cwd=REPO_ROOT,
        env=cli_env(data_dir, {"NO_COLOR": "1", **(env or {})}),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def assert_one_line_error(result: Result) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), result.stderr
    return lines[0]


@dataclass(frozen=True)
class Screen:
    """What a command left on a terminal."""

    returncode: int
    lines: list[str]
    """The screen's rows as the user sees them at the end (trailing blanks removed)."""
    raw: str
    """Everything the command wrote, escape sequences included."""

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def run_in_terminal(
    *args: str,
    data_dir: Path,
    env: dict[str, str] | None = None,
    size: tuple[int, int] = (100, 60),
    timeout: float = 120,
) -> Screen:
    """Run `assistant ARGS` with stdin, stdout and stderr on a pseudo-terminal of `size`
    (columns, rows); return the screen it leaves."""
    import pyte

    columns, rows = size
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    process = subprocess.Popen(
        [*command(), *args],
        cwd=REPO_ROOT,
        env=cli_env(data_dir, {"TERM": "xterm-256color", **(env or {})}),
        stdin=slave,
        stdout=slave,
        stderr=slave,
        close_fds=True,
    )
    os.close(slave)
    output = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: the other side is closed
                    break
                if not data:
                    break
                output += data
            elif process.poll() is not None:
                break
        else:
            process.kill()
            raise AssertionError(f"timed out: {output.decode(errors='replace')[-2000:]}")
        returncode = process.wait(timeout=30)
    finally:
        os.close(master)
    raw = output.decode("utf-8", errors="replace")
    screen = pyte.Screen(columns, rows)
    pyte.Stream(screen).feed(raw)  # the terminal turned "\n" into "\r\n" already
    lines = [line.rstrip() for line in screen.display]
    while lines and not lines[-1]:
        lines.pop()
    return Screen(returncode, lines, raw)
