"""Web Messaging sessions: which session token is which conversation, and the connections each
session has open. A session is a conversation of the same simulated contact centre as a Guest
Chat chat, so agents, routing and the control API see it like any other."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ..models import BodyType
from ..models.web_messaging_protocol import DEFAULT_SESSION_DURATION_SECONDS
from .chat_service import ChatService
from .records import Conversation, Message

logger = logging.getLogger(__name__)

WEB_MESSAGING_QUEUE = "Web Messaging"
"""The queue a session's conversation waits in for an agent."""

GUEST_NAME = "Web Messaging guest"
DEFAULT_ORGANIZATION = "web-messaging"


class Receiver(Protocol):
    """An open connection of a session."""

    def push(self, text: str) -> None: ...

    def deliver(self, conversation: Conversation, message: Message) -> None: ...


@dataclass(eq=False)
class Session:
    """One session token's conversation and the senders of its open connections."""

    conversation: Conversation
    expires_at: float
    connections: set[Receiver] = field(default_factory=set)

    def heard(self, conversation: Conversation, messages: Sequence[Message]) -> None:
        for message in messages:
            for receiver in tuple(self.connections):
                receiver.deliver(conversation, message)


class WebMessagingSessions:
    """Session token -> session. Tokens are never logged: they are the session's identity."""

    def __init__(self, chats: ChatService, organization_for: Callable[[str], str | None]) -> None:
        self._chats = chats
        self._organization_for = organization_for
        self._sessions: dict[str, Session] = {}

    async def configure(self, token: str, deployment_id: str) -> tuple[Session, bool]:
        """The session of ``token`` (``True`` when it is new), its lifetime renewed."""
        expires_at = time.time() + DEFAULT_SESSION_DURATION_SECONDS
        session = self._sessions.get(token)
        if session is not None and not session.conversation.ended:
            session.expires_at = expires_at
            return session, False
        organization = self._organization_for(deployment_id) or DEFAULT_ORGANIZATION
        conversation, _ = await self._chats.create(
            organization, deployment_id, WEB_MESSAGING_QUEUE, {"displayName": GUEST_NAME}, False
        )
        # The guest is present from the configure on, as a Guest Chat guest with its stream
        # open: the chat goes to an agent.
        await self._chats.stream_attached(conversation)
        session = Session(conversation, expires_at)
        self._chats.listen(conversation.id, session.heard)
        self._sessions[token] = session
        logger.info("web messaging session opened: conversation %s", conversation.id)
        return session, True

    async def guest_says(self, session: Session, text: str) -> Message:
        conversation = session.conversation
        return await self._chats.send(conversation, conversation.guest, text, BodyType.STANDARD)
