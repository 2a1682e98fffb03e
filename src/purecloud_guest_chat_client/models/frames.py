"""The event-stream frames, as the service sends them over the WebSocket.

Each frame is one JSON text message ``{topicName, version, eventBody, metadata}``. Heartbeats and
pongs come on ``channel.metadata`` with no ``metadata``. Anything that does not parse as a known
frame becomes an :class:`UnknownFrame`; :func:`parse_frame` never raises.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import Field, ValidationError

from ._base import Timestamp, WireModel
from .enums import OpenBodyType, OpenMemberState

HEARTBEAT_TOPIC = "channel.metadata"
HEARTBEAT_MESSAGE = "WebSocket Heartbeat"
# A member sends at most one typing indicator in this many seconds: the service expects no more.
TYPING_INTERVAL_SECONDS = 3.0


class EntityRef(WireModel):
    id: str


class MemberRef(WireModel):
    """A member as frames name it: an id, and for member changes a state. Frames carry no role."""

    id: str
    state: OpenMemberState | None = None


class FrameMetadata(WireModel):
    correlation_id: str | None = Field(default=None, alias="CorrelationId")
    type: str


class MessageEventBody(WireModel):
    id: str
    conversation: EntityRef
    sender: MemberRef
    body: str = ""
    body_type: OpenBodyType = "standard"
    timestamp: Timestamp


class TypingEventBody(WireModel):
    id: str
    conversation: EntityRef
    sender: MemberRef
    timestamp: Timestamp


class MemberChangeEventBody(WireModel):
    conversation: EntityRef
    member: MemberRef
    timestamp: Timestamp


class ChannelMetadataBody(WireModel):
    message: str


class _Frame(WireModel):
    topic_name: str
    version: str | None = None

    @property
    def conversation_id(self) -> str | None:
        """The conversation a ``v2.conversations.chats.<cid>.*`` topic names."""
        parts = self.topic_name.split(".")
        if len(parts) >= 4 and parts[:3] == ["v2", "conversations", "chats"]:
            return parts[3]
        return None


class MessageFrame(_Frame):
    event_body: MessageEventBody
    metadata: FrameMetadata


class TypingFrame(_Frame):
    event_body: TypingEventBody
    metadata: FrameMetadata


class MemberChangeFrame(_Frame):
    event_body: MemberChangeEventBody
    metadata: FrameMetadata


class ChannelMetadataFrame(_Frame):
    """A heartbeat (``WebSocket Heartbeat``) or the answer to a ping (``pong``)."""

    event_body: ChannelMetadataBody

    @property
    def is_heartbeat(self) -> bool:
        return self.event_body.message == HEARTBEAT_MESSAGE


class UnknownFrame(WireModel):
    """A frame this version does not understand, kept whole so nothing is lost.

    Its repr leaves out ``raw`` and ``data``: a frame may quote anything, credentials included.
    """

    raw: str = Field(repr=False)
    data: Any = Field(default=None, repr=False)
    reason: str = ""
    kind: Literal["unknown"] = "unknown"


Frame = MessageFrame | TypingFrame | MemberChangeFrame | ChannelMetadataFrame | UnknownFrame

_BY_TYPE: dict[str, type[MessageFrame | TypingFrame | MemberChangeFrame]] = {
    "message": MessageFrame,
    "typing-indicator": TypingFrame,
    "member-change": MemberChangeFrame,
}


def parse_frame(raw: str | bytes) -> Frame:
    """Parse one WebSocket message (text, or binary holding UTF-8) into a typed frame.

    Never raises: whatever does not make a known frame, nested too deeply to parse included,
    becomes an :class:`UnknownFrame` that says why.
    """
    if isinstance(raw, str):
        text = raw
    elif isinstance(raw, bytes | bytearray | memoryview):
        text = bytes(raw).decode("utf-8", "replace")
    else:
        return UnknownFrame(raw=repr(raw), reason=f"not a text frame: {type(raw).__name__}")
    try:
        data = json.loads(text)
    except ValueError as exc:
        return UnknownFrame(raw=text, reason=f"not JSON: {exc}")
    except RecursionError:
        return UnknownFrame(raw=text, reason="JSON nested too deeply")
    if not isinstance(data, dict):
        return UnknownFrame(raw=text, data=data, reason="not a JSON object")
    try:
        if data.get("topicName") == HEARTBEAT_TOPIC and "metadata" not in data:
            return ChannelMetadataFrame.model_validate(data)
        metadata = data.get("metadata")
        kind = metadata.get("type") if isinstance(metadata, dict) else None
        frame_type = _BY_TYPE.get(kind) if isinstance(kind, str) else None
        if frame_type is None:
            shown = kind if isinstance(kind, str | None) else type(kind).__name__
            return UnknownFrame(raw=text, data=data, reason=f"unknown frame type {shown!r:.80}")
        return frame_type.model_validate(data)
    except ValidationError as exc:
        return UnknownFrame(
            raw=text, data=data, reason=f"malformed frame: {exc.error_count()} errors"
        )
    except RecursionError:
        return UnknownFrame(raw=text, data=data, reason="frame nested too deeply")


def message_topic(conversation_id: str) -> str:
    return f"v2.conversations.chats.{conversation_id}.messages"


def members_topic(conversation_id: str) -> str:
    return f"v2.conversations.chats.{conversation_id}.members"
