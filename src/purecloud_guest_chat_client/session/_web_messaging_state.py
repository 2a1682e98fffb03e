"""What it takes to pick a Web Messaging chat up again: its deployment, where the service is,
and the session token, which is the session's identity."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Self

from ._guest_session import GuestApi

_FORMAT_VERSION = 1
_REQUIRED = ("deployment_id", "environment", "token")


@dataclass(frozen=True, slots=True)
class WebMessagingState:
    """A small JSON-serialisable record of a Web Messaging chat. Save :meth:`to_json` somewhere
    private (the token is a credential: whoever holds it holds the conversation) and give it to
    ``WebMessagingChat.resume`` or ``resume_session``.

    ``api`` tells it from a Guest Chat ``ChatState``. Its repr leaves the token out.
    """

    deployment_id: str
    environment: str
    token: str = field(repr=False)
    origin: str | None = None
    last_message_id: str | None = None
    api: str = GuestApi.WEB_MESSAGING.value
    version: int = _FORMAT_VERSION

    def __post_init__(self) -> None:
        for name in _REQUIRED:
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"WebMessagingState.{name} must be a non-empty string")
        for name in ("origin", "last_message_id"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise ValueError(f"WebMessagingState.{name} must be a string or None")
        if self.api != GuestApi.WEB_MESSAGING:
            raise ValueError(f"WebMessagingState.api must be {GuestApi.WEB_MESSAGING.value!r}")
        if self.version != _FORMAT_VERSION:
            raise ValueError(
                f"WebMessagingState version {self.version!r} is not supported "
                f"(expected {_FORMAT_VERSION})"
            )

    def with_last_message(self, message_id: str | None) -> WebMessagingState:
        return replace(self, last_message_id=message_id)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        if not isinstance(data, dict):
            raise ValueError("a WebMessagingState must be a JSON object")
        missing = [name for name in _REQUIRED if name not in data]
        if missing:
            raise ValueError(f"the WebMessagingState is missing {', '.join(missing)}")
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)

    @classmethod
    def from_json(cls, text: str | bytes) -> Self:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ValueError(f"the WebMessagingState is not valid JSON: {exc}") from None
        return cls.from_dict(data)
