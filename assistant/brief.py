"""The briefing: what happened in a period, as stories across outlets, each one cited.

A person who follows the news wants to know what happened today, and which events several
outlets carry. The period's articles are grouped by the story ids computed at ingest
(`index.stories`); stories are ordered by how many outlets carry them, then by recency. Each
story is summarised from the ledes (first passages) of its articles, where news reports
state their event:

- quoting (the extractive provider, and stories past `brief.llm_stories`): the sentence
  the story's reports agree on most (embedding similarity across its articles), then up to
  two more that add something, each marked with every article that says the same;
- with a language model: 1-3 sentences it writes from the numbered ledes (`prompts/
  brief.txt`); a summary whose sentences are not all backed falls back to quoting.

Either way the summary goes through the answer stage's own check (`Answerer.verify`), so
every sentence ends with the markers of the articles it comes from and each citation
carries the quote that backs it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import numpy as np

from .answer.pipeline import Answerer
from .answer.prompts import fill, format_sources
from .config import Settings
from .errors import AssistantError, ConfigError, LLMError
from .index.records import chunk_id
from .index.store import Store
from .sources.dates import to_epoch
from .text import CITATION_MARK, content_words, overlap, parse_duration, sentence_spans
from .types import ArticleInfo, Briefing, Citation, Hit, Story

PROMPT_FILE = "brief.txt"
SAME = 0.8
"""A sentence of another report this similar to a quoted one says the same: it is cited too."""
NOVEL = 0.5
"""A further summary sentence shares less than this share of its words with those chosen."""
LEDE_SENTENCES = 3
LEAD_BONUS = 0.1
"""Added to a sentence's agreement score for being its report's first (half for second):
a news report states its event first."""
"""Sentences of each lede considered for a summary."""
MAX_REPORTS = 6
"""A summary is drawn from a story's newest this-many reports (all are listed)."""


