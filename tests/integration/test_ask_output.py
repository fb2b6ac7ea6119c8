"""What `assistant ask` prints (issue 15, item 3; issue 12, item 6): the checked answer,
once, and every [n] it prints is listed under Sources with that number. On a terminal the
draft streams and is replaced in place (the screen is read back through a terminal
emulator); piped, only the checked answer is printed. A partial answer says so and exits 3.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from answering import QUESTION, SPOOF_ARTICLE, SPOOF_TITLE_SHOWN, cite_fact
from commands import Screen, run_cli, run_in_terminal
from conftest import build_store, write
from servers.llm_server import FakeLLM, Reply

XI = "When might Xi visit the US?"
XI_FACT = "likely timed around the APEC summit"
ABSTAIN = "I couldn't find that in the articles."
SOURCE_LINE = re.compile(r"^\[(\d+)\] ", re.M)


def answer_and_sources(output: str) -> tuple[str, set[int]]:
    """The printed answer (before "Sources") and the numbers listed under Sources."""
    answer, _, sources = output.partition("\nSources\n")
    return answer, {int(n) for n in SOURCE_LINE.findall(sources)}


def assert_markers_listed(output: str) -> str:
    answer, listed = answer_and_sources(output)
    shown = {int(n) for n in re.findall(r"\[(\d+)\]", answer)}
    assert shown and shown <= listed, output
    return answer


def served(server: FakeLLM) -> dict[str, str]:
    return {
        "ASSISTANT_LLM__BASE_URL": server.url + "/v1",
        "ASSISTANT_LLM__MODEL": "test-model",
        "ASSISTANT_ANSWER__CONTEXT_WORDS": "0",
    }


def test_piped_ask_prints_the_checked_answer_once(seed_dir: Path) -> None:
    result = run_cli("ask", XI, "--provider", "extractive", data_dir=seed_dir)
    assert result.returncode == 0, result.stderr
    answer = assert_markers_listed(result.stdout)
    assert answer.count(XI_FACT) == 1
    assert "After checking" not in result.stdout


def test_terminal_ask_replaces_the_draft_in_place(seed_dir: Path) -> None:
    screen = run_in_terminal("ask", XI, "--provider", "extractive", data_dir=seed_dir)
    assert screen.returncode == 0, screen.text
    answer = assert_markers_listed(screen.text)
    assert " ".join(answer.split()).count(XI_FACT) == 1, screen.text
    assert "After checking" not in screen.text


def test_a_draft_the_check_rejects_is_not_left_on_the_screen(
    seed_dir: Path, llm_server: FakeLLM
) -> None:
    """The model's draft streams, the check finds nothing in it backed by the articles:
    the user is left with the abstention only."""
    llm_server.script(Reply.text("The sky over Beijing ", "was green all week [1]."))
    screen: Screen = run_in_terminal(
        "ask", QUESTION, "--provider", "openai", data_dir=seed_dir, env=served(llm_server)
    )
    assert screen.returncode == 0, screen.text
    assert llm_server.answer_requests
    assert ABSTAIN in screen.text
    assert "green" not in screen.text
    assert "green" in screen.raw  # it did stream, and was then replaced


def test_a_partial_answer_says_so_and_exits_3(seed_dir: Path, llm_server: FakeLLM) -> None:
    chunks = ["China may buy 500 ", "Boeing commercial jets [{n}].", " And then"]
    llm_server.respond(lambda request: Reply.cut(cite_fact(request, chunks)))
    env = served(llm_server)
    result = run_cli("ask", QUESTION, "--provider", "openai", data_dir=seed_dir, env=env)
    assert result.returncode == 3, result.stderr
    first = result.stdout.splitlines()[0]
    assert first.startswith("Partial answer: ") and llm_server.url in first
    assert "500 Boeing commercial jets" in assert_markers_listed(result.stdout)
    as_json = run_cli("ask", QUESTION, "--provider", "openai", "--json", data_dir=seed_dir, env=env)
    assert as_json.returncode == 3, as_json.stderr
    assert json.loads(as_json.stdout)["partial"] is True


def test_a_whole_answer_exits_0(seed_dir: Path, llm_server: FakeLLM) -> None:
    llm_server.respond(
        lambda request: cite_fact(request, ["China may buy 500 Boeing commercial jets [{n}]."])
    )
    result = run_cli(
        "ask", QUESTION, "--provider", "openai", data_dir=seed_dir, env=served(llm_server)
    )
    assert result.returncode == 0, result.stderr
    assert "Partial" not in result.stdout
    assert "500 Boeing commercial jets" in assert_markers_listed(result.stdout)


@pytest.fixture(scope="module")
def spoof_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    corpus = tmp_path_factory.mktemp("spoof") / "trade.jsonl"
    write(corpus, json.dumps(SPOOF_ARTICLE) + "\n")
    data_dir = tmp_path_factory.mktemp("spoof-store")
    build_store(data_dir, corpus)
    return data_dir


def test_titles_print_on_one_line(spoof_dir: Path) -> None:
    """A title with a newline and a fake "[9] …" line never prints a source line of its own
    (issue 12, item 5): in `ask`'s Sources, in `search` and in the `articles` table."""
    asked = run_cli("ask", QUESTION, "--provider", "extractive", data_dir=spoof_dir)
    searched = run_cli("search", "Boeing jets", data_dir=spoof_dir)
    table = run_in_terminal("articles", data_dir=spoof_dir, size=(200, 20))
    for output in (asked.stdout, searched.stdout, table.text):
        assert SPOOF_TITLE_SHOWN[:40] in output, output
        assert not [line for line in output.splitlines() if line.lstrip().startswith("[9]")]
    _, listed = answer_and_sources(asked.stdout)
    assert listed == {1}
    assert "Wire Desk" in searched.stdout
