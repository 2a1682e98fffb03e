"""From wire frames and REST messages to typed events."""

from __future__ import annotations

from datetime import UTC, datetime

from ..models import BodyType, WebChatMemberInfo, WebChatMessage
from ..models.frames import (
    ChannelMetadataFrame,
    Frame,
    MemberChangeFrame,
    MessageFrame,
    TypingFrame,
    UnknownFrame,
)
from .events import (
    HeartbeatEvent,
    MediaRequestEvent,
    Member,
    MemberChangeEvent,
    MessageEvent,
    TypingEvent,
    UnknownEvent,
    WireEvent,
)


def event_from_frame(frame: Frame) -> WireEvent:
    """The typed event for one parsed frame."""
    if isinstance(frame, MessageFrame):
        body = frame.event_body
        message_type = (
            MediaRequestEvent if body.body_type == BodyType.MEDIA_REQUEST else MessageEvent
        )
        return message_type(
            id=body.id,
            conversation_id=body.conversation.id,
            sender=Member(id=body.sender.id),
            body=body.body,
            body_type=body.body_type,
            timestamp=body.timestamp,
            correlation_id=frame.metadata.correlation_id,
        )
    if isinstance(frame, TypingFrame):
        typing = frame.event_body
        return TypingEvent(
            id=typing.id,
            conversation_id=typing.conversation.id,
            sender=Member(id=typing.sender.id),
            timestamp=typing.timestamp,
            correlation_id=frame.metadata.correlation_id,
        )
    if isinstance(frame, MemberChangeFrame):
        change = frame.event_body
        return MemberChangeEvent(
            conversation_id=change.conversation.id,
            member=Member(id=change.member.id, state=change.member.state),
            timestamp=change.timestamp,
            correlation_id=frame.metadata.correlation_id,
        )
    if isinstance(frame, ChannelMetadataFrame):
        return HeartbeatEvent(message=frame.event_body.message)
    assert isinstance(frame, UnknownFrame)
    return UnknownEvent(raw=frame.raw, reason=frame.reason, data=frame.data)


def event_from_message(message: WebChatMessage, *, backfilled: bool = True) -> MessageEvent:
    """The typed event for a message loaded over REST (backfill, history).

    What the service left out reads as the frames have it: an empty body of type ``standard``
    from a member known by id only; a message without a timestamp is stamped when it was read.
    """
    if message.id is None:
        raise ValueError("a message without an id cannot become an event")
    sender = message.sender or WebChatMemberInfo()
    body_type = message.body_type or BodyType.STANDARD
    message_type = MediaRequestEvent if body_type == BodyType.MEDIA_REQUEST else MessageEvent
    return message_type(
        id=message.id,
        conversation_id=(message.conversation.id if message.conversation else None) or "",
        sender=Member(
            id=sender.id or "",
            role=sender.role,
            display_name=sender.display_name,
            state=sender.state,
        ),
        body=message.body or "",
        body_type=body_type,
        timestamp=message.timestamp or datetime.now(UTC),
        backfilled=backfilled,
    )
