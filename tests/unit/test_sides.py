"""The two sides a difference question compares (`answer.sides.sides`)."""

from __future__ import annotations

import pytest

from assistant.answer.sides import asks_years, sides


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "How many years after the launch of the Commodore 64 was the first Macintosh "
            "released?",
            ("the launch of the Commodore 64", "the first Macintosh released"),
        ),
        (
            "Roughly how many years separated the challenge to Margaret Thatcher and the "
            "deselection of Sir Nicholas Scott by his Kensington and Chelsea party?",
            (
                "the challenge to Margaret Thatcher",
                "the deselection of Sir Nicholas Scott by his Kensington and Chelsea party",
            ),
        ),
        (
            "How many more text messages were sent in the UK on New Year's Day than on an "
            "average day?",
            (
                "text messages were sent in the UK on New Year's Day",
                "text messages were sent on an average day",
            ),
        ),
        (
            "By how much did Australia's September-quarter growth beat the market forecast?",
            ("Australia's September-quarter growth", "the market forecast"),
        ),
    ],
)
def test_a_difference_question_names_its_two_sides(
    question: str, expected: tuple[str, str]
) -> None:
    assert sides(question) == expected


def test_a_side_that_points_back_takes_the_lead_sentence_with_it() -> None:
    question = (
        "Ahead of its results, Barclays had predicted its 2004 profit. By how much did "
        "the profit it reported exceed that forecast?"
    )
    reported, forecast = sides(question) or ("", "")
    assert reported == "the profit it reported"
    assert forecast.startswith("Ahead of its results, Barclays had predicted")
    assert forecast.endswith("that forecast")


def test_a_question_of_another_shape_has_no_sides() -> None:
    assert sides("How many people died in the fire?") is None
    assert sides("What is the difference?") is None
    # days between two dates are no figure a sentence states: left to the model
    assert sides("How many days after the election was the president sworn in?") is None
    assert sides("How many weeks separated the vote and the strike?") is None


def test_years_are_asked_only_as_the_unit_of_the_difference() -> None:
    assert asks_years("Roughly how many years separated A and B?")
    assert asks_years("How long after the launch was the Mac released?")
    assert not asks_years("How many more cars were sold this year than last year?")
