"""The text frames the event stream sends, built from the shared frame models.

The frames are built from values the service itself produced, so they are constructed without
re-validation: this runs once per published event. Message frames, one per message sent, skip
the model instances altogether.
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
from .wire_json import dumps, object_template, wire_keys

_VERSION = "2"


def _metadata(kind: str) -> FrameMetadata:
    return FrameMetadata.model_construct(correlation_id=new_id(), type=kind)


_FRAME = wire_keys(MessageFrame)
_EVENT = wire_keys(MessageEventBody)
_ENTITY = wire_keys(EntityRef)
_MEMBER = wire_keys(MemberRef)
_METADATA = wire_keys(FrameMetadata)


_MESSAGE_FRAME_TEMPLATE = object_template(
    {
        _FRAME["topic_name"]: None,
        _FRAME["version"]: None,
        _FRAME["event_body"]: {
            _EVENT["id"]: None,
            _EVENT["conversation"]: {_ENTITY["id"]: None},
            _EVENT["sender"]: {_MEMBER["id"]: None},
            _EVENT["body"]: None,
            _EVENT["body_type"]: None,
            _EVENT["timestamp"]: None,
        },
        _FRAME["metadata"]: {_METADATA["correlation_id"]: None, _METADATA["type"]: None},
    }
)
_VERSION_JSON = dumps(_VERSION)
_MESSAGE_TYPE_JSON = dumps("message")


def message_frame(message: Message) -> str:
    """What the ``MessageFrame`` model would write; this runs for every message sent, so it is
    written from a template with the model's keys (a test holds the two to the same bytes)."""
    m = message
    return _MESSAGE_FRAME_TEMPLATE % (
        dumps(message_topic(m.conversation_id)),
        _VERSION_JSON,
        dumps(m.id),
        dumps(m.conversation_id),
        dumps(m.sender_id),
        dumps(m.body),
        dumps(m.body_type),
        dumps(m.timestamp_text),
        dumps(new_id()),
        _MESSAGE_TYPE_JSON,
    )


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
