"""A real Chroma server for the tests: `chroma run` (as in the README's "Running at scale")
on a free port of 127.0.0.1, in its own folder, stopped when the test is done."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from .llm_server import free_port

CHROMA = Path(sys.executable).parent / "chroma"


def _heartbeat(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@contextmanager
def running_chroma(path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`chroma run --path PATH --host 127.0.0.1 --port PORT`; its URL once it answers."""
    if not CHROMA.is_file():
        pytest.skip(f"{CHROMA} not installed")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(path / "server.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        # the README's command, with the host spelled out
        [CHROMA, "run", "--path", path / "db", "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=path,
    )
    try:
        deadline = time.monotonic() + 60
        while not _heartbeat(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                tail = (path / "server.log").read_text(errors="replace")[-2000:]
                pytest.fail(f"chroma server did not start (exit {proc.poll()}):\n{tail}")
            time.sleep(0.1)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()
