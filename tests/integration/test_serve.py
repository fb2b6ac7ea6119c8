"""`assistant serve` keeps the embedded model loaded for the commands of its data dir (issue
15, item 5). The CLI finds a running server by the state file in the data dir (host, port,
pid, model file) and answers through it as the `local` provider; a stale file, another model
or a server that does not listen is ignored. The fast tests stand the fake OpenAI-compatible
server in for llama.cpp's (the pid in the state file is this test process's, which is the
process serving it); one slow test runs the real `assistant serve`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from answering import QUESTION, cite_fact
from commands import cli_env, command, run_cli
from conftest import REPO_ROOT, write
from servers.llm_server import FakeLLM, free_port

from assistant.models.served import STATE_FILE


@pytest.fixture
def fake_model(tmp_path: Path) -> Path:
    """A model file that is not a GGUF: loading it in-process fails, loudly."""
    return write(tmp_path / "fake.gguf", b"not a model")


def state_for(data_dir: Path, port: int, model: Path, pid: int | None = None) -> dict[str, object]:
    state = {
        "host": "127.0.0.1",
        "port": port,
        "pid": os.getpid() if pid is None else pid,
        "model_path": str(model),
        "model": "served-model",
        "context_size": 4096,
    }
    write(data_dir / STATE_FILE, json.dumps(state))
    return state


def ask_local(data_dir: Path, model: Path) -> subprocess.CompletedProcess[str]:
    env = {"ASSISTANT_LLM__MODEL_PATH": str(model), "ASSISTANT_ANSWER__CONTEXT_WORDS": "0"}
    return run_cli("ask", QUESTION, "--provider", "local", "--json", data_dir=data_dir, env=env)


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_ask_answers_through_a_running_server(
    seed_dir: Path, llm_server: FakeLLM, fake_model: Path
) -> None:
    llm_server.respond(lambda r: cite_fact(r, ["China may buy 500 Boeing commercial jets [{n}]."]))
    state_for(seed_dir, llm_server.port, fake_model)
    try:
        result = ask_local(seed_dir, fake_model)
        shown = run_cli(
            "ask",
            QUESTION,
            "--provider",
            "local",
            data_dir=seed_dir,
            env={"ASSISTANT_LLM__MODEL_PATH": str(fake_model)},
        )
    finally:
        (seed_dir / STATE_FILE).unlink()
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert (answer["provider"], answer["model"]) == ("local", "served-model")
    assert "500 Boeing commercial jets" in answer["answer"]
    assert llm_server.answer_requests, "the server answered, not an in-process model"
    assert llm_server.answer_requests[0].body["model"] == "served-model"
    assert f"served at 127.0.0.1:{llm_server.port}" in shown.stderr


@pytest.mark.parametrize("stale", ["dead pid", "not listening", "other model", "garbage"])
def test_a_stale_or_foreign_state_file_is_ignored(
    seed_dir: Path, llm_server: FakeLLM, fake_model: Path, tmp_path: Path, stale: str
) -> None:
    """Then the local model loads in-process, which fails on this fake file: the error
    names it, and the server got nothing."""
    if stale == "dead pid":
        state_for(seed_dir, llm_server.port, fake_model, pid=dead_pid())
    elif stale == "not listening":
        state_for(seed_dir, free_port(), fake_model)
    elif stale == "other model":
        state_for(seed_dir, llm_server.port, write(tmp_path / "other.gguf", b"x"))
    else:
        write(seed_dir / STATE_FILE, "{not json")
    try:
        result = ask_local(seed_dir, fake_model)
    finally:
        (seed_dir / STATE_FILE).unlink()
    assert result.returncode == 1
    assert "cannot load the model" in result.stderr and str(fake_model) in result.stderr
    assert llm_server.chat_requests == []


def test_serve_refuses_a_second_server(
    seed_dir: Path, llm_server: FakeLLM, fake_model: Path
) -> None:
    state_for(seed_dir, llm_server.port, fake_model)
    try:
        result = run_cli(
            "serve", data_dir=seed_dir, env={"ASSISTANT_LLM__MODEL_PATH": str(fake_model)}
        )
    finally:
        (seed_dir / STATE_FILE).unlink()
    assert result.returncode == 1
    assert f"already runs at http://127.0.0.1:{llm_server.port}/v1" in result.stderr


@pytest.mark.slow
def test_assistant_serve_end_to_end(seed_dir: Path) -> None:
    """The real server with the embedded model: `ask` answers through it; SIGTERM stops it
    and removes its state file."""
    from assistant.models.local import local_available

    if not local_available():
        pytest.skip("the embedded model is not installed")
    server = subprocess.Popen(
        [*command(), "serve"],
        cwd=REPO_ROOT,
        env=cli_env(seed_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    state_path = seed_dir / STATE_FILE
    try:
        deadline = time.monotonic() + 300
        while not state_path.exists():
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        state = json.loads(state_path.read_text(encoding="utf-8"))
        assert state["pid"] == server.pid and state["host"] == "127.0.0.1"
        result = run_cli(
            "ask", QUESTION, "--provider", "local", "--json", data_dir=seed_dir, timeout=600
        )
        assert result.returncode == 0, result.stderr
        answer = json.loads(result.stdout)
        assert answer["provider"] == "local" and "500" in answer["answer"]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    assert server.returncode == 0, server.stderr.read() if server.stderr else ""
    assert not state_path.exists()
