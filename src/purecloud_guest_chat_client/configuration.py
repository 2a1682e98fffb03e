"""Per-client configuration: the logger, as the JS SDK's ``client.config`` exposes it."""

from __future__ import annotations

import logging
import os
import threading
import weakref
from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum
from pathlib import Path
from types import MethodType
from typing import Any

from . import _live_reload
from ._config_file import FileSettings, default_config_path, read_config_file
from ._logging import (
    FIELDS_ATTRIBUTE,
    ROOT_LOGGER_NAME,
    Exchange,
    JsonFormatter,
    TextFormatter,
    exchange_fields,
    render_text,
)

__all__ = [
    "JSON",
    "TEXT",
    "Configuration",
    "LDebug",
    "LError",
    "LNone",
    "LTrace",
    "LogFormat",
    "LogLevel",
    "Logger",
]


class LogLevel(StrEnum):
    """What is logged, as in the JS SDK.

    - ``LTrace``: every call with method, URL, status, request and response headers.
    - ``LDebug``: every call with method, URL, status and request headers.
    - ``LError``: failed calls only, with request and response headers.
    - ``LNone``: nothing (the default).

    Bodies are added only when ``log_request_body`` / ``log_response_body`` are set.
    """

    LTrace = "trace"
    LDebug = "debug"
    LError = "error"
    LNone = "none"


class LogFormat(StrEnum):
    JSON = "json"
    TEXT = "text"


LTrace = LogLevel.LTrace
LDebug = LogLevel.LDebug
LError = LogLevel.LError
LNone = LogLevel.LNone
JSON = LogFormat.JSON
TEXT = LogFormat.TEXT

_THRESHOLDS = {
    LogLevel.LTrace: logging.DEBUG,
    LogLevel.LDebug: logging.DEBUG,
    LogLevel.LError: logging.ERROR,
    LogLevel.LNone: logging.CRITICAL + 10,
}


def _coerce_level(value: LogLevel | str) -> LogLevel:
    if isinstance(value, LogLevel):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        text = text[1:] if text in ("ltrace", "ldebug", "lerror", "lnone") else text
        try:
            return LogLevel(text)
        except ValueError:
            pass
    raise ValueError(f"log_level must be one of trace, debug, error, none; got {value!r}")


def _coerce_format(value: LogFormat | str) -> LogFormat:
    if isinstance(value, str):
        try:
            return LogFormat(value.strip().lower())
        except ValueError:
            pass
    raise ValueError(f"log_format must be json or text; got {value!r}")


