"""Language-model providers behind one small streaming interface.

`openai` speaks the chat-completions protocol through the openai SDK, to OpenAI or to any
compatible server (Ollama, vLLM, llama.cpp server, LM Studio) via `llm.base_url`. `local`
runs a GGUF model in-process with llama-cpp-python. Each `stream()` yields text deltas and
raises `LLMError` with one clear sentence; `extractive` needs no model and lives in
`answer/extractive.py`. `resolve_provider` turns `auto` into one of the three.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
import weakref
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any, Protocol

from ..config import LLMSettings
from ..errors import LLMError
from ..text import valid_text
from .local import FILE_NAME, MODEL_NAME, cache_dir, local_available, model_file
from .remote import OPENAI_KEY_ENV, PLACEHOLDER_KEY, Budget, api_key

Message = dict[str, str]
DEFAULT_OPENAI_MODEL = "gpt-4o-mini"


class PartialAnswer(LLMError):
    """The stream stopped after some text arrived; the text so far is in `partial`."""

    def __init__(self, message: str, partial: str) -> None:
        super().__init__(message)
        self.partial = partial


class LLM(Protocol):
    provider: str
    model: str

    def stream(
        self, messages: Sequence[Message], *, max_tokens: int, temperature: float
    ) -> Iterator[str]: ...

    def prime(self, messages: Sequence[Message]) -> None:
        """Prepare for prompts that start like `messages`, if that is free."""


def valid_messages(messages: Sequence[Message]) -> list[Message]:
    """`messages` as they may leave for a model: text UTF-8 can encode (see `valid_text`)."""
    return [{key: valid_text(value) for key, value in m.items()} for m in messages]


def resolve_provider(settings: LLMSettings) -> str:
    """`auto` -> openai (key or base_url set) -> local (installed) -> extractive."""
    if settings.provider != "auto":
        return settings.provider
    if settings.base_url or os.environ.get(settings.api_key_env or OPENAI_KEY_ENV):
        return "openai"
    if settings.model_path or local_available():
        return "local"
    return "extractive"


class OpenAIChat:
    """Chat completions over HTTP with the openai SDK: retries with back-off on 429/5xx, all
    within `llm.timeout`; the key only where it belongs (see `remote`)."""

    provider = "openai"

    def __init__(self, settings: LLMSettings) -> None:
        from openai import OpenAI

        key = api_key(settings.base_url, settings.api_key_env)
        if not key and not settings.base_url:
            raise LLMError(
                f"llm.provider is openai but {settings.api_key_env or OPENAI_KEY_ENV} is not "
                "set; set it, point llm.base_url at an OpenAI-compatible server, or use "
                "--provider extractive"
            )
        self.model = settings.model or DEFAULT_OPENAI_MODEL
        self.base_url = settings.base_url or "https://api.openai.com/v1"
        self.timeout = settings.timeout
        self.key_name = settings.api_key_env or OPENAI_KEY_ENV
        self._client = OpenAI(
            api_key=key or PLACEHOLDER_KEY,
            base_url=settings.base_url or None,
            timeout=settings.timeout,
            max_retries=0,  # retried here, within llm.timeout (the SDK's own would triple it)
        )

    def _create(self, **request: Any) -> Any:
        """The streaming response, tried again while `Budget` allows; raises the last error."""
        import openai

        budget = Budget(self.timeout)
        while True:
            try:
                return self._client.chat.completions.create(
                    **request, stream=True, timeout=max(budget.left, 0.001)
                )
            except (openai.APIStatusError, openai.APIConnectionError) as exc:
                status = exc.status_code if isinstance(exc, openai.APIStatusError) else None
                headers = exc.response.headers if isinstance(exc, openai.APIStatusError) else None
                wait = budget.retry_after(status, headers)
                if wait is None:
                    raise
                time.sleep(wait)

    def _explain(self, exc: Exception) -> str:
        import openai

        where = self.base_url
        if isinstance(exc, openai.APITimeoutError):
            return f"the LLM server at {where} did not answer in {self.timeout:g} s (llm.timeout)"
        if isinstance(exc, openai.APIConnectionError):
            return f"cannot reach the LLM server at {where} (is it running? no network?)"
        if isinstance(exc, openai.AuthenticationError):
            return f"the LLM server at {where} refused the API key (401); check {self.key_name}"
        if isinstance(exc, openai.NotFoundError):
            return f"the LLM server at {where} does not know the model {self.model!r} (404)"
        if isinstance(exc, openai.RateLimitError):
            return f"the LLM server at {where} is rate-limiting requests (429); try again later"
        if isinstance(exc, openai.APIStatusError):
            return f"the LLM server at {where} failed with HTTP {exc.status_code}"
        return (
            f"the LLM server at {where} sent a reply that could not be read ({type(exc).__name__})"
        )

    def stream(
        self, messages: Sequence[Message], *, max_tokens: int, temperature: float
    ) -> Iterator[str]:
        import httpx
        import openai
        from openai.types.chat import ChatCompletionChunk

        got = ""
        finished = False
        response = None
        events, most_events, most_chars = 0, 2 * max_tokens + 16, 16 * max_tokens
        try:
            response = self._create(
                model=self.model,
                messages=valid_messages(messages),
                max_tokens=max_tokens,
                temperature=temperature,
            )
            for event in response:
                if not isinstance(event, ChatCompletionChunk) or not event.choices:
                    continue
                choice = event.choices[0]
                if choice.finish_reason is not None:
                    finished = True
                delta = valid_text(choice.delta.content or "")  # a reply is outside text
                if delta:
                    got += delta
                    yield delta
                events += 1
                if events > most_events or len(got) > most_chars:  # it ignores max_tokens
                    message = (
                        f"the LLM server at {self.base_url} went on past llm.max_tokens = "
                        f"{max_tokens}; the answer was cut there"
                    )
                    raise PartialAnswer(message, got)
        except PartialAnswer:
            raise
        except (openai.OpenAIError, ValueError, KeyError) as exc:
            message = self._explain(exc)
            if got:
                raise PartialAnswer(message + " (the answer is incomplete)", got) from None
            raise LLMError(message) from None
        except httpx.TimeoutException:  # a stall mid-stream surfaces raw from httpx
            message = (
                f"the LLM server at {self.base_url} stopped sending for {self.timeout:g} s "
                "mid-answer (llm.timeout)"
            )
            if got:
                raise PartialAnswer(message + " (the answer is incomplete)", got) from None
            raise LLMError(message) from None
        except Exception as exc:  # httpx and json errors surface raw from the stream
            message = f"the stream from {self.base_url} broke ({type(exc).__name__})"
            if got:
                raise PartialAnswer(message, got) from None
            raise LLMError(message) from None
        finally:
            # also on cancel (GeneratorExit): hang up so the server stops generating
            if response is not None:
                close = getattr(response, "close", None)
                if close is not None:
                    close()
        if not finished:  # the body ended cleanly but the model never said it was done
            message = f"the stream from {self.base_url} ended before the model finished"
            if got:
                raise PartialAnswer(message, got)
            raise LLMError(message)

    def complete(self, messages: Sequence[Message], *, max_tokens: int) -> str:
        return "".join(self.stream(messages, max_tokens=max_tokens, temperature=0.0))

    def prime(self, messages: Sequence[Message]) -> None:
        """Nothing: a request to a server would cost time and money before any question."""


_LOCAL_LOCK = threading.Lock()
_OPEN_MODELS: weakref.WeakSet[Any] = weakref.WeakSet()


@atexit.register
def _close_models() -> None:
    """Free loaded models while the interpreter still works: llama.cpp's own `__del__` runs
    too late at exit and prints "Exception ignored ... 'NoneType' object is not callable"."""
    for model in list(_OPEN_MODELS):
        try:
            model.close()
        except Exception:  # best effort at exit
            pass


@lru_cache(maxsize=1)
def _llama(path: str, context_size: int, threads: int) -> Any:
    try:
        from llama_cpp import Llama
    except ImportError:
        raise LLMError(
            "llama-cpp-python is not installed; run `make install` (or use --provider extractive)"
        ) from None
    try:
        model = Llama(
            model_path=path,
            n_ctx=context_size,
            n_threads=threads or (os.cpu_count() or 1),
            n_batch=512,
            verbose=False,
        )
    except (ValueError, RuntimeError, OSError) as exc:
        raise LLMError(f"cannot load the model {path}: {exc}") from None
    _OPEN_MODELS.add(model)
    return model


def local_model(settings: LLMSettings, *, assemble: bool = True) -> tuple[str, str]:
    """The GGUF file the local provider loads and the model's name. Without `assemble`,
    the packaged model's path is given without building it (a cheap comparison)."""
    if settings.model_path:
        path = os.path.expanduser(settings.model_path)
        if assemble and not os.path.isfile(path):
            raise LLMError(f"llm.model_path does not exist: {path}")
        return path, settings.model or os.path.basename(path)
    packaged = model_file() if assemble else cache_dir() / FILE_NAME
    return str(packaged), settings.model or MODEL_NAME


