"""The guest's event stream: typed events that survive drops without loss or repetition."""

from .backoff import Backoff
from .errors import StreamAuthError, StreamConnectionError, StreamError
from .event_stream import EventStream, StreamEnd
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
from .sync_stream import SyncEventStream

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
