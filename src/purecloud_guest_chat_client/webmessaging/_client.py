"""The Web Messaging guest client: one session over one WebSocket at a time, surviving drops.

Every frame is handled as the connection reads it (``_websocket.py``): it answers the request
waiting for it (matched by ``tracingId``, or for the frames that carry none, by class and
attachment id) and its events are queued for
:meth:`WebMessagingClient.next_event`. Frames pushed by the service (``type: message``) are
always delivered, even when they also answer a request: the echo of one's own message is part of
the conversation.

When the connection drops (and ``reconnect`` is on), the client waits a backoff delay with
jitter, opens a new connection, configures the same token (the service answers
``newSession: false``), then reads the REST history (``getJwt``, then the pages, newest first)
until it reaches a message it has delivered. The messages it missed and those that arrived
live meanwhile are merged, ordered by ``channel.time`` and de-duplicated by id, so every message
is delivered exactly once. Requests written before the drop and not answered are sent again when
repeating them is harmless. A message is not (it may have been stored): its ``send_*`` waits for
the backfill, which holds the message if the service stored it (that is then its answer), and
sends it again only if it does not.

Liveness: WebSocket pings (``ping_interval``); and the ``echo`` health check, at most once per
30 s, every ``health_check_interval`` (60 s) and when the caller asks
(:meth:`WebMessagingClient.health_check`); its answer renews the session's expiry.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ssl
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.typing import Origin

from .._base_client import ProxySetting, positive_seconds, proxy_url
from .._redact import redact_text, redacting_logger, remember_secret
from .._tls import shared_tls_context
from ..models.web_messaging_protocol import (
    HEALTH_CHECK_INTERVAL_SECONDS,
    HEALTH_CHECK_TRACING_ID,
    HISTORY_PAGE_SIZE,
    JWT_RENEW_MARGIN_SECONDS,
    PING_INTERVAL_SECONDS,
    TYPING_INTERVAL_SECONDS,
    Action,
    ButtonResponseType,
    ErrorCode,
    FrameClass,
    FrameType,
    MessageType,
    PresenceType,
)
from ..regions import PureCloudRegionHosts
from ..stream._backoff import Backoff
from . import _codec
from ._codec import ServerFrame
from ._endpoints import Endpoints, resolve_endpoints
from ._rest import RestParts
from ._websocket import DispatchingConnection
from .errors import (
    AttachmentRefusedError,
    RateLimitExceededError,
    ReadOnlySessionError,
    SendNotConfirmedError,
    SessionExpiredError,
    WebMessagingAuthError,
    WebMessagingClosedError,
    WebMessagingConnectionError,
    WebMessagingError,
    WebMessagingTimeoutError,
)
from .events import (
    AttachmentLink,
    LoggedOut,
    Presence,
    RateLimited,
    Reconnected,
    Reconnecting,
    SessionExpired,
    SessionInfo,
    UnknownFrame,
    UploadSucceeded,
    WebMessage,
    WebMessagingEvent,
)
from .events import (
    ConnectionClosed as ConnectionClosedEvent,
)

__all__ = ["DEFAULT_APPLICATION", "WebMessagingClient"]


logger = redacting_logger("purecloud_guest_chat_client.webmessaging")
# The WebSocket library logs every frame at debug level, configure frames (with the session
# token) and JWT answers included.
websocket_logger = redacting_logger("purecloud_guest_chat_client.webmessaging.websocket")

DEFAULT_APPLICATION = "purecloud-guest-chat-client-python"
"""What the client calls itself in the WebSocket URL's ``application`` parameter."""

_OPEN_FAILURES = (OSError, InvalidHandshake, TimeoutError)
# Enough for every message a backfill can bring again (it stops at the first page that
# reaches a delivered message) many times over, and a bounded cost per session.
_RECENT_KEYS_KEPT = 512
# A resumed session's history before the first connection is not "missed": it is the past.
# The service's clock may run a little ahead or behind this one's.
_CLOCK_SKEW = timedelta(seconds=5)
_MAX_HISTORY_PAGES = 1000
_CLOSE_NORMAL = 1000
_SERVER_ERRORS = 500
_AUTH_RETRIES = 3
# The guest's own messages found in a backfill, kept for the sends a drop cut off to claim.
_UNCLAIMED_KEPT = 256
_RESENDS = 2
_SERVICE_CLOSES = frozenset(
    {FrameClass.CONNECTION_CLOSED_EVENT, FrameClass.SESSION_EXPIRED_EVENT, FrameClass.LOGOUT_EVENT}
)
_RESPONSES = frozenset(
    {
        FrameClass.SESSION_RESPONSE,
        FrameClass.JWT_RESPONSE,
        FrameClass.PRESIGNED_URL_RESPONSE,
        FrameClass.ATTACHMENT_DELETED_RESPONSE,
        FrameClass.GET_CONFIGURATION_RESPONSE,
    }
)
# Answers that may come without the request's tracingId: matched to the oldest request waiting
# for their class (and attachment id). Messages never are: an agent's message is no answer.
_MATCHED_BY_CLASS = _RESPONSES | {
    FrameClass.SESSION_CLEARED_EVENT,
    FrameClass.GENERATE_URL_ERROR,
    FrameClass.UPLOAD_SUCCESS_EVENT,
    FrameClass.UPLOAD_FAILURE_EVENT,
}


class _SeenKeys:
    """The ids of the latest messages delivered (each message is known by up to two), enough
    to drop what a backfill and the live frames both bring without keeping every id of a long
    conversation."""

    __slots__ = ("_keys", "_order")

    def __init__(self, limit: int) -> None:
        self._keys: set[str] = set()
        self._order: deque[str] = deque(maxlen=limit)

    def contains_any(self, keys: tuple[str, ...]) -> bool:
        return not self._keys.isdisjoint(keys)

    def add_all(self, keys: tuple[str, ...]) -> bool:
        """Remember ``keys``; false when one of them was there already."""
        if self.contains_any(keys):
            return False
        order = self._order
        for key in keys:
            if len(order) == order.maxlen:
                self._keys.discard(order[0])  # the deque drops it on the append
            order.append(key)
            self._keys.add(key)
        return True


_MESSAGES = (WebMessage, Presence)


class _Dropped(Exception):
    """A request's connection dropped before its answer came."""


@dataclass(frozen=True, slots=True)
class _Answer:
    """The frame that answers a request, and its events when it was delivered too (the echo of
    a message), so that it is not parsed twice."""

    frame: ServerFrame
    events: list[WebMessagingEvent] | None = None


@dataclass(eq=False, slots=True)
class _Pending:
    """A request waiting for its answer: a frame of one of ``answers`` (or an error)."""

    answers: frozenset[str]
    future: asyncio.Future[_Answer]
    attachment_id: str | None = None


class _TimedOut(Exception):
    """A request's answer did not come within the request timeout."""


def _time_out(future: asyncio.Future[_Answer]) -> None:
    if not future.done():
        future.set_exception(_TimedOut())


@dataclass
class _Connection:
    ws: DispatchingConnection
    reader: asyncio.Task[None] | None = None
    keep_alive: asyncio.Task[None] | None = None
    closed_by_service: bool = False
    pending: dict[str, _Pending] = field(default_factory=dict)


