"""Unit and property tests for citation markers: parsing, streaming renumbering, sentences."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.answer.markers import (
    MARKER,
    Renumberer,
    best_span,
    marker_numbers,
    renumber,
    sentences,
    strip_markers,
    tidy,
)
from assistant.text import overlap

# -- parsing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "numbers"),
    [
        ("1", [1]),
        ("1, 2", [1, 2]),
        ("1,2,3", [1, 2, 3]),
        ("1; 4", [1, 4]),
        ("1-3", [1, 2, 3]),
        ("2–4", [2, 3, 4]),  # en dash
        ("1 and 2", [1, 2]),
        ("3-1", [3, 1]),  # a backwards range is two numbers, not a range
        ("1-12", [1, 12]),  # a range over ten wide is two numbers
        (" 7 ", [7]),
    ],
)
def test_marker_numbers(body: str, numbers: list[int]) -> None:
    assert marker_numbers(body) == numbers


@pytest.mark.parametrize(
    ("text", "body"),
    [
        ("[1]", "1"),
        ("[1, 2]", "1, 2"),
        ("[1-3]", "1-3"),
        ("[Source 2]", "2"),
        ("[source 2]", "2"),
        ("[Sources 1, 3]", "1, 3"),
        ("[ 4 ]", "4"),
        ("[1 and 2]", "1 and 2"),
    ],
)
def test_marker_pattern_matches(text: str, body: str) -> None:
    match = MARKER.fullmatch(text)
    assert match is not None
    assert match.group(1).strip() == body


@pytest.mark.parametrize("text", ["[1000]", "[a]", "[2020 budget]", "[Sauce 1]", "[]", "[1,]"])
def test_marker_pattern_ignores_other_brackets(text: str) -> None:
    assert MARKER.search(text) is None


# -- renumbering a whole answer -------------------------------------------------------------


def test_renumber_by_first_appearance() -> None:
    text, order, dropped = renumber("A [3]. B [1]. C [3]. D [2].", sources=3)
    assert text == "A [1]. B [2]. C [1]. D [3]."
    assert order == [3, 1, 2]
    assert dropped == 0


def test_renumber_drops_unknown_numbers_and_counts_them() -> None:
    text, order, dropped = renumber("X [1]. Y [7]. Z [0]. W [1, 9].", sources=3)
    assert text == "X [1]. Y . Z . W [1]."
    assert order == [1]
    assert dropped == 3


@pytest.mark.parametrize(
    ("raw", "sources", "shown", "order"),
    [
        ("a [1, 2]", 3, "a [1][2]", [1, 2]),
        ("a [2, 1]", 3, "a [1][2]", [2, 1]),
        ("a [1-3]", 3, "a [1][2][3]", [1, 2, 3]),
        ("a [Source 2]", 3, "a [1]", [2]),
        ("a [2, 2]", 3, "a [1]", [2]),
        ("a [3 and 1]", 3, "a [1][2]", [3, 1]),
        ("a [1-4]", 3, "a [1][2][3]", [1, 2, 3]),  # 4 is dropped
    ],
)
def test_renumber_multi_markers(raw: str, sources: int, shown: str, order: list[int]) -> None:
    text, got_order, _ = renumber(raw, sources)
    assert text == shown
    assert got_order == order


# -- streaming -------------------------------------------------------------------------------


def stream(chunks: list[str], sources: int) -> tuple[list[str], Renumberer]:
    r = Renumberer(sources)
    pieces = [r.feed(c) for c in chunks]
    pieces.append(r.finish())
    return pieces, r


UNBALANCED = re.compile(r"\[\s*(?:sources?\s*)?\d")


def assert_no_partial_marker(piece: str) -> None:
    """A piece may hold whole `[n]` markers, never the start of one."""
    assert not UNBALANCED.search(re.sub(r"\[\d+\]", "", piece)), piece


def test_marker_split_after_bracket() -> None:
    pieces, r = stream(["The deal covers 500 jets [", "1]."], sources=3)
    assert pieces[0] == "The deal covers 500 jets "
    assert pieces[1] == "[1]."
    assert r.order == [1]


def test_two_digit_marker_split_with_ten_sources() -> None:
    pieces, r = stream(["Claim [1", "0]. More [1]."], sources=10)
    assert pieces[0] == "Claim "  # not "[1]": it could become [10]
    assert "".join(pieces) == "Claim [1]. More [2]."
    assert r.order == [10, 1]
    assert r.dropped == 0


def test_two_digit_marker_split_with_three_sources_is_dropped() -> None:
    pieces, r = stream(["Claim [1", "0]. More [1]."], sources=3)
    assert pieces[0] == "Claim "
    assert "".join(pieces) == "Claim . More [1]."
    assert r.order == [1]
    assert r.dropped == 1


def test_source_word_split() -> None:
    pieces, r = stream(["See [Sou", "rce 3", "]."], sources=3)
    assert "".join(pieces) == "See [1]."
    assert r.order == [3]


def test_and_marker_split_mid_word() -> None:
    """`[2 an` + `d 1]` is one marker; showing `[2 an` raw would leak the model's numbers."""
    pieces, r = stream(["a [2 an", "d 1] b"], sources=3)
    assert "".join(pieces) == "a [1][2] b"
    assert r.order == [2, 1]
    for piece in pieces:
        assert_no_partial_marker(piece)


