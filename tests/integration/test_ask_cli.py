"""`assistant ask` and the prompt templates, through the command line and the config."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from answering import QUESTION, openai_bot
from conftest import (
    REPO_ROOT,
    SEED_ID,
    build_store,
    make_assistant,
)
from servers.llm_server import FakeLLM, free_port

from assistant.errors import ConfigError

# -- the command line and the prompt templates -------------------------------------------------

CITATION_KEYS = {
    "n",
    "article_id",
    "title",
    "source",
    "published",
    "quote",
    "start",
    "end",
    "supported",
    "score",
}


def test_cli_ask_json(seed_dir: Path, seed_text: str) -> None:
    exe = Path(sys.executable).parent / "assistant"
    result = subprocess.run(
        [
            str(exe),
            "--data-dir",
            str(seed_dir),
            "ask",
            QUESTION,
            "--json",
            "--provider",
            "extractive",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {"question", "answer", "abstained", "citations", "provider", "model", "timings"} <= set(
        data
    )
    assert data["question"] == QUESTION
    assert data["provider"] == "extractive"
    assert data["abstained"] is False
    assert "500" in data["answer"]
    [cite] = data["citations"]
    assert CITATION_KEYS <= set(cite)
    assert cite["n"] == 1 and cite["article_id"] == SEED_ID
    assert seed_text[cite["start"] : cite["end"]] == cite["quote"]
    assert isinstance(cite["supported"], bool) and 0 <= cite["score"] <= 1
    assert set(data["timings"]) >= {"retrieve", "total"}


def test_cli_ask_llm_error_is_one_line(seed_dir: Path) -> None:
    exe = Path(sys.executable).parent / "assistant"
    url = f"http://127.0.0.1:{free_port()}/v1"
    config = seed_dir.parent / "cli-config.toml"
    config.write_text(f'[llm]\nbase_url = "{url}"\ntimeout = 2.0\n', encoding="utf-8")
    result = subprocess.run(
        [
            str(exe),
            "--config",
            str(config),
            "--data-dir",
            str(seed_dir),
            "ask",
            QUESTION,
            "--provider",
            "openai",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and url in lines[0], result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("name", "placeholder"),
    [("answer", "sources"), ("answer", "question"), ("condense", "history")],
)
def test_prompt_without_placeholder_fails_at_start(
    tmp_path: Path, seed_dir: Path, name: str, placeholder: str
) -> None:
    prompts = tmp_path / "my-prompts"
    shutil.copytree(REPO_ROOT / "prompts", prompts)
    path = prompts / f"{name}.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("{" + placeholder + "}", ""))
    with pytest.raises(ConfigError) as err:
        make_assistant(seed_dir, answer__prompts_dir=str(prompts))
    message = str(err.value)
    assert str(path) in message
    assert "{" + placeholder + "}" in message


def test_edited_prompt_is_used(tmp_path: Path, seed_dir: Path, llm_server: FakeLLM) -> None:
    prompts = tmp_path / "my-prompts"
    shutil.copytree(REPO_ROOT / "prompts", prompts)
    (prompts / "system.txt").write_text("Answer like a pirate. {today} {unknown}")
    bot = openai_bot(seed_dir, llm_server, answer__prompts_dir=str(prompts))
    llm_server.script("Arr, 500 Boeing commercial jets [1].")
    bot.ask(QUESTION)
    system = llm_server.chat_requests[0].messages[0]["content"]
    assert system == f"Answer like a pirate. {date.today().isoformat()} {{unknown}}"


def test_article_text_with_braces_is_sent_literally(
    tmp_path: Path,
    llm_server: FakeLLM,
) -> None:
    article = tmp_path / "braces.jsonl"
    text = "The {question} of the {sources} budget was set at {today} million dollars for ferries."
    article.write_text(json.dumps({"id": "b", "title": "Ferry {budget}", "text": text}) + "\n")
    data_dir = tmp_path / "data"
    build_store(data_dir, article)
    bot = openai_bot(data_dir, llm_server)
    llm_server.script("It was set [1].")
    bot.ask("What was the ferry budget?")
    user = llm_server.chat_requests[0].messages[-1]["content"]
    assert text in user
    assert "[1] Ferry {budget}" in user
    assert user.count("Question: What was the ferry budget?") == 1
