"""What it takes to pick a chat up again after the process that held it is gone."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Self

from ..stream._token import read_claims

_FORMAT_VERSION = 1
_REQUIRED = ("conversation_id", "member_id", "jwt", "event_stream_uri", "environment")


@dataclass(frozen=True, slots=True)
class ChatState:
    """A small JSON-serialisable record of a chat: ids, the guest's JWT, the environment and the
    last message the guest received. Save :meth:`to_json` somewhere private (it holds the JWT)
    and give it to ``GuestChat.resume`` within the service's grace period (about two minutes
    without a stream) to carry on where the chat was left.

    Its repr leaves the JWT and the event-stream URI out.
    """

    conversation_id: str
    member_id: str
    jwt: str = field(repr=False)
    event_stream_uri: str = field(repr=False)
    environment: str
    last_message_id: str | None = None
    display_name: str | None = None
    version: int = _FORMAT_VERSION

    def __post_init__(self) -> None:
        for name in _REQUIRED:
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"ChatState.{name} must be a non-empty string")
        for name in ("last_message_id", "display_name"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise ValueError(f"ChatState.{name} must be a string or None")
        if self.version != _FORMAT_VERSION:
            raise ValueError(
                f"ChatState version {self.version!r} is not supported (expected {_FORMAT_VERSION})"
            )

    @property
    def expires_at(self) -> float | None:
        """When the JWT expires (seconds since the epoch), if the token says."""
        return read_claims(self.jwt).expires_at

    def with_last_message(self, message_id: str | None) -> ChatState:
        return replace(self, last_message_id=message_id)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        if not isinstance(data, dict):
            raise ValueError("a ChatState must be a JSON object")
        missing = [name for name in _REQUIRED if name not in data]
        if missing:
            raise ValueError(f"the ChatState is missing {', '.join(missing)}")
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)

    @classmethod
    def from_json(cls, text: str | bytes) -> Self:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ValueError(f"the ChatState is not valid JSON: {exc}") from None
        return cls.from_dict(data)
