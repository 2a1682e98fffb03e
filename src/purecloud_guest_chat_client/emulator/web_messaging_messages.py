"""A conversation's messages as Web Messaging ``StructuredMessage`` bodies: one builder for the
frames the door pushes and the REST history, so the two show a message with the same ``id``,
``channel.time`` and ``channel.messageId``."""

from __future__ import annotations

from typing import Any

from ..models.web_messaging_protocol import Direction, MessageType, OriginatingEntity
from .records import Conversation, Member, Message


def nickname(member: Member | None) -> str:
    return str(member.profile.get("displayName") or "Agent") if member else "Agent"


def originating_entity(member: Member | None) -> str:
    return (
        OriginatingEntity.BOT if member is not None and member.is_bot else OriginatingEntity.HUMAN
    )


def outbound_body(
    conversation: Conversation, message: Message, content: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """An agent's or bot's message, with the structured content it was sent with, if any."""
    sender = conversation.committed_members.get(message.sender_id)
    body: dict[str, Any] = {
        "id": message.id,
        "type": MessageType.STRUCTURED if content else MessageType.TEXT,
        "text": message.body,
        "direction": Direction.OUTBOUND,
        "channel": {"time": message.timestamp_text, "from": {"nickname": nickname(sender)}},
        "originatingEntity": originating_entity(sender),
    }
    if content:
        body["content"] = content
    return body


def inbound_body(
    message: Message,
    *,
    message_type: str = MessageType.TEXT,
    text: str | None = None,
    content: list[dict[str, Any]] | None = None,
    metadata: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The guest's own message, as its echo and the history show it. ``channel.messageId`` is
    the message's id, so it is the same wherever the message is seen."""
    body: dict[str, Any] = {"id": message.id, "type": message_type}
    if text:
        body["text"] = text
    body["direction"] = Direction.INBOUND
    body["channel"] = {"time": message.timestamp_text, "messageId": message.id}
    body["originatingEntity"] = OriginatingEntity.HUMAN
    if content:
        body["content"] = content
    if metadata:
        body["metadata"] = metadata
    return body
