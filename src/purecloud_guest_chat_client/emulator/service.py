"""Running the service: ``LocalService`` in a background thread, ``run_server`` in front."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn

from .._redact import redacting_logger
from ..models.protocol import CONTROL_PREFIX
from .asgi_app import build_app
from .connection_limits import ConnectionLimits, accept_failure_handler, protocols
from .runtime import Runtime
from .settings import ServiceSettings

logger = logging.getLogger(__name__)

_START_TIMEOUT = 15.0
_STOP_TIMEOUT = 15.0
# Middle-generation collections between full ones (Python's default is 10). The message history
# is kept out of the collector's sight (records.History), but conversations, members and cached
# token claims still add up over a long run, and each full collection scans all of them while
# the event loop waits: rarer full collections keep those pauses out of the latency tail.
_FULL_COLLECTION_EVERY = 100
# File descriptors kept free of client connections: the database, its checkpointer, the log and
# whatever the host process opens meanwhile.
_SPARE_FILE_DESCRIPTORS = 64
# Bytes of unread protocol pongs one event stream may leave in its write buffer.
_STREAM_MAX_UNSENT_BYTES = 1024 * 1024


class _Server(uvicorn.Server):
    """uvicorn's server without its signal handling: ``run_server`` installs its own so that
    SIGINT and SIGTERM end the process cleanly instead of being re-raised."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class _DenialIsNoFailure(logging.Filter):
    """uvicorn reports a WebSocket handshake refused with an HTTP response (an expired token, an
    unknown path) as an application that never completed its handshake. The service answers
    every handshake one way or the other, so that error line is always false."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg != "ASGI callable returned without completing handshake."


# The server libraries' loggers: uvicorn's, whose "uvicorn.error" also carries the WebSocket
# library's handshake lines and frame dumps at debug level (the stream URI's JWT, a Web
# Messaging session's token, the JWTs it hands out), and the WebSocket library's own, which
# it logs on when no logger is given.
_SERVER_LOGGERS = (
    "uvicorn",
    "uvicorn.error",
    "uvicorn.access",
    "uvicorn.asgi",
    "websockets.server",
)


def _protect_server_logs() -> None:
    for name in _SERVER_LOGGERS:
        redacting_logger(name)
    server_errors = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _DenialIsNoFailure) for f in server_errors.filters):
        server_errors.addFilter(_DenialIsNoFailure())


class _Instance:
    """One started service: its database, socket, app and server."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self._tempdir: str | None = None
        if settings.db_path is None:
            self._tempdir = tempfile.mkdtemp(prefix="guestchat-")
            db_path = Path(self._tempdir) / "guestchat.db"
        else:
            db_path = Path(settings.db_path)
        try:
            self.runtime = Runtime.open(settings, db_path)
        except Exception:
            self.cleanup()
            raise
        try:
            family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
            # IPPROTO_TCP explicitly: asyncio turns Nagle off only on sockets that say so, and
            # with Nagle on, a response written in two parts waits ~40 ms for a delayed ACK.
            self.socket = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.socket.bind((settings.host, settings.port))
        except OSError as exc:
            self.runtime.close()
            self.cleanup()
            raise OSError(
                exc.errno, f"cannot listen on {settings.host}:{settings.port}: {exc.strerror}"
            ) from None
        self.port: int = self.socket.getsockname()[1]
        host = f"[{settings.host}]" if ":" in settings.host else settings.host
        self.base_url = f"http://{host}:{self.port}"
        _protect_server_logs()
        http_protocol, ws_protocol = protocols(
            ConnectionLimits(
                max_header_bytes=settings.max_header_bytes,
                header_timeout=settings.header_timeout_seconds,
                body_timeout=settings.body_timeout_seconds,
                idle_timeout=settings.idle_timeout_seconds,
                max_connections=connection_cap(settings.max_connections),
                stream_max_frames_per_second=settings.stream_max_frames_per_second,
                stream_max_unsent_bytes=_STREAM_MAX_UNSENT_BYTES,
            )
        )
        config = uvicorn.Config(
            build_app(self.runtime),
            log_config=None,
            access_log=False,
            lifespan="on",
            # httptools (the C parser) and websockets' sans-I/O protocol, with the limits.
            http=http_protocol,
            ws=ws_protocol,
            ws_max_size=settings.stream_max_frame_bytes,
            timeout_keep_alive=settings.idle_timeout_seconds,  # type: ignore[arg-type]
            # Bound to loopback: no proxy in front whose forwarded headers should be trusted.
            proxy_headers=False,
            ws_per_message_deflate=False,
            timeout_graceful_shutdown=3,
        )
        self.server = _Server(config)

    async def serve(self) -> None:
        asyncio.get_running_loop().set_exception_handler(accept_failure_handler)
        try:
            await self.server.serve(sockets=[self.socket])
        finally:
            self.socket.close()

    def cleanup(self) -> None:
        if self._tempdir is not None:
            shutil.rmtree(self._tempdir, ignore_errors=True)
            self._tempdir = None