class LocalLlama:
    """A GGUF model in this process; one generation at a time (llama.cpp is not reentrant).

    llama.cpp keeps the key/value cache of the last prompt, so a fixed system prompt at the
    start of every conversation is evaluated only once.
    """

    provider = "local"

    def __init__(self, settings: LLMSettings) -> None:
        path, self.model = local_model(settings)
        self._llama = _llama(path, settings.context_size, settings.threads)

    def stream(
        self, messages: Sequence[Message], *, max_tokens: int, temperature: float
    ) -> Iterator[str]:
        with _LOCAL_LOCK:
            try:
                chunks = self._llama.create_chat_completion(
                    messages=valid_messages(messages),
                    stream=True,
                    max_tokens=max_tokens,
                    temperature=temperature,
                    repeat_penalty=1.05,
                )
                for chunk in chunks:
                    delta = valid_text(chunk["choices"][0]["delta"].get("content") or "")
                    if delta:
                        yield delta
            except ValueError as exc:  # e.g. the prompt does not fit the context
                raise LLMError(f"the local model failed: {exc}") from None

    def complete(self, messages: Sequence[Message], *, max_tokens: int) -> str:
        return "".join(self.stream(messages, max_tokens=max_tokens, temperature=0.0))

    def prime(self, messages: Sequence[Message]) -> None:
        """Read `messages` (a prompt that starts like the real ones) into the KV cache, so
        the next prompt with the same start skips that part: ~2 s of a 1.5B model's
        system prompt on two cores."""
        self.complete(messages, max_tokens=1)


def make_llm(provider: str, settings: LLMSettings) -> OpenAIChat | LocalLlama:
    if provider == "openai":
        return OpenAIChat(settings)
    if provider == "local":
        return LocalLlama(settings)
    raise LLMError(f"provider {provider!r} has no language model")


def model_name(settings: LLMSettings, provider: str) -> str:
    """The name of the model that will answer with `provider`, without loading it."""
    if provider == "extractive":
        return "none"
    if settings.model:
        return settings.model
    if provider == "openai":
        return DEFAULT_OPENAI_MODEL
    if provider == "local" and settings.model_path:
        return os.path.basename(os.path.expanduser(settings.model_path))
    return MODEL_NAME
