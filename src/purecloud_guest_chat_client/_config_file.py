"""The configuration file: INI or JSON, with the JS SDK's sections plus retry and timeout keys.

```ini
[logging]
log_level = trace            ; trace | debug | error | none
log_format = text            ; text | json
log_to_console = false
log_file_path = /var/log/guestchat.log
log_request_body = false
log_response_body = false

[general]
host = https://api.mypurecloud.com   ; a region domain or a base URL
live_reload_config = true
timeout = 16                          ; seconds per attempt

[retry]
enabled = true
max_retries = 3
backoff_initial = 0.5
backoff_max = 8
retry_after_cap = 30
total_budget = 60
retry_connect_errors = true
statuses = 429, 500, 502, 503, 504
```

The same in JSON is an object of objects with the same names.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._logging import ROOT_LOGGER_NAME
from ._retry import RetryPolicy
from .regions import resolve_environment

if TYPE_CHECKING:
    import configparser

__all__ = [
    "ConfigFileError",
    "FileSettings",
    "default_config_path",
    "parse_config_text",
    "read_config_file",
    "retry_policy_from",
]

_LOG = logging.getLogger(ROOT_LOGGER_NAME)


class ConfigFileError(ValueError):
    """The configuration file exists but cannot be used; the message names the problem."""


def default_config_path() -> Path:
    """``~/.genesyscloudpython-guest/config``; under ``%USERPROFILE%`` on Windows when set."""
    profile = os.environ.get("USERPROFILE") if os.name == "nt" else None
    home = Path(profile) if profile else Path.home()
    return home / ".genesyscloudpython-guest" / "config"


def _as_bool(text: object) -> bool:
    if isinstance(text, bool):
        return text
    if isinstance(text, str) and text.strip().lower() in ("true", "yes", "on", "1"):
        return True
    if isinstance(text, str) and text.strip().lower() in ("false", "no", "off", "0"):
        return False
    raise ValueError(f"expected true or false, got {text!r}")


def _as_number(text: object) -> float:
    if isinstance(text, bool):
        raise ValueError(f"expected a number, got {text!r}")
    if isinstance(text, int | float):
        return float(text)
    if isinstance(text, str):
        return float(text.strip())
    raise ValueError(f"expected a number, got {text!r}")


def _as_count(text: object) -> int:
    number = _as_number(text)
    if not number.is_integer() or number < 0:
        raise ValueError(f"expected a whole number >= 0, got {text!r}")
    return int(number)


def _as_text(text: object) -> str:
    if not isinstance(text, str):
        raise ValueError(f"expected text, got {text!r}")
    return text.strip()


def _one_of(*choices: str) -> Callable[[object], str]:
    def convert(text: object) -> str:
        value = _as_text(text).lower()
        if value not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}, got {text!r}")
        return value

    return convert


def _as_seconds(text: object) -> float:
    number = _as_number(text)
    if not number > 0:
        raise ValueError(f"expected a number of seconds > 0, got {text!r}")
    return number


def _as_host(text: object) -> str:
    host = _as_text(text)
    resolve_environment(host)
    return host


def _as_statuses(text: object) -> frozenset[int]:
    items = text.split(",") if isinstance(text, str) else text
    if not isinstance(items, list | tuple):
        raise ValueError(f"expected a list of HTTP statuses, got {text!r}")
    return frozenset(_as_count(item) for item in items)


_KEYS: dict[str, dict[str, Callable[[object], Any]]] = {
    "logging": {
        "log_level": _one_of("trace", "debug", "error", "none"),
        "log_format": _one_of("json", "text"),
        "log_to_console": _as_bool,
        "log_file_path": _as_text,
        "log_request_body": _as_bool,
        "log_response_body": _as_bool,
    },
    "general": {"host": _as_host, "live_reload_config": _as_bool, "timeout": _as_seconds},
    "retry": {
        "enabled": _as_bool,
        "max_retries": _as_count,
        "backoff_initial": _as_number,
        "backoff_max": _as_number,
        "retry_after_cap": _as_number,
        "total_budget": _as_number,
        "retry_connect_errors": _as_bool,
        "statuses": _as_statuses,
    },
}


@dataclass(frozen=True, slots=True)
class FileSettings:
    """What a configuration file sets; absent keys are absent here too."""

    logging: Mapping[str, Any] = field(default_factory=dict)
    general: Mapping[str, Any] = field(default_factory=dict)
    retry: Mapping[str, Any] = field(default_factory=dict)


def _sections(text: str) -> Mapping[str, Mapping[str, object]]:
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigFileError(f"invalid JSON: {exc}") from None
        if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
            raise ConfigFileError("JSON must be an object of sections, each an object")
        return data
    import configparser  # only once there is a file to read

    parser = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=(";", "#"))
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        raise ConfigFileError(f"invalid INI: {_ini_problem(exc)}") from None
    return {name: dict(parser[name]) for name in parser.sections()}


def _ini_problem(exc: configparser.Error) -> str:
    """configparser's complaint in one line: its own message spans lines and quotes a repr."""
    import configparser

    if isinstance(exc, configparser.MissingSectionHeaderError):
        return f"line {exc.lineno} comes before any [section] header"
    if isinstance(exc, configparser.ParsingError) and exc.errors:
        return f"line {exc.errors[0][0]} is not a 'key = value' line"
    if isinstance(exc, configparser.DuplicateOptionError):
        return f"line {exc.lineno}: key {exc.option} appears twice in [{exc.section}]"
    if isinstance(exc, configparser.DuplicateSectionError):
        return f"line {exc.lineno}: section [{exc.section}] appears twice"
    return " ".join(exc.message.split())


