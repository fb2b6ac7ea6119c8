"""How an article becomes passages, and the hashes that decide whether it must be redone.

Chunks are cut by llama-index's `SentenceSplitter` at sentence boundaries found by the
trained English Punkt model (it ships in llama-index's nltk cache, so this works offline);
the untrained tokenizer llama-index uses by default cuts after "U.S." and "St.". Each chunk
keeps its character offsets in the article's text, so a citation can show the exact passage.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from typing import Any

from ..types import Article, Chunk
from .records import chunk_id

CHUNKER = "punkt-en"
"""Part of every content hash: a change of sentence tokenizer re-chunks what it affects."""


@lru_cache(maxsize=1)
def _sentence_tokenizer() -> Any:
    from llama_index.core.node_parser.text.utils import split_by_sentence_tokenizer_internal
    from llama_index.core.utils import globals_helper

    globals_helper.wait_for_nltk_check()  # puts the bundled nltk cache on nltk's path
    from nltk.tokenize import PunktTokenizer

    punkt = PunktTokenizer("english")
    return lambda text: split_by_sentence_tokenizer_internal(text, punkt)


def _cut_long(sentences: list[str], limit: int) -> list[str]:
    """`sentences` with each one longer than `limit` characters cut at spaces into pieces of
    about `limit`: the splitter would otherwise count tokens word by word (a text on one
    line with no sentence end is one sentence). The pieces join up to the same text."""
    out: list[str] = []
    for sentence in sentences:
        while len(sentence) > limit:
            cut = sentence.rfind(" ", limit // 2, limit) + 1 or limit
            out.append(sentence[:cut])
            sentence = sentence[cut:]
        if sentence:
            out.append(sentence)
    return out


@lru_cache(maxsize=8)
def _splitter(chunk_size: int, chunk_overlap: int, long_text: bool = False) -> Any:
    from llama_index.core.node_parser import SentenceSplitter

    tokenize = _sentence_tokenizer()
    if long_text:  # pieces of about half a chunk (~4 characters a token)
        limit = 2 * chunk_size

        def tokenize_long(text: str) -> list[str]:
            return _cut_long(_sentence_tokenizer()(text), limit)

        tokenize = tokenize_long
    return SentenceSplitter(
        chunk_size=chunk_size, chunk_overlap=chunk_overlap, chunking_tokenizer_fn=tokenize
    )


LONG_TEXT = 100_000
"""Texts longer than this many characters are cut into segments before the splitter runs."""
SEGMENT = 20_000
"""About this many characters per segment, cut at a paragraph, line, sentence or word break:
the splitter's time and memory grow faster than the text (a 3 MB file on one line)."""


def segments(text: str) -> list[tuple[int, int]]:
    """(start, end) of the pieces `text` is chunked in: the whole text when it is short,
    else segments of at most `SEGMENT` characters that end at the best break in their second
    half (a chunk never spans two of them)."""
    if len(text) <= LONG_TEXT:
        return [(0, len(text))]
    spans = []
    start = 0
    while start < len(text):
        end = min(len(text), start + SEGMENT)
        if end < len(text):
            half = start + SEGMENT // 2
            for separator in ("\n\n", "\n", ". ", " "):
                cut = text.rfind(separator, half, end)
                if cut >= 0:
                    end = cut + len(separator)
                    break
        spans.append((start, end))
        start = end
    return spans


def chunk_article(article: Article, chunk_size: int = 160, chunk_overlap: int = 20) -> list[Chunk]:
    """Sentence-aware chunks with their character offsets in `article.text`. A text over
    `LONG_TEXT` characters is chunked segment by segment, with over-long sentences cut."""
    spans = segments(article.text)
    splitter = _splitter(chunk_size, chunk_overlap, len(spans) > 1)
    chunks: list[Chunk] = []
    for begin, finish in spans:
        segment = article.text[begin:finish]
        cursor = 0
        for piece in splitter.split_text(segment):
            piece = piece.strip()
            if not piece:
                continue
            start = segment.find(piece, cursor)
            if start < 0:
                start = segment.find(piece)
            if start < 0:  # the splitter normalised something: fall back to the first words
                head = piece[:40]
                start = max(segment.find(head, cursor), cursor)
                end = min(len(segment), start + len(piece))
                text = segment[start:end]
            else:
                end = start + len(piece)
                text = piece
            index = len(chunks)
            chunks.append(
                Chunk(
                    chunk_id(article.id, index), article.id, index, text, begin + start, begin + end
                )
            )
            cursor = start + 1
    return chunks


def text_hash(article: Article) -> str:
    """The hash of an article's words: the same text under another name is indexed once."""
    normalised = " ".join(article.text.split())
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def content_hash(article: Article, settings_key: str) -> str:
    """The hash of everything that shapes an article's chunks: unchanged means no work."""
    fields = {
        "title": article.title,
        "text": article.text,
        "author": article.author,
        "source": article.source,
        "published": article.published,
        "url": article.url,
        "path": article.path,
        "metadata": article.metadata,
        "settings": settings_key,
    }
    blob = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()
