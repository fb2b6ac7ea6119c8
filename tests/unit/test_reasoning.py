"""Reasoning in code: the order of two reports from their dates, differences of figures."""

from __future__ import annotations

import pytest

from assistant.answer.reasoning import difference, figures, order_in_time
from assistant.retrieve.outlets import OutletMatcher
from assistant.retrieve.pool import Found
from assistant.retrieve.questions import analyse
from assistant.types import Hit

MATCHER = OutletMatcher(["Sporting News", "The Roar | Sports Writers Blog"])


def hit(article: str, source: str, published: str | None) -> Hit:
    return Hit(article, f"{article} title", source, published, f"{article} text.", 1.0, 0, 9)


def found(question: str, first: Hit, second: Hit) -> Found:
    analysis = analyse(question, MATCHER)
    return Found(analysis, ((first,), (second,)), (first, second))


EARLY = hit("ghana", "Sporting News", "2023-10-04T12:00:00+00:00")
LATE = hit("tasmania", "The Roar | Sports Writers Blog", "2023-10-20T08:00:00+00:00")


@pytest.mark.parametrize(
    ("question", "first", "second", "verdict"),
    [
        (
            "Did the Sporting News report on Ghana before The Roar reported on Tasmania?",
            EARLY,
            LATE,
            "Yes",
        ),
        (
            "Did the Sporting News report on Ghana before The Roar reported on Tasmania?",
            LATE,
            EARLY,
            "No",
        ),
        (
            "Did the Sporting News report on Ghana after The Roar reported on Tasmania?",
            EARLY,
            LATE,
            "No",
        ),
        (
            "Did the Sporting News fail to report on Ghana before The Roar reported on it?",
            EARLY,
            LATE,
            "No",
        ),
    ],
)
def test_order_in_time_comes_from_the_publication_dates(
    question: str, first: Hit, second: Hit, verdict: str
) -> None:
    composed = order_in_time(found(question, first, second))
    assert composed is not None
    assert composed.text.split(".")[0] == verdict
    assert "[1]" in composed.text and "[2]" in composed.text
    assert composed.hits == (first, second)


def test_no_order_without_dates_or_for_other_questions() -> None:
    undated = hit("ghana", "Sporting News", None)
    question = "Did the Sporting News report on Ghana before The Roar reported on Tasmania?"
    assert order_in_time(found(question, undated, LATE)) is None
    other = "Did the Sporting News and The Roar both report a win?"
    assert order_in_time(found(other, EARLY, LATE)) is None


@pytest.mark.parametrize(
    ("answer", "added"),
    [
        ("The Commodore 64 launched in 1982 [1] and the Macintosh in 1984 [2].", "2 years"),
        ("About 133m texts were sent on the day [1], against 78m on an average day.", "55m"),
        ("Barclays forecast £4.5bn [1] and reported £4.6bn [1].", "£100m"),
        ("Growth was 1.1 per cent [1] against a forecast of 0.9 per cent [1].", "0.2 percentage"),
    ],
)
def test_the_difference_of_two_quoted_figures_is_worked_out(answer: str, added: str) -> None:
    sentence = difference("how many more?", answer)
    assert sentence is not None and added in sentence


def test_no_difference_when_it_is_given_or_the_figures_differ_in_kind() -> None:
    assert difference("q", "It rose from 2 [1] to 5 [2], 3 more.") is None
    assert difference("q", "It cost $5 [1] and 20% of buyers [2] paid it.") is None
    assert difference("q", "Only one figure: 500 jets [1].") is None
    assert [f.value for f in figures("500 jets [1] and £4.6bn [2]")] == [500.0, 4.6e9]
