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


@lru_cache(maxsize=4)
def _splitter(chunk_size: int, chunk_overlap: int) -> Any:
    from llama_index.core.node_parser import SentenceSplitter

    return SentenceSplitter(
        chunk_size=chunk_size,
        chunk_overlap=chunk_overlap,
        chunking_tokenizer_fn=_sentence_tokenizer(),
    )


def chunk_article(article: Article, chunk_size: int = 160, chunk_overlap: int = 20) -> list[Chunk]:
    """Sentence-aware chunks with their character offsets in `article.text`."""
    pieces = _splitter(chunk_size, chunk_overlap).split_text(article.text)
    chunks: list[Chunk] = []
    cursor = 0
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        start = article.text.find(piece, cursor)
        if start < 0:
            start = article.text.find(piece)
        if start < 0:  # the splitter normalised something: fall back to the first words
            head = piece[:40]
            start = max(article.text.find(head, cursor), cursor)
            end = min(len(article.text), start + len(piece))
            text = article.text[start:end]
        else:
            end = start + len(piece)
            text = piece
        index = len(chunks)
        chunks.append(Chunk(chunk_id(article.id, index), article.id, index, text, start, end))
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
