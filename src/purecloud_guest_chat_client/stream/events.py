"""The typed events of the event stream.

Every event is a small frozen dataclass. The stream yields the wire-level events
(:class:`MessageEvent`, :class:`MediaRequestEvent`, :class:`TypingEvent`,
:class:`MemberChangeEvent`, :class:`HeartbeatEvent` when asked for, :class:`UnknownEvent`) and the
connection events (:class:`Reconnecting`, :class:`Reconnected`). The session adds what it
infers from them (:mod:`purecloud_guest_chat_client.session.events`).

Members are described by :class:`Member`. Frames only carry a member's id (and for member changes
its state); the session fills in ``role`` and ``display_name`` from the member's record.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from .._redact import redact_text
from ..models import BodyType, MemberRole, MemberState, WebChatMemberInfo
from ..models.web_messaging_protocol import OriginatingEntity

_EventT = TypeVar("_EventT", bound=type)


def _redacted_repr(cls: _EventT) -> _EventT:
    """Pass the repr of an event that carries free text (a message, a name, a reason) through
    the credential redaction: a guest may well paste a token into a chat."""
    plain: Callable[[object], str] = cls.__dict__["__repr__"]

    def __repr__(self: object) -> str:
        return redact_text(plain(self))

    cls.__repr__ = __repr__  # type: ignore[assignment]
    return cls


@_redacted_repr
@dataclass(frozen=True, slots=True)
class Member:
    """A chat member as events describe it; ``role`` and ``display_name`` are None until known."""

    id: str
    role: MemberRole | str | None = None
    display_name: str | None = None
    state: MemberState | str | None = None

    @classmethod
    def from_info(cls, info: WebChatMemberInfo) -> Member:
        if info.id is None:
            raise ValueError("a member record without an id cannot describe a member")
        return cls(id=info.id, role=info.role, display_name=info.display_name, state=info.state)

    @property
    def is_agent(self) -> bool:
        return self.role == MemberRole.AGENT

    @property
    def is_guest(self) -> bool:
        return self.role == MemberRole.CUSTOMER

    @property
    def label(self) -> str:
        """A human-readable name: the display name, else the role, else the id."""
        return self.display_name or (str(self.role) if self.role else self.id)


@_redacted_repr
@dataclass(frozen=True, slots=True)
class MessageEvent:
    """A chat message, including the ``member-join`` / ``member-leave`` notices.

    ``backfilled`` is true when the message was reloaded over REST after a reconnect or on resume
    rather than received live. ``originating_entity`` says whether a person or a bot wrote an
    agent's message (``Human`` or ``Bot``) where the API tells, as Web Messaging does; Guest Chat
    does not, so its messages leave it ``None``.
    """

    id: str
    conversation_id: str
    sender: Member
    body: str
    body_type: BodyType | str
    timestamp: datetime
    correlation_id: str | None = None
    backfilled: bool = False
    originating_entity: OriginatingEntity | str | None = None

    @property
    def message_id(self) -> str:
        return self.id

    @property
    def sender_id(self) -> str:
        return self.sender.id

    @property
    def is_notice(self) -> bool:
        return self.body_type == BodyType.NOTICE

    @property
    def is_membership_notice(self) -> bool:
        return self.body_type in (BodyType.MEMBER_JOIN, BodyType.MEMBER_LEAVE)


@_redacted_repr
@dataclass(frozen=True, slots=True)
class MediaRequestEvent(MessageEvent):
    """A message with bodyType ``media-request``: the agent asks for co-browse or screen share."""


@dataclass(frozen=True, slots=True)
class TypingEvent:
    """A member is typing. Show it for about 4 s or until that member's next message."""

    id: str
    conversation_id: str
    sender: Member
    timestamp: datetime
    correlation_id: str | None = None

    @property
    def sender_id(self) -> str:
        return self.sender.id


@dataclass(frozen=True, slots=True)
class MemberChangeEvent:
    """A member's state changed. ``synthetic`` marks a change found by refreshing the members
    after a reconnect, whose frame was lost with the connection."""

    conversation_id: str
    member: Member
    timestamp: datetime | None
    correlation_id: str | None = None
    synthetic: bool = False

    @property
    def member_id(self) -> str:
        return self.member.id

    @property
    def state(self) -> MemberState | str | None:
        return self.member.state


@dataclass(frozen=True, slots=True)
class HeartbeatEvent:
    """A ``channel.metadata`` frame: the service's heartbeat or the answer to a ping.

    Only yielded by a stream created with ``include_heartbeats=True``.
    """

    message: str

    @property
    def is_pong(self) -> bool:
        return self.message == "pong"


@dataclass(frozen=True, slots=True)
class UnknownEvent:
    """A frame this version does not understand or that is malformed, kept whole.

    Its repr shows the reason and the size of ``raw``, never its text: a frame may quote
    anything, credentials included.
    """

    raw: str
    reason: str
    data: Any = field(default=None, compare=False)

    def __repr__(self) -> str:
        return f"UnknownEvent(reason={redact_text(self.reason)!r}, raw=<{len(self.raw)} chars>)"


@_redacted_repr
@dataclass(frozen=True, slots=True)
class Reconnecting:
    """The connection was lost; the stream reconnects after ``delay`` seconds."""

    attempt: int
    delay: float
    reason: str


@dataclass(frozen=True, slots=True)
class Reconnected:
    """The stream is attached again; ``backfilled`` missed messages follow this event."""

    attempt: int
    backfilled: int


WireEvent = MessageEvent | TypingEvent | MemberChangeEvent | HeartbeatEvent | UnknownEvent
ConnectionEvent = Reconnecting | Reconnected
StreamEvent = WireEvent | ConnectionEvent

# The session's events were defined here until they moved to the session package, which alone
# produces them. Code that imports them from here keeps working: they are looked up there on first
# use, by name, so the stream neither imports the session nor depends on it, even for type checkers
# (which see these old names as Any; the session package gives them their types).
_SESSION_EVENTS = frozenset(
    {
        "AgentJoined",
        "AgentLeft",
        "ChatEnded",
        "ChatEvent",
        "EndReason",
        "SessionEvent",
        "Transferred",
    }
)
_SESSION_EVENTS_MODULE = "..session.events"


def __getattr__(name: str) -> Any:
    if name in _SESSION_EVENTS:
        return getattr(importlib.import_module(_SESSION_EVENTS_MODULE, __package__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
