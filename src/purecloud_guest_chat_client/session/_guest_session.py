"""``GuestSession``: what a guest program needs from a chat, whichever guest API holds it.

:class:`~purecloud_guest_chat_client.session.GuestChat` (Guest Chat) and
:class:`~purecloud_guest_chat_client.session.WebMessagingChat` (Web Messaging) both satisfy it, so
a bot loop written against it runs unchanged on either. Both yield the same high-level events:

- :class:`~purecloud_guest_chat_client.session.AgentJoined` when an agent, a person or a bot,
  takes the chat;
- :class:`~purecloud_guest_chat_client.stream.MessageEvent` for each message, the guest's own
  included (``event.sender.is_guest``); an agent's carries ``originating_entity`` (``Human`` or
  ``Bot``) where the API tells;
- :class:`~purecloud_guest_chat_client.stream.TypingEvent` when the agent types;
- :class:`~purecloud_guest_chat_client.session.ChatEnded`, with its reason, last.

Each API also yields its own events (Guest Chat's member changes, transfers and media requests;
Web Messaging's structured content, attachments and session events), which a loop written for
both simply lets pass. What only one API can do stays on that API's session class.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator, Mapping
from enum import StrEnum
from types import TracebackType
from typing import Any, Protocol, Self, runtime_checkable

from ..stream.events import Member, MessageEvent

__all__ = [
    "GuestApi",
    "GuestSession",
    "SessionState",
    "SyncGuestSession",
    "state_api",
]


class GuestApi(StrEnum):
    """The two guest APIs a session can speak."""

    GUEST_CHAT = "guest-chat"
    WEB_MESSAGING = "web-messaging"


@runtime_checkable
class SessionState(Protocol):
    """What a session's ``state()`` returns: enough to resume it, as JSON. It holds the
    session's credential (a JWT or a session token): keep it private."""

    def to_dict(self) -> dict[str, Any]: ...

    def to_json(self) -> str: ...


@runtime_checkable
class GuestSession(Protocol):
    """One guest's chat over either API (asyncio). See the module's documentation."""

    @property
    def conversation_id(self) -> str | None:
        """The conversation's id, where the API tells the guest (Guest Chat does)."""
        ...

    @property
    def member_id(self) -> str:
        """The guest's own member id: the sender id of the guest's own messages."""
        ...

    @property
    def agent(self) -> Member | None:
        """The agent in charge of the chat, if one has shown up."""
        ...

    @property
    def ended(self) -> bool: ...

    async def send(self, text: str) -> object:
        """Send a text message; returns the API's record of it."""
        ...

    async def typing(self) -> bool:
        """Tell the agent the guest is typing; ``False`` when throttled (nothing was sent)."""
        ...

    def events(self) -> AsyncIterator[object]:
        """Every event until the chat ends or the session is closed."""
        ...

    async def next_event(self, timeout: float | None = None) -> object | None:
        """The next event, ``None`` once the events have ended; ``TimeoutError`` after
        ``timeout`` seconds without one."""
        ...

    async def history(self) -> list[MessageEvent]:
        """The chat's messages so far, oldest first."""
        ...

    async def leave(self) -> None:
        """End the chat for the guest: the events end with ``ChatEnded(guest-left)``."""
        ...

    def state(self) -> SessionState:
        """What :func:`resume_session` needs to pick the chat up again."""
        ...

    async def close(self) -> None:
        """Close the connections without ending the chat (it can be resumed)."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...


@runtime_checkable
class SyncGuestSession(Protocol):
    """:class:`GuestSession` for synchronous code (``SyncGuestChat``, ``SyncWebMessagingChat``)."""

    @property
    def conversation_id(self) -> str | None: ...

    @property
    def member_id(self) -> str: ...

    @property
    def agent(self) -> Member | None: ...

    @property
    def ended(self) -> bool: ...

    def send(self, text: str) -> object: ...

    def typing(self) -> bool: ...

    def events(self) -> Iterator[object]: ...

    def next_event(self, timeout: float | None = None) -> object | None: ...

    def history(self) -> list[MessageEvent]: ...

    def leave(self) -> None: ...

    def state(self) -> SessionState: ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...


def state_api(state: SessionState | Mapping[str, Any] | str) -> GuestApi:
    """Which API a saved state belongs to. Web Messaging states say so in their ``api`` field;
    a state without one is a Guest Chat ``ChatState`` (which predates the field)."""
    if isinstance(state, str):
        try:
            data: Any = json.loads(state)
        except ValueError as exc:
            raise ValueError(f"the session state is not valid JSON: {exc}") from None
    elif isinstance(state, Mapping):
        data = state
    else:
        data = state.to_dict()
    if not isinstance(data, Mapping):
        raise ValueError("a session state must be a JSON object")
    api = data.get("api", GuestApi.GUEST_CHAT)
    try:
        return GuestApi(api)
    except ValueError:
        known = ", ".join(member.value for member in GuestApi)
        raise ValueError(f"the session state's api {api!r} is not one of {known}") from None