def parse_config_text(text: str) -> FileSettings:
    """Parse INI or JSON text; raises ConfigFileError naming the first problem."""
    if not text.strip():
        return FileSettings()
    parsed: dict[str, dict[str, Any]] = {}
    for section, values in _sections(text).items():
        converters = _KEYS.get(section.lower())
        if converters is None:
            continue  # other tools' sections may share the file
        out = parsed.setdefault(section.lower(), {})
        for key, raw in values.items():
            convert = converters.get(key.lower())
            if convert is None:
                raise ConfigFileError(f"unknown key {key!r} in section [{section}]")
            try:
                out[key.lower()] = convert(raw)
            except ValueError as exc:
                raise ConfigFileError(f"[{section}] {key}: {exc}") from None
    retry = parsed.get("retry")
    if retry:
        try:
            retry_policy_from(RetryPolicy(), retry)
        except (TypeError, ValueError) as exc:
            raise ConfigFileError(f"[retry]: {exc}") from None
    return FileSettings(**parsed)


def retry_policy_from(base: RetryPolicy, keys: Mapping[str, Any]) -> RetryPolicy:
    """``base`` with the ``[retry]`` keys of a file applied (``enabled = false`` means none)."""
    changes = {key: value for key, value in keys.items() if key != "enabled"}
    if keys.get("enabled") is False:
        changes["max_retries"] = 0
    return replace(base, **changes)


# Many clients read the same file: parse each version once, and warn once per bad version.
_cache_lock = threading.Lock()
_cache: dict[Path, tuple[tuple[int, int, int], FileSettings | None]] = {}


def read_config_file(path: Path) -> FileSettings | None:
    """The file's settings, or None when it is missing or does not parse (then it warns once)."""
    try:
        stat = path.stat()
        signature = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
    except OSError:
        return None
    with _cache_lock:
        cached = _cache.get(path)
        if cached is not None and cached[0] == signature:
            return cached[1]
        settings: FileSettings | None
        try:
            settings = parse_config_text(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            settings = None
            _LOG.warning(
                "config file %s cannot be read: %s; keeping the last good settings", path, exc
            )
        except ConfigFileError as exc:
            settings = None
            _LOG.warning(
                "config file %s is not valid: %s; keeping the last good settings", path, exc
            )
        _cache[path] = (signature, settings)
        return settings