def _coerce_bool(name: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    raise TypeError(f"{name} must be a bool, not {value!r}")


class Logger:
    """The SDK's request logger for one client.

    Set the attributes, then call :meth:`set_logger` to apply them, as in the JS SDK. Records go
    to the standard ``logging`` logger ``purecloud_guest_chat_client`` (through a per-client child),
    so applications can also attach their own handlers there.
    """

    log_level_enum = LogLevel
    log_format_enum = LogFormat

    def __init__(self) -> None:
        self._log_level = LogLevel.LNone
        self._log_format = LogFormat.TEXT
        self._log_to_console = True
        self._log_file_path: str | None = None
        self.log_request_body = False
        self.log_response_body = False
        # Not registered with logging's manager: a process may create thousands of clients, and
        # registered loggers live forever. Records still propagate to the package logger.
        self._logger = logging.Logger(f"{ROOT_LOGGER_NAME}.client", logging.DEBUG)
        self._logger.parent = logging.getLogger(ROOT_LOGGER_NAME)
        self._handlers: list[logging.Handler] = []
        self._threshold = _THRESHOLDS[LogLevel.LNone]
        self._trace = False
        self._bodies = (False, False)

    @property
    def log_level(self) -> LogLevel:
        return self._log_level

    @log_level.setter
    def log_level(self, value: LogLevel | str) -> None:
        self._log_level = _coerce_level(value)

    @property
    def log_format(self) -> LogFormat:
        return self._log_format

    @log_format.setter
    def log_format(self, value: LogFormat | str) -> None:
        self._log_format = _coerce_format(value)

    @property
    def log_to_console(self) -> bool:
        return self._log_to_console

    @log_to_console.setter
    def log_to_console(self, value: bool) -> None:
        self._log_to_console = _coerce_bool("log_to_console", value)

    @property
    def log_file_path(self) -> str | None:
        return self._log_file_path

    @log_file_path.setter
    def log_file_path(self, value: str | Path | None) -> None:
        if value is not None and not isinstance(value, str | Path):
            raise TypeError(f"log_file_path must be a path or None, not {value!r}")
        self._log_file_path = str(value) if value not in (None, "") else None

    @property
    def logger(self) -> logging.Logger:
        """The standard-library logger this client's records go through."""
        return self._logger

    def set_logger(self) -> None:
        """Apply the current settings: level, format, console and file output, bodies."""
        request_body = _coerce_bool("log_request_body", self.log_request_body)
        response_body = _coerce_bool("log_response_body", self.log_response_body)
        formatter = JsonFormatter() if self._log_format is LogFormat.JSON else TextFormatter()
        handlers: list[logging.Handler] = []
        if self._log_level is not LogLevel.LNone:
            if self._log_to_console:
                handlers.append(logging.StreamHandler())
            if self._log_file_path is not None:
                path = Path(self._log_file_path).expanduser()
                handlers.append(logging.FileHandler(path, encoding="utf-8", delay=True))
        for handler in handlers:
            handler.setFormatter(formatter)
        self._replace_handlers(handlers)
        self._bodies = (request_body, response_body)
        self._trace = self._log_level is LogLevel.LTrace
        self._threshold = _THRESHOLDS[self._log_level]

    setLogger = set_logger  # the JS SDK spelling, for ported code

    def close(self) -> None:
        """Close the file and console handlers this logger opened."""
        self._replace_handlers([])

    def _replace_handlers(self, handlers: list[logging.Handler]) -> None:
        old, self._handlers = self._handlers, handlers
        for handler in handlers:
            self._logger.addHandler(handler)
        for handler in old:
            self._logger.removeHandler(handler)
            handler.close()

    def wants(self, failed: bool) -> bool:
        """Whether an exchange with this outcome would be logged (cheap, for the hot path)."""
        return (logging.ERROR if failed else logging.DEBUG) >= self._threshold

    def log_exchange(self, exchange: Exchange, *, failed: bool, secrets: Iterable[str]) -> None:
        level = logging.ERROR if failed else logging.DEBUG
        if level < self._threshold:
            return
        request_body, response_body = self._bodies
        fields = exchange_fields(
            exchange,
            failed=failed,
            trace=self._trace,
            request_body=request_body,
            response_body=response_body,
            secrets=secrets,
        )
        extra: dict[str, Any] = {
            "correlation_id": fields["correlationId"],
            FIELDS_ATTRIBUTE: fields,
        }
        record = self._logger.makeRecord(
            self._logger.name, level, "", 0, render_text(fields), (), None, extra=extra
        )
        self._logger.handle(record)


FileKey = tuple[str, str]
"""A configuration-file key as ``(section, key)``, such as ``("general", "host")``."""

FileKeysListener = Callable[[Mapping[FileKey, Any]], None]
"""Called with the keys a file edit changed, and their new values."""


class Configuration:
    """A client's configuration: ``logger``, the configuration file and its live reload.

    The file (default ``~/.genesyscloudpython-guest/config``) is read when the client is created.
    With ``live_reload_config`` on (the default) edits are applied while the client runs; only
    the keys an edit changed are applied, so a later edit of the log level does not undo a
    ``set_environment()`` made in code.

    Every client that uses this configuration is one of its listeners: the client that made it
    (see :meth:`activate`) and those that share it (``AsyncApiClient.with_jwt``). An edit reaches
    them all.
    """

    def __init__(self) -> None:
        self.logger = Logger()
        self._config_path = default_config_path()
        self._live_reload = True
        self._active = False
        # Held weakly: a client dropped without being closed must not be kept alive here.
        self._listeners: list[weakref.ref[FileKeysListener]] = []
        self._applied: dict[FileKey, Any] = {}
        self._subscribed_path: Path | None = None
        # Listeners come and go on event loops while edits are applied on the watcher's thread.
        self._lock = threading.RLock()

    @property
    def config_path(self) -> Path:
        return self._config_path

    def set_config_path(self, path: str | os.PathLike[str]) -> None:
        """Read the configuration from ``path`` instead (and watch it, if live reload is on)."""
        if not isinstance(path, str | os.PathLike) or not str(path).strip():
            raise TypeError(f"config path must be a non-empty path, not {path!r}")
        resolved = Path(path).expanduser().absolute()
        if resolved.is_dir():
            raise ValueError(f"config path {str(resolved)!r} is a directory, not a file")
        with self._lock:
            self._config_path = resolved
            if self._active:
                self._load()
                self._sync_watch()

    setConfigPath = set_config_path  # the JS SDK spelling

    @property
    def live_reload_config(self) -> bool:
        return self._live_reload

    @live_reload_config.setter
    def live_reload_config(self, enabled: bool) -> None:
        self._live_reload = _coerce_bool("live_reload_config", enabled)
        with self._lock:
            self._sync_watch()

    def activate(
        self, listener: FileKeysListener, *, keep: frozenset[FileKey] = frozenset()
    ) -> None:
        """Attach to the client that made this configuration: subscribe its ``listener``, read
        the file now (except the ``keep`` keys set in code) and watch it from then on."""
        with self._lock:
            self._active = True
            self.subscribe(listener)
            settings = read_config_file(self._config_path)
            if settings is not None:
                self._apply(settings, skip=keep)
            self._sync_watch()

    def subscribe(self, listener: FileKeysListener) -> None:
        """Call ``listener`` with the keys each later file edit changes, until
        :meth:`unsubscribe` or :meth:`close`. It is held weakly, as a bound method if it is one."""
        ref: weakref.ref[FileKeysListener] = (
            weakref.WeakMethod(listener)
            if isinstance(listener, MethodType)
            else weakref.ref(listener)
        )
        with self._lock:
            self._listeners.append(ref)

    def unsubscribe(self, listener: FileKeysListener) -> None:
        with self._lock:
            self._listeners = [ref for ref in self._listeners if ref() not in (None, listener)]

    def apply_file_settings(self, settings: FileSettings) -> None:
        """Apply what changed in the file since it was last applied."""
        with self._lock:
            if self._active:
                self._apply(settings, skip=frozenset())

    def close(self) -> None:
        """Stop watching the file, drop every listener and close the logger's handlers."""
        with self._lock:
            self._active = False
            self._listeners = []
            self._sync_watch()
        self.logger.close()

    def _load(self) -> None:
        settings = read_config_file(self._config_path)
        if settings is not None:
            self._applied = {}
            self._apply(settings, skip=frozenset())

    def _apply(self, settings: FileSettings, *, skip: frozenset[FileKey]) -> None:
        flat: dict[FileKey, Any] = {
            (section, key): value
            for section, values in (
                ("logging", settings.logging),
                ("general", settings.general),
                ("retry", settings.retry),
            )
            for key, value in values.items()
        }
        changed = {
            key: value
            for key, value in flat.items()
            if key not in skip and (key not in self._applied or self._applied[key] != value)
        }
        self._applied = flat
        if not changed:
            return
        logging_keys = {
            key: value for (section, key), value in changed.items() if section == "logging"
        }
        if logging_keys:
            for key, value in logging_keys.items():
                setattr(self.logger, key, value)
            self.logger.set_logger()
        reload_flag = changed.get(("general", "live_reload_config"))
        if reload_flag is not None:
            self._live_reload = bool(reload_flag)
            self._sync_watch()
        listeners = [listener for ref in self._listeners if (listener := ref()) is not None]
        self._listeners = [ref for ref in self._listeners if ref() is not None]
        for listener in listeners:
            listener(changed)

    def _sync_watch(self) -> None:
        wanted = self._config_path if self._live_reload and self._active else None
        if wanted == self._subscribed_path:
            return
        if self._subscribed_path is not None:
            _live_reload.unsubscribe(self, self._subscribed_path)
        self._subscribed_path = wanted
        if wanted is not None:
            _live_reload.subscribe(self, wanted)
