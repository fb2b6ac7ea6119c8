"""The embedded model served once for many commands: `assistant serve` and finding it.

Each `assistant ask` with the local model would load the GGUF again (seconds on two cores,
tens on a busy machine). `serve` loads it once in llama-cpp-python's OpenAI-compatible
server (`llama_cpp.server`, the `serve` extra) on 127.0.0.1 and writes a small state file in
the data dir (host, port, pid, model file, context size); `find` reads it cheaply (a file,
a `kill(pid, 0)` and a 0.3 s connect) and `ServedLlama` answers through it, as the `local`
provider, with the same model. A stale file (the server gone) is ignored.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from ..config import LLMSettings
from ..errors import LLMError
from .llm import OpenAIChat, local_model

STATE_FILE = "model-server.json"
CONNECT_TIMEOUT = 0.3


@dataclass(frozen=True)
class ServerState:
    """A running `assistant serve`, as its state file says."""

    host: str
    port: int
    pid: int
    model_path: str
    model: str
    context_size: int

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive, but not ours to use
        return False
    return True


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT):
            return True
    except OSError:
        return False


def find(data_dir: Path, settings: LLMSettings) -> ServerState | None:
    """The server running for this data dir with the model `settings` would load, or None
    (no state file, a stale one, another model, a smaller context)."""
    try:
        state = ServerState(**json.loads((data_dir / STATE_FILE).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    wanted, _ = local_model(settings, assemble=False)
    if os.path.realpath(state.model_path) != os.path.realpath(wanted):
        return None
    if state.context_size < settings.context_size:
        return None
    if not _alive(state.pid) or not _listening(state.host, state.port):
        return None
    return state


class ServedLlama(OpenAIChat):
    """The local model through a running `assistant serve`: the `local` provider, served."""

    provider = "local"

    def __init__(self, settings: LLMSettings, state: ServerState) -> None:
        update = {"base_url": state.base_url, "model": state.model}
        super().__init__(settings.model_copy(update=update))
        self.served_at = f"{state.host}:{state.port}"


def serve(
    settings: LLMSettings,
    data_dir: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    on_ready: Callable[[ServerState], None] | None = None,
) -> None:
    """Load the local model and serve it until interrupted (Ctrl-C or SIGTERM); the state
    file exists while the server answers. `port` 0 picks a free port."""
    try:
        import uvicorn
        from llama_cpp.server.app import create_app
        from llama_cpp.server.settings import ModelSettings, ServerSettings
    except ImportError as exc:
        raise LLMError(
            f"`assistant serve` needs llama-cpp-python's server ({exc.name} is missing); "
            "run `make install`"
        ) from None
    path, name = local_model(settings)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise LLMError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    state = ServerState(host, sock.getsockname()[1], os.getpid(), path, name, settings.context_size)
    model = ModelSettings(
        model=path,
        model_alias=name,
        n_ctx=settings.context_size,
        n_threads=settings.threads or (os.cpu_count() or 1),
        n_batch=512,
        verbose=False,
    )
    try:
        app = create_app(
            server_settings=ServerSettings(host=host, port=state.port, interrupt_requests=False),
            model_settings=[model],
        )
    except (ValueError, RuntimeError, OSError) as exc:
        sock.close()
        raise LLMError(f"cannot load the model {path}: {exc}") from None
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    state_path = data_dir / STATE_FILE

    def announce() -> None:  # the state file appears once the server accepts requests
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started:
            data_dir.mkdir(parents=True, exist_ok=True)
            tmp = state_path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(asdict(state)), encoding="utf-8")
            os.replace(tmp, state_path)
            if on_ready is not None:
                on_ready(state)

    watcher = threading.Thread(target=announce, daemon=True)
    watcher.start()
    main = threading.current_thread() is threading.main_thread()
    # uvicorn stops gracefully on SIGTERM, then raises it again under the handler it found:
    # a no-op one lets this function return, and clean up, instead of the process dying
    previous = signal.signal(signal.SIGTERM, lambda *_: None) if main else None
    try:
        server.run(sockets=[sock])
    finally:
        if main:
            signal.signal(signal.SIGTERM, previous)
        server.should_exit = True
        watcher.join(timeout=5)
        try:  # only our own state: a newer server may have replaced it
            if json.loads(state_path.read_text(encoding="utf-8")).get("pid") == os.getpid():
                state_path.unlink()
        except (OSError, ValueError):
            pass
        sock.close()
