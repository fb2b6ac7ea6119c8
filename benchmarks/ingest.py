"""Ingest speed against two anchors measured in the same process.

1. floor: the same MiniLM model embedding every token of the corpus once, in 256-token
   windows batched by length (no chunking, no store): what embedding alone costs.
2. llama-index: `VectorStoreIndex.from_documents` with `SentenceSplitter` at our chunk size,
   the same model, into Chroma (llama-index's standard path).
3. ours: `Assistant.ingest` into a fresh store, then again with nothing changed.

Usage: .venv/bin/python benchmarks/ingest.py [CORPUS.jsonl]   (default: the 350 Lee articles)
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "eval" / "lee-articles.jsonl"


def floor(texts: list[str]) -> float:
    from assistant.models.embeddings import MiniLMEmbedder

    model = MiniLMEmbedder()
    tokenizer = model._tokenizer
    tokenizer.no_truncation()
    windows: list[list[int]] = []
    for enc in tokenizer.encode_batch(texts, add_special_tokens=False):
        ids = enc.ids
        for begin in range(0, len(ids), 254):
            windows.append([101, *ids[begin : begin + 254], 102])
    windows.sort(key=len)
    started = time.perf_counter()
    for begin in range(0, len(windows), model.batch_size):
        batch = windows[begin : begin + model.batch_size]
        width = max(len(w) for w in batch)
        ids = np.zeros((len(batch), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, w in enumerate(batch):
            ids[row, : len(w)] = w
            mask[row, : len(w)] = 1
        model._session.run(
            ["last_hidden_state"],
            {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
        )
    return time.perf_counter() - started


def llama_index_path(records: list[dict[str, str]], chunk_size: int, overlap: int) -> float:
    import chromadb
    from chromadb.config import Settings
    from llama_index.core import Document, StorageContext, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from assistant.models.embeddings import get_embedder, llama_index_embedding

    embed_model = llama_index_embedding(get_embedder())
    with tempfile.TemporaryDirectory() as tmp:
        client = chromadb.PersistentClient(tmp, Settings(anonymized_telemetry=False))
        collection = client.get_or_create_collection("llamaindex", embedding_function=None)
        storage = StorageContext.from_defaults(vector_store=ChromaVectorStore(collection))
        docs = [Document(text=r["text"], id_=r["id"]) for r in records]
        started = time.perf_counter()
        VectorStoreIndex.from_documents(
            docs,
            storage_context=storage,
            embed_model=embed_model,
            transformations=[SentenceSplitter(chunk_size=chunk_size, chunk_overlap=overlap)],
        )
        return time.perf_counter() - started


def ours(corpus: Path) -> tuple[float, float, int, int]:
    from assistant import Assistant

    with tempfile.TemporaryDirectory() as tmp:
        bot = Assistant.from_config(store__data_dir=tmp)
        first = bot.ingest(corpus)
        again = bot.ingest(corpus)
        return first.seconds, again.seconds, first.added, first.chunks


def main() -> None:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    records = [json.loads(line) for line in corpus.read_text().splitlines() if line.strip()]
    from assistant.config import load_config
    from assistant.models.embeddings import get_embedder

    settings = load_config()
    get_embedder().embed(["warm up"])
    size, overlap = settings.ingest.chunk_size, settings.ingest.chunk_overlap
    t_floor = floor([r["text"] for r in records])
    t_li = llama_index_path(records, size, overlap)
    t_ours, t_again, articles, chunks = ours(corpus)
    print(f"corpus: {corpus.name}: {articles} articles, {chunks} chunks (chunk_size {size})")
    print(f"floor (model only, 256-token windows): {t_floor:6.1f} s")
    print(f"llama-index from_documents -> Chroma:  {t_li:6.1f} s")
    print(
        f"assistant ingest:                      {t_ours:6.1f} s  "
        f"{articles / t_ours:.1f} articles/s, {chunks / t_ours:.1f} chunks/s"
    )
    print(f"  ratio to floor: {t_ours / t_floor:.2f}x   ratio to llama-index: {t_ours / t_li:.2f}x")
    print(
        f"re-ingest unchanged:                   {t_again:6.2f} s  "
        f"({t_again / t_ours:.1%} of first)"
    )


if __name__ == "__main__":
    main()
