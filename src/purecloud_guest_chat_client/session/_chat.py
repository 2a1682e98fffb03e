"""``GuestChat``: one guest's chat, from start to end, without the protocol's traps.

What it does for its user:

- it waits for the event stream to be attached before sending (the service refuses messages
  before that with ``chat.error.conversation.state``);
- it delivers every message once and in order across connection drops (see
  :class:`~purecloud_guest_chat_client.stream.EventStream`);
- it tells who each member is (role and display name, looked up once per member);
- it tells a transfer from the end of the chat (the rule is in
  :class:`~purecloud_guest_chat_client.session.ChatLifecycle`);
- it throttles typing indicators to one every 3 seconds;
- it can be saved with :meth:`GuestChat.state` and picked up again with :meth:`GuestChat.resume`.

A background task reads the stream and queues the events, so the chat stays alive between the
caller's reads. Read them with ``async for event in chat.events()`` or :meth:`GuestChat.next_event`.

``GuestChat`` is a :class:`~purecloud_guest_chat_client.session.GuestSession`: code written
against that interface runs over Web Messaging too.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Final, Self, cast

from .._base_client import positive_seconds
from .._redact import redact_text
from ..api_client import AsyncApiClient
from ..apis.web_chat_api import AsyncWebChatApi
from ..errors import ApiException, AuthenticationError, BadRequestError
from ..models import (
    BodyType,
    CreateWebChatConversationRequest,
    GuestMemberInfo,
    MemberRole,
    MemberState,
    WebChatMessage,
    WebChatRoutingTarget,
)
from ..models.frames import TYPING_INTERVAL_SECONDS
from ..models.protocol import MAX_MESSAGE_LENGTH
from ..stream._backoff import Backoff
from ..stream._event_stream import EventStream, StreamEnd
from ..stream._log import stream_logger
from ..stream._mapping import event_from_message
from ..stream._paging import messages_after
from ..stream._token import read_claims
from ..stream.errors import StreamAuthError, StreamError
from ..stream.events import Member, MemberChangeEvent, MessageEvent, StreamEvent, TypingEvent
from ._members import MemberDirectory
from ._state import ChatState
from ._transfer_rules import ChatLifecycle
from .events import ChatEvent, EndReason

__all__ = ["TYPING_INTERVAL", "GuestChat"]

TYPING_INTERVAL: Final = TYPING_INTERVAL_SECONDS
"""Seconds between two typing indicators; the service expects no more than one per 3 s."""

_END: Final = object()
_GONE_CODES = frozenset({"chat.error.conversation.state", "chat.error.member.state"})


class GuestChat:
    """A guest's chat session. Create one with :meth:`start` or :meth:`resume`.

    ``async with await GuestChat.start(...) as chat:`` closes the session's connections on exit
    without leaving the chat, so that it can be resumed; call :meth:`leave` to end it.
    """

    def __init__(
        self,
        *,
        client: AsyncApiClient,
        conversation_id: str,
        guest: Member,
        jwt: str,
        event_stream_uri: str,
        heartbeat_interval: float,
        backoff: Backoff | None,
        attach_timeout: float,
        last_message_id: str | None,
    ) -> None:
        """Internal: use :meth:`start` or :meth:`resume`."""
        self._client = client
        self._api = AsyncWebChatApi(client)
        self.conversation_id = conversation_id
        self.guest = guest
        self._jwt = jwt
        self._event_stream_uri = event_stream_uri
        self._heartbeat_interval = heartbeat_interval
        self._backoff = backoff
        self._attach_timeout = attach_timeout
        self._last_message_id = last_message_id
        self._directory = MemberDirectory(self._api, conversation_id)
        self._directory.remember(guest)
        self._lifecycle = ChatLifecycle(guest.id)
        # State changes of members whose role is unknown yet (their lookup failed), in order.
        self._unplaced: dict[str, list[tuple[MemberState | str | None, datetime | None]]] = {}
        self._queue: asyncio.Queue[ChatEvent | object] = asyncio.Queue()
        self._attached = asyncio.Event()
        self._finished = asyncio.Event()
        self._drained = False
        self._stream: EventStream | None = None
        self._pump_task: asyncio.Task[None] | None = None
        self._failure: BaseException | None = None
        self._last_typing_at: float | None = None
        self._closed = False

    # -- creating ---------------------------------------------------------------------------

    @classmethod
    async def start(
        cls,
        organization_id: str,
        deployment_id: str,
        queue: str,
        member_info: GuestMemberInfo | Mapping[str, Any] | str,
        *,
        environment: str | None = None,
        client: AsyncApiClient | None = None,
        member_auth_token: str | None = None,
        heartbeat_interval: float = 30.0,
        backoff: Backoff | None = None,
        attach_timeout: float = 15.0,
    ) -> GuestChat:
        """Start a chat in ``queue`` (a queue name) and attach its event stream.

        ``member_info`` is the guest's :class:`GuestMemberInfo`, a camelCase dict, or just a
        display name. ``environment`` is a region domain or a base URL such as
        ``http://127.0.0.1:8080``; alternatively pass ``client``, an :class:`AsyncApiClient`
        whose settings and connection pool the session shares (its JWT is left alone, so one
        client can serve many sessions).
        """
        for name, value in (
            ("organization_id", organization_id),
            ("deployment_id", deployment_id),
            ("queue", queue),
        ):
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{name} must be a non-empty string")
        guest_info = _guest_member_info(member_info)
        _check_session_options(heartbeat_interval, attach_timeout)
        if client is not None and environment is not None:
            raise ValueError("pass either environment or client, not both")
        if client is not None and not isinstance(client, AsyncApiClient):
            raise TypeError(f"client must be an AsyncApiClient, not {type(client).__name__}")
        # The session's own client: the shared client's settings and pool, its own JWT, and
        # plain (not extended) responses whatever the shared client returns.
        session_client = AsyncApiClient(environment) if client is None else client.with_jwt(None)
        try:
            created = await AsyncWebChatApi(session_client).post_webchat_guest_conversations(
                CreateWebChatConversationRequest(
                    organization_id=organization_id,
                    deployment_id=deployment_id,
                    routing_target=WebChatRoutingTarget(target_type="QUEUE", target_address=queue),
                    member_info=guest_info,
                    member_auth_token=member_auth_token,
                )
            )
            if not (created.id and created.jwt and created.event_stream_uri and created.member):
                raise ApiException(
                    "the service created the chat but its answer lacks an id, a jwt, an "
                    "eventStreamUri or a member",
                    operation="post_webchat_guest_conversations",
                    status=200,
                )
        except BaseException:
            await session_client.aclose()
            raise
        session_client.set_jwt(created.jwt)
        guest = Member.from_info(created.member)
        if guest.role is None:
            guest = replace(guest, role=MemberRole.CUSTOMER)
        chat = cls(
            client=session_client,
            conversation_id=created.id,
            guest=replace(guest, display_name=guest.display_name or guest_info.display_name),
            jwt=created.jwt,
            event_stream_uri=created.event_stream_uri,
            heartbeat_interval=heartbeat_interval,
            backoff=backoff,
            attach_timeout=attach_timeout,
            last_message_id=None,
        )
        await chat._attach(backfill_on_connect=False, known_members=None)
        return chat

    @classmethod
    async def resume(
        cls,
        state: ChatState | Mapping[str, Any] | str,
        *,
        client: AsyncApiClient | None = None,
        heartbeat_interval: float = 30.0,
        backoff: Backoff | None = None,
        attach_timeout: float = 15.0,
    ) -> GuestChat:
        """Pick a chat up again from :meth:`state` (a :class:`ChatState`, its dict or its
        JSON), typically after the process that held it was restarted.

        The messages the guest had not received yet come first. Within the service's grace
        period (about two minutes without a stream) the chat carries on; after it, or if the
        chat ended meanwhile, the events end with :class:`ChatEnded`. An expired JWT raises
        :class:`~purecloud_guest_chat_client.stream.StreamAuthError`.
        """
        if isinstance(state, str):
            state = ChatState.from_json(state)
        elif not isinstance(state, ChatState):
            state = ChatState.from_dict(state)
        _check_session_options(heartbeat_interval, attach_timeout)
        if client is not None and not isinstance(client, AsyncApiClient):
            raise TypeError(f"client must be an AsyncApiClient, not {type(client).__name__}")
        if read_claims(state.jwt).expired():
            raise StreamAuthError("the saved chat's JWT has expired; start a new chat")
        session_client = (
            AsyncApiClient(state.environment, jwt=state.jwt)
            if client is None
            else client.with_jwt(state.jwt)
        )
        chat = cls(
            client=session_client,
            conversation_id=state.conversation_id,
            guest=Member(
                id=state.member_id, role=MemberRole.CUSTOMER, display_name=state.display_name
            ),
            jwt=state.jwt,
            event_stream_uri=state.event_stream_uri,
            heartbeat_interval=heartbeat_interval,
            backoff=backoff,
            attach_timeout=attach_timeout,
            last_message_id=state.last_message_id,
        )
        try:
            await chat._reattach(state.last_message_id)
        except BaseException:
            await chat.close()
            raise
        return chat

    async def _reattach(self, last_message_id: str | None) -> None:
        try:
            members = await self._directory.refresh()
        except AuthenticationError as exc:
            raise StreamAuthError("the service refused the saved chat's JWT") from exc
        self._lifecycle.prime(members)
        guest = self._directory.get(self.guest.id)
        if guest is None or guest.state == MemberState.DISCONNECTED:
            await self._replay_ended_chat(last_message_id)
            return
        if guest.state == MemberState.CONNECTED:
            self._attached.set()
        await self._attach(
            backfill_on_connect=True,
            known_members={member.id: member.state for member in members if member.state},
        )

    async def _replay_ended_chat(self, last_message_id: str | None) -> None:
        """The chat ended while nobody held it: hand over what was missed, then the end."""
        agent_left_last = False
        async for message in messages_after(self._api, self.conversation_id, last_message_id):
            event = await self._enriched(event_from_message(message))
            self._queue.put_nowait(event)
            if isinstance(event, MessageEvent) and event.body_type == BodyType.MEMBER_LEAVE:
                agent_left_last = event.sender.is_agent
        reason = EndReason.AGENT_ENDED if agent_left_last else EndReason.REMOVED
        for ended in self._lifecycle.end(reason=reason):
            self._queue.put_nowait(ended)
        self._queue.put_nowait(_END)
        self._finished.set()

    async def _attach(
        self,
        *,
        backfill_on_connect: bool,
        known_members: Mapping[str, MemberState | str] | None,
    ) -> None:
        self._stream = EventStream(
            self._event_stream_uri,
            api=self._api,
            conversation_id=self.conversation_id,
            member_id=self.guest.id,
            heartbeat_interval=self._heartbeat_interval,
            last_message_id=self._last_message_id,
            backfill_on_connect=backfill_on_connect,
            known_members=known_members,
            backoff=self._backoff,
        )
        try:
            await self._stream.connect()
        except BaseException:
            await self.close()
            raise
        self._pump_task = asyncio.create_task(
            self._pump(self._stream), name=f"guestchat-{self.conversation_id}"
        )

    # -- the event pump ---------------------------------------------------------------------

    async def _pump(self, stream: EventStream) -> None:
        try:
            async for event in stream:
                for interpreted in await self._interpret(event):
                    self._queue.put_nowait(interpreted)
            if stream.end_reason is not StreamEnd.CLOSED or self._lifecycle.guest_leaving:
                for ended in self._lifecycle.end():
                    self._queue.put_nowait(ended)
        except (AuthenticationError, StreamError) as exc:
            self._failure = exc
        except Exception as exc:
            stream_logger.exception("the chat session's event pump failed")
            self._failure = StreamError(
                redact_text(f"the chat session failed: {type(exc).__name__}: {exc}", (self._jwt,))
            )
        finally:
            self._queue.put_nowait(_END)
            self._finished.set()

    async def _interpret(self, event: StreamEvent) -> list[ChatEvent]:
        if isinstance(event, MemberChangeEvent):
            member = await self._directory.resolve(event.member)
            if member.id == self.guest.id and member.state == MemberState.CONNECTED:
                self._attached.set()
            held = self._held_changes(member)
            if member.role is None:
                self._unplaced.setdefault(member.id, []).append((member.state, event.timestamp))
                return [*held, replace(event, member=member)]
            return [
                *held,
                replace(event, member=member),
                *self._lifecycle.member_changed(member, event.timestamp),
            ]
        enriched = await self._enriched(event)
        if isinstance(enriched, MessageEvent | TypingEvent):
            return [*self._held_changes(enriched.sender), enriched]
        return [enriched]

    def _held_changes(self, member: Member) -> list[ChatEvent]:
        """What the state changes of a member whose lookup had failed meant, once its role is
        known: without it an agent's arrival cannot be told from any other member's."""
        if member.role is None or member.id not in self._unplaced:
            return []
        held: list[ChatEvent] = []
        for state, timestamp in self._unplaced.pop(member.id):
            held.extend(self._lifecycle.member_changed(replace(member, state=state), timestamp))
        return held

    async def _enriched(self, event: StreamEvent) -> StreamEvent:
        if isinstance(event, MessageEvent | TypingEvent):
            return replace(event, sender=await self._directory.resolve(event.sender))
        return event

    # -- reading ----------------------------------------------------------------------------

    async def next_event(self, timeout: float | None = None) -> ChatEvent | None:
        """The next event, or ``None`` once the chat's events have ended. Raises the error
        that stopped the stream (once), and ``TimeoutError`` after ``timeout`` seconds."""
        if self._drained:
            return None
        async with asyncio.timeout(timeout):
            item = await self._queue.get()
        if item is _END:
            self._drained = True
            failure, self._failure = self._failure, None
            if failure is not None:
                raise failure
            return None
        event = cast("ChatEvent", item)
        if isinstance(event, MessageEvent):
            self._last_message_id = event.id
        return event

    async def events(self) -> AsyncIterator[ChatEvent]:
        """Every event of the chat, enriched, until it ends (or the session is closed)."""
        while (event := await self.next_event()) is not None:
            yield event

    @property
    def agent(self) -> Member | None:
        """The agent currently in charge of the chat, if any."""
        return self._lifecycle.agent

    @property
    def attached(self) -> bool:
        """Whether the service has seen the event stream attached (the guest is CONNECTED)."""
        return self._attached.is_set()

    @property
    def ended(self) -> bool:
        return self._lifecycle.ended

    @property
    def member_id(self) -> str:
        return self.guest.id

    async def history(self) -> list[MessageEvent]:
        """Every message of the chat so far, oldest first, with roles and display names."""
        history: list[MessageEvent] = []
        async for message in messages_after(self._api, self.conversation_id, None):
            event = event_from_message(message)
            history.append(replace(event, sender=await self._directory.resolve(event.sender)))
        return history

    async def members(self) -> list[Member]:
        """Every member of the chat with role, display name and state, fresh from the service."""
        return await self._directory.refresh()

    async def transcript(self) -> str:
        """The chat so far as text, one line per message:
        ``[2024-05-01 10:00:00] Ann (AGENT): Hello``."""
        return "\n".join(_transcript_line(message) for message in await self.history())

    def state(self) -> ChatState:
        """What :meth:`resume` needs. Holds the JWT: keep it private."""
        return ChatState(
            conversation_id=self.conversation_id,
            member_id=self.guest.id,
            jwt=self._jwt,
            event_stream_uri=self._event_stream_uri,
            environment=self._client.environment,
            last_message_id=self._last_message_id,
            display_name=self.guest.display_name,
        )

    # -- writing ----------------------------------------------------------------------------

    async def send(self, text: str) -> WebChatMessage:
        """Send a message. Before the stream is attached, waits for it."""
        return await self._post(text, BodyType.STANDARD)

    async def notice(self, text: str) -> WebChatMessage:
        """Send a notice (bodyType ``notice``)."""
        return await self._post(text, BodyType.NOTICE)

    async def typing(self) -> bool:
        """Tell the agent the guest is typing. At most one indicator goes out every 3 s; a call
        within that window does nothing and returns ``False``."""
        now = time.monotonic()
        if self._last_typing_at is not None and now - self._last_typing_at < TYPING_INTERVAL:
            return False
        self._last_typing_at = now
        try:
            await self._wait_attached()
            await self._api.post_webchat_guest_conversation_member_typing(
                self.conversation_id, self.guest.id
            )
        except BaseException:
            self._last_typing_at = None
            raise
        return True

    async def leave(self) -> None:
        """Leave the chat. The events end with ``ChatEnded(reason=guest-left)``."""
        if self._lifecycle.ended:
            return
        self._lifecycle.guest_is_leaving()
        try:
            await self._api.delete_webchat_guest_conversation_member(
                self.conversation_id, self.guest.id
            )
        except BadRequestError as exc:
            if exc.code not in _GONE_CODES:
                raise
        try:
            async with asyncio.timeout(self._attach_timeout):
                await self._finished.wait()
        except TimeoutError:
            if self._stream is not None:
                await self._stream.close()

    async def _post(self, text: str, body_type: BodyType) -> WebChatMessage:
        if not isinstance(text, str) or not text.strip():
            raise ValueError("text must be a non-empty string")
        if len(text) > MAX_MESSAGE_LENGTH:
            raise ValueError(f"text is {len(text)} characters; the limit is {MAX_MESSAGE_LENGTH}")
        await self._wait_attached()
        return await self._api.post_webchat_guest_conversation_member_messages(
            self.conversation_id, self.guest.id, {"body": text, "bodyType": body_type.value}
        )

    async def _wait_attached(self) -> None:
        if self._attached.is_set() or self._finished.is_set():
            return
        attached = asyncio.ensure_future(self._attached.wait())
        finished = asyncio.ensure_future(self._finished.wait())
        try:
            await asyncio.wait(
                (attached, finished),
                timeout=self._attach_timeout,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            attached.cancel()
            finished.cancel()
        # Past the deadline the request goes anyway: the service has the last word.

    # -- closing ----------------------------------------------------------------------------

    async def close(self) -> None:
        """Close the stream and the session's connections without leaving the chat."""
        if self._closed:
            return
        self._closed = True
        if self._stream is not None:
            await self._stream.close()
        if self._pump_task is not None:
            try:
                async with asyncio.timeout(5.0):
                    await asyncio.shield(self._pump_task)
            except TimeoutError:
                self._pump_task.cancel()
        await self._client.aclose()

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
        return (
            f"GuestChat(conversation_id={self.conversation_id!r}, member_id={self.guest.id!r}, "
            f"uri={redact_text(self._event_stream_uri)!r}, ended={self.ended})"
        )