def connection_cap(wanted: int) -> int:
    """``wanted``, or fewer when the process's open-file limit cannot hold that many: the limit
    is raised toward its hard ceiling first, since a refused connection is answered while an
    ``accept()`` that fails for want of a descriptor is not."""
    try:
        import resource
    except ImportError:  # no such limit to respect (Windows)
        return wanted
    try:
        in_use = len(os.listdir("/proc/self/fd"))
    except OSError:
        in_use = 0
    needed = wanted + in_use + _SPARE_FILE_DESCRIPTORS
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        raised = needed if hard == resource.RLIM_INFINITY else min(hard, needed)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
            soft = raised
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return wanted
    cap = max(1, soft - in_use - _SPARE_FILE_DESCRIPTORS)
    logger.warning(
        "the open-file limit (%d) allows %d connections, not max_connections=%d", soft, cap, wanted
    )
    return cap


class LocalService:
    """The local Guest Chat service on loopback, in a background thread.

    ``with LocalService(agent="manual", port=0) as svc:`` (or ``async with``), or ``start()`` and
    ``stop()``. ``port=0`` picks a free port; ``svc.port`` and ``svc.base_url`` tell which.
    """

    def __init__(self, settings: ServiceSettings | None = None, **overrides: Any) -> None:
        if settings is not None and not isinstance(settings, ServiceSettings):
            raise TypeError(f"settings must be a ServiceSettings, got {type(settings).__name__}")
        base = settings or ServiceSettings()
        self.settings = base.with_overrides(**overrides) if overrides else base
        self._instance: _Instance | None = None
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None

    def __repr__(self) -> str:
        state = self.base_url if self._instance is not None else "stopped"
        return f"LocalService({state}, agent={self.settings.agent!r})"

    @property
    def running(self) -> bool:
        return self._instance is not None

    def _started(self) -> _Instance:
        if self._instance is None:
            raise RuntimeError("the service is not running; call start() first")
        return self._instance

    @property
    def port(self) -> int:
        return self._started().port

    @property
    def base_url(self) -> str:
        return self._started().base_url

    @property
    def control_url(self) -> str:
        return self.base_url + CONTROL_PREFIX

    @property
    def db_path(self) -> Path:
        return self._started().runtime.store.path

    def start(self) -> LocalService:
        if self._instance is not None:
            raise RuntimeError("the service is already running")
        instance = _Instance(self.settings)
        self._failure = None
        thread = threading.Thread(
            target=self._run, args=(instance,), name="guestchat-service", daemon=True
        )
        thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not instance.server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                instance.server.should_exit = True
                thread.join(_STOP_TIMEOUT)
                instance.cleanup()
                raise RuntimeError(f"the service failed to start: {self._failure!r}")
            time.sleep(0.005)
        self._instance, self._thread = instance, thread
        return self

    def _run(self, instance: _Instance) -> None:
        try:
            asyncio.run(instance.serve())
        except BaseException as exc:  # reported by start(); a thread has nobody else to tell
            self._failure = exc

    def stop(self) -> None:
        instance, thread = self._instance, self._thread
        if instance is None or thread is None:
            return
        instance.server.should_exit = True
        thread.join(_STOP_TIMEOUT)
        if thread.is_alive():
            instance.server.force_exit = True
            thread.join(_STOP_TIMEOUT)
        instance.cleanup()
        self._instance = self._thread = None

    def __enter__(self) -> LocalService:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> LocalService:
        await asyncio.to_thread(self.start)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.stop)


def run_server(
    settings: ServiceSettings | None = None,
    *,
    announce: Callable[[str], None] | None = None,
) -> None:
    """Serves in the foreground until SIGINT or SIGTERM, then shuts down cleanly.

    Prints the base URL once the service listens (or passes it to ``announce``).
    """
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    instance = _Instance(settings or ServiceSettings())
    try:
        asyncio.run(_serve_until_signalled(instance, announce or _print_url))
    finally:
        instance.cleanup()


def _print_url(base_url: str) -> None:
    print(f"Guest Chat service listening on {base_url}", flush=True)
    print(f"Control API: {base_url}{CONTROL_PREFIX}", flush=True)
    print(f"Agent console: {base_url}/console", flush=True)


def _settle_startup_objects() -> None:
    """Moves what the service loaded at start (modules, schemas, the history read from the
    database) out of the garbage collector's sight. It lives as long as the process, and full
    collections, which pause the event loop, would otherwise scan all of it every time: on a
    loaded machine that was a 100 ms stall. Only for a process the service owns: an embedded
    ``LocalService`` leaves its host's collector alone."""
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, _FULL_COLLECTION_EVERY)


async def _serve_until_signalled(instance: _Instance, announce: Callable[[str], None]) -> None:
    loop = asyncio.get_running_loop()

    def request_exit() -> None:
        instance.server.should_exit = True

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, request_exit)
    serving = asyncio.create_task(instance.serve())
    while not instance.server.started and not serving.done():
        await asyncio.sleep(0.01)
    if instance.server.started:
        _settle_startup_objects()
        announce(instance.base_url)
    await serving
    if not instance.server.started:
        print("the service failed to start", file=sys.stderr)
        raise SystemExit(1)
