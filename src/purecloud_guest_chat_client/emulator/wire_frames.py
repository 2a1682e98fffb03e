"""The text frames the event stream sends, built from the shared frame models."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from ..models import ChannelMetadataFrame, FrameMetadata, MemberRef, MessageFrame
from ..models.frames import (
    HEARTBEAT_MESSAGE,
    HEARTBEAT_TOPIC,
    ChannelMetadataBody,
    EntityRef,
    MemberChangeEventBody,
    MemberChangeFrame,
    MessageEventBody,
    TypingEventBody,
    TypingFrame,
    members_topic,
    message_topic,
)
from .records import Member, Message

_VERSION = "2"


def _text(data: dict[str, object]) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def _metadata(kind: str) -> FrameMetadata:
    return FrameMetadata(correlation_id=str(uuid.uuid4()), type=kind)


def message_frame(message: Message) -> str:
    frame = MessageFrame(
        topic_name=message_topic(message.conversation_id),
        version=_VERSION,
        event_body=MessageEventBody(
            id=message.id,
            conversation=EntityRef(id=message.conversation_id),
            sender=MemberRef(id=message.sender_id),
            body=message.body,
            body_type=message.body_type,
            timestamp=message.timestamp,
        ),
        metadata=_metadata("message"),
    )
    return _text(frame.to_dict(exclude_none=True))


def typing_frame(conversation_id: str, typing_id: str, member_id: str, at: datetime) -> str:
    frame = TypingFrame(
        topic_name=message_topic(conversation_id),
        version=_VERSION,
        event_body=TypingEventBody(
            id=typing_id,
            conversation=EntityRef(id=conversation_id),
            sender=MemberRef(id=member_id),
            timestamp=at,
        ),
        metadata=_metadata("typing-indicator"),
    )
    return _text(frame.to_dict(exclude_none=True))


def member_change_frame(member: Member, at: datetime) -> str:
    frame = MemberChangeFrame(
        topic_name=members_topic(member.conversation_id),
        version=_VERSION,
        event_body=MemberChangeEventBody(
            conversation=EntityRef(id=member.conversation_id),
            member=MemberRef(id=member.id, state=member.state),
            timestamp=at,
        ),
        metadata=_metadata("member-change"),
    )
    return _text(frame.to_dict(exclude_none=True))


def _channel_metadata(message: str) -> str:
    frame = ChannelMetadataFrame(
        topic_name=HEARTBEAT_TOPIC, event_body=ChannelMetadataBody(message=message)
    )
    return _text(frame.to_dict(exclude_none=True))


HEARTBEAT_FRAME = _channel_metadata(HEARTBEAT_MESSAGE)
PONG_FRAME = _channel_metadata("pong")
