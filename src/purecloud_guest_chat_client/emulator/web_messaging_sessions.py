"""Web Messaging sessions: which session token is which conversation, its lifetime, whether it is
read-only, and the connections each session has open. A session is a conversation of the same
simulated contact centre as a Guest Chat chat, so agents, routing and the control API see it
like any other.

Sessions are kept in the database (by a hash of their token, which is a bearer secret) so a
restart of the service keeps them: the guest configures the same token and goes on.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ..models import BodyType, MemberRole
from ..models.web_messaging_protocol import MAX_CONNECTIONS_PER_SESSION, MESSAGES_PER_SECOND
from .chat_service import ChatService
from .rate_limiter import SlidingWindow
from .records import Conversation, ConversationStatus, Member, Message
from .store import (
    Store,
    WebMessagingSessionRow,
    web_messaging_session_deleted_op,
    web_messaging_session_op,
)

logger = logging.getLogger(__name__)

WEB_MESSAGING_QUEUE = "Web Messaging"
"""The queue a session's conversation waits in for an agent."""

GUEST_NAME = "Web Messaging guest"
DEFAULT_ORGANIZATION = "web-messaging"


class Receiver(Protocol):
    """An open connection of a session."""

    def push(self, text: str) -> None: ...

    def close(self, code: int = 1000) -> None: ...


class SessionEvents(Protocol):
    """What the door shows the guest of what happens in a session's conversation."""

    def said(self, session: Session, conversation: Conversation, message: Message) -> None:
        """A committed message of the conversation, any sender's."""

    def typing(self, session: Session, member: Member) -> None:
        """An agent of the conversation is typing."""

    def ended(self, session: Session) -> None:
        """The agent or the flow ended the conversation; the session is read-only now when
        the deployment says so (``session.read_only``)."""


def token_key(token: str) -> str:
    """What the database keys a session by: the token itself is a bearer secret."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(eq=False)
class Session:
    """One session token's conversation and its open connections, oldest first."""

    key: str = field(repr=False)
    deployment_id: str
    conversation: Conversation
    expires_at: float
    read_only: bool = False
    connections: list[Receiver] = field(default_factory=list)
    # Set once the end of the conversation is settled: by the guest (Clear, expiry), when no
    # Disconnect is shown, or by the agent, when it has been.
    end_settled: bool = False
    # The guest's messages of the last second, for the session's message rate.
    message_rate: SlidingWindow = field(
        default_factory=lambda: SlidingWindow(MESSAGES_PER_SECOND, 1.0), repr=False
    )

    def expired(self, now: float) -> bool:
        return now >= self.expires_at

    def attach(self, connection: Receiver) -> Receiver | None:
        """Adds a connection; returns the oldest one when the session has one too many."""
        if connection not in self.connections:
            self.connections.append(connection)
        if len(self.connections) > MAX_CONNECTIONS_PER_SESSION:
            return self.connections.pop(0)
        return None

    def detach(self, connection: Receiver) -> None:
        if connection in self.connections:
            self.connections.remove(connection)

    def push(self, text: str) -> None:
        for connection in tuple(self.connections):
            connection.push(text)


class Expired(Exception):
    """The session's lifetime is over."""


