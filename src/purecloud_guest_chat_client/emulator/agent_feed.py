"""The agent side's live channel: what agents see change, as it is committed.

The chat service reports every committed change of a conversation and every typing indicator
here; each subscriber (a browser console, or any agent-side client of the WebSocket at the
control API's ``/events``) gets them as JSON text, in commit order. Nothing is computed while
nobody listens.

Events, each a JSON object with a ``type``:

- ``snapshot``: sent first on every connection: ``conversations`` (every conversation's view)
  and ``typingIntervalMs`` (how often an agent may send a typing indicator).
- ``conversation``: one conversation's view after a change (``conversation``).
- ``messages``: messages just committed (``conversationId``, ``messages``), as the control API
  returns them.
- ``typing``: a member is typing (``conversationId``, ``memberId``, ``timestamp``).
- ``removed``: an ended chat left the service's memory after its retention time
  (``conversationId``); the control API still finds it by id.

A view is the conversation's control API summary with ``queueState`` (``new`` before the guest's
stream is open, ``waiting``, ``with-agent``, ``ended``), ``agentNames`` and ``lastMessage`` (its
last standard message, or absent).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from ..models import BodyType, MemberRole, MemberState, format_timestamp
from ..models.frames import TYPING_INTERVAL_SECONDS
from .records import Conversation, ConversationStatus, Message

# Past this many unsent events a subscriber is cut off: it is not reading, and it gets a fresh
# snapshot when it reconnects, which costs it nothing it could not see again.
MAX_PENDING_EVENTS = 2000
TOO_SLOW = (1013, "The agent feed fell behind; reconnect for a fresh snapshot")
FEED_CLOSED = (1012, "The service is stopping")


def _dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def _message_dict(message: Message) -> dict[str, Any]:
    return message.to_model().to_dict(exclude_none=True)


def _queue_state(conversation: Conversation) -> str:
    status = conversation.committed_status
    if status == ConversationStatus.ENDED:
        return "ended"
    if status == ConversationStatus.PENDING:
        return "new"
    agents = [
        m
        for m in conversation.committed_members.values()
        if m.role == MemberRole.AGENT and m.state == MemberState.CONNECTED
    ]
    return "with-agent" if agents else "waiting"


def conversation_view(conversation: Conversation) -> dict[str, Any]:
    view = conversation.summary()
    view["queueState"] = _queue_state(conversation)
    view["agentNames"] = [
        str(m.profile.get("displayName") or "Agent")
        for m in conversation.committed_members.values()
        if m.role == MemberRole.AGENT and m.state == MemberState.CONNECTED
    ]
    history = conversation.messages
    for index in range(len(history) - 1, -1, -1):
        message = history[index]
        if message.body_type == BodyType.STANDARD:
            view["lastMessage"] = _message_dict(message)
            break
    return view


class FeedSubscriber:
    """One listener's queue of events to send. ``None`` in the queue means: close now."""

    def __init__(self) -> None:
        self.outbox: asyncio.Queue[str | None] = asyncio.Queue()
        self.close_reason: tuple[int, str] | None = None

    def push(self, text: str) -> None:
        if self.close_reason is not None:
            return
        if self.outbox.qsize() >= MAX_PENDING_EVENTS:
            self.close(TOO_SLOW)
            return
        self.outbox.put_nowait(text)

    def close(self, reason: tuple[int, str]) -> None:
        if self.close_reason is None:
            self.close_reason = reason
            self.outbox.put_nowait(None)


class AgentFeed:
    """The subscribers, and the events of the changes the chat service commits."""

    def __init__(self) -> None:
        self._subscribers: set[FeedSubscriber] = set()

    def subscribe(self, conversations: Iterable[Conversation]) -> FeedSubscriber:
        """A new subscriber, whose first event is the snapshot of ``conversations``."""
        subscriber = FeedSubscriber()
        snapshot = {
            "type": "snapshot",
            "conversations": [conversation_view(c) for c in conversations],
            "typingIntervalMs": int(TYPING_INTERVAL_SECONDS * 1000),
        }
        subscriber.push(_dumps(snapshot))
        self._subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: FeedSubscriber) -> None:
        self._subscribers.discard(subscriber)

    def __len__(self) -> int:
        return len(self._subscribers)

    def _broadcast(self, event: dict[str, Any]) -> None:
        text = _dumps(event)
        for subscriber in self._subscribers:
            subscriber.push(text)

    def committed(self, conversation: Conversation, messages: Sequence[Message]) -> None:
        """Called once a change of ``conversation`` is shown to readers."""
        if not self._subscribers:
            return
        if messages:
            self._broadcast(
                {
                    "type": "messages",
                    "conversationId": conversation.id,
                    "messages": [_message_dict(m) for m in messages],
                }
            )
        self._broadcast({"type": "conversation", "conversation": conversation_view(conversation)})

    def typing(self, conversation_id: str, member_id: str, at: datetime) -> None:
        if not self._subscribers:
            return
        self._broadcast(
            {
                "type": "typing",
                "conversationId": conversation_id,
                "memberId": member_id,
                "timestamp": format_timestamp(at),
            }
        )

    def removed(self, conversation_id: str) -> None:
        if self._subscribers:
            self._broadcast({"type": "removed", "conversationId": conversation_id})

    def close_all(self) -> None:
        for subscriber in self._subscribers:
            subscriber.close(FEED_CLOSED)
