"""Property-based fuzzing of the parsers that see untrusted text: article readers (text,
front matter, JSON records), chunking, citation parsing and the streaming renumberer.

They must never raise anything but `SourceError` on bad input, and what they return must be
sane (text kept, offsets inside the text, titles on one line, dates readable, numbers valid).
Complements the examples and properties in test_sources.py and test_citations.py.
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from assistant.answer.markers import (
    MARKER,
    Renumberer,
    marker_numbers,
    renumber,
    sentences,
    strip_markers,
    tidy,
)
from assistant.errors import SourceError
from assistant.sources.dates import normalise_date, to_epoch
from assistant.sources.formats import (
    AUTHOR_KEYS,
    DATE_KEYS,
    ID_KEYS,
    SOURCE_KEYS,
    SUMMARY_KEYS,
    TEXT_KEYS,
    TITLE_KEYS,
    URL_KEYS,
    parse_record,
    parse_text,
)
from assistant.types import Article

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- articles -------------------------------------------------------------------------------
LINE = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
FRONT_LINE = st.one_of(
    st.tuples(
        st.sampled_from(["title", "author", "date", "published", "id", "source", "url", "tags"]),
        LINE,
    ).map(lambda kv: f"{kv[0]}: {kv[1]}"),
    LINE.map(lambda v: f"  - {v}"),
    LINE,
    st.sampled_from(["#", "", "title:", 'title: "  "', "id: ' '", "date: 99999999999999999999"]),
)
TEXTS = st.one_of(
    st.text(max_size=300),
    st.builds(
        lambda lines, close, body: "---\n" + "\n".join(lines) + close + body,
        st.lists(FRONT_LINE, max_size=6),
        st.sampled_from(["\n---\n", "\n...\n", "\n", "\r\n---\r\n", ""]),
        st.text(max_size=200),
    ),
    st.lists(st.sampled_from(["By Jo Bloggs", "# Head", "", " ", "\r", "\ufeff", "x" * 200])).map(
        "\n".join
    ),
)


def assert_sane(article: Article, text: str | None = None) -> None:
    assert isinstance(article.id, str) and article.id.strip()
    assert isinstance(article.title, str) and "\n" not in article.title
    assert article.text.strip()
    if text is not None:
        assert article.text == text
    for value in (article.author, article.source, article.url):
        assert value is None or isinstance(value, str)
    if article.published is not None:
        assert to_epoch(article.published) is not None, article.published
    json.dumps(dict(article.metadata), default=str)  # storable


@FUZZ
@given(TEXTS)
def test_parse_text_never_fails_but_with_source_error(text: str) -> None:
    try:
        article = parse_text(text, article_id="fallback.txt")
    except SourceError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert_sane(article, text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n"))


JSON_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.integers(-(10**400), 10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["2024-11-05", "Tue, 05 Nov 2024 10:00:00 GMT", "1730800800", "Nov 5", "0"]),
)
JSON_VALUE = st.recursive(
    JSON_SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
KNOWN_KEYS = st.sampled_from(
    [
        *ID_KEYS,
        *TITLE_KEYS,
        *TEXT_KEYS,
        *SUMMARY_KEYS,
        *URL_KEYS,
        *AUTHOR_KEYS,
        *DATE_KEYS,
        *SOURCE_KEYS,
        "href",
        "name",
        "lang",
    ]
)
RECORDS = st.dictionaries(st.one_of(KNOWN_KEYS, st.text(max_size=10)), JSON_VALUE, max_size=8)


@FUZZ
@given(RECORDS)
def test_parse_record_never_fails_but_with_source_error(record: dict[str, Any]) -> None:
    try:
        article = parse_record(record, fallback_id="feed.jsonl#1", path="feed.jsonl")
    except SourceError as exc:
        assert str(exc) == "no text field"
        return
    assert_sane(article)
    assert article.path == "feed.jsonl"


@FUZZ
@given(st.one_of(JSON_SCALAR, st.text(max_size=40)))
def test_normalise_date_returns_readable_iso_or_none(value: Any) -> None:
    iso = normalise_date(value)
    assert iso is None or to_epoch(iso) is not None, (value, iso)


@settings(max_examples=40, deadline=None)
@given(st.text(min_size=1, max_size=1500))
def test_chunks_are_slices_of_the_article(text: str) -> None:
    from assistant.index.chunks import chunk_article

    article = Article(id="a", title="t", text=text)
    chunks = chunk_article(article, chunk_size=40, chunk_overlap=8)
    assert [c.index for c in chunks] == list(range(len(chunks)))
    assert len({c.id for c in chunks}) == len(chunks)
    for chunk in chunks:
        assert 0 <= chunk.start <= chunk.end <= len(text)
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunk.text.strip()


# -- citations ------------------------------------------------------------------------------
NUMBER = st.one_of(st.integers(0, 15), st.integers(0, 10**6))
MARKERISH = st.one_of(
    NUMBER.map(lambda n: f"[{n}]"),
    st.lists(NUMBER, min_size=1, max_size=4).map(lambda ns: "[" + ", ".join(map(str, ns)) + "]"),
    st.tuples(NUMBER, NUMBER).map(lambda p: f"[{p[0]}-{p[1]}]"),
    st.tuples(NUMBER, NUMBER).map(lambda p: f"[Source {p[0]} and {p[1]}]"),
    st.sampled_from(["[", "]", "[[1]]", "[1", "1]", "[٣]", "[²]", "[1–3]", "[ 2 ]", "[sources"]),
    st.just("[" + "9" * 5000 + "]"),  # more digits than int() converts
)
ANSWER_TOKENS = st.one_of(
    MARKERISH,
    st.sampled_from(["The", "jets", "500", ".", "!", "?", "\n", " ", "U.S.", "3.5", '"', "A"]),
    st.text(max_size=6),
)
ANSWERS = st.lists(ANSWER_TOKENS, max_size=40).map(" ".join)


@FUZZ
@given(st.text(max_size=60))
@example("1-²")
@example("٣, 4")
@example("9" * 5000)
def test_marker_numbers_never_fails(body: str) -> None:
    for n in marker_numbers(body):
        assert isinstance(n, int) and n >= 0


@FUZZ
@given(ANSWERS)
def test_sentences_never_fail_and_their_spans_hold(answer: str) -> None:
    got = sentences(answer)
    previous_end = 0
    for sentence in got:
        assert previous_end <= sentence.start < sentence.end <= len(answer)
        previous_end = sentence.end
        assert sentence.text and sentence.text == sentence.text.strip()
        assert not re.search(r"\[\d+\]", sentence.text)
        assert all(isinstance(n, int) for n in sentence.markers)
    assert strip_markers(answer) == tidy(strip_markers(answer))  # tidy is idempotent here


@FUZZ
@given(ANSWERS, st.integers(1, 12))
def test_renumber_shows_only_valid_numbers(answer: str, sources: int) -> None:
    text, order, dropped = renumber(answer, sources)
    assert len(set(order)) == len(order) and all(1 <= s <= sources for s in order)
    for match in MARKER.finditer(text):
        for n in marker_numbers(match.group(1)):
            assert 1 <= n <= len(order), (answer, text)
    written = [n for m in MARKER.finditer(answer) for n in marker_numbers(m.group(1))]
    assert dropped == sum(1 for n in written if not 1 <= n <= sources)
    again, again_order, again_dropped = renumber(text, len(order))  # display numbers stay
    assert again == text and again_order == list(range(1, len(order) + 1)) and not again_dropped
    sentences(text)  # what verify() splits next


def chunked(text: str, cuts: list[int]) -> list[str]:
    points = sorted({c % (len(text) + 1) for c in cuts})
    return [text[a:b] for a, b in itertools.pairwise([0, *points, len(text)])]


@FUZZ
@given(ANSWERS, st.lists(st.integers(0, 10_000), max_size=15), st.integers(1, 12))
def test_stream_never_emits_a_wrong_or_partial_number(
    answer: str, cuts: list[int], sources: int
) -> None:
    whole, order, dropped = renumber(answer, sources)
    r = Renumberer(sources)
    pieces = [r.feed(chunk) for chunk in chunked(answer, cuts)] + [r.finish()]
    assert "".join(pieces) == whole
    assert (r.order, r.dropped) == (order, dropped)
    shown = 0
    for piece in pieces:
        for match in MARKER.finditer(piece):  # every number shown is final and valid...
            for n in marker_numbers(match.group(1)):
                assert 1 <= n <= len(order)
                assert n <= shown + 1  # ...and new ones appear in order
                shown = max(shown, n)
    # no piece ends inside a marker that the next one completes ("[1" then "2]")
    spans = [m.span() for m in MARKER.finditer(whole)]
    for boundary in itertools.accumulate(len(p) for p in pieces[:-1]):
        assert not any(start < boundary < end for start, end in spans), (pieces, whole)
