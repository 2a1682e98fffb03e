"""The server's command line: one option per ``ServiceSettings`` field, in one table.

``guestchat serve`` (typer) and ``python -m purecloud_guest_chat_client.emulator`` (argparse, so
that it runs with the ``emulator`` extra alone) are both built from :data:`SETTING_OPTIONS`, so
they take the same options with the same defaults, help and ``GUESTCHAT_*`` variables, and
``docs/local-service.md`` lists the same table. This module needs only the standard library.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .settings import AGENT_MODES, SCRIPT_PREFIX, ServiceSettings

ENV_PREFIX = "GUESTCHAT_"
LOG_LEVELS = ("debug", "info", "warning", "error")


def _text(value: Any) -> Any:
    return value


def _integer(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a whole number") from None


def _number(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a number") from None


def _writable_file(value: Any) -> Any:
    if isinstance(value, str) and Path(value).is_dir():
        raise ValueError(f"{value} is a directory, not a file")
    return value


def _existing_file(value: Any) -> Any:
    if isinstance(value, str) and not Path(value).is_file():
        raise ValueError(f"file not found: {value}")
    return value


def _agent_mode(value: Any) -> Any:
    """``echo``, ``manual`` or ``script:FILE`` with FILE present: a wrong script fails at once,
    not when the first chat arrives."""
    if not isinstance(value, str) or value in AGENT_MODES:
        return value
    if not value.startswith(SCRIPT_PREFIX) or len(value) == len(SCRIPT_PREFIX):
        raise ValueError(f"must be echo, manual or script:FILE, not {value!r}")
    script = value[len(SCRIPT_PREFIX) :]
    if not Path(script).is_file():
        raise ValueError(f"script file not found: {script}")
    return value


def _log_level(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if value.lower() not in LOG_LEVELS:
        raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}, not {value!r}")
    return value.lower()


@dataclass(frozen=True)
class ServiceOption:
    """One option of the server's command line."""

    name: str
    """The ``ServiceSettings`` field it sets (or, for :data:`LOG_LEVEL`, the value's name)."""
    flag: str
    help: str
    parse: Callable[[Any], Any]
    """Text (from the command line or the variable) to value; raises ValueError saying why.
    A value that is not text (a default) is returned as it is."""
    metavar: str
    """What the value is, units included (SECONDS, BYTES)."""
    panel: str
    default: Any = None
    repeatable: bool = False
    """Given once per value; its variable holds the values separated by spaces."""

    @property
    def envvar(self) -> str:
        return ENV_PREFIX + self.flag.removeprefix("--").upper().replace("-", "_")


_DEFAULTS = {field.name: field.default for field in dataclasses.fields(ServiceSettings)}

SERVICE = "Service"
AGENTS = "Agents"
CONTROL = "Control API and console"
LIMITS = "Limits (docs/local-service.md, Limits)"


def _setting(
    name: str,
    flag: str,
    parse: Callable[[Any], Any],
    metavar: str,
    panel: str,
    help: str,
    *,
    repeatable: bool = False,
) -> ServiceOption:
    return ServiceOption(name, flag, help, parse, metavar, panel, _DEFAULTS[name], repeatable)


