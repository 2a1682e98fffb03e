"""``GuestChatUser``: the load guest as a Locust user, to spread a load over many machines.

Locust runs its users as gevent greenlets in a monkey-patched process, where the asyncio session
does not belong. So this guest is built from the blocking parts, which gevent makes cooperative:
the sync :class:`~purecloud_guest_chat_client.ApiClient` (httpx2 over patched sockets) and a
``websockets.sync`` connection, whose frames are read by a greenlet. The frames are parsed by the
same code as the event stream's, and the messages are checked by the same
:class:`~.ledger.MessageLedger` as ``guestchat load``'s.

Each user creates a chat, attaches its stream, waits for an agent, then sends one message per
task run and waits for its answer; after ``messages_per_chat`` messages it leaves and starts a new
chat. Every step is a Locust request of type ``guestchat``: ``create``, ``attach``,
``agent join``, ``send``, ``reply`` and ``leave``; a stream that dropped and was reattached is a
``reconnect``; a lost or a duplicated message is a failure named ``lost`` or ``duplicated``.

Use it in a locustfile (see ``examples/locustfile.py``)::

    from purecloud_guest_chat_client.load.locust import GuestChatUser

    class Guest(GuestChatUser):
        queue = "Support"

and run ``locust -f locustfile.py --host http://127.0.0.1:8080``. Install it with
``pip install 'purecloud-guest-chat-client[load]'``.

``WebMessagingUser`` is the same guest over Web Messaging, its requests of type ``webmessaging``:
it opens a session on the WebSocket (``configure``), sends each message there and waits for its
echo (``send``) and its answer (``reply``), and after ``messages_per_chat`` messages clears the
conversation (``leave``) and opens a session with a new token. A connection that dropped is
opened again on the same token and the messages it missed are read from the REST history
(``reconnect``). It speaks the wire protocol itself, with the Web Messaging client's own frame
codec, over a ``websockets.sync`` connection: the client itself runs on asyncio, which does not
belong in Locust's gevent process. Both users can share one locustfile::

    class Messenger(WebMessagingUser):
        deployment_id = "my-deployment"
"""

from __future__ import annotations

import contextlib
import itertools
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any, ClassVar

import gevent
import httpx2
from gevent import monkey
from gevent.queue import Empty, Queue
from locust import User, constant, task
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from ..api_client import ApiClient
from ..apis.web_chat_api import WebChatApi
from ..models import (
    BodyType,
    CreateWebChatConversationRequest,
    GuestMemberInfo,
    MemberRole,
    MemberState,
    SortOrder,
    WebChatRoutingTarget,
)
from ..models.frames import parse_frame
from ..models.web_messaging_protocol import (
    HISTORY_MAX_PAGE_SIZE,
    HISTORY_PATH,
    MESSAGES_PER_SECOND,
    Action,
    Direction,
    FrameClass,
    MessageType,
    PresenceType,
)
from ..stream._mapping import event_from_frame, event_from_message
from ..stream.events import MemberChangeEvent, MessageEvent
from ..webmessaging import _codec
from ..webmessaging._endpoints import Endpoints, resolve_endpoints
from .engine import error_code
from .ledger import MessageLedger

__all__ = ["GuestChatUser", "WebMessagingUser"]


def _keep_trio_away_from_gevent() -> None:
    """httpcore imports trio whenever it is installed. In a process where gevent has patched
    ``select`` (Locust's), trio's import fails with an AttributeError, as the patched module has no
    ``epoll``, and httpcore lets that escape from the first request. Trio cannot run here anyway,
    so it is marked unimportable, which httpcore expects and handles."""
    if "trio" not in sys.modules and monkey.is_module_patched("select"):
        sys.modules["trio"] = None  # type: ignore[assignment]


_keep_trio_away_from_gevent()

REQUEST_TYPE = "guestchat"
WEB_MESSAGING_REQUEST_TYPE = "webmessaging"
_CONVERSATION_ENDED = 1001
_numbers = itertools.count(1)


