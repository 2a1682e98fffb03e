"""The guest's event stream: typed events that survive drops without loss or repetition."""

from typing import Any

from . import events
from ._backoff import Backoff
from ._event_stream import EventStream, StreamEnd
from ._sync_stream import SyncEventStream
from .errors import StreamAuthError, StreamConnectionError, StreamError
from .events import (
    _SESSION_EVENTS,
    ConnectionEvent,
    HeartbeatEvent,
    MediaRequestEvent,
    Member,
    MemberChangeEvent,
    MessageEvent,
    Reconnected,
    Reconnecting,
    StreamEvent,
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


def __getattr__(name: str) -> Any:
    # The session's events, still importable from here, where they were first defined: the
    # events module finds them in the session package on first use.
    if name in _SESSION_EVENTS:
        return getattr(events, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
