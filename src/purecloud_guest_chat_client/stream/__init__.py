"""The guest's event stream: typed events that survive drops without loss or repetition."""

from ._backoff import Backoff
from ._event_stream import EventStream, StreamEnd
from ._sync_stream import SyncEventStream
from .errors import StreamAuthError, StreamConnectionError, StreamError
from .events import (
    AgentJoined,
    AgentLeft,
    ChatEnded,
    ChatEvent,
    ConnectionEvent,
    EndReason,
    HeartbeatEvent,
    MediaRequestEvent,
    Member,
    MemberChangeEvent,
    MessageEvent,
    Reconnected,
    Reconnecting,
    SessionEvent,
    StreamEvent,
    Transferred,
    TypingEvent,
    UnknownEvent,
    WireEvent,
)

__all__ = [
    "AgentJoined",
    "AgentLeft",
    "Backoff",
    "ChatEnded",
    "ChatEvent",
    "ConnectionEvent",
    "EndReason",
    "EventStream",
    "HeartbeatEvent",
    "MediaRequestEvent",
    "Member",
    "MemberChangeEvent",
    "MessageEvent",
    "Reconnected",
    "Reconnecting",
    "SessionEvent",
    "StreamAuthError",
    "StreamConnectionError",
    "StreamEnd",
    "StreamError",
    "StreamEvent",
    "SyncEventStream",
    "Transferred",
    "TypingEvent",
    "UnknownEvent",
    "WireEvent",
]