class _Closed:
    """Put on the queue when the stream's connection closed; ``code`` is its close code."""

    def __init__(self, code: int | None, connection: ClientConnection | None = None) -> None:
        self.code = code
        self.connection = connection


class _LoadGuest(User):
    """What both guests share: a connection read by a greenlet into a queue, and each step
    reported to Locust as a request of ``request_type``."""

    abstract = True
    request_type: ClassVar[str] = REQUEST_TYPE

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        self._frames: Queue[str | _Closed] = Queue()

    def _read_frames(self, ws: ClientConnection) -> None:
        code = None
        try:
            while True:
                raw = ws.recv()
                self._frames.put(raw if isinstance(raw, str) else raw.decode())
        except ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd is not None else None
        self._frames.put(_Closed(code, ws))

    def _step(self, name: str, action: Any) -> bool:
        began = time.perf_counter()
        try:
            action()
        except Exception as exc:
            self._fire(name, (time.perf_counter() - began) * 1000, _Failure(error_code(exc)))
            return False
        self._fire(name, (time.perf_counter() - began) * 1000, None)
        return True

    def _report(self, name: str, began: float, failure: str | None = None) -> None:
        elapsed = (time.perf_counter() - began) * 1000
        self._fire(name, elapsed, None if failure is None else _Failure(failure))

    def _fire(self, name: str, milliseconds: float, exception: BaseException | None) -> None:
        self.environment.events.request.fire(
            request_type=self.request_type,
            name=name,
            response_time=milliseconds,
            response_length=0,
            exception=exception,
            context={},
        )