class WebMessagingClient:
    """A Web Messaging guest session (asyncio).

    ``deployment_id`` is the Messenger deployment's id. ``environment`` is a region
    (``PureCloudRegionHosts.eu_west_1``), its domain (``"mypurecloud.ie"``) or a full URL:
    ``ws://127.0.0.1:8080`` or ``http://127.0.0.1:8080`` for the local service, or
    ``wss://webmessaging.<domain>/v1``. ``token`` is the session token: a new one (a UUID) when
    ``None``; keep :attr:`token` to resume the session later. ``origin`` is sent as the
    WebSocket's and the REST calls' ``Origin``; ``application`` names the client in the URL.

    ``reconnect`` reconnects after a drop, with ``backoff``; ``open_timeout`` bounds each
    connection attempt, ``request_timeout`` each answer; ``ping_interval`` is the WebSocket ping
    cadence (``None``: no pings). ``proxy`` (a URL or the SDK's proxy mapping) carries the
    WebSocket and the REST calls. A refusal for the rate (429) holds every send for the
    ``retryAfter`` it gives, up to ``rate_limit_retries`` times per request and
    ``rate_limit_budget`` seconds of waiting, then raises :class:`RateLimitExceededError`.
    ``health_check_interval`` is how often the ``echo`` health check goes out on its own (at
    least 30 s; ``None``: only when :meth:`health_check` is called). ``ssl_context`` is the TLS
    context of ``wss://`` and ``https://`` (a private CA, a client certificate); by default the
    system's CAs, one context shared by every client.

    Use ``async with WebMessagingClient(...) as client:`` or :meth:`connect` and :meth:`close`.
    """

    def __init__(
        self,
        deployment_id: str,
        environment: str | PureCloudRegionHosts = PureCloudRegionHosts.us_east_1,
        *,
        token: str | None = None,
        origin: str | None = None,
        application: str | None = DEFAULT_APPLICATION,
        reconnect: bool = True,
        backoff: Backoff | None = None,
        open_timeout: float = 10.0,
        request_timeout: float = 10.0,
        ping_interval: float | None = PING_INTERVAL_SECONDS,
        proxy: ProxySetting = None,
        rate_limit_retries: int = 3,
        rate_limit_budget: float = 60.0,
        history_page_size: int = HISTORY_PAGE_SIZE,
        health_check_interval: float | None = 60.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._endpoints: Endpoints = resolve_endpoints(environment, deployment_id, application)
        if token is None:
            token = str(uuid.uuid4())
        if not isinstance(token, str) or not token.strip() or len(token) > 256:
            raise ValueError("token must be a non-empty string of at most 256 characters")
        remember_secret(token)
        self._token = token
        if origin is not None and (not isinstance(origin, str) or not origin.strip()):
            raise ValueError("origin must be a non-empty string or None")
        self._origin = origin
        self._reconnect_enabled = bool(reconnect)
        self._backoff = backoff or Backoff()
        self._open_timeout = positive_seconds(open_timeout, "open_timeout")
        self._request_timeout = positive_seconds(request_timeout, "request_timeout")
        self._ping_interval = (
            None if ping_interval is None else positive_seconds(ping_interval, "ping_interval")
        )
        if isinstance(rate_limit_retries, bool) or not isinstance(rate_limit_retries, int):
            raise TypeError("rate_limit_retries must be an int")
        if rate_limit_retries < 0:
            raise ValueError("rate_limit_retries must not be negative")
        self._rate_limit_retries = rate_limit_retries
        self._rate_limit_budget = positive_seconds(rate_limit_budget, "rate_limit_budget")
        if not isinstance(history_page_size, int) or not 1 <= history_page_size <= 100:
            raise ValueError("history_page_size must be an int from 1 to 100")
        self._page_size = history_page_size
        if health_check_interval is not None:
            health_check_interval = positive_seconds(health_check_interval, "health_check_interval")
            if health_check_interval < HEALTH_CHECK_INTERVAL_SECONDS:
                raise ValueError(
                    f"health_check_interval must be at least {HEALTH_CHECK_INTERVAL_SECONDS:g} s"
                )
        self._health_check_interval = health_check_interval
        self._proxy = proxy_url(proxy)
        if ssl_context is not None and not isinstance(ssl_context, ssl.SSLContext):
            raise TypeError(
                f"ssl_context must be an ssl.SSLContext or None, got {type(ssl_context).__name__}"
            )
        self._ssl_context = ssl_context or shared_tls_context()
        self._rest = RestParts(
            self._endpoints,
            origin=origin,
            proxy=self._proxy,
            timeout=self._request_timeout,
            ssl_context=self._ssl_context,
        )

        self._connection: _Connection | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._session: SessionInfo | None = None
        self._ready = asyncio.Event()
        self._events: deque[WebMessagingEvent] = deque()
        self._wake = asyncio.Event()
        self._held: list[WebMessagingEvent] | None = None
        self._seen = _SeenKeys(_RECENT_KEYS_KEPT)
        self._newest_time: datetime | None = None
        self._first_configured_at: datetime | None = None
        self._configured_once = False
        self._closed = False
        self._ended = False
        self._failure: WebMessagingError | None = None
        self._failure_raised = False
        # Why nothing can be sent any more although the events ended normally (expiry).
        self._refusal: WebMessagingError | None = None
        self._read_only = False
        self._hold_until = 0.0
        self._last_typing_at: float | None = None
        self._last_health_check_at: float | None = None
        self._jwt: tuple[str, float] | None = None
        self._auth_jwt: str | None = None
        self._refresh_token: str | None = None
        # Set while no backfill is due: what a send cut off by a drop waits for, to learn from
        # the backfill whether the service stored its message.
        self._caught_up = asyncio.Event()
        self._unclaimed: deque[WebMessage] = deque(maxlen=_UNCLAIMED_KEPT)

    # -- public state -------------------------------------------------------------------------

    @property
    def token(self) -> str:
        """The session token: keep it (it is a credential) to resume the session."""
        return self._token

    @property
    def deployment_id(self) -> str:
        return self._endpoints.deployment_id

    @property
    def websocket_url(self) -> str:
        """The WebSocket URL, with ``deploymentId`` and ``application``."""
        return self._endpoints.websocket_url

    @property
    def endpoints(self) -> Endpoints:
        return self._endpoints

    @property
    def session(self) -> SessionInfo | None:
        """The latest ``SessionResponse``."""
        return self._session

    @property
    def connected(self) -> bool:
        return self._ready.is_set()

    @property
    def read_only(self) -> bool:
        """Whether the conversation was disconnected read-only (see :meth:`start_new`)."""
        return self._read_only

    @property
    def closed(self) -> bool:
        return self._closed

    def __repr__(self) -> str:
        status = (
            "closed"
            if self._closed
            else "ended"
            if self._ended
            else "connected"
            if self._ready.is_set()
            else "disconnected"
        )
        return (
            f"WebMessagingClient(deployment_id={self.deployment_id!r}, "
            f"url={redact_text(self.websocket_url)!r}, status={status})"
        )

    __str__ = __repr__

    # -- lifecycle ----------------------------------------------------------------------------

    async def connect(self) -> SessionInfo:
        """Open the WebSocket and configure the session (``configureSession``).

        Raises :class:`WebMessagingConnectionError` when the service cannot be reached or refuses
        the upgrade (``status`` 403 when the Origin is not allowed), and the typed error of a
        refused configure (:class:`SessionExpiredError` for 4006 and 4007).
        """
        self._check_open()
        if self._ready.is_set() and self._session is not None:
            return self._session
        if self._supervisor is not None and not self._supervisor.done():
            # Reconnecting: the session comes back on its own.
            await self._wait_ready()
            assert self._session is not None
            return self._session
        self._ended = False
        connection = await self._open()
        try:
            info = await self._configure(connection)
        except _Dropped:
            await self._drop(connection)
            raise WebMessagingConnectionError(
                "the service closed the connection before the session was configured"
            ) from None
        except BaseException:
            await self._drop(connection)
            raise
        self._caught_up.set()
        self._supervisor = asyncio.create_task(self._supervise(connection))
        return info

    async def resume(self, token: str) -> SessionInfo:
        """Reconnect to the session of ``token`` (``newSession: false`` when the service knows it).
        Messages from before are in :meth:`history`."""
        if not isinstance(token, str) or not token.strip():
            raise ValueError("token must be a non-empty string")
        if token != self._token:
            await self._disconnect()
            remember_secret(token)
            self._token = token
            self._configured_once = False
            self._first_configured_at = None
            self._newest_time = None
            self._refusal = None
            self._read_only = False
            self._jwt = None
        return await self.connect()

    async def close(self) -> None:
        """Close the WebSocket (code 1000) and stop. The conversation stays open for the agent:
        :meth:`resume` with :attr:`token` reconnects to it. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._end()
        await self._disconnect()
        await self._rest.aclose()

    async def __aenter__(self) -> Self:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    # -- events -------------------------------------------------------------------------------

    async def next_event(self, timeout: float | None = None) -> WebMessagingEvent | None:
        """The next event; ``None`` once the session has ended (closed, expired, cleared, the
        connection closed by the service). Raises the error that ended it, once, and
        ``TimeoutError`` after ``timeout`` seconds without an event."""
        if timeout is not None:
            timeout = positive_seconds(timeout, "timeout")
        async with asyncio.timeout(timeout):
            while True:
                if self._events:
                    return self._events.popleft()
                if self._failure is not None and not self._failure_raised:
                    self._failure_raised = True
                    raise self._failure
                if self._ended or self._closed or self._failure is not None:
                    return None
                if self._connection is None and self._supervisor is None:
                    await self.connect()
                    continue
                self._wake.clear()
                await self._wake.wait()

    async def events(self) -> AsyncIterator[WebMessagingEvent]:
        """Every event until the session ends: ``async for event in client.events(): ...``."""
        while (event := await self.next_event()) is not None:
            yield event

    # -- sending ------------------------------------------------------------------------------

    async def send_text(
        self,
        text: str,
        *,
        custom_attributes: Mapping[str, str] | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> WebMessage:
        """Send ``text`` and return its echo (the Inbound message, with the service's id and
        time). ``custom_attributes`` (str to str) travel with it. Over 4096 UTF-8 bytes of text
        raises :class:`MessageTooLongError`, attributes over the session's
        ``max_custom_data_bytes`` :class:`CustomAttributesTooLargeError`, before sending."""
        check = _codec.check_text(text)
        if not check.strip():
            raise ValueError("text must not be empty")
        message = _codec.text_message(
            text, custom_attributes, self._max_custom_data_bytes(), metadata=metadata
        )
        return await self._send_message(message, "the message")

    async def send_quick_reply(
        self, text: str, payload: str, *, originating_message_id: str | None = None
    ) -> WebMessage:
        """Answer a :class:`~.QuickReply` with its text and payload."""
        return await self._send_answer(
            ButtonResponseType.QUICK_REPLY, text, payload, originating_message_id
        )

    async def send_button_response(
        self, text: str, payload: str, *, originating_message_id: str | None = None
    ) -> WebMessage:
        """Answer a card's or a carousel's ``Postback`` action (a ButtonResponse ``Button``)."""
        return await self._send_answer(
            ButtonResponseType.BUTTON, text, payload, originating_message_id
        )

    async def send_date_picker_answer(
        self, chosen: datetime | str, *, text: str = "", originating_message_id: str | None = None
    ) -> WebMessage:
        """Answer a :class:`~.DatePicker` with the chosen ISO date-time."""
        payload = chosen.isoformat() if isinstance(chosen, datetime) else chosen
        return await self._send_answer(
            ButtonResponseType.DATE_PICKER, text, payload, originating_message_id
        )

    async def send_list_picker_answer(
        self,
        items: Mapping[str, str],
        *,
        originating_message_id: str | None = None,
        text: str = "",
    ) -> WebMessage:
        """Answer a :class:`~.ListPicker`: ``items`` maps each chosen item's id (the payload) to
        its title (the text), one ButtonResponse per item."""
        if not items:
            raise ValueError("choose at least one item")
        content = [
            _codec.button_response_content(
                ButtonResponseType.LIST_PICKER, title, item_id, originating_message_id
            )
            for item_id, title in items.items()
        ]
        metadata = {"parentMessageId": originating_message_id} if originating_message_id else None
        message = _codec.text_message(
            text, content=content, message_type=MessageType.STRUCTURED, metadata=metadata
        )
        return await self._send_message(message, "the list picker answer")

    async def send_typing(self) -> bool:
        """Tell the agent the guest is typing; at most once per 5 s: ``False`` when throttled
        (nothing was sent). A refusal arrives as an :class:`~.ErrorFrame` event."""
        now = time.monotonic()
        if (
            self._last_typing_at is not None
            and now - self._last_typing_at < TYPING_INTERVAL_SECONDS
        ):
            return False
        self._check_sendable()
        self._last_typing_at = now
        await self._fire(_codec.typing_message())
        return True

    async def health_check(self) -> bool:
        """Send the ``echo`` health check and wait for its answer (which renews the session's
        expiry). At most once per 30 s: ``False`` when throttled.

        An echo left unanswered for ``request_timeout`` raises
        :class:`WebMessagingTimeoutError`, and the connection is taken for dead: it is cut, and
        the client reconnects (with ``reconnect``) as after any drop."""
        now = time.monotonic()
        if (
            self._last_health_check_at is not None
            and now - self._last_health_check_at < HEALTH_CHECK_INTERVAL_SECONDS
        ):
            return False
        self._last_health_check_at = now
        checked = self._connection
        try:
            frame = (
                await self._request(
                    lambda tracing: _codec.request_echo(self._token, tracing),
                    "the health check",
                    frozenset({FrameClass.STRUCTURED_MESSAGE}),
                    read_only_allowed=True,
                    tracing_id=HEALTH_CHECK_TRACING_ID,
                )
            ).frame
        except WebMessagingTimeoutError:
            if checked is not None and checked is self._connection:
                logger.info("the health check went unanswered; reconnecting")
                checked.ws.transport.abort()
            raise
        if self._session is not None:
            self._session = _codec.renewed(self._session, frame.body)
        return True

    async def _keep_alive(self, connection: _Connection) -> None:
        """The periodic health check of ``health_check_interval``. When it goes unanswered,
        :meth:`health_check` has cut the connection; the next one has a keep-alive of its own."""
        assert self._health_check_interval is not None
        while True:
            await asyncio.sleep(self._health_check_interval)
            if connection is not self._connection or not self._ready.is_set():
                continue
            try:
                await self.health_check()
            except WebMessagingError:
                return

    # -- the session --------------------------------------------------------------------------

    async def history(self) -> list[WebMessage]:
        """The whole conversation from the REST history (``getJwt``, then every page), oldest
        first, de-duplicated by id. Events (presence) are left out."""
        bodies = await self._history_bodies(stop=None, backfill=False)
        messages = [
            event
            for body in bodies
            for event in _codec.message_events(body, backfilled=True)
            if isinstance(event, WebMessage)
        ]
        return _in_time_order(messages)

    async def get_jwt(self) -> str:
        """A JWT for the REST history (``getJwt``), reused while it is valid for 5 s more."""
        if self._jwt is not None and self._jwt[1] > time.time() + JWT_RENEW_MARGIN_SECONDS:
            return self._jwt[0]
        frame = (
            await self._request(
                lambda tracing: _codec.request_simple(Action.GET_JWT, self._token, tracing),
                "getJwt",
                frozenset({FrameClass.JWT_RESPONSE}),
                read_only_allowed=True,
            )
        ).frame
        body = frame.body if isinstance(frame.body, dict) else {}
        jwt = body.get("jwt")
        if not isinstance(jwt, str) or not jwt:
            raise WebMessagingError("getJwt answered without a jwt", frame_class=frame.frame_class)
        remember_secret(jwt)
        exp = body.get("exp")
        expiry = float(exp) if isinstance(exp, int | float) and not isinstance(exp, bool) else 0.0
        self._jwt = (jwt, expiry)
        return jwt

    async def clear(self) -> None:
        """Clear the conversation (Presence ``Clear``): the service answers
        ``SessionClearedEvent`` (delivered as :class:`~.SessionCleared`) and closes the
        connection; the token then starts a new session. A deployment that does not allow it
        refuses with 403."""
        message = _codec.presence_message(PresenceType.CLEAR)
        await self._request(
            lambda tracing: _codec.request_message(self._token, message, tracing),
            "the clear",
            frozenset({FrameClass.SESSION_CLEARED_EVENT}),
            read_only_allowed=True,
        )

    async def close_session(self, close_all_connections: bool = True) -> SessionInfo:
        """``closeSession``: the service answers ``connected: false`` (and closes the session's
        other connections with ``closeAllConnections``); this connection is then closed too.
        The conversation stays open for the agent."""
        info = await self._close_session(close_all_connections)
        self._end()
        await self._disconnect()
        return info

    async def start_new(self) -> SessionInfo:
        """Leave a read-only session and start a new conversation on the same token:
        ``closeSession`` then ``configureSession`` with ``startNew``."""
        await self._close_session(True)
        connection = self._connection
        if connection is None:
            raise WebMessagingConnectionError("the connection dropped while starting anew")
        return await self._configure(connection, start_new=True)

    # -- attachments --------------------------------------------------------------------------

    async def upload_attachment(
        self, file_name: str, data: bytes, *, content_type: str | None = None
    ) -> UploadSucceeded:
        """Upload ``data`` as ``file_name``: checked against the session's allowed media, size
        limit and blocked extensions first (:class:`AttachmentRefusedError` before anything is
        sent), then ``onAttachment``, the PUT to the presigned URL with the headers the service
        gave, and the service's ``UploadSuccessEvent``. Send it with :meth:`send_attachment`, or
        forget it with :meth:`delete_attachment`."""
        if not isinstance(data, bytes | bytearray | memoryview):
            raise TypeError("data must be bytes")
        payload = bytes(data)
        media_type = _codec.check_attachment(file_name, len(payload), content_type, self._session)
        self._check_sendable()
        attachment_id = str(uuid.uuid4())
        frame = (
            await self._request(
                lambda tracing: _codec.request_simple(
                    Action.ON_ATTACHMENT,
                    self._token,
                    tracing,
                    attachmentId=attachment_id,
                    fileName=file_name,
                    fileType=media_type,
                    fileSize=len(payload),
                    errorsAsJson=True,
                ),
                "the attachment request",
                frozenset({FrameClass.PRESIGNED_URL_RESPONSE, FrameClass.GENERATE_URL_ERROR}),
                attachment_id=attachment_id,
            )
        ).frame
        _refuse_failed_upload(frame, "the attachment request")
        link = _codec.attachment_link(frame.body)
        if not link.url:
            raise WebMessagingError("the attachment request was answered without a URL")
        connection = await self._sendable_connection()
        # Waited for before the PUT: the service may announce the upload before the PUT's own
        # answer arrives here.
        outcome = self._expect(
            connection,
            frozenset({FrameClass.UPLOAD_SUCCESS_EVENT, FrameClass.UPLOAD_FAILURE_EVENT}),
            attachment_id,
        )
        try:
            headers = dict(link.headers)
            if not any(name.lower() == "content-type" for name in headers):
                headers["Content-Type"] = media_type
            await self._rest.upload(link.url, headers, payload)
            try:
                async with asyncio.timeout(self._request_timeout):
                    announced = (await outcome).frame
            except TimeoutError:
                raise WebMessagingTimeoutError(
                    f"the upload was not confirmed within {self._request_timeout:g} s"
                ) from None
            except _Dropped:
                raise SendNotConfirmedError(
                    "the connection dropped before the service confirmed the upload"
                ) from None
        finally:
            outcome.cancel()
            connection.pending.pop(_expectation_key(attachment_id), None)
        _refuse_failed_upload(announced, "the upload")
        [event] = _codec.events_of(announced)
        assert isinstance(event, UploadSucceeded)
        return event

    async def send_attachment(
        self,
        file_name: str,
        data: bytes,
        *,
        text: str = "",
        content_type: str | None = None,
        custom_attributes: Mapping[str, str] | None = None,
    ) -> WebMessage:
        """Upload an attachment (:meth:`upload_attachment`) and send it, with ``text`` if
        given; returns the echo, whose content holds the :class:`~.Attachment`."""
        uploaded = await self.upload_attachment(file_name, data, content_type=content_type)
        assert uploaded.attachment_id is not None
        return await self.send_uploaded(
            uploaded.attachment_id, text=text, custom_attributes=custom_attributes
        )

    async def send_uploaded(
        self,
        attachment_id: str,
        *,
        text: str = "",
        custom_attributes: Mapping[str, str] | None = None,
    ) -> WebMessage:
        """Send an attachment already uploaded, with ``text`` if given."""
        message = _codec.text_message(
            text,
            custom_attributes,
            self._max_custom_data_bytes(),
            content=[_codec.attachment_content(attachment_id)],
        )
        return await self._send_message(message, "the attachment message")

    async def get_attachment(self, attachment_id: str) -> AttachmentLink:
        """A fresh download URL for an attachment (``getAttachment``); 4008 when it has
        expired, 4009 when there is none."""
        frame = (
            await self._request(
                lambda tracing: _codec.request_simple(
                    Action.GET_ATTACHMENT, self._token, tracing, attachmentId=attachment_id
                ),
                "getAttachment",
                frozenset({FrameClass.PRESIGNED_URL_RESPONSE}),
                read_only_allowed=True,
                attachment_id=attachment_id,
            )
        ).frame
        link = _codec.attachment_link(frame.body)
        if link.url:
            remember_secret(link.url.partition("?")[2])
        return link

    async def download_attachment(self, attachment_id: str) -> bytes:
        """The attachment's bytes, from the URL of :meth:`get_attachment`."""
        link = await self.get_attachment(attachment_id)
        if not link.url:
            raise WebMessagingError("getAttachment was answered without a URL")
        return await self._rest.download(link.url)

    async def delete_attachment(self, attachment_id: str) -> None:
        """Forget an uploaded attachment before sending it (``deleteAttachment``)."""
        await self._request(
            lambda tracing: _codec.request_simple(
                Action.DELETE_ATTACHMENT, self._token, tracing, attachmentId=attachment_id
            ),
            "deleteAttachment",
            frozenset({FrameClass.ATTACHMENT_DELETED_RESPONSE}),
            attachment_id=attachment_id,
        )

    # -- authenticated sessions and the deployment ---------------------------------------------

    async def authenticate(
        self, code: str, redirect_uri: str, *, code_verifier: str | None = None
    ) -> None:
        """Exchange an OAuth authorization code for the guest's JWT (and refresh token); the
        next :meth:`connect` configures an authenticated session with it."""
        oauth = {"code": code, "redirectUri": redirect_uri}
        if code_verifier is not None:
            oauth["codeVerifier"] = code_verifier
        answer = await self._rest.exchange_code(oauth)
        self._use_auth(answer)

    def use_authentication(self, jwt: str, refresh_token: str | None = None) -> None:
        """Configure authenticated sessions with a JWT obtained elsewhere."""
        if not isinstance(jwt, str) or not jwt:
            raise ValueError("jwt must be a non-empty string")
        self._use_auth({"jwt": jwt, "refreshToken": refresh_token})

    @property
    def authenticated(self) -> bool:
        return self._auth_jwt is not None

    async def refresh_authentication(self) -> None:
        """A new JWT from the refresh token of :meth:`authenticate`."""
        if self._refresh_token is None:
            raise WebMessagingAuthError("there is no refresh token: authenticate() first")
        answer = await self._rest.refresh(self._refresh_token)
        self._use_auth({"refreshToken": self._refresh_token, **answer})

    async def logout(self) -> None:
        """Revoke the authenticated session's JWT (refreshing it once if it is stale); the
        service then sends ``LogoutEvent``, delivered as :class:`~.LoggedOut`, which ends the
        events."""
        if self._auth_jwt is None:
            raise WebMessagingAuthError("the session is not authenticated")
        try:
            await self._rest.revoke(self._auth_jwt)
        except WebMessagingAuthError:
            if self._refresh_token is None:
                raise
            await self.refresh_authentication()
            assert self._auth_jwt is not None
            await self._rest.revoke(self._auth_jwt)

    async def deployment_config(self) -> dict[str, Any]:
        """The deployment's configuration (``config.json``), as the service gives it."""
        self._check_open()
        return await self._rest.deployment_config()

    def _use_auth(self, answer: Mapping[str, Any]) -> None:
        jwt = answer.get("jwt")
        if not isinstance(jwt, str) or not jwt:
            raise WebMessagingAuthError("the token service answered without a jwt")
        remember_secret(jwt)
        self._auth_jwt = jwt
        refresh = answer.get("refreshToken")
        if isinstance(refresh, str) and refresh:
            remember_secret(refresh)
            self._refresh_token = refresh

    # -- the connection -----------------------------------------------------------------------

    async def _open(self) -> _Connection:
        url = self._endpoints.websocket_url
        try:
            ws = await connect(
                url,
                ssl=self._ssl_context if url.startswith("wss:") else None,
                origin=Origin(self._origin) if self._origin is not None else None,
                open_timeout=self._open_timeout,
                ping_interval=self._ping_interval,
                ping_timeout=self._request_timeout,
                close_timeout=1.0,
                compression=None,
                proxy=self._proxy,
                logger=websocket_logger,
                create_connection=DispatchingConnection,
            )
        except _OPEN_FAILURES as exc:
            raise _open_error(self._endpoints.websocket_url, exc) from exc
        assert isinstance(ws, DispatchingConnection)
        connection = _Connection(ws)
        ws.on_message = functools.partial(self._on_frame, connection)
        connection.reader = asyncio.create_task(self._read(connection))
        if self._health_check_interval is not None:
            connection.keep_alive = asyncio.create_task(self._keep_alive(connection))
        self._connection = connection
        return connection

    async def _configure(self, connection: _Connection, *, start_new: bool = False) -> SessionInfo:
        for attempt in range(_AUTH_RETRIES + 1):
            request = functools.partial(
                _codec.request_configure,
                self._token,
                self.deployment_id,
                start_new=start_new,
                jwt=self._auth_jwt,
            )
            try:
                frame = (
                    await self._exchange(
                        connection,
                        request,
                        "the session configure",
                        frozenset({FrameClass.SESSION_RESPONSE}),
                    )
                ).frame
                break
            except WebMessagingAuthError as exc:
                # An expired JWT: refreshed, and the configure tried again (as the vendor's
                # client does, at most three times).
                stale = exc.code == ErrorCode.UNAUTHORIZED and self._refresh_token is not None
                if not stale or attempt == _AUTH_RETRIES:
                    raise
                await self.refresh_authentication()
        info = _codec.session_info(frame.body)
        self._session = info
        self._read_only = info.read_only
        if not self._configured_once:
            self._configured_once = True
            self._first_configured_at = None if info.new_session else _now() - _CLOCK_SKEW
        self._ready.set()
        logger.debug(
            "web messaging session configured (new=%s, read_only=%s)",
            info.new_session,
            info.read_only,
        )
        return info

    async def _close_session(self, close_all_connections: bool) -> SessionInfo:
        frame = (
            await self._request(
                lambda tracing: _codec.request_simple(
                    Action.CLOSE_SESSION,
                    self._token,
                    tracing,
                    closeAllConnections=bool(close_all_connections),
                ),
                "closeSession",
                frozenset({FrameClass.SESSION_RESPONSE}),
                read_only_allowed=True,
            )
        ).frame
        info = _codec.session_info(frame.body)
        self._session = info
        return info

    async def _read(self, connection: _Connection) -> None:
        """Follow ``connection`` until it closes; its frames reach :meth:`_on_frame` as they
        are read."""
        await connection.ws.wait_closed()
        self._lost(connection)
        for pending in connection.pending.values():
            if not pending.future.done():
                pending.future.set_exception(_Dropped())
        connection.pending.clear()

    def _lost(self, connection: _Connection) -> None:
        """``connection`` is gone. Said before the requests hear of it, by the reader or by a
        send that failed first: their next try must wait for the reconnect, and a message's for
        the backfill, not find the dead connection still "ready" and try it again at once."""
        if connection is self._connection:
            self._ready.clear()
            if self._reconnect_enabled and not connection.closed_by_service:
                self._caught_up.clear()

    def _on_frame(self, connection: _Connection, data: str | bytes) -> None:
        parsed = _codec.parse_frame(data)
        if isinstance(parsed, UnknownFrame):
            logger.warning("unreadable web messaging frame (%s): %.200s", parsed.reason, parsed.raw)
            self._deliver([parsed])
            return
        frame = parsed
        name = frame.frame_class
        if name in _SERVICE_CLOSES or name == FrameClass.SESSION_CLEARED_EVENT:
            # The service is done with this connection (or session): no reconnect after it.
            connection.closed_by_service = True
        rate_limited = name == FrameClass.TOO_MANY_REQUESTS_ERROR_MESSAGE
        pushed = frame.type == FrameType.MESSAGE or name in _SERVICE_CLOSES or rate_limited
        events = _codec.events_of(frame) if pushed else None
        answered = self._answer(connection, frame, events)
        if events is None:
            if answered:
                return
            if name in _RESPONSES:
                logger.debug("an unrequested %s frame ignored", name)
                return
            events = _codec.events_of(frame)
        for event in events:
            if isinstance(event, UnknownFrame):
                logger.warning("unknown web messaging frame (%s): %.200s", event.reason, data)
            elif isinstance(event, RateLimited):
                # Every send waits, the typing indicator too, whichever request was refused.
                self._hold_until = max(self._hold_until, time.monotonic() + event.retry_after)
        self._deliver(events)

    def _answer(
        self,
        connection: _Connection,
        frame: ServerFrame,
        events: list[WebMessagingEvent] | None,
    ) -> bool:
        """Settle the request ``frame`` answers, if any: by tracingId, else the oldest request
        waiting for its class (or, for attachments, its attachment id)."""
        pending = connection.pending
        match: str | None = None
        if frame.tracing_id is not None and frame.tracing_id in pending:
            match = frame.tracing_id
        elif frame.frame_class in _MATCHED_BY_CLASS and (
            frame.tracing_id is None or frame.type == FrameType.MESSAGE
        ):
            body = frame.body if isinstance(frame.body, dict) else {}
            attachment_id = body.get("attachmentId")
            for key, waiting in pending.items():
                if frame.frame_class in waiting.answers and (
                    waiting.attachment_id is None or waiting.attachment_id == attachment_id
                ):
                    match = key
                    break
        if match is None:
            return False
        waiting = pending.pop(match)
        if not waiting.future.done():
            waiting.future.set_result(_Answer(frame, events))
        return True

    async def _supervise(self, connection: _Connection) -> None:
        """Follow the connection: when it ends, reconnect, or end the session."""
        current: _Connection | None = connection
        while current is not None:
            assert current.reader is not None
            await current.reader
            if current.keep_alive is not None:
                current.keep_alive.cancel()
            if current is not self._connection:
                return  # replaced on purpose (resume, close)
            self._ready.clear()
            self._connection = None
            if self._closed or self._ended:
                return
            if current.closed_by_service:
                logger.info("web messaging connection closed by the service")
                self._end()
                return
            if not self._reconnect_enabled:
                self._fail(WebMessagingConnectionError("the web messaging connection dropped"))
                return
            current = await self._reconnect(_close_reason(current.ws))

    async def _reconnect(self, reason: str) -> _Connection | None:
        """Reconnect with backoff until the session is configured and backfilled. What arrives
        live meanwhile is held, to be merged with the backfill: delivered first, it would move
        the point the backfill reads back to past the messages the drop lost."""
        lost_at = time.monotonic()
        attempt = 0
        self._held = []
        try:
            while not self._closed and not self._ended:
                delay = self._backoff.delay(attempt)
                attempt += 1
                logger.info(
                    "web messaging connection lost (%s); attempt %d in %.2f s",
                    reason,
                    attempt,
                    delay,
                )
                self._publish(Reconnecting(attempt, delay, reason))
                await asyncio.sleep(delay)
                if time.monotonic() - lost_at > self._backoff.give_up_after:
                    self._fail(
                        WebMessagingConnectionError(
                            f"could not reconnect within {self._backoff.give_up_after:g} s"
                        )
                    )
                    return None
                try:
                    connection = await self._open()
                    await self._configure(connection)
                except SessionExpiredError as exc:
                    self._expire(exc)
                    return None
                except (WebMessagingTimeoutError, _Dropped) as exc:
                    reason = f"reconnect failed: {type(exc).__name__}"
                    await self._drop_current()
                    continue
                except WebMessagingConnectionError as exc:
                    if exc.status is not None and exc.status < _SERVER_ERRORS:
                        self._fail(exc)  # the service refuses this client: asking again won't help
                        return None
                    reason = f"reconnect failed: {exc.message}"
                    continue
                except WebMessagingError as exc:
                    self._fail(exc)  # the service refused the session itself
                    return None
                try:
                    missed = await self._missed()
                except SessionExpiredError as exc:
                    self._expire(exc)
                    return None
                except WebMessagingAuthError as exc:
                    self._fail(exc)
                    return None
                except (WebMessagingError, _Dropped) as exc:
                    reason = f"backfill failed: {type(exc).__name__}"
                    await self._drop_current()
                    continue
                backfilled = self._release_held(missed, attempts=attempt)
                logger.info("web messaging session back; %d missed messages reloaded", backfilled)
                return connection
            return None
        finally:
            if self._held is not None:
                self._release_held([])
            self._caught_up.set()

    async def _drop_current(self) -> None:
        if self._connection is not None:
            await self._drop(self._connection)

    async def _missed(self) -> list[WebMessagingEvent]:
        """The events of the history newer than the newest delivered, not delivered yet."""
        since = self._newest_time or self._first_configured_at
        bodies = await self._history_bodies(stop=since, backfill=True)
        return [event for body in bodies for event in _codec.message_events(body, backfilled=True)]

    async def _history_bodies(
        self, *, stop: datetime | None, backfill: bool
    ) -> list[dict[str, Any]]:
        """History entries, read newest first, de-duplicated. For a ``backfill``, only those
        not delivered yet: reading ends at the first page that reaches a delivered message or
        one older than ``stop``."""
        jwt = await self.get_jwt()
        found: dict[str, dict[str, Any]] = {}
        for page_number in range(1, _MAX_HISTORY_PAGES + 1):
            page = await self._history_page(jwt, page_number)
            entities = [entity for entity in page.get("entities") or () if isinstance(entity, dict)]
            reached = False
            for entity in entities:
                keys = _codec.message_keys(entity)
                if not keys:
                    continue
                when = _codec.aware_time((entity.get("channel") or {}).get("time"))
                if backfill and (
                    self._seen.contains_any(keys)
                    or (stop is not None and when is not None and when < stop)
                ):
                    reached = True
                    continue
                found.setdefault(keys[0], entity)
            if reached or not entities or _last_page(page, page_number):
                break
        # Read newest first: reversed, messages of the same millisecond keep their order.
        return list(reversed(found.values()))

    async def _history_page(self, jwt: str, page_number: int) -> dict[str, Any]:
        """One page; again with a fresh JWT when the one held is refused (revoked, or expired
        early), and after the ``Retry-After`` of a 429, within the rate-limit budget."""
        renewed = False
        retries = 0
        waited = 0.0
        while True:
            try:
                return await self._rest.history_page(jwt, page_number, self._page_size)
            except WebMessagingAuthError:
                if renewed:
                    raise
                renewed = True
                self._jwt = None
                jwt = await self.get_jwt()
            except RateLimitExceededError as exc:
                delay = exc.retry_after or 0.0
                retries += 1
                if retries > self._rate_limit_retries or waited + delay > self._rate_limit_budget:
                    raise
                waited += delay
                logger.info("the history is rate limited; again in %.3g s", delay)
                await asyncio.sleep(delay)

    async def _disconnect(self) -> None:
        self._ready.clear()
        connection, self._connection = self._connection, None
        supervisor, self._supervisor = self._supervisor, None
        if connection is not None:
            await self._drop(connection)
        if supervisor is not None and supervisor is not asyncio.current_task():
            supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await supervisor

    async def _drop(self, connection: _Connection) -> None:
        if self._connection is connection:
            self._connection = None
            self._ready.clear()
        if connection.keep_alive is not None and connection.keep_alive is not (
            asyncio.current_task()
        ):
            connection.keep_alive.cancel()
        await connection.ws.close(_CLOSE_NORMAL, "The user has closed the connection.")
        if connection.reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await connection.reader

    # -- requests -----------------------------------------------------------------------------

    async def _send_message(self, message: dict[str, Any], what: str) -> WebMessage:
        """Send an onMessage and return its echo. When a drop cuts off the answer, the backfill
        after the reconnect tells whether the service stored the message: if it did, that is
        the answer; if not, the message is sent again (twice at most)."""
        self._check_sendable()
        resends = 0
        while True:
            try:
                answer = await self._request(
                    lambda tracing: _codec.request_message(self._token, message, tracing),
                    what,
                    frozenset(),
                    repeatable=False,
                )
            except SendNotConfirmedError:
                stored = await self._stored_meanwhile(message)
                if stored is not None:
                    return stored
                resends += 1
                if resends > _RESENDS:
                    raise
                logger.info("%s was lost with the connection; sending it again", what)
                continue
            events = answer.events
            for event in events if events is not None else _codec.events_of(answer.frame):
                if isinstance(event, WebMessage):
                    return event
            raise WebMessagingError(f"{what} was answered with no message", frame_class="?")

    async def _stored_meanwhile(self, message: Mapping[str, Any]) -> WebMessage | None:
        """The guest's message the backfill after a drop brought for ``message``, if any."""
        await self._caught_up.wait()
        self._check_open()
        for candidate in self._unclaimed:
            if candidate.text == message.get("text") and candidate.type == message.get("type"):
                self._unclaimed.remove(candidate)
                return candidate
        return None

    async def _send_answer(
        self,
        kind: ButtonResponseType,
        text: str,
        payload: str,
        originating_message_id: str | None,
    ) -> WebMessage:
        content = [_codec.button_response_content(kind, text, payload, originating_message_id)]
        message = _codec.text_message(text, content=content, message_type=MessageType.STRUCTURED)
        return await self._send_message(message, f"the {kind} answer")

    async def _fire(self, message: dict[str, Any]) -> None:
        """Send an onMessage that nothing answers on success (typing)."""
        connection = await self._sendable_connection()
        text = _codec.request_message(self._token, message, _codec.new_tracing_id())
        try:
            await connection.ws.send(text)
        except ConnectionClosed:
            logger.debug("typing indicator not sent: the connection dropped")

    async def _request(
        self,
        build: Callable[[str], str],
        what: str,
        answers: frozenset[str],
        *,
        repeatable: bool = True,
        read_only_allowed: bool = False,
        tracing_id: str | None = None,
        attachment_id: str | None = None,
    ) -> _Answer:
        """Send a request when the session is up and no rate hold is on, and wait for its
        answer: again after a rate refusal (within the budget), and after a drop when
        ``repeatable``."""
        retries = 0
        waited = 0.0
        while True:
            if not read_only_allowed:
                self._check_sendable()
            connection = self._connection
            if (
                connection is None
                or not self._ready.is_set()
                or self._hold_until > time.monotonic()
            ):
                connection = await self._sendable_connection()
            try:
                answer = await self._exchange(
                    connection, build, what, answers, tracing_id, attachment_id
                )
            except _Dropped:
                self._lost(connection)
                if asyncio.current_task() is self._supervisor:
                    raise  # the reconnect's own request (the backfill's getJwt): it starts over
                if not repeatable:
                    raise SendNotConfirmedError(
                        f"the connection dropped before the service confirmed {what}; if it "
                        "was stored, it arrives with the history after the reconnect"
                    ) from None
                continue
            frame = answer.frame
            if frame.frame_class != FrameClass.TOO_MANY_REQUESTS_ERROR_MESSAGE:
                return answer
            rate = (answer.events or _codec.events_of(frame))[0]
            assert isinstance(rate, RateLimited)
            retries += 1
            if retries > self._rate_limit_retries or waited + rate.retry_after > (
                self._rate_limit_budget
            ):
                raise RateLimitExceededError(
                    f"{what} was refused for the rate {retries} times "
                    f"(the service asks to wait {rate.retry_after:g} s)",
                    retry_after=rate.retry_after,
                    tracing_id=frame.tracing_id,
                )
            waited += rate.retry_after
            self._hold_until = max(self._hold_until, time.monotonic() + rate.retry_after)
            logger.info("%s refused for the rate; again in %.3g s", what, rate.retry_after)

    def _expect(
        self, connection: _Connection, answers: frozenset[str], attachment_id: str
    ) -> asyncio.Future[_Answer]:
        """A frame to come that no request of this client asks for (the upload's outcome)."""
        future: asyncio.Future[_Answer] = asyncio.get_running_loop().create_future()
        connection.pending[_expectation_key(attachment_id)] = _Pending(
            answers, future, attachment_id
        )
        return future

    async def _exchange(
        self,
        connection: _Connection,
        build: Callable[[str], str],
        what: str,
        answers: frozenset[str],
        tracing_id: str | None = None,
        attachment_id: str | None = None,
    ) -> _Answer:
        """One request on ``connection`` and its answer: the frame of one of ``answers``, a
        ``StructuredMessage`` echo, or a rate refusal; an error frame raises its typed error."""
        tracing = tracing_id or _codec.new_tracing_id()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[_Answer] = loop.create_future()
        connection.pending[tracing] = _Pending(answers, future, attachment_id)
        try:
            try:
                await connection.ws.send(build(tracing))
            except ConnectionClosed:
                raise _Dropped() from None
            # A timer on the future rather than a timeout scope: it costs less per request, and
            # only the wait for the answer is bounded, as before.
            timer = loop.call_later(self._request_timeout, _time_out, future)
            try:
                answer = await future
            except _TimedOut:
                raise WebMessagingTimeoutError(
                    f"{what}: no answer within {self._request_timeout:g} s"
                ) from None
            finally:
                timer.cancel()
        finally:
            connection.pending.pop(tracing, None)
        frame = answer.frame
        if frame.frame_class == FrameClass.TOO_MANY_REQUESTS_ERROR_MESSAGE:
            return answer
        if frame.frame_class == FrameClass.SESSION_EXPIRED_EVENT:
            # The service answers any request on an expired session so.
            expired = SessionExpiredError(
                f"{what}: the session has expired", frame_class=frame.frame_class
            )
            self._expire(expired, announced=True)
            raise expired
        if not frame.ok or frame.frame_class in (FrameClass.STRING, FrameClass.ERROR):
            error = _codec.error_for(frame, what)
            if isinstance(error, SessionExpiredError):
                self._expire(error)
            raise error
        return answer

    async def _sendable_connection(self) -> _Connection:
        """The configured connection, once the rate hold is over; waits through a reconnect."""
        while True:
            await self._wait_ready()
            hold = self._hold_until - time.monotonic()
            if hold > 0:
                await asyncio.sleep(hold)
                continue
            connection = self._connection
            if connection is not None and self._ready.is_set():
                return connection

    async def _wait_ready(self) -> None:
        while not self._ready.is_set():
            self._check_open()
            if self._supervisor is None or self._supervisor.done():
                raise WebMessagingClosedError("the session is not connected: call connect()")
            waiter = asyncio.ensure_future(self._ready.wait())
            done, _ = await asyncio.wait(
                {waiter, self._supervisor}, return_when=asyncio.FIRST_COMPLETED
            )
            if waiter not in done:
                waiter.cancel()
        self._check_open()

    def _check_open(self) -> None:
        if self._closed:
            raise WebMessagingClosedError("the client is closed")
        if self._failure is not None:
            raise self._failure
        if self._refusal is not None:
            raise self._refusal

    def _check_sendable(self) -> None:
        self._check_open()
        if self._read_only:
            raise ReadOnlySessionError(
                "the conversation was disconnected read-only: call start_new() to begin another"
            )

    def _max_custom_data_bytes(self) -> int | None:
        return self._session.max_custom_data_bytes if self._session is not None else None

    # -- delivery -----------------------------------------------------------------------------

    def _publish(self, event: WebMessagingEvent) -> None:
        """Deliver a connection event at once, even while live frames are held."""
        self._events.append(event)
        self._wake.set()

    def _deliver(self, events: list[WebMessagingEvent]) -> None:
        if self._held is not None:
            self._held.extend(events)
            return
        for event in events:
            if self._accept(event):
                self._events.append(event)
        self._wake.set()

    def _accept(self, event: WebMessagingEvent) -> bool:
        """Keep the bookkeeping; false for what was delivered already."""
        if isinstance(event, _MESSAGES):
            keys = _codec.message_keys(event.raw)
            if keys and not self._seen.add_all(keys):
                logger.debug("dropped a duplicate of message %s", keys[0])
                return False
            if event.time is not None and (
                self._newest_time is None or event.time > self._newest_time
            ):
                self._newest_time = event.time
            if isinstance(event, Presence) and event.read_only:
                self._read_only = True
        elif isinstance(event, SessionExpired | ConnectionClosedEvent | LoggedOut):
            # The last event of this session (or of this connection of it).
            if isinstance(event, SessionExpired) and self._refusal is None:
                self._refusal = SessionExpiredError(
                    "the session has expired", frame_class=FrameClass.SESSION_EXPIRED_EVENT
                )
            self._end()
        return True

    def _release_held(self, missed: list[WebMessagingEvent], attempts: int = 0) -> int:
        """Deliver the backfill and what arrived live meanwhile: messages merged in
        ``channel.time`` order, then the rest; returns how many messages the backfill added."""
        held, self._held = self._held or [], None
        messages = [e for e in (*missed, *held) if isinstance(e, WebMessage | Presence)]
        others = [e for e in held if not isinstance(e, WebMessage | Presence)]
        fresh: list[WebMessagingEvent] = []
        pending_keys: set[str] = set()
        for event in _in_time_order(messages):
            keys = _codec.message_keys(event.raw)
            if self._seen.contains_any(keys) or pending_keys.intersection(keys):
                continue
            pending_keys.update(keys)
            fresh.append(event)
        backfilled = 0
        for event in fresh:
            if isinstance(event, WebMessage) and event.backfilled:
                backfilled += 1
                if event.is_inbound:
                    self._unclaimed.append(event)
        if attempts:
            self._publish(Reconnected(attempts, backfilled, self._session))
        self._deliver([*fresh, *others])
        return backfilled

    def _expire(self, error: SessionExpiredError, *, announced: bool = False) -> None:
        """The session is gone: a :class:`SessionExpired` event ends the events (unless the
        service's own ``SessionExpiredEvent`` was delivered), and every request raises
        ``error``."""
        if not announced:
            self._deliver([SessionExpired(raw={"code": error.code})])
        self._refusal = error
        self._end()

    def _fail(self, error: WebMessagingError) -> None:
        if self._failure is None:
            self._failure = error
        self._ready.clear()
        self._caught_up.set()
        self._wake.set()

    def _end(self) -> None:
        self._ended = True
        self._ready.clear()
        self._caught_up.set()  # no backfill is coming: nothing may wait for one
        self._wake.set()


def _expectation_key(attachment_id: str) -> str:
    return f"upload:{attachment_id}"


def _refuse_failed_upload(frame: ServerFrame, what: str) -> None:
    if frame.frame_class in (FrameClass.GENERATE_URL_ERROR, FrameClass.UPLOAD_FAILURE_EVENT):
        body = frame.body if isinstance(frame.body, dict) else {}
        code = body.get("errorCode")
        detail = body.get("errorMessage")
        raise AttachmentRefusedError(
            f"{what} was refused with code {code}"
            + (f": {str(detail)[:200]}" if isinstance(detail, str) else ""),
            code=code if isinstance(code, int) else None,
            frame_class=frame.frame_class,
        )


def _now() -> datetime:
    return datetime.now(UTC)


_EARLIEST = datetime.min.replace(tzinfo=UTC)


def _in_time_order(events: list[Any]) -> list[Any]:
    """Stable sort on ``channel.time``; events without one keep their place at the end."""
    return sorted(events, key=lambda event: (event.time is None, event.time or _EARLIEST))


def _last_page(page: Mapping[str, Any], page_number: int) -> bool:
    count = page.get("pageCount")
    return isinstance(count, int) and page_number >= count


def _close_reason(ws: DispatchingConnection) -> str:
    code = ws.close_code
    return f"connection closed with code {code if code is not None else 1006}"


def _open_error(url: str, exc: BaseException) -> WebMessagingConnectionError:
    shown = redact_text(url)
    if isinstance(exc, InvalidStatus):
        status = exc.response.status_code
        return WebMessagingConnectionError(
            f"the web messaging service at {shown} refused the connection (HTTP {status})",
            status=status,
        )
    if isinstance(exc, TimeoutError):
        return WebMessagingConnectionError(f"could not open {shown}: timed out")
    return WebMessagingConnectionError(
        f"could not open {shown}: {type(exc).__name__}: {redact_text(str(exc))[:200]}"
    )