def _guest_member_info(member_info: GuestMemberInfo | Mapping[str, Any] | str) -> GuestMemberInfo:
    if isinstance(member_info, str):
        if not member_info.strip():
            raise ValueError("member_info as a display name must be non-empty")
        return GuestMemberInfo(display_name=member_info)
    if isinstance(member_info, GuestMemberInfo | Mapping):
        try:
            info = GuestMemberInfo.from_wire(member_info)  # type: ignore[arg-type]
        except ValueError as exc:
            raise ValueError(f"member_info is not a valid GuestMemberInfo: {exc}") from None
        if not info.display_name.strip():
            raise ValueError("member_info.displayName must be non-empty")
        return info
    raise TypeError(
        f"member_info must be a GuestMemberInfo, a dict or a display name, "
        f"not {type(member_info).__name__}"
    )


def _check_session_options(heartbeat_interval: float, attach_timeout: float) -> None:
    positive_seconds(heartbeat_interval, "heartbeat_interval")
    positive_seconds(attach_timeout, "attach_timeout")


def _transcript_line(message: MessageEvent) -> str:
    when = message.timestamp.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    sender = message.sender
    who = f"{sender.label} ({sender.role})" if sender.role else sender.label
    if message.body_type == BodyType.MEMBER_JOIN:
        return f"[{when}] {who} joined"
    if message.body_type == BodyType.MEMBER_LEAVE:
        return f"[{when}] {who} left"
    if message.body_type == BodyType.STANDARD:
        return f"[{when}] {who}: {message.body}"
    return f"[{when}] {who} [{message.body_type}]: {message.body}"