class GuestChatUser(_LoadGuest):
    """A Guest Chat guest. Subclass it in a locustfile and set what differs from the defaults;
    ``--host`` is the service's base URL (or a region domain)."""

    abstract = True
    wait_time = constant(0)
    """The think time between two messages (a Locust wait time)."""

    organization_id: ClassVar[str] = "00000000-0000-4000-8000-00000000c0de"
    deployment_id: ClassVar[str] = "00000000-0000-4000-8000-0000000de910"
    queue: ClassVar[str] = "Chat Queue"
    messages_per_chat: ClassVar[int] = 10
    """Messages one chat carries before the guest leaves it and starts another."""
    timeout: ClassVar[float] = 30.0
    """Seconds to wait for an agent, and for each answer."""

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        self._client: ApiClient | None = None
        self._api: WebChatApi | None = None
        self._ws: ClientConnection | None = None
        self._reader: gevent.Greenlet | None = None
        self._ledger = MessageLedger("Locust Guest")
        self._conversation_id = ""
        self._member_id = ""
        self._stream_uri = ""
        self._roles: dict[str, str | None] = {}
        self._closing = False
        self._guest_connected = False
        self._agent_joined = False
        self._last_message_id: str | None = None
        self._seen_ids: set[str] = set()
        self._sent = 0

    # -- Locust's hooks ---------------------------------------------------------------------

    def on_start(self) -> None:
        self._open_chat()

    def on_stop(self) -> None:
        self._close_chat()

    @task
    def chat_message(self) -> None:
        """One message and its answer; a new chat every ``messages_per_chat`` messages."""
        if self._api is None or self._sent >= self.messages_per_chat:
            self._close_chat()
            if not self._open_chat():
                return
        self._sent += 1
        body = self._ledger.body(self._sent)
        began = time.perf_counter()
        if not self._step("send", lambda: self._post(body)):
            return
        self._ledger.sent(body, began)
        try:
            self._read_until(lambda: not self._ledger.waiting_for(body))
        except _Failure as failure:
            self._report("reply", began, failure.reason)

    # -- a chat's life ----------------------------------------------------------------------

    def _open_chat(self) -> bool:
        self._reset()
        self._ledger = MessageLedger(f"Locust Guest {next(_numbers)}")
        client = self._client = ApiClient(self.host)
        self._api = WebChatApi(client)
        if not self._step("create", self._create):
            self._close_chat()
            return False
        if not self._step("attach", self._attach):
            self._close_chat()
            return False
        began = time.perf_counter()
        try:
            self._read_until(lambda: self._agent_joined)
        except _Failure as failure:
            self._report("agent join", began, failure.reason)
            self._close_chat()
            return False
        self._report("agent join", began)
        return True

    def _create(self) -> None:
        assert self._api is not None and self._client is not None
        created = self._api.post_webchat_guest_conversations(
            CreateWebChatConversationRequest(
                organization_id=self.organization_id,
                deployment_id=self.deployment_id,
                routing_target=WebChatRoutingTarget(target_type="QUEUE", target_address=self.queue),
                member_info=GuestMemberInfo(display_name=self._ledger.guest),
            )
        )
        if not (created.id and created.jwt and created.event_stream_uri and created.member):
            raise _Failure("the service's answer lacks an id, a jwt or an eventStreamUri")
        self._client.set_jwt(created.jwt)
        self._conversation_id = created.id
        self._member_id = created.member.id or ""
        self._stream_uri = created.event_stream_uri
        self._roles[self._member_id] = MemberRole.CUSTOMER

    def _attach(self) -> None:
        self._ws = connect(self._stream_uri, open_timeout=self.timeout)
        self._reader = gevent.spawn(self._read_frames, self._ws)

    def _post(self, body: str) -> None:
        assert self._api is not None
        self._api.post_webchat_guest_conversation_member_messages(
            self._conversation_id, self._member_id, {"body": body, "bodyType": "standard"}
        )

    def _close_chat(self) -> None:
        """Wait for the answers still due, leave the chat, take what is still queued, and report
        lost and duplicated messages."""
        # Locust stopping the run during a close calls it again (on_stop): that one only closes.
        closing, self._closing = self._closing, True
        if self._api is not None and self._conversation_id and self._ws is not None and not closing:
            # A guest stopped between a message and its answer (Locust stopping the run) would
            # otherwise leave first, and the answer the agent no longer sends would count as lost.
            # A guest stopped as its stream attached waits for the service to say so: until
            # then the chat is not active, and a leave would be refused.
            with contextlib.suppress(_Failure):
                self._read_until(lambda: self._guest_connected and not self._ledger.unanswered)
            if self._guest_connected:
                self._step("leave", self._leave)
            with contextlib.suppress(_Failure):
                self._read_until(lambda: False, limit=min(self.timeout, 2.0))
            self._account()
        if self._ws is not None:
            self._ws.close()
        if self._reader is not None:
            self._reader.join(timeout=5.0)
        if self._client is not None:
            self._client.close()
        self._reset()

    def _leave(self) -> None:
        assert self._api is not None
        self._api.delete_webchat_guest_conversation_member(self._conversation_id, self._member_id)

    def _reset(self) -> None:
        self._client = self._api = None
        self._ws = None
        self._reader = None
        self._frames = Queue()
        self._conversation_id = self._member_id = self._stream_uri = ""
        self._roles = {}
        self._closing = False
        self._guest_connected = False
        self._agent_joined = False
        self._last_message_id = None
        self._seen_ids = set()
        self._sent = 0

    def _account(self) -> None:
        for line in self._ledger.lost():
            self._fire("lost", 0.0, AssertionError(line))
        for line in self._ledger.duplicated():
            self._fire("duplicated", 0.0, AssertionError(line))

    # -- the stream -------------------------------------------------------------------------

    def _read_until(self, done: Any, limit: float | None = None) -> None:
        """Take frames until ``done()``; _Failure after the timeout or when the chat ends."""
        deadline = time.monotonic() + (self.timeout if limit is None else limit)
        while not done():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Failure("timed out")
            try:
                item = self._frames.get(timeout=remaining)
            except Empty:
                raise _Failure("timed out") from None
            if isinstance(item, _Closed):
                if item.code == _CONVERSATION_ENDED or not self._reconnect():
                    self._frames.put(item)  # every later wait ends at once too
                    raise _Failure("the chat ended")
                continue
            self._take(item)

    def _take(self, raw: str) -> None:
        event = event_from_frame(parse_frame(raw))
        if isinstance(event, MessageEvent):
            self._message(event)
        elif isinstance(event, MemberChangeEvent):
            member = event.member
            if member.state != MemberState.CONNECTED:
                return
            if member.id == self._member_id:
                self._guest_connected = True
            elif self._role(member.id) == MemberRole.AGENT:
                self._agent_joined = True

    def _message(self, event: MessageEvent) -> None:
        if event.id in self._seen_ids:
            return  # a backfill and the live stream both brought it
        self._seen_ids.add(event.id)
        self._last_message_id = event.id
        if event.body_type != BodyType.STANDARD:
            return
        if event.sender.id == self._member_id:
            self._ledger.delivered(event.body)
        elif self._role(event.sender.id) == MemberRole.AGENT:
            answer = self._ledger.answered(event.body, time.perf_counter())
            if answer.waited is not None:
                self._fire("reply", answer.waited * 1000, None)

    def _role(self, member_id: str) -> str | None:
        if member_id not in self._roles:
            assert self._api is not None
            try:
                info = self._api.get_webchat_guest_conversation_member(
                    self._conversation_id, member_id
                )
                self._roles[member_id] = info.role
            except Exception:
                return None
        return self._roles[member_id]

    def _reconnect(self) -> bool:
        """Attach a new stream after a drop and reload the messages it missed."""
        began = time.perf_counter()
        try:
            self._attach()
            self._backfill()
            if not self._agent_joined:
                self._look_for_an_agent()
        except Exception as exc:
            self._fire("reconnect", (time.perf_counter() - began) * 1000, exc)
            return False
        self._fire("reconnect", (time.perf_counter() - began) * 1000, None)
        return True

    def _look_for_an_agent(self) -> None:
        """A member change that came while no stream was attached is not replayed, and the
        messages do not say who is connected: the member list does."""
        assert self._api is not None
        page_number = 1
        while True:
            page = self._api.get_webchat_guest_conversation_members(
                self._conversation_id, page_size=100, page_number=page_number
            )
            for info in page.entities or ():
                if info.id:
                    self._roles.setdefault(info.id, info.role)
                    if info.role == MemberRole.AGENT and info.state == MemberState.CONNECTED:
                        self._agent_joined = True
            if not page.entities or page_number >= (page.page_count or 1):
                return
            page_number += 1

    def _backfill(self) -> None:
        assert self._api is not None
        after = self._last_message_id
        while True:
            page = self._api.get_webchat_guest_conversation_messages(
                self._conversation_id, after=after, sort_order=SortOrder.ASCENDING, max_results=100
            )
            entities = [message for message in page.entities or () if message.id]
            for message in entities:
                self._message(event_from_message(message))
            if len(entities) < 100:
                return
            after = entities[-1].id


