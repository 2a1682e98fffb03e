"""What it takes to pick a Web Messaging chat up again: its deployment, where the service is,
and the session token, which is the session's identity."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import ClassVar

from ._guest_session import GuestApi
from ._saved_state import FORMAT_VERSION, SavedState


@dataclass(frozen=True, slots=True)
class WebMessagingState(SavedState):
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
    version: int = FORMAT_VERSION

    _required_fields: ClassVar[tuple[str, ...]] = ("deployment_id", "environment", "token")
    _optional_fields: ClassVar[tuple[str, ...]] = ("origin", "last_message_id")

    def __post_init__(self) -> None:
        self._check_fields()
        if self.api != GuestApi.WEB_MESSAGING:
            raise ValueError(f"WebMessagingState.api must be {GuestApi.WEB_MESSAGING.value!r}")

    def with_last_message(self, message_id: str | None) -> WebMessagingState:
        return replace(self, last_message_id=message_id)
