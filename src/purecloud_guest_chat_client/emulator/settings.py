"""The settings of the local Guest Chat service."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

AGENT_MODES = ("echo", "manual")
SCRIPT_PREFIX = "script:"


@dataclass(frozen=True)
class ServiceSettings:
    """How the local service runs. Every field can be overridden by keyword in ``LocalService``.

    ``rate_limit_per_minute=0`` turns rate limiting off; ``db_path=None`` uses a temporary file that
    is removed when the service stops.
    """

    host: str = "127.0.0.1"
    port: int = 8080
    db_path: str | Path | None = None
    config_file: str | Path | None = None
    agent: str = "echo"
    heartbeat_seconds: float = 30.0
    jwt_lifetime_seconds: int = 75600
    guest_grace_seconds: float = 120.0
    rate_limit_per_minute: int = 180
    control_token: str | None = dataclasses.field(default=None, repr=False)
    control_token_file: str | Path | None = None
    allowed_hosts: tuple[str, ...] = ()
    allowed_origins: tuple[str, ...] = ()
    agent_join_delay: float = 1.0
    agent_reply_delay: float = 0.5
    workflow_greeting: str | None = None
    public_url: str | None = None
    # Connection limits (docs/local-service.md, "Limits").
    max_header_bytes: int = 16384
    header_timeout_seconds: float = 10.0
    body_timeout_seconds: float = 30.0
    idle_timeout_seconds: float = 5.0
    max_connections: int = 4096
    stream_max_frame_bytes: int = 65536
    stream_max_frames_per_second: int = 50
    stream_max_queued_frames: int = 1000
    max_streams_per_guest: int = 10
    ended_chat_retention_seconds: float = 3600.0
    web_messaging_session_seconds: int = 259_200

    def __post_init__(self) -> None:
        if not isinstance(self.host, str) or not self.host:
            raise ValueError(f"host must be a non-empty string, got {self.host!r}")
        if isinstance(self.port, bool) or not isinstance(self.port, int):
            raise ValueError(f"port must be an integer, got {self.port!r}")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port must be between 0 and 65535, got {self.port}")
        if self.agent not in AGENT_MODES and not (
            isinstance(self.agent, str)
            and self.agent.startswith(SCRIPT_PREFIX)
            and len(self.agent) > len(SCRIPT_PREFIX)
        ):
            raise ValueError(f"agent must be 'echo', 'manual' or 'script:FILE', got {self.agent!r}")
        for name in ("heartbeat_seconds", "guest_grace_seconds"):
            _require_number(name, getattr(self, name), positive=True)
        for name in ("agent_join_delay", "agent_reply_delay"):
            _require_number(name, getattr(self, name), positive=False)
        for name in _POSITIVE_SECONDS:
            _require_number(name, getattr(self, name), positive=True)
        for name in _POSITIVE_COUNTS:
            _require_count(name, getattr(self, name))
        if isinstance(self.jwt_lifetime_seconds, bool) or not isinstance(
            self.jwt_lifetime_seconds, int
        ):
            raise ValueError(
                f"jwt_lifetime_seconds must be an integer, got {self.jwt_lifetime_seconds!r}"
            )
        if self.jwt_lifetime_seconds <= 0:
            raise ValueError("jwt_lifetime_seconds must be positive")
        if isinstance(self.rate_limit_per_minute, bool) or not isinstance(
            self.rate_limit_per_minute, int
        ):
            raise ValueError(
                f"rate_limit_per_minute must be an integer, got {self.rate_limit_per_minute!r}"
            )
        _require_count("web_messaging_session_seconds", self.web_messaging_session_seconds)
        if self.rate_limit_per_minute < 0:
            raise ValueError("rate_limit_per_minute must be 0 (off) or positive")
        if self.control_token is not None and (
            not isinstance(self.control_token, str) or not self.control_token
        ):
            raise ValueError("control_token must be a non-empty string or None")
        if self.control_token_file is not None:
            _take_token_file(self)
        for name in ("allowed_hosts", "allowed_origins"):
            entries = getattr(self, name)
            if isinstance(entries, str) or not all(
                isinstance(entry, str) and entry.strip() for entry in entries
            ):
                raise ValueError(f"{name} must be a list of non-empty strings, got {entries!r}")
            object.__setattr__(self, name, tuple(entries))
        if self.workflow_greeting is not None and not isinstance(self.workflow_greeting, str):
            raise ValueError("workflow_greeting must be a string or None")
        if self.public_url is not None:
            _require_public_url(self.public_url)

    @property
    def script_path(self) -> Path | None:
        """The rule file of a ``script:FILE`` agent."""
        if self.agent.startswith(SCRIPT_PREFIX):
            return Path(self.agent[len(SCRIPT_PREFIX) :])
        return None

    @property
    def bot_agents(self) -> bool:
        """Whether agents join and answer by themselves (echo or script), or only by control."""
        return self.agent != "manual"

    def with_overrides(self, **overrides: Any) -> ServiceSettings:
        known = {field.name for field in dataclasses.fields(self)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ValueError(f"unknown service setting(s): {', '.join(unknown)}")
        return dataclasses.replace(self, **overrides)


_POSITIVE_SECONDS = (
    "header_timeout_seconds",
    "body_timeout_seconds",
    "idle_timeout_seconds",
    "ended_chat_retention_seconds",
)
_POSITIVE_COUNTS = (
    "max_header_bytes",
    "max_connections",
    "stream_max_frame_bytes",
    "stream_max_frames_per_second",
    "stream_max_queued_frames",
    "max_streams_per_guest",
)


def _require_count(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if value <= 0:
        raise ValueError(f"{name} must be positive, got {value!r}")


def _take_token_file(settings: ServiceSettings) -> None:
    """Read ``control_token`` from ``control_token_file``: a token given that way stays out of
    the process's command line, which every local user can read."""
    path = Path(settings.control_token_file or "")
    try:
        token = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"control_token_file {str(path)!r} cannot be read: {exc}") from None
    if not token or any(char.isspace() for char in token):
        raise ValueError(
            f"control_token_file {str(path)!r} must hold one token on one line, without spaces"
        )
    if settings.control_token is not None and settings.control_token != token:
        raise ValueError("give control_token or control_token_file, not both")
    object.__setattr__(settings, "control_token", token)


def _require_number(name: str, value: Any, *, positive: bool) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be positive, got {value!r}")
    if not positive and value < 0:
        raise ValueError(f"{name} must not be negative, got {value!r}")


def _require_public_url(value: Any) -> None:
    parts = urlsplit(value) if isinstance(value, str) else None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
        or parts.username is not None
    ):
        raise ValueError(
            f"public_url must be an http:// or https:// URL with a host and no query, got {value!r}"
        )
