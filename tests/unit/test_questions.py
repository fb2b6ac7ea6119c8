"""Question analysis: the outlets, dates, kind and parts a question names, by rules."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from assistant.retrieve.dates import date_mentions
from assistant.retrieve.outlets import OutletMatcher
from assistant.retrieve.questions import analyse, kind_of, main_clause

SOURCES = [
    "The Verge",
    "TechCrunch",
    "Fortune",
    "The Age",
    "Wired",
    "CBSSports.com",
    "The Independent - Life and Style",
    "The Independent - Sports",
    "The Roar | Sports Writers Blog",
    "Cnbc | World Business News Leader",
    "Sporting News",
    "Business Today | Latest Stock Market And Economy News India",
]
MATCHER = OutletMatcher(SOURCES)


def named(question: str) -> list[tuple[str, tuple[str, ...]]]:
    return [(m.text, m.sources) for m in MATCHER.mentions(question)]


@pytest.mark.parametrize(
    ("question", "sources"),
    [
        ("What did The Verge say?", ("The Verge",)),
        ("What did the Verge say?", ("The Verge",)),
        ("What did Verge say?", ("The Verge",)),
        ("Did 'Fortune' report it?", ("Fortune",)),
        ("What did CBS Sports report?", ("CBSSports.com",)),
        ("What did CBSSports.com report?", ("CBSSports.com",)),
        ("Did CNBC cover it?", ("Cnbc | World Business News Leader",)),
        ("Was it in The Roar | Sports Writers Blog?", ("The Roar | Sports Writers Blog",)),
        ("What did TECHCRUNCH say?", ("TechCrunch",)),
        ("Did The Verge's review say so?", ("The Verge",)),
        ("Was Wired’s review kind?", ("Wired",)),
    ],
)
def test_an_outlet_is_found_whatever_the_spelling(question: str, sources: tuple[str]) -> None:
    [(_, found)] = named(question)
    assert found == sources


def test_a_shared_name_stands_for_every_source_and_the_exact_name_for_one() -> None:
    assert named("Was 'The Independent - Life and Style' right?") == [
        ("The Independent - Life and Style", ("The Independent - Life and Style",))
    ]
    [(_, both)] = named("What did The Independent say?")
    assert both == ("The Independent - Life and Style", "The Independent - Sports")


def test_common_words_name_no_outlet() -> None:
    assert named("At the age of 30 he made a fortune and wired money to the verge.") == []
    assert named("Wired reporters said so.") == []  # a capital at the start is no name
    assert named("The Age reported that Wired agreed.") == [
        ("The Age", ("The Age",)),
        ("Wired", ("Wired",)),
    ]


def test_dates_and_periods_become_day_ranges() -> None:
    question = (
        "Between the TechCrunch report on October 2, 2023 and the Verge piece published at "
        "'2023-12-06T13:55:17+00:00', and one in late November, what changed?"
    )
    found = [(m.first, m.last) for m in date_mentions(question, 2020)]
    assert found == [
        (date(2023, 10, 1), date(2023, 10, 3)),
        (date(2023, 12, 5), date(2023, 12, 7)),
        (date(2023, 11, 21), date(2023, 11, 30)),
    ]
    [october] = date_mentions("the article from 'Sport Grill' on October 31st", 2023)
    assert (october.first, october.last) == (date(2023, 10, 30), date(2023, 11, 1))
    [week] = date_mentions("What happened last week?", 2023, today=date(2026, 12, 2))
    assert (week.first, week.last) == (date(2026, 11, 23), date(2026, 11, 29))
    assert date_mentions("Which horse won the 2005 Grand National?", 2023) == []
    assert date_mentions("She may win in the end.", 2023) == []


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Who won the men's singles title?", "entity"),
        ("In which southern Kashmir village did forces kill eight militants?", "entity"),
        ("When residents were evacuated, to which town did they go?", "entity"),
        ("Does the TechCrunch article suggest X, while Fortune says Y?", "yes/no"),
        ("Between the report from A on May 5, and the one from B, was there a change?", "yes/no"),
        ("Did the Sporting News report on the match before The Roar reported on it?", "order"),
        ("Did Engadget publish its review after The Verge's story ran?", "order"),
        ("Did the Herald say the striker returned after a head injury, as the Age did?", "yes/no"),
        ("Did both say his odds before December 5, 2023 held in their reporting?", "yes/no"),
        ("Was the story the Verge published after that date consistent with it?", "yes/no"),
        ("Is the portrayal of the deal consistent or inconsistent?", "choice"),
        ("Did the same source report a win or a loss for Dallas?", "choice"),
        ("How many more texts were sent in 2004 than in 2003?", "difference"),
        ("Considering an article from A and B, which city hosted the festival?", "entity"),
    ],
)
def test_the_kind_of_a_question(question: str, kind: str) -> None:
    assert kind_of(question)[0] == kind


def test_a_choice_keeps_its_options_and_a_yes_no_clause_is_not_one() -> None:
    assert kind_of("Is the stance consistent or inconsistent?") == (
        "choice",
        ("consistent", "inconsistent"),
    )
    long = "Do both agree that odds move, or do they present different reasons for it?"
    assert kind_of(long)[0] == "yes/no"
    assert main_clause("Between A and B, was there a change?") == "was there a change?"


def test_outlets_in_different_clauses_are_separate_parts_with_their_dates() -> None:
    question = (
        "Does the TechCrunch article on GPT-4 published on October 2, 2023 suggest toxic "
        "output, while the Fortune article on Meta's open source AI indicate danger?"
    )
    analysis = analyse(question, MATCHER, default_year=2023)
    assert analysis.kind == "yes/no" and analysis.multi
    gpt, meta = analysis.parts
    assert gpt.sources == ("TechCrunch",) and "GPT-4" in gpt.query and "Meta" not in gpt.query
    assert meta.sources == ("Fortune",) and "Meta's open source AI" in meta.query
    assert gpt.since is not None and gpt.until is not None and meta.since is None
    assert "TechCrunch" not in gpt.query  # the outlet is a filter, not words to match


def day(epoch: int | None) -> str | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC).date().isoformat()


def test_a_date_written_after_an_outlet_is_that_outlets_even_when_the_next_is_closer() -> None:
    question = (
        "Was the account of the founder consistent between the TechCrunch report published "
        "on October 7, 2023, and The Verge report published on October 28, 2023?"
    )
    crunch, verge = analyse(question, MATCHER, default_year=2023).parts
    assert crunch.sources == ("TechCrunch",) and verge.sources == ("The Verge",)
    assert (day(crunch.since), day(crunch.until)) == ("2023-10-06", "2023-10-08")
    assert (day(verge.since), day(verge.until)) == ("2023-10-27", "2023-10-29")


def test_names_joined_by_and_in_a_reports_topic_keep_its_date_with_it() -> None:
    question = (
        "Did the Wired review of the Pixel and the iPhone published on October 5, 2023, and "
        "the TechCrunch review say the same about the cameras?"
    )
    wired, crunch = analyse(question, MATCHER, default_year=2023).parts
    assert day(wired.since) == "2023-10-04" and crunch.since is None


def test_one_outlets_two_dated_reports_are_two_parts_each_with_its_date() -> None:
    question = (
        "Has the broadcasting platform for Thursday Night Football as reported by Sporting "
        "News changed between the game featuring the Lions and Packers on September 28, "
        "2023, and the game featuring the Bears and Panthers on November 9, 2023?"
    )
    lions, bears = analyse(question, MATCHER, default_year=2023).parts
    assert lions.sources == bears.sources == ("Sporting News",)
    assert (day(lions.since), day(bears.since)) == ("2023-09-27", "2023-11-08")
    assert "Lions" in lions.query and "Bears" not in lions.query
    assert bears.query.startswith("the game featuring the Bears")
    later = "After TechCrunch reported on October 31 that Google paid billions for search, and "
    first, second = analyse(
        later + "then on December 15 reported an antitrust suit against Google?", MATCHER
    ).parts
    assert first.query.endswith("for search") and second.query.startswith("on December 15")


def test_a_part_that_names_a_report_and_says_nothing_of_it_is_asked_the_whole_question() -> None:
    question = (
        "Between the report from CBSSports.com published on October 12, 2023, and the report "
        "from The Verge, has the status of Taylor Swift's relationship changed?"
    )
    cbs, verge = analyse(question, MATCHER).parts
    assert cbs.query.startswith("Between the report from published on October 12")
    assert cbs.query.endswith("Taylor Swift's relationship changed")
    assert verge.query.startswith("has the status") and "CBSSports.com" not in cbs.query


def test_two_dates_written_as_a_span_are_one_period_of_one_part() -> None:
    question = "What did TechCrunch publish between October 2 and October 5, 2023?"
    [part] = analyse(question, MATCHER, default_year=2023).parts
    assert (day(part.since), day(part.until)) == ("2023-10-01", "2023-10-06")


def test_a_date_in_another_clause_goes_to_the_outlet_written_closest() -> None:
    question = "Did Fortune report the fine, and on October 2, 2023 did TechCrunch report it too?"
    fortune, crunch = analyse(question, MATCHER, default_year=2023).parts
    assert fortune.since is None and day(crunch.since) == "2023-10-01"


def test_before_or_after_a_date_bounds_one_end_only() -> None:
    before = "What did the Sporting News report published before November 16, 2023 say?"
    [part] = analyse(before, MATCHER, default_year=2023).parts
    assert part.since is None and day(part.until) == "2023-11-17"
    after = "What did Wired publish after October 2, 2023 about the trial?"
    [part] = analyse(after, MATCHER, default_year=2023).parts
    assert day(part.since) == "2023-10-01" and part.until is None


def test_a_day_inside_an_outlets_name_is_no_date() -> None:
    question = "Which country did both Fortune and Business Today say faced a blockade?"
    analysis = analyse(question, MATCHER, today=date(2026, 12, 2))
    assert not analysis.dates
    assert [p.sources for p in analysis.parts][1] == (
        "Business Today | Latest Stock Market And Economy News India",
    )
    assert all(p.since is None and p.until is None for p in analysis.parts)


def test_a_day_named_as_the_one_not_meant_filters_nothing() -> None:
    question = "Did TechCrunch report on Meta's moderation on a date other than October 19, 2023?"
    [part] = analyse(question, MATCHER, default_year=2023).parts
    assert part.sources == ("TechCrunch",) and part.since is None and part.until is None


def test_outlets_written_together_each_search_the_whole_question() -> None:
    question = "Who faces a fraud trial, as reported by both The Verge and TechCrunch?"
    analysis = analyse(question, MATCHER)
    assert [p.sources for p in analysis.parts] == [("The Verge",), ("TechCrunch",)]
    assert all("fraud trial" in p.query for p in analysis.parts)


def test_a_question_naming_nothing_is_one_unfiltered_part() -> None:
    question = "How many Boeing jets might China buy?"
    analysis = analyse(question, MATCHER)
    assert not analysis.named and not analysis.multi
    [part] = analysis.parts
    assert part.query == question and part.sources == () and part.since is None


def test_the_same_source_written_again_is_a_second_report_of_that_outlet() -> None:
    question = (
        "Did the Sporting News report a defeat for the Dallas Cowboys in Week 13, and did the "
        "same source also report a win for the Detroit Lions?"
    )
    cowboys, lions = analyse(question, MATCHER).parts
    assert cowboys.sources == lions.sources == ("Sporting News",)
    assert "Cowboys" in cowboys.query and "Lions" not in cowboys.query
    assert "Detroit Lions" in lions.query and "same source" not in lions.query
    [alone] = analyse("Did the same source report a win?", MATCHER).parts
    assert alone.sources == ()  # nothing named before it: no outlet to repeat


def test_a_date_closing_one_outlets_clause_before_the_next_outlet_is_the_first_ones() -> None:
    question = (
        "After The Independent - Sports reported on the defeats to Ireland, South Africa, and "
        "Argentina on October 14, 2023, and The Roar | Sports Writers Blog reported on "
        "Argentina's victories on October 18, 2023, was the reporting consistent?"
    )
    independent, roar = analyse(question, MATCHER).parts
    assert (day(independent.since), day(roar.since)) == ("2023-10-13", "2023-10-17")
