"""A yes/no on several reports from a verdict per report: which questions, and the answer."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from assistant.answer.evidence import Evidence
from assistant.answer.per_report import Verdict, compose, judged, verdicts
from assistant.answer.prompts import DEFAULTS, Prompts
from assistant.errors import LLMError
from assistant.models.llm import Message
from assistant.retrieve.outlets import OutletMatcher
from assistant.retrieve.questions import analyse
from assistant.types import Hit

MATCHER = OutletMatcher(["TechCrunch", "The Guardian", "Fortune"])
CLAUSES = (
    "Does the TechCrunch article say the trial began, while the Guardian article says "
    "the jury was chosen?"
)


class Replies:
    """A model that answers each prompt from a list, and keeps the prompts."""

    provider, model = "test", "test"

    def __init__(self, *replies: str | Exception) -> None:
        self.replies = list(replies)
        self.prompts: list[str] = []

    def stream(
        self, messages: Sequence[Message], *, max_tokens: int, temperature: float
    ) -> Iterator[str]:
        self.prompts.append(messages[-1]["content"])
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        yield reply

    def prime(self, messages: Sequence[Message]) -> None:
        pass


def hit(article: str, source: str, text: str) -> Hit:
    return Hit(article, f"{article} title", source, "2023-10-04", text, 1.0, 0, len(text))


EVIDENCE = Evidence(
    (
        hit("tc", "TechCrunch", "The trial began on Tuesday."),
        hit("gu", "The Guardian", "Twelve jurors were chosen."),
    ),
    None,
    (0, 1),
)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (CLAUSES, True),
        ("Did both TechCrunch and Fortune report that the trial began?", True),
        ("Did TechCrunch report that the trial began?", False),  # one report
        ("Which company did both TechCrunch and Fortune name?", False),  # not yes/no
        ("Did the trial begin?", False),
    ],
)
def test_only_a_yes_or_no_on_several_reports_is_judged_per_report(
    question: str, expected: bool
) -> None:
    assert judged(analyse(question, MATCHER)) is expected


def test_each_report_is_asked_about_alone_with_its_own_sentences() -> None:
    llm = Replies("Yes.", " no")
    found = verdicts(llm, DEFAULTS["verdict"], analyse(CLAUSES, MATCHER), EVIDENCE)
    assert found == [Verdict(0, "TechCrunch", True), Verdict(1, "The Guardian", False)]
    techcrunch, guardian = llm.prompts
    assert "Report from TechCrunch" in techcrunch and "The trial began" in techcrunch
    assert "jurors" not in techcrunch and "jury" not in techcrunch
    assert "Twelve jurors were chosen." in guardian and "trial began on" not in guardian


@pytest.mark.parametrize("reply", ["Perhaps", "", LLMError("the server went away")])
def test_an_undecided_or_failed_verdict_leaves_the_question_to_the_usual_path(
    reply: str | Exception,
) -> None:
    llm = Replies("Yes", reply)
    assert verdicts(llm, DEFAULTS["verdict"], analyse(CLAUSES, MATCHER), EVIDENCE) is None


def test_a_cancelled_answer_asks_nothing_more() -> None:
    llm = Replies("Yes", "Yes")
    analysis = analyse(CLAUSES, MATCHER)
    assert verdicts(llm, DEFAULTS["verdict"], analysis, EVIDENCE, cancelled=lambda: True) is None
    assert llm.prompts == []


def test_the_answer_says_yes_or_names_the_reports_that_do_not_bear_it_out() -> None:
    quotes = "TechCrunch: “The trial began.” [1]"
    holds = [Verdict(0, "TechCrunch", True), Verdict(1, "The Guardian", True)]
    assert compose(holds, quotes) == f"Yes. {quotes}"
    one = [Verdict(0, "TechCrunch", True), Verdict(1, "The Guardian", False)]
    assert compose(one, quotes) == f"No: The Guardian does not say so. {quotes}"
    two = [Verdict(0, "TechCrunch", False), Verdict(1, "Fortune", False)]
    assert compose(two, quotes).startswith("No: TechCrunch and Fortune do not say so. ")


def test_the_shipped_verdict_template_is_the_built_in_one() -> None:
    # a prompts folder without verdict.txt gets the built-in text: the two must not drift
    shipped = Path(__file__).parents[2] / "prompts" / "verdict.txt"
    assert shipped.read_text(encoding="utf-8").strip() == DEFAULTS["verdict"]
    assert Prompts.load(shipped.parent).verdict == DEFAULTS["verdict"]


def test_a_prompts_folder_written_before_verdicts_still_loads(tmp_path: Path) -> None:
    shipped = Path(__file__).parents[2] / "prompts"
    for name in ("system", "answer", "condense"):
        (tmp_path / f"{name}.txt").write_text((shipped / f"{name}.txt").read_text("utf-8"))
    assert Prompts.load(tmp_path).verdict == DEFAULTS["verdict"]
