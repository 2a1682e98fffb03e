"""What a Web Messaging session's frames mean in the session's terms, the same as Guest Chat's.

Web Messaging names no members and announces no agent: an agent (a person or a bot) shows up
with its first message, under the nickname the message carries. So:

- the first Outbound message from an agent gives :class:`AgentJoined` (then the message); a
  message under another nickname afterwards gives :class:`AgentJoined` and
  :class:`Transferred` (a bot handing over to a person, typically);
- agent typing gives :class:`TypingEvent` (from the agent who spoke last; a typing frame
  carries no nickname of its own, so typing alone announces nobody);
- the agent's ``Presence Disconnect`` (and a session that is read-only on connect) gives
  ``ChatEnded(agent-ended)``; the guest's clear (``SessionClearedEvent``), here or on another
  connection, ``ChatEnded(guest-left)``; expiry and logout ``ChatEnded(removed)``;
- every message is a :class:`WebMessageEvent`, a :class:`MessageEvent` that also holds the
  :class:`~purecloud_guest_chat_client.webmessaging.WebMessage` with its structured content and
  attachments;
- the client's reconnects become the stream's :class:`Reconnecting` and :class:`Reconnected`;
- anything else (structured-content answers, uploads, refusals, unknown frames) passes
  through unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final

from ..models import BodyType, MemberRole, MemberState
from ..models.web_messaging_protocol import Direction, PresenceType
from ..stream.events import Member, MessageEvent, Reconnected, Reconnecting, TypingEvent
from ..webmessaging import events as wm
from .events import AgentJoined, ChatEnded, ChatEvent, EndReason, Transferred

GUEST_ID: Final = "guest"
"""The guest's member id: Web Messaging gives the guest none, only a secret session token."""
AGENT_ID_PREFIX: Final = "agent:"
UNNAMED_AGENT: Final = "Agent"

WebMessagingChatEvent = ChatEvent | wm.WebMessagingEvent
"""Everything a ``WebMessagingChat`` yields."""


@dataclass(frozen=True, slots=True)
class WebMessageEvent(MessageEvent):
    """A Web Messaging message as the session's :class:`MessageEvent`; ``web_message`` is the
    client's whole message: its quick replies, cards, attachments, metadata and raw body."""

    web_message: wm.WebMessage | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, message: wm.WebMessage) -> WebMessageEvent:
        """A message of the client's (from its history, say), its sender named as the
        session's live events name it."""
        sender = GUEST if message.is_inbound else agent_member(message.nickname)
        return as_message_event(message, sender)


def agent_member(nickname: str | None) -> Member:
    name = nickname or UNNAMED_AGENT
    return Member(
        id=f"{AGENT_ID_PREFIX}{name}",
        role=MemberRole.AGENT,
        display_name=name,
        state=MemberState.CONNECTED,
    )


GUEST: Final = Member(id=GUEST_ID, role=MemberRole.CUSTOMER, state=MemberState.CONNECTED)


class WebMessagingLifecycle:
    """Turns the client's events into the session's, one event at a time."""

    def __init__(self) -> None:
        self._agent: Member | None = None
        self._ended = False
        self._guest_leaving = False

    @property
    def agent(self) -> Member | None:
        return self._agent

    @property
    def ended(self) -> bool:
        return self._ended

    def prime(self, history: list[wm.WebMessage]) -> None:
        """Start from a resumed session's history: its last agent is the agent, unannounced."""
        for message in history:
            if not message.is_inbound:
                self._agent = agent_member(message.nickname)

    def guest_is_leaving(self) -> None:
        self._guest_leaving = True

    def end(self, reason: EndReason, timestamp: datetime | None = None) -> list[ChatEvent]:
        """The chat is over for the guest (once)."""
        if self._ended:
            return []
        self._ended = True
        return [ChatEnded(reason=reason, timestamp=timestamp)]

    def stopped(self) -> list[ChatEvent]:
        """The client's events ended. After the guest's leave that is the end of the chat,
        even where the service confirmed nothing."""
        return self.end(EndReason.GUEST_LEFT) if self._guest_leaving else []

    def translate(self, event: wm.WebMessagingEvent) -> list[WebMessagingChatEvent]:
        if self._ended:
            return []
        if isinstance(event, wm.WebMessage):
            return self._message(event)
        if isinstance(event, wm.AgentTyping):
            return [self._typing(event)] if event.on else [event]
        if isinstance(event, wm.Presence):
            if event.type == PresenceType.DISCONNECT and event.direction != Direction.INBOUND:
                return [event, *self.end(EndReason.AGENT_ENDED, event.time)]
            return [event]
        if isinstance(event, wm.SessionCleared):
            return [event, *self.end(EndReason.GUEST_LEFT)]
        if isinstance(event, wm.SessionExpired | wm.LoggedOut):
            return [event, *self.end(EndReason.REMOVED)]
        if isinstance(event, wm.Reconnecting):
            return [Reconnecting(attempt=event.attempt, delay=event.delay, reason=event.reason)]
        if isinstance(event, wm.Reconnected):
            return [Reconnected(attempt=event.attempts, backfilled=event.backfilled)]
        return [event]

    def _message(self, message: wm.WebMessage) -> list[WebMessagingChatEvent]:
        if message.is_inbound:
            return [as_message_event(message, GUEST)]
        events: list[WebMessagingChatEvent] = []
        agent = agent_member(message.nickname)
        if self._agent is None or self._agent.id != agent.id:
            when = message.time
            events.append(AgentJoined(agent=agent, timestamp=when))
            if self._agent is not None:
                events.append(Transferred(from_agent=self._agent, to_agent=agent, timestamp=when))
            self._agent = agent
        events.append(as_message_event(message, agent))
        return events

    def _typing(self, typing: wm.AgentTyping) -> TypingEvent:
        return TypingEvent(
            id="",
            conversation_id="",
            sender=self._agent or agent_member(None),
            timestamp=typing.time or datetime.now(UTC),
        )


def as_message_event(message: wm.WebMessage, sender: Member) -> WebMessageEvent:
    return WebMessageEvent(
        id=message.id or message.message_id or "",
        conversation_id="",
        sender=sender,
        body=message.text or "",
        body_type=BodyType.STANDARD,
        timestamp=message.time or datetime.now(UTC),
        correlation_id=message.metadata.get("correlationId"),
        backfilled=message.backfilled,
        originating_entity=None if message.is_inbound else message.originating_entity,
        web_message=message,
    )