class WebMessagingSessions:
    """Session token -> session. Tokens are never logged: they are the session's identity."""

    def __init__(
        self,
        chats: ChatService,
        store: Store,
        organization_for: Callable[[str], str | None],
        read_only_after_end: Callable[[str], bool],
        duration_seconds: int,
        events: SessionEvents,
    ) -> None:
        self._chats = chats
        self._read_only_after_end = read_only_after_end
        self._store = store
        self._organization_for = organization_for
        self.duration_seconds = duration_seconds
        self._events = events
        self._sessions: dict[str, Session] = {}

    async def start(self) -> None:
        """After a restart: the sessions whose conversation goes on have their guest present
        again, as a Guest Chat guest whose stream reconnected, so the chat is not dropped for
        want of a stream while the guest is away."""
        for row in self._store.web_messaging_sessions():
            session = self._restore(row)
            if session is not None and not session.conversation.ended:
                await self._chats.stream_attached(session.conversation)

    def get(self, token: str, now: float) -> Session | None:
        """The session of ``token``, or None when the service does not know it (any more: an
        expired session is purged one lifetime after it expired)."""
        key = token_key(token)
        session = self._sessions.get(key)
        if session is None:
            row = self._store.web_messaging_session(key)
            session = self._restore(row) if row is not None else None
        if session is not None and now >= session.expires_at + self.duration_seconds:
            self._forget(session)
            self._chats.spawn(self._store.commit(web_messaging_session_deleted_op(key)))
            return None
        return session

    def _restore(self, row: WebMessagingSessionRow) -> Session | None:
        conversation = self._chats.conversations.get(row.conversation_id)
        if conversation is None:
            conversation = self._store.load_conversation(row.conversation_id)
        if conversation is None:
            return None
        session = Session(row.key, row.deployment_id, conversation, row.expires_at, row.read_only)
        if conversation.ended:
            # When it ended while the service was down, or before the flag reached the
            # database, the session is read-only as the agent's end would have made it.
            session.end_settled = True
            session.read_only = row.read_only or self._read_only_after_end(row.deployment_id)
        self._sessions[row.key] = session
        if not conversation.ended:
            self._listen(session)
        return session

    async def configure(
        self, token: str, deployment_id: str, *, start_new: bool
    ) -> tuple[Session, bool]:
        """The session of ``token`` (``True`` when it is new), its lifetime renewed. Raises
        :class:`Expired` for a session whose lifetime is over."""
        now = time.time()
        session = self.get(token, now)
        if session is not None and session.expired(now):
            await self.expire(session)
            raise Expired()
        if session is None:
            session = await self._open(token_key(token), deployment_id, now)
            return session, True
        if session.read_only and start_new:
            await self._renew(session, now)
            return session, True
        if session.conversation.ended and not session.read_only:
            # The conversation ended without making the session read-only: a new one starts.
            await self._renew(session, now)
            return session, True
        await self._prolong(session, now)
        return session, False

    async def _open(self, key: str, deployment_id: str, now: float) -> Session:
        conversation = await self._new_conversation(deployment_id)
        session = Session(key, deployment_id, conversation, now + self.duration_seconds)
        await self._save(session)
        self._sessions[key] = session
        self._listen(session)
        logger.info("web messaging session opened: conversation %s", conversation.id)
        return session

    async def _renew(self, session: Session, now: float) -> None:
        session.conversation = await self._new_conversation(session.deployment_id)
        session.read_only, session.end_settled = False, False
        session.expires_at = now + self.duration_seconds
        await self._save(session)
        self._listen(session)
        logger.info("web messaging session renewed: conversation %s", session.conversation.id)

    async def _new_conversation(self, deployment_id: str) -> Conversation:
        organization = self._organization_for(deployment_id) or DEFAULT_ORGANIZATION
        conversation, _ = await self._chats.create(
            organization, deployment_id, WEB_MESSAGING_QUEUE, {"displayName": GUEST_NAME}, False
        )
        # The guest is present from the configure on, as a Guest Chat guest with its stream
        # open: the chat goes to an agent.
        await self._chats.stream_attached(conversation)
        return conversation

    def _listen(self, session: Session) -> None:
        conversation = session.conversation
        events = self._events

        def heard(changed: Conversation, messages: Sequence[Message]) -> None:
            if session.conversation is not changed:
                return  # the session has moved on to a new conversation
            for message in messages:
                events.said(session, changed, message)
            if changed.committed_status == ConversationStatus.ENDED and not session.end_settled:
                self._agent_ended(session)

        def typing(changed: Conversation, member: Member) -> None:
            if session.conversation is changed and member.role != MemberRole.CUSTOMER:
                events.typing(session, member)

        self._chats.listen(conversation.id, heard)
        self._chats.listen_typing(conversation.id, typing)

    def _agent_ended(self, session: Session) -> None:
        session.end_settled = True
        session.read_only = self._read_only_after_end(session.deployment_id)
        if session.read_only:
            self._chats.spawn(self._save(session))
        self._events.ended(session)

    async def _prolong(self, session: Session, now: float) -> None:
        session.expires_at = now + self.duration_seconds
        await self._save(session)

    async def guest_says(self, session: Session, text: str) -> Message:
        """The guest's text, committed with the session's lifetime moved forward."""
        now = time.time()
        if session.conversation.ended and not session.read_only:
            # The agent ended the last conversation without making the session read-only:
            # the guest's next message starts a new one.
            await self._renew(session, now)
        conversation = session.conversation
        session.expires_at = now + self.duration_seconds
        # Both at once: the two changes share the store's next transaction.
        message, _ = await asyncio.gather(
            self._chats.send(conversation, conversation.guest, text, BodyType.STANDARD),
            self._save(session),
        )
        return message

    def guest_typing(self, session: Session) -> None:
        conversation = session.conversation
        self._chats.typing(conversation, conversation.guest)

    async def guest_leaves(self, session: Session) -> None:
        """The guest ends the conversation (a Clear, or the session expired)."""
        session.end_settled = True
        conversation = session.conversation
        if not conversation.ended and conversation.guest.connected:
            await self._chats.guest_leaves(conversation, conversation.guest)

    async def clear(self, session: Session) -> None:
        """The session is wiped: the guest leaves, and the token is unknown from now on."""
        await self.guest_leaves(session)
        self._forget(session)
        await self._store.commit(web_messaging_session_deleted_op(session.key))

    async def expire(self, session: Session) -> None:
        """The session's lifetime is over: its guest has left the conversation."""
        await self.guest_leaves(session)

    def _forget(self, session: Session) -> None:
        if self._sessions.get(session.key) is session:
            del self._sessions[session.key]

    async def _save(self, session: Session) -> None:
        await self._store.commit(
            web_messaging_session_op(
                session.key,
                session.deployment_id,
                session.conversation.id,
                session.expires_at,
                session.read_only,
            )
        )