def parse_since(value: str, now: datetime | None = None) -> datetime:
    """The start of a period: "24h", "2d", "90m", "1w" before now, or a date (its start,
    UTC) or an ISO 8601 datetime."""
    now = now or datetime.now(UTC)
    seconds = parse_duration(value)
    if seconds is not None:
        return now - timedelta(seconds=seconds)
    try:
        if len(value.strip()) == 10:
            day = date.fromisoformat(value.strip())
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise AssistantError(
            f"--since {value!r}: give a period such as 24h, 2d or 90m, or a date (YYYY-MM-DD)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class _Report:
    info: ArticleInfo
    ts: int
    lede: Hit


class Briefer:
    """Builds briefings over one store, summarising with one answerer's provider."""

    def __init__(self, settings: Settings, store: Store, answerer: Answerer) -> None:
        self.settings = settings
        self.store = store
        self.answerer = answerer
        self.checker = answerer.checker

    def brief(self, since: str | datetime = "24h", *, source: str | None = None) -> Briefing:
        """The stories of the articles published since `since` (from `source` only)."""
        started = time.perf_counter()
        start = since if isinstance(since, datetime) else parse_since(since)
        reports = self._reports(int(start.timestamp()), source)
        groups: dict[str, list[_Report]] = {}
        story_of = self.store.story_of([r.info.id for r in reports])
        for report in reports:
            groups.setdefault(story_of[report.info.id], []).append(report)
        for members in groups.values():
            members.sort(key=lambda r: (-r.ts, r.info.id))  # newest first
        ordered = sorted(
            groups.items(),
            key=lambda kv: (-len({r.info.source for r in kv[1]}), -max(r.ts for r in kv[1])),
        )
        self._embed_ledes([members for _, members in ordered if len(members) > 1])
        use_llm = self.answerer.llm is not None
        stories = []
        for rank, (story_id, members) in enumerate(ordered):
            written = self._written(members) if use_llm and rank < self._llm_stories else None
            stories.append(written or self._quoted(story_id, members))
            stories[-1] = replace(stories[-1], id=story_id)
        return Briefing(
            stories=tuple(stories),
            since=start.astimezone(UTC).isoformat(timespec="seconds"),
            articles=len(reports),
            provider=self.answerer.provider,
            seconds=time.perf_counter() - started,
        )

    @property
    def _llm_stories(self) -> int:
        return self.settings.brief.llm_stories

    # -- the period's articles ---------------------------------------------------------
    def _reports(self, since: int, source: str | None) -> list[_Report]:
        chosen: list[tuple[ArticleInfo, int]] = []
        for info in self.store.list_articles():
            ts = to_epoch(info.published)
            if ts is not None and ts >= since and (source is None or info.source == source):
                chosen.append((info, ts))
        ledes = self.store.get_chunks([chunk_id(info.id, 0) for info, _ in chosen])
        return [
            _Report(info, ts, ledes[chunk_id(info.id, 0)])
            for info, ts in chosen
            if chunk_id(info.id, 0) in ledes
        ]

    @staticmethod
    def _sentences(hit: Hit) -> list[tuple[int, int]]:
        return sentence_spans(hit.text, min_chars=30)[:LEDE_SENTENCES]

    def _embed_ledes(self, stories: Sequence[Sequence[_Report]]) -> None:
        """Embed every candidate sentence of the stories with several reports at once (the
        vectors are cached by the checker, so each story then costs no model call)."""
        texts = [
            r.lede.text[s:e]
            for members in stories
            for r in members[:MAX_REPORTS]
            for s, e in self._sentences(r.lede)
        ]
        if texts:
            self.checker.embed_cached(texts)

    # -- quoting ------------------------------------------------------------------------
    def _quoted(self, story_id: str, members: list[_Report]) -> Story:
        hits = [r.lede for r in members[:MAX_REPORTS]]
        spans = [self._sentences(h) or [(0, len(h.text))] for h in hits]
        flat = [(j, s, e) for j, sp in enumerate(spans) for s, e in sp]
        texts = [hits[j].text[s:e] for j, s, e in flat]
        limit = (
            self.settings.brief.max_sentences
            if len(hits) > 1
            else min(2, self.settings.brief.max_sentences)
        )
        if len(hits) > 1:
            vectors = self.checker.embed_cached(texts)
            sim = vectors @ vectors.T
            owner = np.array([j for j, _, _ in flat])
            agree = np.zeros(len(flat), dtype=np.float32)
            for k in range(len(flat)):
                others = [sim[k, owner == j].max() for j in range(len(hits)) if j != owner[k]]
                agree[k] = float(np.mean(others)) + LEAD_BONUS * _position(flat[k], spans)
        else:
            sim = np.eye(len(flat), dtype=np.float32)
            owner = np.zeros(len(flat), dtype=int)
            agree = np.linspace(1.0, 0.5, len(flat), dtype=np.float32)  # the lede's order
        chosen: list[int] = []
        for k in np.argsort(-agree, kind="stable"):
            if len(chosen) == limit:
                break
            novel = all(overlap(texts[k], texts[c]) < NOVEL and sim[k, c] < SAME for c in chosen)
            if novel and len(content_words(texts[k])) >= 5:
                chosen.append(int(k))
        chosen = chosen or [0]
        parts = []
        for k in sorted(chosen, key=lambda c: (c != chosen[0], flat[c][0], flat[c][1])):
            sayers = {int(owner[k])} | {
                int(owner[m]) for m in np.flatnonzero(sim[k] >= SAME) if owner[m] != owner[k]
            }
            marks = "".join(f"[{j + 1}]" for j in sorted(sayers))
            parts.append(f"{' '.join(CITATION_MARK.sub('', texts[k]).split())} {marks}")
        text, citations = self._check(" ".join(parts), hits)
        if not citations:  # the check kept nothing: cite the lede as it stands
            j, s, e = flat[chosen[0]]
            text, citations = (
                f"{' '.join(texts[chosen[0]].split())} [1]",
                (_cite(1, hits[j], s, e),),
            )
        return self._story(story_id, members, int(owner[chosen[0]]), text, citations)

    def _check(self, raw: str, hits: Sequence[Hit]) -> tuple[str, tuple[Citation, ...]]:
        text, citations, _ = self.answerer.verify(raw, hits, "")
        return text, citations

    # -- with a language model ------------------------------------------------------------
    def _prompt(self) -> str:
        path = self.settings.prompts_path / PROMPT_FILE
        try:
            template = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read the briefing prompt {path}: {exc.strerror}") from None
        if "{sources}" not in template:
            raise ConfigError(f"{path} must contain {{sources}}")
        return template

    def _written(self, members: list[_Report]) -> Story | None:
        """A summary the model writes, or None when it fails or is not backed."""
        llm = self.answerer.llm
        assert llm is not None
        hits = [r.lede for r in members[:MAX_REPORTS]]
        texts = [" ".join(h.text[s:e] for s, e in self._sentences(h)[:3]) for h in hits]
        prompt = fill(
            self._prompt(), sources=format_sources(hits, texts), today=date.today().isoformat()
        )
        try:
            raw = "".join(
                llm.stream(
                    [{"role": "user", "content": prompt}],
                    max_tokens=160,
                    temperature=self.settings.llm.temperature,
                )
            )
        except LLMError:
            return None
        text, citations = self._check(raw, hits)
        claims = [s for s in re.split(r"(?<=\])\s+", text.strip()) if s]
        backed = citations and all(c.supported for c in citations)
        if not backed or not claims or not all(CITATION_MARK.search(c) for c in claims):
            return None
        return self._story("", members, 0, text, citations)

    def _story(
        self,
        story_id: str,
        members: list[_Report],
        lead: int,
        text: str,
        cites: tuple[Citation, ...],
    ) -> Story:
        sources = tuple(dict.fromkeys(r.info.source or "unknown" for r in members))
        return Story(
            id=story_id,
            title=members[lead].info.title or members[lead].info.id,
            summary=text,
            articles=tuple(r.info.id for r in members),
            sources=sources,
            citations=cites,
            latest=members[0].info.published,
        )


def _position(item: tuple[int, int, int], spans: Sequence[Sequence[tuple[int, int]]]) -> float:
    """1 for the first sentence of its lede, 0.5 for the second, else 0."""
    j, start, _ = item
    place = [s for s, _ in spans[j]].index(start)
    return max(0.0, 1.0 - place / 2)


def _cite(n: int, hit: Hit, start: int, end: int) -> Citation:
    return Citation(
        n=n,
        article_id=hit.article_id,
        title=hit.title,
        source=hit.source,
        published=hit.published,
        quote=hit.text[start:end],
        start=hit.start + start,
        end=hit.start + end,
        supported=True,
        score=1.0,
        url=hit.url,
    )