def test_other_brackets_are_not_held_back() -> None:
    pieces, _ = stream(["the [sic", "] text [a"], sources=3)
    assert pieces[0] == "the [sic"
    assert "".join(pieces) == "the [sic] text [a"


def test_unfinished_marker_is_flushed_by_finish() -> None:
    pieces, _ = stream(["cut off [1"], sources=3)
    assert pieces == ["cut off ", "[1"]


TRICKY = "Jets [1]. Deal [10] and [Source 2, 3]. Talks [1-2]. Odd [a] [7] end [2 and 1]."


@pytest.mark.parametrize("sources", [3, 10])
def test_every_two_cut_split_streams_like_the_whole(sources: int) -> None:
    whole = Renumberer(sources)
    expected = whole.rewrite(TRICKY)
    for i, j in itertools.combinations(range(len(TRICKY) + 1), 2):
        chunks = [TRICKY[:i], TRICKY[i:j], TRICKY[j:]]
        pieces, r = stream(chunks, sources)
        assert "".join(pieces) == expected, chunks
        assert r.order == whole.order
        assert r.dropped == whole.dropped
        for piece in pieces[:-1]:
            assert_no_partial_marker(piece)


def test_character_by_character() -> None:
    pieces, r = stream(list(TRICKY), sources=10)
    assert "".join(pieces) == Renumberer(10).rewrite(TRICKY)
    for piece in pieces:
        assert_no_partial_marker(piece)


# -- sentences, tidy, support helpers --------------------------------------------------------


def test_sentences_carry_their_markers() -> None:
    answer = "China may buy 500 jets [1]. Trump visits Beijing [2][3]. Also soybeans."
    got = sentences(answer)
    assert [s.text for s in got] == [
        "China may buy 500 jets.",
        "Trump visits Beijing.",
        "Also soybeans.",
    ]
    assert [s.markers for s in got] == [(1,), (2, 3), ()]
    for s in got:
        assert strip_markers(answer[s.start : s.end]) == s.text


def test_markers_after_the_full_stop_belong_to_the_sentence() -> None:
    got = sentences("Claim one. [1] Claim two. [2][3]\nThird line")
    assert [s.markers for s in got] == [(1,), (2, 3), ()]
    assert [s.text for s in got] == ["Claim one.", "Claim two.", "Third line"]


def test_sentences_do_not_split_decimals_or_lowercase_continuations() -> None:
    got = sentences("Growth was 3.5 per cent in the U.S. economy [1]. Prices rose [2].")
    assert [s.markers for s in got] == [(1,), (2,)]


def test_tidy() -> None:
    assert tidy("claim [1] .") == "claim [1]."
    assert tidy("claim [1][1] and [2] [2].") == "claim [1] and [2]."
    assert tidy("a  b \n c") == "a b\n c"