class _Failure(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class WebMessagingUser(_LoadGuest):
    """A Web Messaging guest. Subclass it in a locustfile and set what differs from the
    defaults; ``--host`` is the service's base URL (or a region domain)."""

    abstract = True
    request_type: ClassVar[str] = WEB_MESSAGING_REQUEST_TYPE
    wait_time = constant(1 / MESSAGES_PER_SECOND)
    """The think time between two messages (a Locust wait time); by default as short as the
    service's rate limit of a session allows."""

    deployment_id: ClassVar[str] = "00000000-0000-4000-8000-0000000de911"
    messages_per_chat: ClassVar[int] = 10
    """Messages one conversation carries before the guest clears it and starts another."""
    timeout: ClassVar[float] = 30.0
    """Seconds to wait for each answer of the service and of the agent."""

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        self._endpoints: Endpoints | None = None
        self._ws: ClientConnection | None = None
        self._reader: gevent.Greenlet | None = None
        self._ledger = MessageLedger("Locust Messenger")
        self._token = ""
        self._configured = False
        self._delivered: set[str] = set()
        self._seen: set[str] = set()
        self._sent = 0
        self._closing = False
        self._cleared = False
        self._jwt: str | None = None

    # -- Locust's hooks ---------------------------------------------------------------------

    def on_start(self) -> None:
        self._open_session()

    def on_stop(self) -> None:
        self._close_session()

    @task
    def chat_message(self) -> None:
        """One message and its answer; a new conversation every ``messages_per_chat``."""
        if self._ws is None or self._sent >= self.messages_per_chat:
            self._close_session()
            if not self._open_session():
                return
        self._sent += 1
        body = self._ledger.body(self._sent)
        began = time.perf_counter()
        if not self._step("send", lambda: self._say(body)):
            return
        self._ledger.sent(body, began)
        try:
            self._read_until(lambda: not self._ledger.waiting_for(body))
        except _Failure as failure:
            self._report("reply", began, failure.reason)

    # -- a session's life -------------------------------------------------------------------

    def _open_session(self) -> bool:
        self._reset()
        self._ledger = MessageLedger(f"Locust Messenger {next(_numbers)}")
        self._endpoints = resolve_endpoints(self.host or "", self.deployment_id)
        self._token = str(uuid.uuid4())
        if not self._step("configure", self._connect):
            self._close_session()
            return False
        return True

    def _connect(self) -> None:
        """A connection, and the session configured on it (a new one, or the token's own)."""
        assert self._endpoints is not None
        self._ws = connect(self._endpoints.websocket_url, open_timeout=self.timeout)
        self._reader = gevent.spawn(self._read_frames, self._ws)
        self._configured = False
        tracing = _codec.new_tracing_id()
        self._ws.send(_codec.request_configure(self._token, self.deployment_id, tracing))
        self._read_until(lambda: self._configured)

    def _say(self, body: str) -> None:
        """Sends ``body`` and waits for the service's echo of it, which says it was taken."""
        tracing = _codec.new_tracing_id()
        self._request(_codec.request_message(self._token, _codec.text_message(body), tracing))
        # The echo, live or (after a drop) from the history's backfill.
        self._read_until(lambda: body in self._delivered)

    def _request(self, frame: str) -> None:
        """Sends ``frame``; on a connection that dropped before its reader said so, on the
        connection opened again in its place."""
        assert self._ws is not None
        try:
            self._ws.send(frame)
        except ConnectionClosed:
            if not self._configured or not self._reconnect():
                raise
            self._ws.send(frame)

    def _close_session(self) -> None:
        """Wait for the answers still due, clear the conversation, and report lost and
        duplicated messages."""
        # As for the Guest Chat guest, a close that Locust's stop interrupted only closes again.
        closing, self._closing = self._closing, True
        if self._ws is not None and self._configured and not closing:
            # As for the Guest Chat guest: a guest stopped mid-answer waits for it first.
            with contextlib.suppress(_Failure):
                self._read_until(lambda: not self._ledger.unanswered)
            self._step("leave", self._clear)
            for line in self._ledger.lost():
                self._fire("lost", 0.0, AssertionError(line))
            for line in self._ledger.duplicated():
                self._fire("duplicated", 0.0, AssertionError(line))
        if self._ws is not None:
            self._ws.close()
        if self._reader is not None:
            self._reader.join(timeout=5.0)
        self._reset()

    def _clear(self) -> None:
        tracing = _codec.new_tracing_id()
        message = _codec.presence_message(PresenceType.CLEAR)
        self._request(_codec.request_message(self._token, message, tracing))
        self._read_until(lambda: self._cleared)

    def _reset(self) -> None:
        self._ws = None
        self._reader = None
        self._frames = Queue()
        self._token = ""
        self._configured = False
        self._delivered = set()
        self._seen = set()
        self._sent = 0
        self._closing = False
        self._cleared = False
        self._jwt = None

    # -- the socket -------------------------------------------------------------------------

    def _read_until(self, done: Callable[[], bool]) -> None:
        """Take frames until ``done()``; _Failure after the timeout, when the service refuses a
        request, or when a dropped connection cannot be opened again."""
        deadline = time.monotonic() + self.timeout
        while not done():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Failure("timed out")
            try:
                item = self._frames.get(timeout=remaining)
            except Empty:
                raise _Failure("timed out") from None
            if isinstance(item, _Closed):
                if item.connection is not self._ws:
                    continue  # a connection already replaced (a send found it closed first)
                if not self._configured or not self._reconnect():
                    self._frames.put(item)  # every later wait ends at once too
                    raise _Failure("the connection closed")
                continue
            self._take(item)

    def _take(self, raw: str) -> None:
        frame = _codec.parse_frame(raw)
        if not isinstance(frame, _codec.ServerFrame):
            return
        if frame.frame_class == FrameClass.SESSION_RESPONSE and frame.ok:
            self._configured = True
        elif frame.frame_class == FrameClass.SESSION_CLEARED_EVENT:
            self._cleared = True
        elif frame.frame_class == FrameClass.JWT_RESPONSE and isinstance(frame.body, dict):
            jwt = frame.body.get("jwt")
            self._jwt = jwt if isinstance(jwt, str) and jwt else None
        elif frame.frame_class == FrameClass.STRUCTURED_MESSAGE and isinstance(frame.body, dict):
            self._message(frame.body)
        elif not frame.ok:
            raise _Failure(f"{frame.code} {frame.frame_class}")

    def _message(self, body: dict[str, Any]) -> None:
        keys = _codec.message_keys(body)
        if any(key in self._seen for key in keys):
            return  # a backfill and the live socket both brought it
        self._seen.update(keys)
        if body.get("type") == MessageType.EVENT:
            return
        text = body.get("text")
        if not isinstance(text, str):
            return
        if body.get("direction") == Direction.INBOUND:
            self._delivered.add(text)
            self._ledger.delivered(text)
        else:
            answer = self._ledger.answered(text, time.perf_counter())
            if answer.waited is not None:
                self._fire("reply", answer.waited * 1000, None)

    def _reconnect(self) -> bool:
        """Open the token's session on a new connection and read what it missed."""
        began = time.perf_counter()
        try:
            self._connect()
            self._backfill()
        except Exception as exc:
            self._fire("reconnect", (time.perf_counter() - began) * 1000, exc)
            return False
        self._fire("reconnect", (time.perf_counter() - began) * 1000, None)
        return True

    def _backfill(self) -> None:
        """The REST history, newest first, back to a message already seen."""
        assert self._ws is not None and self._endpoints is not None
        self._jwt = None
        tracing = _codec.new_tracing_id()
        self._ws.send(_codec.request_simple(Action.GET_JWT, self._token, tracing))
        self._read_until(lambda: self._jwt is not None)
        url = self._endpoints.api_base + HISTORY_PATH
        headers = {"Authorization": f"bearer {self._jwt}"}
        missed: list[dict[str, Any]] = []
        with httpx2.Client(timeout=self.timeout, headers=headers) as http:
            for number in itertools.count(1):
                params = {"pageNumber": number, "pageSize": HISTORY_MAX_PAGE_SIZE}
                page = http.get(url, params=params)
                page.raise_for_status()
                entities = [e for e in page.json().get("entities") or () if isinstance(e, dict)]
                fresh = [e for e in entities if not self._seen.intersection(_codec.message_keys(e))]
                missed.extend(fresh)
                if len(fresh) < len(entities) or len(entities) < HISTORY_MAX_PAGE_SIZE:
                    break
        for body in reversed(missed):
            self._message(body)
