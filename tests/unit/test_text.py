"""The one sentence splitter (`assistant.text`) and the places that use it: citation quotes,
the claims an answer is checked by, chunk boundaries."""

from __future__ import annotations

import pytest

from assistant.answer.markers import best_span, sentences
from assistant.index.chunks import chunk_article
from assistant.text import clean, one_line, sentence_spans, strip_citations
from assistant.types import Article


def split(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


@pytest.mark.parametrize(
    "text",
    [
        "Boeing shares rose 3.2% on Monday.",
        "The deal is worth £4.6bn, the company said.",
        "Mr. Smith agreed with Dr. Jones.",
        "The book by J. K. Rowling sold well.",
        "The U.S. Senate passed the bill.",
        "Officials met at 10 a.m. on Tuesday.",
        "He lives at No. 10 Downing Street.",
        "The talks resume on Oct. 31 in Seoul.",
        "Revenue was $1.8m an hour.",
    ],
)
def test_one_sentence_stays_whole(text: str) -> None:
    assert split(text) == [text]


def test_sentences_end_at_stops_before_capitals_digits_and_quotes() -> None:
    text = 'Prices fell. 2024 was hard. "We expected it," she said. (Reuters) Talks went on.'
    assert split(text) == [
        "Prices fell.",
        "2024 was hard.",
        '"We expected it," she said.',
        "(Reuters) Talks went on.",
    ]


def test_a_yes_or_no_answer_ends_at_its_stop() -> None:
    assert split("No. The Verge reported a fall.") == ["No.", "The Verge reported a fall."]


def test_markers_after_the_stop_belong_to_the_sentence_they_close() -> None:
    assert split("China may buy 500 jets. [1] The visit is likely in October [2].") == [
        "China may buy 500 jets. [1]",
        "The visit is likely in October [2].",
    ]


def test_a_citation_quote_is_the_whole_sentence() -> None:
    passage = "Analysts were cautious. Boeing shares rose 3.2% after the report. Trade resumed."
    start, end = best_span("Boeing shares rose 3.2%", passage)
    assert passage[start:end] == "Boeing shares rose 3.2% after the report."
    passage = "The deal is worth £4.6bn over ten years. It needs approval."
    start, end = best_span("worth £4.6bn", passage)
    assert passage[start:end] == "The deal is worth £4.6bn over ten years."


def test_an_answer_with_a_title_is_one_claim() -> None:
    [claim] = sentences("Mr. Smith agreed [2].")
    assert claim.text == "Mr. Smith agreed." and claim.markers == (2,)


def test_chunks_do_not_end_at_abbreviations() -> None:
    body = " ".join(
        f"The U.S. delegation met St. Paul officials on day {n} to discuss tariffs on steel."
        for n in range(40)
    )
    chunks = chunk_article(Article(id="a", title="t", text=body), chunk_size=64, chunk_overlap=0)
    assert len(chunks) > 3
    for chunk in chunks[:-1]:
        assert chunk.text.endswith("steel."), chunk.text[-30:]
        assert body[chunk.start : chunk.end] == chunk.text


def test_cleaning_removes_escapes_and_keeps_lines() -> None:
    assert clean("a\x1b[31mred\x1b[0m\tb\nc\u202e") == "ared\tb\nc"
    assert one_line("Trade talks\n[9] Reuters: fake") == "Trade talks [9] Reuters: fake"
    assert strip_citations("500 jets [1]. In October [2][3].") == "500 jets. In October."