def test_overlap_weighs_numbers() -> None:
    passage = "The US wants China to buy 500 Boeing commercial jets during the visit."
    right = overlap("China to buy 500 Boeing jets", passage)
    wrong = overlap("China to buy 600 Boeing jets", passage)
    assert right == 1.0
    assert wrong < right - 0.25
    assert overlap("the and of", passage) == 0.0


def test_best_span_picks_the_supporting_sentence() -> None:
    passage = "Talks were held in Madrid. China may buy 500 Boeing jets. Soybeans matter."
    start, end = best_span("500 Boeing jets", passage)
    assert passage[start:end] == "China may buy 500 Boeing jets."


# -- properties ------------------------------------------------------------------------------

NUMBER = st.integers(0, 12)
MARKERS = st.one_of(
    NUMBER.map(lambda n: f"[{n}]"),
    st.tuples(NUMBER, NUMBER).map(lambda p: f"[{p[0]}, {p[1]}]"),
    st.tuples(NUMBER, NUMBER).map(lambda p: f"[{p[0]}-{p[1]}]"),
    st.tuples(NUMBER, NUMBER).map(lambda p: f"[{p[0]} and {p[1]}]"),
    NUMBER.map(lambda n: f"[Source {n}]"),
    st.lists(NUMBER, min_size=1, max_size=6).map(
        lambda ns: "[sources " + ",".join(map(str, ns)) + "]"
    ),
)
WORDS = st.sampled_from(
    ["The", "deal", "covers", "500", "jets", ".", ",", "Also", "and", "an", "a", "s", "\n", "1"]
)
NOISE = st.sampled_from(["[", "]", "[a]", "[1000]", "[sic]", "[ ", "[So", "2,", "-"])


def split(text: str, cuts: list[int]) -> list[str]:
    points = sorted({c % (len(text) + 1) for c in cuts})
    bounds = [0, *points, len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds)]


@settings(max_examples=300, deadline=None)
@given(
    tokens=st.lists(st.one_of(WORDS, MARKERS, NOISE), max_size=30),
    glue=st.sampled_from(["", " "]),
    cuts=st.lists(st.integers(0, 10_000), max_size=12),
    sources=st.integers(1, 12),
)
def test_streaming_equals_whole_rewrite(
    tokens: list[str], glue: str, cuts: list[int], sources: int
) -> None:
    text = glue.join(tokens)
    whole = Renumberer(sources)
    expected = whole.rewrite(text)
    pieces, r = stream(split(text, cuts), sources)
    assert "".join(pieces) == expected
    assert r.order == whole.order
    assert r.dropped == whole.dropped


@settings(max_examples=300, deadline=None)
@given(
    tokens=st.lists(st.one_of(WORDS, MARKERS), max_size=30),
    cuts=st.lists(st.integers(0, 10_000), max_size=12),
    sources=st.integers(1, 12),
)
def test_shown_numbers_are_valid_and_first_appearances_increase(
    tokens: list[str], cuts: list[int], sources: int
) -> None:
    text = " ".join(tokens)
    pieces, r = stream(split(text, cuts), sources)
    shown = [int(n) for n in re.findall(r"\[(\d+)\]", "".join(pieces))]
    assert all(1 <= n <= len(r.order) for n in shown)
    highest = 0
    for n in shown:
        assert n <= highest + 1  # a new number is always the next one
        highest = max(highest, n)
    assert highest == len(r.order)
    assert len(set(r.order)) == len(r.order)
    assert all(1 <= s <= sources for s in r.order)
    # every marker number the model wrote is either shown or dropped
    written = [n for m in MARKER.finditer(text) for n in marker_numbers(m.group(1))]
    assert r.dropped == sum(1 for n in written if not 1 <= n <= sources)


def test_strip_markers_leaves_no_space_before_punctuation() -> None:
    assert strip_markers("I couldn't find that in the articles [1].") == (
        "I couldn't find that in the articles."
    )
    assert strip_markers("a [1, 2] b [Source 3]") == "a b"
