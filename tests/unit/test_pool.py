"""Dealing the passages of several parts' rankings into one list for the answer."""

from __future__ import annotations

from assistant.retrieve.pool import deal
from assistant.types import Hit


def hit(chunk: str, text: str | None = None, score: float = 1.0) -> Hit:
    article = chunk.split("#")[0]
    return Hit(
        article,
        article,
        None,
        None,
        text or " ".join(f"{chunk}-{n}" for n in range(6)),
        score,
        0,
        9,
        chunk_id=chunk,
    )


def test_each_part_in_turn_gives_its_best_passage_second_passages_included() -> None:
    verge = [hit("verge#1"), hit("verge#2"), hit("verge-b#1")]
    techcrunch = [hit("tc#1"), hit("tc-b#1"), hit("tc#2")]
    dealt = [h.chunk_id for h in deal([verge, techcrunch], 4, max_per_article=2)]
    # the second passage of the Verge's best report comes before its other reports
    assert dealt == ["verge#1", "tc#1", "verge#2", "tc-b#1"]


def test_an_article_gives_at_most_its_share_while_others_remain() -> None:
    ranking = [hit("a#1"), hit("a#2"), hit("a#3"), hit("b#1")]
    dealt = [h.chunk_id for h in deal([ranking, ranking], 3, max_per_article=2)]
    assert dealt == ["a#1", "a#2", "b#1"]


def test_a_passage_ranked_by_two_parts_is_dealt_once() -> None:
    shared = hit("a#1")
    dealt = [h.chunk_id for h in deal([[shared, hit("b#1")], [shared, hit("c#1")]], 3, 2)]
    assert dealt == ["a#1", "c#1", "b#1"]


def test_a_near_copy_of_another_articles_passage_takes_no_place() -> None:
    wire = "The union and the operators agreed a pay deal in talks late on Saturday night."
    first = [hit("outlet-a#1", wire), hit("outlet-a#2")]
    second = [hit("outlet-b#1", wire + " More."), hit("outlet-c#1")]
    dealt = [h.chunk_id for h in deal([first, second], 3, max_per_article=2)]
    assert dealt == ["outlet-a#1", "outlet-c#1", "outlet-a#2"]


def test_places_left_when_every_article_has_its_share_go_to_the_rest_by_rank() -> None:
    ranking = [hit("a#1"), hit("a#2"), hit("a#3")]
    dealt = [h.chunk_id for h in deal([ranking], 3, max_per_article=2)]
    assert dealt == ["a#1", "a#2", "a#3"]


def test_within_a_round_the_better_matching_report_comes_first() -> None:
    weak = [hit("verge#1", score=0.1), hit("verge#2", score=0.05)]
    strong = [hit("tc#1", score=0.3), hit("tc#2", score=0.02)]
    dealt = [h.chunk_id for h in deal([weak, strong], 4, max_per_article=2)]
    assert dealt == ["tc#1", "verge#1", "verge#2", "tc#2"]
