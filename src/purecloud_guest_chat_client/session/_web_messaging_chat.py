"""``WebMessagingChat``: a guest's Web Messaging chat as a
:class:`~purecloud_guest_chat_client.session.GuestSession`, the same session a Guest Chat bot
already holds through ``GuestChat``.

The :class:`~purecloud_guest_chat_client.webmessaging.WebMessagingClient` underneath does the
protocol's work (reconnects without loss, the rate limit, the limits checked before sending);
this class speaks the session's language: :class:`AgentJoined`, :class:`MessageEvent` (with
``originating_entity``), :class:`TypingEvent` and :class:`ChatEnded` (the rules are in
:mod:`._web_messaging_events`). What only Web Messaging has stays on
:attr:`WebMessagingChat.client`: quick replies and other structured answers, attachments, the
session's limits, clearing, ``start_new`` after a read-only end.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Mapping
from types import TracebackType
from typing import Any, Self

from ..stream.events import Member, MessageEvent
from ..webmessaging import SessionInfo, WebMessage, WebMessagingClient, WebMessagingError
from ._guest_session import GuestApi
from ._web_messaging_events import (
    GUEST_ID,
    WebMessageEvent,
    WebMessagingChatEvent,
    WebMessagingLifecycle,
)
from ._web_messaging_state import WebMessagingState
from .events import EndReason

__all__ = ["WebMessagingChat"]

LEAVE_TIMEOUT = 10.0
"""Seconds :meth:`WebMessagingChat.leave` waits for the service to confirm the clear."""


class WebMessagingChat:
    """A guest's Web Messaging chat. Create one with :meth:`start` or :meth:`resume`.

    ``async with await WebMessagingChat.start(...) as chat:`` closes the connection on exit
    without ending the conversation, so that it can be resumed; call :meth:`leave` to end it.
    """

    api = GuestApi.WEB_MESSAGING

    def __init__(
        self,
        client: WebMessagingClient,
        *,
        environment: str,
        origin: str | None,
        custom_attributes: Mapping[str, str] | None,
        last_message_id: str | None,
    ) -> None:
        """Internal: use :meth:`start` or :meth:`resume`."""
        self._client = client
        self._environment = environment
        self._origin = origin
        self._custom_attributes = dict(custom_attributes) if custom_attributes else None
        self._last_message_id = last_message_id
        self._lifecycle = WebMessagingLifecycle()
        self._pending: deque[WebMessagingChatEvent] = deque()
        self._backfilled_ids: set[str] = set()
        self._drained = False

    # -- creating ---------------------------------------------------------------------------

    @classmethod
    async def start(
        cls,
        deployment_id: str,
        *,
        environment: str,
        origin: str | None = None,
        custom_attributes: Mapping[str, str] | None = None,
        **client_options: Any,
    ) -> WebMessagingChat:
        """Open a new Web Messaging session for the Messenger deployment ``deployment_id``.

        ``environment`` is a region domain or a URL such as ``http://127.0.0.1:8080``;
        ``custom_attributes`` travel with the guest's first message (where Guest Chat takes
        custom fields when the chat is created). ``client_options`` go to
        :class:`~purecloud_guest_chat_client.webmessaging.WebMessagingClient` (``token``,
        ``reconnect``, ``backoff``, timeouts, ``proxy``, ...).
        """
        if not isinstance(environment, str) or not environment.strip():
            raise ValueError("environment must be a non-empty string")
        client = WebMessagingClient(deployment_id, environment, origin=origin, **client_options)
        chat = cls(
            client,
            environment=environment,
            origin=origin,
            custom_attributes=custom_attributes,
            last_message_id=None,
        )
        await chat._connect(resumed=False)
        return chat

    @classmethod
    async def resume(
        cls, state: WebMessagingState | Mapping[str, Any] | str, **client_options: Any
    ) -> WebMessagingChat:
        """Pick a chat up again from :meth:`state` (a :class:`WebMessagingState`, its dict or its
        JSON), on the same session token. The messages the guest had not received yet come
        first (from the REST history); a chat the agent ended meanwhile ends with
        ``ChatEnded(agent-ended)``. A token the service no longer knows starts a new
        conversation, as Web Messaging does."""
        if isinstance(state, str):
            state = WebMessagingState.from_json(state)
        elif not isinstance(state, WebMessagingState):
            state = WebMessagingState.from_dict(state)
        if "token" in client_options:
            raise TypeError("the token is the saved state's")
        client = WebMessagingClient(
            state.deployment_id,
            state.environment,
            token=state.token,
            origin=state.origin,
            **client_options,
        )
        chat = cls(
            client,
            environment=state.environment,
            origin=state.origin,
            custom_attributes=None,
            last_message_id=state.last_message_id,
        )
        await chat._connect(resumed=True)
        return chat

    async def _connect(self, *, resumed: bool) -> None:
        try:
            info = await self._client.connect()
            if resumed and not info.new_session:
                await self._catch_up()
        except BaseException:
            await self._client.close()
            raise
        if info.read_only:
            self._pending.extend(self._lifecycle.end(EndReason.AGENT_ENDED))

    async def _catch_up(self) -> None:
        """The agent of the chat so far, and the messages after the last one delivered."""
        history = await self._client.history()
        self._lifecycle.prime(history)
        missed = _after(history, self._last_message_id)
        for message in missed:
            event = WebMessageEvent.of(message)
            self._backfilled_ids.add(event.id)
            self._pending.append(event)

    # -- reading ----------------------------------------------------------------------------

    async def next_event(self, timeout: float | None = None) -> WebMessagingChatEvent | None:
        """The next event, or ``None`` once the chat's events have ended (after
        :class:`ChatEnded`, or when the session is closed). Raises the error that ended the
        client's events (once), and ``TimeoutError`` after ``timeout`` seconds."""
        async with asyncio.timeout(timeout):
            while not self._pending:
                if self._drained or self._lifecycle.ended:
                    self._drained = True
                    return None
                event = await self._client.next_event()
                if event is None:
                    self._drained = True
                    self._pending.extend(self._lifecycle.stopped())
                    continue
                self._pending.extend(
                    item for item in self._lifecycle.translate(event) if not self._repeated(item)
                )
        item = self._pending.popleft()
        if isinstance(item, MessageEvent) and item.id:
            self._last_message_id = item.id
        return item

    def _repeated(self, event: WebMessagingChatEvent) -> bool:
        """A live message that the resume's backfill delivered already."""
        if isinstance(event, MessageEvent) and event.id in self._backfilled_ids:
            self._backfilled_ids.discard(event.id)
            return True
        return False

    async def events(self) -> AsyncIterator[WebMessagingChatEvent]:
        """Every event of the chat until it ends (or the session is closed)."""
        while (event := await self.next_event()) is not None:
            yield event

    @property
    def client(self) -> WebMessagingClient:
        """The Web Messaging client: structured answers (``send_quick_reply``, ...),
        attachments, the session's limits (``client.session``), ``clear``, ``start_new``."""
        return self._client

    @property
    def session(self) -> SessionInfo | None:
        """What the service said of the session when it was last configured."""
        return self._client.session

    @property
    def conversation_id(self) -> str | None:
        """``None``: Web Messaging does not tell the guest its conversation's id."""
        return None

    @property
    def member_id(self) -> str:
        """The sender id of the guest's own messages (Web Messaging names no members)."""
        return GUEST_ID

    @property
    def agent(self) -> Member | None:
        """The agent who spoke last, known by its nickname."""
        return self._lifecycle.agent

    @property
    def ended(self) -> bool:
        return self._lifecycle.ended

    async def history(self) -> list[MessageEvent]:
        """Every message of the conversation so far, oldest first (the REST history)."""
        return [WebMessageEvent.of(message) for message in await self._client.history()]

    def state(self) -> WebMessagingState:
        """What :meth:`resume` needs. Holds the session token: keep it private."""
        return WebMessagingState(
            deployment_id=self._client.deployment_id,
            environment=self._environment,
            token=self._client.token,
            origin=self._origin,
            last_message_id=self._last_message_id,
        )

    # -- writing ----------------------------------------------------------------------------

    async def send(self, text: str) -> WebMessage:
        """Send a text message; returns its echo. The first message carries the
        ``custom_attributes`` given to :meth:`start`."""
        attributes, self._custom_attributes = self._custom_attributes, None
        try:
            return await self._client.send_text(text, custom_attributes=attributes)
        except BaseException:
            self._custom_attributes = attributes
            raise

    async def typing(self) -> bool:
        """Tell the agent the guest is typing. At most one indicator goes out every 5 s; a call
        within that window does nothing and returns ``False``."""
        return await self._client.send_typing()

    async def leave(self) -> None:
        """End the chat: clear the conversation (Presence ``Clear``), or where the deployment
        does not allow that, close the session. The events end with
        ``ChatEnded(guest-left)``."""
        if self._lifecycle.ended:
            return
        self._lifecycle.guest_is_leaving()
        try:
            async with asyncio.timeout(LEAVE_TIMEOUT):
                await self._client.clear()
            return
        except (WebMessagingError, TimeoutError):
            pass
        try:
            async with asyncio.timeout(LEAVE_TIMEOUT):
                await self._client.close_session(close_all_connections=True)
        except (WebMessagingError, TimeoutError):
            # The guest is gone all the same: without its connection, the events end.
            await self._client.close()

    # -- closing ----------------------------------------------------------------------------

    async def close(self) -> None:
        """Close the connection without ending the conversation (it can be resumed)."""
        await self._client.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"WebMessagingChat(client={self._client!r}, ended={self.ended})"


def _after(history: list[WebMessage], last_id: str | None) -> list[WebMessage]:
    """The messages after ``last_id``; all of them when it is unknown or not in the history
    (which then moved on without it, as after a clear)."""
    for index, message in enumerate(history):
        if last_id is not None and last_id in (message.id, message.message_id):
            return history[index + 1 :]
    return history