SETTING_OPTIONS = (
    _setting("host", "--host", _text, "HOST", SERVICE, "Address to listen on."),
    _setting("port", "--port", _integer, "PORT", SERVICE, "Port to listen on; 0 picks a free one."),
    _setting(
        "db_path",
        "--db",
        _writable_file,
        "FILE",
        SERVICE,
        "SQLite file that keeps the chats. Unset: a temporary file, removed at stop.",
    ),
    _setting(
        "config_file",
        "--config",
        _existing_file,
        "FILE",
        SERVICE,
        "The contact centre (organizations, deployments, queues, agents): a TOML or JSON file.",
    ),
    _setting(
        "public_url",
        "--public-url",
        _text,
        "URL",
        SERVICE,
        "The `http(s)://host[:port][/path]` guests reach the service at (behind a proxy); the "
        "`eventStreamUri` is then `ws(s)://` there. Unset: the bound host and port, never the "
        "request's `Host` header.",
    ),
    _setting(
        "heartbeat_seconds",
        "--heartbeat",
        _number,
        "SECONDS",
        SERVICE,
        "Seconds between the event stream's heartbeat frames.",
    ),
    _setting(
        "jwt_lifetime_seconds",
        "--jwt-lifetime",
        _integer,
        "SECONDS",
        SERVICE,
        "Seconds until a guest's JWT expires (21 hours, as the real ones).",
    ),
    _setting(
        "guest_grace_seconds",
        "--guest-grace",
        _number,
        "SECONDS",
        SERVICE,
        "Seconds a guest whose stream stays away is kept; then it is removed.",
    ),
    _setting(
        "rate_limit_per_minute",
        "--rate-limit",
        _integer,
        "PER_MINUTE",
        SERVICE,
        "Requests per minute per guest (per client address before it has a JWT); 0 turns "
        "rate limiting off.",
    ),
    _setting(
        "agent",
        "--agent",
        _agent_mode,
        "MODE",
        AGENTS,
        "Who answers the chats: `echo` (an agent joins and repeats each message), `manual` "
        "(agents join only through the control API) or `script:FILE` (a scripted agent).",
    ),
    _setting(
        "agent_join_delay",
        "--agent-join-delay",
        _number,
        "SECONDS",
        AGENTS,
        "Seconds a bot agent stays `ALERTING` before it joins a routed chat; 0 joins at once.",
    ),
    _setting(
        "agent_reply_delay",
        "--agent-reply-delay",
        _number,
        "SECONDS",
        AGENTS,
        "Seconds before a bot agent answers; 0 answers at once.",
    ),
    _setting(
        "workflow_greeting",
        "--workflow-greeting",
        _text,
        "TEXT",
        AGENTS,
        "When set, a `WORKFLOW` member posts this text before the agent comes.",
    ),
    _setting(
        "control_token",
        "--control-token",
        _text,
        "TOKEN",
        CONTROL,
        "Bearer token the control API and console then require. A token given here shows in "
        "the process list: prefer --control-token-file or the variable.",
    ),
    _setting(
        "control_token_file",
        "--control-token-file",
        _existing_file,
        "FILE",
        CONTROL,
        "File holding the control token on one line, so that it stays out of the process list.",
    ),
    _setting(
        "allowed_hosts",
        "--allow-host",
        _text,
        "HOST",
        CONTROL,
        "A `Host` besides loopback and --host that the control API and console answer "
        "(`*`: any). Repeatable.",
        repeatable=True,
    ),
    _setting(
        "allowed_origins",
        "--allow-origin",
        _text,
        "ORIGIN",
        CONTROL,
        "A page origin besides the service's own allowed to call the control API (such as "
        "`http://localhost:3000`; `*`: any). Repeatable.",
        repeatable=True,
    ),
    _setting(
        "max_header_bytes",
        "--max-header-bytes",
        _integer,
        "BYTES",
        LIMITS,
        "Largest request line and headers together; more is refused with 431.",
    ),
    _setting(
        "header_timeout_seconds",
        "--header-timeout",
        _number,
        "SECONDS",
        LIMITS,
        "Seconds from a request's first byte to the end of its headers; later gets 408.",
    ),
    _setting(
        "body_timeout_seconds",
        "--body-timeout",
        _number,
        "SECONDS",
        LIMITS,
        "Seconds from the end of a request's headers to the end of its body; later gets 408.",
    ),
    _setting(
        "idle_timeout_seconds",
        "--idle-timeout",
        _number,
        "SECONDS",
        LIMITS,
        "Seconds after which a connection with no request under way is closed.",
    ),
    _setting(
        "max_connections",
        "--max-connections",
        _integer,
        "COUNT",
        LIMITS,
        "Open connections, event streams included; past it a new one replaces the longest-idle "
        "one, or gets 503.",
    ),
    _setting(
        "stream_max_frame_bytes",
        "--stream-max-frame-bytes",
        _integer,
        "BYTES",
        LIMITS,
        "Largest frame a stream client may send; a larger one closes the stream with 1009.",
    ),
    _setting(
        "stream_max_frames_per_second",
        "--stream-max-frames-per-second",
        _integer,
        "COUNT",
        LIMITS,
        "Frames a stream client may send in one second; more close the stream with 1008.",
    ),
    _setting(
        "stream_max_queued_frames",
        "--stream-max-queued-frames",
        _integer,
        "COUNT",
        LIMITS,
        "Frames waiting for a client that does not read; more close its stream with 1008.",
    ),
    _setting(
        "max_streams_per_guest",
        "--max-streams-per-guest",
        _integer,
        "COUNT",
        LIMITS,
        "Event streams open at once with one guest's token; one more gets 429.",
    ),
    _setting(
        "ended_chat_retention_seconds",
        "--ended-chat-retention",
        _number,
        "SECONDS",
        LIMITS,
        "Seconds an ended chat stays in memory; then it is only in the database.",
    ),
    _setting(
        "web_messaging_session_seconds",
        "--web-messaging-session",
        _integer,
        "SECONDS",
        LIMITS,
        "Seconds a Web Messaging session lives after its last message (72 hours, as the real "
        "ones); then it has expired.",
    ),
)
"""Every ``ServiceSettings`` field's option, in the order ``--help`` shows them."""

LOG_LEVEL = ServiceOption(
    "log_level",
    "--log-level",
    "`info` logs each request, `warning` only problems, `debug` everything.",
    _log_level,
    "LEVEL",
    SERVICE,
    "info",
)
"""Not a setting (logging is the process's, not the service's), but both commands take it."""

SERVICE_OPTIONS = (*SETTING_OPTIONS, LOG_LEVEL)


class OptionError(ValueError):
    """The options make no valid settings; ``flag`` is the option at fault, when one is."""

    def __init__(self, reason: str, flag: str | None) -> None:
        super().__init__(f"{flag}: {reason}" if flag else reason)
        self.reason = reason
        self.flag = flag


_LEADING_FIELD = re.compile(r"(\w+) ")


def settings_from(values: Mapping[str, Any]) -> ServiceSettings:
    """The settings the parsed option ``values`` (by name) describe.

    The settings check their own values; their complaint names a field, which becomes the
    option's flag here, so that a user reads the name they typed.
    """
    chosen: dict[str, Any] = {
        option.name: tuple(values[option.name] or ()) if option.repeatable else values[option.name]
        for option in SETTING_OPTIONS
    }
    try:
        return ServiceSettings(**chosen)
    except ValueError as exc:
        message = str(exc)
        leading = _LEADING_FIELD.match(message)
        option = _BY_NAME.get(leading.group(1)) if leading else None
        if leading is None or option is None:
            raise OptionError(_with_flags(message), None) from None
        raise OptionError(_with_flags(message[leading.end() :]), option.flag) from None


def _with_flags(message: str) -> str:
    """Field names become flags; only the names with an underscore, which no plain word or
    value in a message is mistaken for."""
    return _FIELD_NAMES.sub(lambda found: _BY_NAME[found.group(0)].flag, message)


_BY_NAME = {option.name: option for option in SETTING_OPTIONS}
_FIELD_NAMES = re.compile(
    r"\b("
    + "|".join(sorted((name for name in _BY_NAME if "_" in name), key=len, reverse=True))
    + r")\b"
)
