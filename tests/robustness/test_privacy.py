"""What is private stays private: the data dir is 0700 and everything in it (the Chroma
database, the keyword index, the chat history, feeds.json) 0600, also for an index made by
an older version; the OpenAI key goes to api.openai.com only, to another server only when
the user names the variable that holds its key, with a warning (once) before it travels
over plain http to another machine; credentials in a URL never show in an error.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from answering import QUESTION
from conftest import SEEDS, make_assistant, openai_assistant
from running import run_assistant
from servers.llm_server import FakeLLM, free_port

from assistant.errors import LLMError, StoreError

SECRET = "sk-test-PRIVATE-4242"


def modes(root: Path) -> dict[str, int]:
    out = {".": stat.S_IMODE(root.stat().st_mode)}
    for path in root.rglob("*"):
        if not path.is_symlink():
            out[str(path.relative_to(root))] = stat.S_IMODE(path.stat().st_mode)
    return out


def assert_private(root: Path) -> None:
    found = modes(root)
    loose = {
        name: oct(mode)
        for name, mode in found.items()
        if mode & 0o077 or mode & 0o700 != (0o700 if (root / name).is_dir() else 0o600)
    }
    assert not loose, f"readable by others: {loose}"


def test_everything_in_the_data_dir_is_owner_only(data_dir: Path) -> None:
    old = os.umask(0o022)  # the usual umask: files 0644 unless the assistant says otherwise
    try:
        bot = make_assistant(data_dir, llm__provider="extractive")
        bot.ingest(SEEDS)
        bot.history.add_turn(None, bot.ask(QUESTION))
        bot.feeds_add("http://127.0.0.1:9/feed")
    finally:
        os.umask(old)
    names = set(modes(data_dir))
    assert {"chroma/chroma.sqlite3", "conversations.sqlite", "feeds.json"} <= names
    assert any(name.startswith("news_keyword/") for name in names)
    assert_private(data_dir)


def test_an_older_index_is_tightened_when_opened(data_dir: Path) -> None:
    make_assistant(data_dir).ingest(SEEDS)
    for path in [data_dir, *data_dir.rglob("*")]:  # as an older version left it
        path.chmod(0o755 if path.is_dir() else 0o644)
    assert modes(data_dir)["chroma/chroma.sqlite3"] == 0o644
    assert make_assistant(data_dir).counts()[0] == 1
    assert_private(data_dir)


def test_the_openai_key_is_not_sent_to_another_server(
    seed_dir: Path, llm_server: FakeLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    llm_server.respond(lambda request: "China may buy 500 Boeing jets [1].")
    openai_assistant(seed_dir, llm_server).ask(QUESTION)
    sent = llm_server.chat_requests[-1].headers.get("Authorization", "")
    assert SECRET not in sent and sent == "Bearer not-needed"
    # naming the variable that holds this server's key sends that key, to this server
    monkeypatch.setenv("GPU_BOX_KEY", "gpu-box-key-77")
    openai_assistant(seed_dir, llm_server, llm__api_key_env="GPU_BOX_KEY").ask(QUESTION)
    assert llm_server.chat_requests[-1].headers["Authorization"] == "Bearer gpu-box-key-77"


WARN_PROBE = """
import sys
from assistant import Assistant
from assistant.errors import LLMError
for base_url in ("http://10.0.0.5:9/v1", "http://10.0.0.5:9/v1", "http://127.0.0.1:9/v1"):
    bot = Assistant.from_config(store__data_dir=sys.argv[1], llm__provider="openai",
                                llm__base_url=base_url, llm__api_key_env="GPU_BOX_KEY",
                                llm__timeout=2)
    try:
        bot.ask("How many Boeing jets might China buy?")
    except LLMError as exc:
        print("error:", exc)
"""


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare -n")
def test_a_key_over_plain_http_to_another_machine_is_warned_about_once(seed_dir: Path) -> None:
    """In a loopback-only namespace, 10.0.0.5 is on lo: nothing leaves the machine."""
    env = {**os.environ, "GPU_BOX_KEY": "gpu-box-key-77"}
    script = f"ip link set lo up && ip addr add 10.0.0.5/32 dev lo && exec {sys.executable} -c "
    done = subprocess.run(
        ["unshare", "-n", "sh", "-c", script + '"$0" "$1"', WARN_PROBE, str(seed_dir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    warnings = [line for line in done.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: the API key is sent to http://10.0.0.5:9/v1 over plain http: anyone on the "
        "way can read it (use https)"
    ]
    assert done.stdout.count("error:") == 3


def test_credentials_in_urls_never_show_in_errors(seed_dir: Path, tmp_path: Path) -> None:
    port = free_port()
    llm_url = f"http://reader:hunter2@127.0.0.1:{port}/v1"
    bot = make_assistant(seed_dir, llm__provider="openai", llm__base_url=llm_url, llm__timeout=2)
    with pytest.raises(LLMError) as llm_error:
        bot.ask(QUESTION)
    assert "hunter2" not in str(llm_error.value)
    assert f"http://***@127.0.0.1:{port}/v1" in str(llm_error.value)
    store_url = f"http://admin:s3cret@127.0.0.1:{port}"
    with pytest.raises(StoreError) as store_error:
        make_assistant(tmp_path / "d", store__url=store_url).counts()
    assert "s3cret" not in str(store_error.value) and "***@127.0.0.1" in str(store_error.value)
    for env, provider in (
        ({"ASSISTANT_STORE__URL": store_url}, "extractive"),
        ({"ASSISTANT_LLM__BASE_URL": llm_url, "ASSISTANT_LLM__TIMEOUT": "2"}, "openai"),
    ):
        done = run_assistant(seed_dir, "ask", QUESTION, "--provider", provider, env=env)
        assert done.returncode != 0
        assert "s3cret" not in done.stderr and "hunter2" not in done.stderr, done.stderr
        assert "***@127.0.0.1" in done.stderr
