"""The text frames the event stream sends, built from the shared frame models.

The frames are built from values the service itself produced, so they are constructed without
re-validation: this runs once per published event.
"""

from __future__ import annotations

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
from .records import Member, Message, new_id

_VERSION = "2"


def _metadata(kind: str) -> FrameMetadata:
    return FrameMetadata.model_construct(correlation_id=new_id(), type=kind)


def message_frame(message: Message) -> str:
    frame = MessageFrame.model_construct(
        topic_name=message_topic(message.conversation_id),
        version=_VERSION,
        event_body=MessageEventBody.model_construct(
            id=message.id,
            conversation=EntityRef.model_construct(id=message.conversation_id),
            sender=MemberRef.model_construct(id=message.sender_id),
            body=message.body,
            body_type=message.body_type,
            timestamp=message.timestamp,
        ),
        metadata=_metadata("message"),
    )
    return frame.to_json()


def typing_frame(conversation_id: str, typing_id: str, member_id: str, at: datetime) -> str:
    frame = TypingFrame.model_construct(
        topic_name=message_topic(conversation_id),
        version=_VERSION,
        event_body=TypingEventBody.model_construct(
            id=typing_id,
            conversation=EntityRef.model_construct(id=conversation_id),
            sender=MemberRef.model_construct(id=member_id),
            timestamp=at,
        ),
        metadata=_metadata("typing-indicator"),
    )
    return frame.to_json()


def member_change_frame(member: Member, at: datetime) -> str:
    frame = MemberChangeFrame.model_construct(
        topic_name=members_topic(member.conversation_id),
        version=_VERSION,
        event_body=MemberChangeEventBody.model_construct(
            conversation=EntityRef.model_construct(id=member.conversation_id),
            member=MemberRef.model_construct(id=member.id, state=member.state),
            timestamp=at,
        ),
        metadata=_metadata("member-change"),
    )
    return frame.to_json()


def _channel_metadata(message: str) -> str:
    frame = ChannelMetadataFrame.model_construct(
        topic_name=HEARTBEAT_TOPIC, event_body=ChannelMetadataBody.model_construct(message=message)
    )
    return frame.to_json()


HEARTBEAT_FRAME = _channel_metadata(HEARTBEAT_MESSAGE)
PONG_FRAME = _channel_metadata("pong")
