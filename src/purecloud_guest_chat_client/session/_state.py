"""What it takes to pick a chat up again after the process that held it is gone."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import ClassVar

from ..stream._token import read_claims
from ._saved_state import FORMAT_VERSION, SavedState


@dataclass(frozen=True, slots=True)
class ChatState(SavedState):
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
    version: int = FORMAT_VERSION

    _required_fields: ClassVar[tuple[str, ...]] = (
        "conversation_id",
        "member_id",
        "jwt",
        "event_stream_uri",
        "environment",
    )
    _optional_fields: ClassVar[tuple[str, ...]] = ("last_message_id", "display_name")

    def __post_init__(self) -> None:
        self._check_fields()

    @property
    def expires_at(self) -> float | None:
        """When the JWT expires (seconds since the epoch), if the token says."""
        return read_claims(self.jwt).expires_at

    def with_last_message(self, message_id: str | None) -> ChatState:
        return replace(self, last_message_id=message_id)
