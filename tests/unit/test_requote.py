"""Which shown sentence a misread claim came from (`answer.requote.misread`)."""

from __future__ import annotations

from assistant.answer.requote import misread

SHOWN = [
    "Around 10,000 people visited the campaign's website during the day. About 12% of users "
    "were based in Iran, the campaign's director said. … The eyes of 8 million bloggers are "
    "on Iran now.",
    "Orange Prize winner Andrea Levy has seen her book Small Island win the Whitbread Novel "
    "of the Year Award.",
]
TITLES = ["Day of action for jailed bloggers", "Andrea Levy tipped for Whitbread prize"]


def test_a_claim_with_another_figure_points_at_its_sentence() -> None:
    reply = "8% of users were based in Iran, the campaign's director said [3]."
    assert misread(reply, SHOWN, TITLES) == (
        0,
        "About 12% of users were based in Iran, the campaign's director said.",
    )


def test_the_sentence_is_one_sentence_not_a_shown_run() -> None:
    reply = "The eyes of 9 million bloggers are on Iran now."
    assert misread(reply, SHOWN, TITLES) == (0, "The eyes of 8 million bloggers are on Iran now.")


def test_a_title_read_back_points_at_no_sentence() -> None:
    # four of its five words stand in the second passage's sentence
    assert misread("Andrea Levy tipped for Whitbread prize [2].", SHOWN, TITLES) is None


def test_a_claim_of_other_words_points_at_no_sentence() -> None:
    assert misread("Users in Iran were blocked from the website [1].", SHOWN, TITLES) is None
    assert misread("12% were in Iran.", SHOWN, TITLES) is None  # too few words to point
