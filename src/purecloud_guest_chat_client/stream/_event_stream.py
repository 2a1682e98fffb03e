"""The guest's event stream: typed events over the ``eventStreamUri``, surviving drops.

The service keeps no replay, so the stream rebuilds what a dropped connection lost: after every
reconnect it reloads the messages after the last one it delivered (``GET messages?after=``, page
by page) and the members' states (``GET members``), then goes on with the live frames, dropping
by id what both brought. Every message is delivered once, in order, however often the
connection drops.

Liveness: the service sends a heartbeat at a steady cadence, about every 30 s for the real
service. The stream assumes ``heartbeat_interval`` (30 s) until it has timed the service's own
heartbeats, then follows what it measured (see :attr:`EventStream.heartbeat_interval`). After one
interval without any frame the stream sends a ping (``{"message": "ping"}``, answered with a
pong); after ``2.5`` intervals of silence it takes the connection for dead and reconnects.

The stream ends (iteration stops) on close code 1001 "conversation ended", when the guest's own
member goes DISCONNECTED, or on :meth:`EventStream.close`. It fails with
:class:`~.StreamAuthError` when the JWT has expired or is refused, and with
:class:`~.StreamConnectionError` when it cannot reconnect within ``Backoff.give_up_after``.

Iteration drives the connection: one consumer iterates, any task may call :meth:`close`.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType
from typing import TYPE_CHECKING, Self

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from .._base_client import positive_seconds
from .._redact import redact_text
from ..errors import ApiException, AuthenticationError
from ..models import MemberState
from ..models.frames import parse_frame
from ._backoff import Backoff
from ._log import stream_logger, websocket_logger
from ._mapping import event_from_frame, event_from_message
from ._paging import all_members, messages_after
from ._token import read_claims, token_from_uri
from .errors import StreamAuthError, StreamConnectionError, StreamError
from .events import (
    HeartbeatEvent,
    Member,
    MemberChangeEvent,
    MessageEvent,
    Reconnected,
    Reconnecting,
    StreamEvent,
    UnknownEvent,
    WireEvent,
)

if TYPE_CHECKING:
    from ..apis.web_chat_api import AsyncWebChatApi

__all__ = ["EventStream", "StreamEnd"]

_PING = json.dumps({"message": "ping"})
_CONVERSATION_ENDED = 1001
_ABNORMAL_CLOSURE = 1006
_SILENCE_FACTOR = 2.5
_RECENT_IDS_KEPT = 2048
# A frame that recv() hands over sooner than this was already waiting in the buffer (the consumer
# was busy), so when it arrived is unknown and it cannot time the heartbeat cadence.
_BUFFERED_WITHIN = 0.002
# Heartbeats closer together than this are a burst, not a cadence.
_SHORTEST_CADENCE = 0.05
_CADENCE_SAMPLES = 3
_REFUSED_TOKEN = frozenset({401, 403})
_OPEN_FAILURES = (OSError, InvalidHandshake, TimeoutError)


class StreamEnd(StrEnum):
    """Why a stream stopped without an error."""

    CLOSED = "closed"
    CONVERSATION_ENDED = "conversation-ended"
    GUEST_DISCONNECTED = "guest-disconnected"


class _Failure(StrEnum):
    """What a refused handshake, a connection that could not be opened or a closed connection
    means for the stream."""

    TOKEN_REFUSED = "token-refused"
    """HTTP 401 or 403 on the handshake: the token is dead, or the guest is gone."""
    REFUSED = "refused"
    """Any other HTTP status on the handshake: the service is there and says no."""
    UNREACHABLE = "unreachable"
    """No handshake at all: a socket error, a protocol error or the open timeout."""
    CONVERSATION_ENDED = "conversation-ended"
    """Close code 1001: the service ended the conversation."""
    DROPPED = "dropped"
    """Any other close: the connection was lost."""


@dataclass(frozen=True, slots=True)
class _ConnectionFailure:
    kind: _Failure
    reason: str
    """What the log and :class:`Reconnecting` say; it never quotes the URI."""
    status: int | None = None


def _classify_failure(
    exc: OSError | InvalidHandshake | TimeoutError | ConnectionClosed,
) -> _ConnectionFailure:
    """What a failure to open the connection, or the connection's closing, means. The one place
    that reads handshake statuses and close codes."""
    if isinstance(exc, ConnectionClosed):
        code = exc.rcvd.code if exc.rcvd is not None else _ABNORMAL_CLOSURE
        if code == _CONVERSATION_ENDED:
            return _ConnectionFailure(_Failure.CONVERSATION_ENDED, "conversation ended")
        return _ConnectionFailure(_Failure.DROPPED, f"connection closed with code {code}")
    if isinstance(exc, InvalidStatus):
        status = exc.response.status_code
        kind = _Failure.TOKEN_REFUSED if status in _REFUSED_TOKEN else _Failure.REFUSED
        return _ConnectionFailure(kind, f"handshake refused with HTTP {status}", status)
    return _ConnectionFailure(_Failure.UNREACHABLE, f"could not connect: {type(exc).__name__}")


class _RecentIds:
    """The ids of the latest messages delivered, enough to drop what a backfill and the live
    stream both bring without keeping every id of a long chat."""

    __slots__ = ("_ids", "_limit", "_order")

    def __init__(self, limit: int) -> None:
        self._ids: set[str] = set()
        self._order: deque[str] = deque()
        self._limit = limit

    def add(self, message_id: str) -> bool:
        """Remember ``message_id``; false when it was already there."""
        if message_id in self._ids:
            return False
        self._ids.add(message_id)
        self._order.append(message_id)
        if len(self._order) > self._limit:
            self._ids.discard(self._order.popleft())
        return True


class _HeartbeatCadence:
    """The service's heartbeat interval: assumed until measured, then the longest of the last
    few gaps between two heartbeats that were both timed as they arrived."""

    __slots__ = ("_assumed", "_gaps", "_last")

    def __init__(self, assumed: float) -> None:
        self._assumed = assumed
        self._gaps: deque[float] = deque(maxlen=_CADENCE_SAMPLES)
        self._last: float | None = None

    @property
    def interval(self) -> float:
        return max(self._gaps) if self._gaps else self._assumed

    @property
    def measured(self) -> bool:
        return bool(self._gaps)

    def heartbeat(self, at: float, *, timed: bool) -> None:
        """A heartbeat read at ``at``; ``timed`` when it arrived while the stream was waiting."""
        if not timed:
            self._last = None
            return
        if self._last is not None and at - self._last >= _SHORTEST_CADENCE:
            self._gaps.append(at - self._last)
        self._last = at

    def new_connection(self) -> None:
        # A gap that spans a reconnect measures the outage, not the cadence.
        self._last = None


class EventStream:
    """Typed events from a guest's ``eventStreamUri``.

    ``api`` is an :class:`~purecloud_guest_chat_client.apis.web_chat_api.AsyncWebChatApi` whose
    client holds the guest's JWT; the stream uses it to backfill after a reconnect. Without it a
    reconnect cannot recover the messages sent while the connection was down.

    ``conversation_id`` and ``member_id`` default to the claims of the JWT in the URI.
    ``last_message_id`` is the last message already seen (when resuming); with it, or with
    ``backfill_on_connect=True``, the first connection also backfills. ``known_members`` maps
    member ids to the states already known, so that a refresh only reports what changed.
    ``heartbeat_interval`` is the service's heartbeat cadence to assume until the stream has
    measured it (30 s, the real service's).

    Use ``async with EventStream(...) as stream: async for event in stream: ...``.
    """

    def __init__(
        self,
        event_stream_uri: str,
        *,
        api: AsyncWebChatApi | None = None,
        conversation_id: str | None = None,
        member_id: str | None = None,
        heartbeat_interval: float = 30.0,
        include_heartbeats: bool = False,
        last_message_id: str | None = None,
        backfill_on_connect: bool | None = None,
        known_members: Mapping[str, MemberState | str] | None = None,
        backoff: Backoff | None = None,
        open_timeout: float = 10.0,
    ) -> None:
        if not isinstance(event_stream_uri, str) or not event_stream_uri.startswith(
            ("ws://", "wss://")
        ):
            raise ValueError("event_stream_uri must be a ws:// or wss:// URI")
        heartbeat_interval = positive_seconds(heartbeat_interval, "heartbeat_interval")
        open_timeout = positive_seconds(open_timeout, "open_timeout")
        claims = read_claims(token_from_uri(event_stream_uri))
        self._uri = event_stream_uri
        self._display_uri = redact_text(event_stream_uri)
        self._claims = claims
        self._api = api
        self.conversation_id: str | None = conversation_id or claims.conversation_id
        self.member_id: str | None = member_id or claims.member_id
        if api is not None and self.conversation_id is None:
            raise ValueError("conversation_id is required: the URI's token does not name it")
        self._cadence = _HeartbeatCadence(heartbeat_interval)
        self.include_heartbeats = include_heartbeats
        self._backoff = backoff or Backoff()
        self._open_timeout = open_timeout
        self._last_message_id = last_message_id
        self._backfill_on_connect = (
            last_message_id is not None if backfill_on_connect is None else backfill_on_connect
        )
        self._member_states: dict[str, MemberState | str] = dict(known_members or {})
        self._recent = _RecentIds(_RECENT_IDS_KEPT)
        if last_message_id is not None:
            self._recent.add(last_message_id)

        self._ws: ClientConnection | None = None
        self._pending: deque[StreamEvent] = deque()
        self._started = False
        self._closing = asyncio.Event()
        self._end: StreamEnd | None = None
        self._failure: StreamError | None = None
        self._failure_raised = False
        self._attempt = 0
        self._next_delay = 0.0
        self._lost_at: float | None = None
        self._last_frame_at = 0.0
        self._last_ping_at = 0.0
        self._listening_since = 0.0

    # -- public state -----------------------------------------------------------------------

    @property
    def uri(self) -> str:
        """The event-stream URI with its token redacted."""
        return self._display_uri

    @property
    def last_message_id(self) -> str | None:
        """The id of the last message this stream has accepted (live or backfilled)."""
        return self._last_message_id

    @property
    def connected(self) -> bool:
        return self._ws is not None

    @property
    def heartbeat_interval(self) -> float:
        """The service's heartbeat cadence in seconds: as measured once two heartbeats in a row
        have been timed, else the one given. Pings go out after one interval of silence and the
        connection is taken for dead after 2.5."""
        return self._cadence.interval

    @property
    def heartbeat_measured(self) -> bool:
        """Whether :attr:`heartbeat_interval` comes from the service's own heartbeats."""
        return self._cadence.measured

    @property
    def end_reason(self) -> StreamEnd | None:
        """Why the stream stopped, once it has."""
        return self._end

    @property
    def member_states(self) -> Mapping[str, MemberState | str]:
        """The latest state seen for each member."""
        return self._member_states

    def __repr__(self) -> str:
        status = self._end or ("connected" if self._ws is not None else "disconnected")
        return (
            f"EventStream(uri={self._display_uri!r}, conversation_id={self.conversation_id!r}, "
            f"status={status!s})"
        )

    __str__ = __repr__

    # -- lifecycle --------------------------------------------------------------------------

    async def connect(self) -> None:
        """Open the connection (and backfill when resuming). Iterating connects if needed.

        Raises :class:`StreamAuthError` when the token has expired or is refused, and
        :class:`StreamConnectionError` when the service cannot be reached.
        """
        if self._started:
            return
        self._started = True
        if self._claims.expired():
            raise self._expired()
        try:
            self._ws = await self._open()
        except _OPEN_FAILURES as exc:
            failure = _classify_failure(exc)
            if failure.kind is _Failure.TOKEN_REFUSED:
                raise _token_refused(failure) from exc
            if failure.kind is _Failure.REFUSED:
                raise StreamConnectionError(
                    f"the event stream at {self._display_uri} refused the connection "
                    f"(HTTP {failure.status})"
                ) from exc
            raise StreamConnectionError(
                f"could not open the event stream at {self._display_uri}: "
                f"{type(exc).__name__}: {redact_text(str(exc))}"
            ) from exc
        stream_logger.debug("event stream attached: %s", self._display_uri)
        if self._backfill_on_connect:
            try:
                self._pending.extend(await self._catch_up())
            except AuthenticationError as exc:
                await self._drop_connection()
                raise StreamAuthError("the guest's token was refused while backfilling") from exc

    async def close(self) -> None:
        """Stop the stream; iteration ends after the events already received."""
        self._closing.set()
        if self._end is None:
            self._end = StreamEnd.CLOSED
        await self._drop_connection()

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

    # -- iteration --------------------------------------------------------------------------

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> StreamEvent:
        self._listening_since = time.monotonic()
        while True:
            if self._pending:
                return self._pending.popleft()
            if self._failure is not None and not self._failure_raised:
                self._failure_raised = True
                raise self._failure
            if self._end is not None or self._failure is not None:
                raise StopAsyncIteration
            if not self._started:
                await self.connect()
            elif self._ws is None:
                await self._reconnect()
            else:
                await self._receive(self._ws)

    async def _receive(self, ws: ClientConnection) -> None:
        interval = self._cadence.interval
        reference = max(self._last_frame_at, self._listening_since)
        dead_at = reference + _SILENCE_FACTOR * interval
        ping_at = max(reference, self._last_ping_at) + interval
        waiting_since = time.monotonic()
        try:
            async with asyncio.timeout(max(0.0, min(dead_at, ping_at) - waiting_since)):
                raw = await ws.recv()
        except TimeoutError:
            if time.monotonic() >= dead_at:
                await self._lose_connection(ws, f"no frame for {_SILENCE_FACTOR * interval:.3g} s")
            else:
                await self._ping(ws)
            return
        except ConnectionClosed as exc:
            await self._connection_closed(ws, exc)
            return
        now = self._last_frame_at = time.monotonic()
        wire_event = event_from_frame(parse_frame(raw))
        if isinstance(wire_event, HeartbeatEvent) and not wire_event.is_pong:
            self._cadence.heartbeat(now, timed=now - waiting_since >= _BUFFERED_WITHIN)
        event = self._accept(wire_event)
        if event is not None:
            self._pending.append(event)
        if self._end is not None:
            await self._drop_connection()

    def _accept(self, event: WireEvent) -> WireEvent | None:
        """Keep the stream's bookkeeping; ``None`` for what is not to be delivered."""
        if isinstance(event, MessageEvent):
            if not self._recent.add(event.id):
                stream_logger.debug("dropped a duplicate of message %s", event.id)
                return None
            self._last_message_id = event.id
        elif isinstance(event, MemberChangeEvent):
            if event.member.state is not None:
                self._member_states[event.member.id] = event.member.state
            if event.member.id == self.member_id and event.state == MemberState.DISCONNECTED:
                self._end = StreamEnd.GUEST_DISCONNECTED
        elif isinstance(event, HeartbeatEvent):
            return event if self.include_heartbeats else None
        elif isinstance(event, UnknownEvent):
            stream_logger.debug("unknown event-stream frame (%s): %.200s", event.reason, event.raw)
        return event

    async def _ping(self, ws: ClientConnection) -> None:
        self._last_ping_at = time.monotonic()
        try:
            await ws.send(_PING)
        except ConnectionClosed as exc:
            await self._connection_closed(ws, exc)

    async def _connection_closed(self, ws: ClientConnection, exc: ConnectionClosed) -> None:
        if ws is not self._ws:
            return
        failure = _classify_failure(exc)
        if self._closing.is_set():
            self._ws = None
        elif failure.kind is _Failure.CONVERSATION_ENDED:
            stream_logger.debug("event stream closed by the service: conversation ended")
            self._ws = None
            self._end = StreamEnd.CONVERSATION_ENDED
        else:
            await self._lose_connection(ws, failure.reason)

    # -- reconnecting -----------------------------------------------------------------------

    async def _lose_connection(self, ws: ClientConnection | None, reason: str) -> None:
        if ws is not None:
            if ws is not self._ws:
                return
            await self._drop_connection()
        if self._lost_at is None:
            self._lost_at = time.monotonic()
        self._next_delay = self._backoff.delay(self._attempt)
        self._attempt += 1
        stream_logger.info(
            "event stream lost (%s); reconnect attempt %d in %.2f s",
            reason,
            self._attempt,
            self._next_delay,
        )
        self._pending.append(Reconnecting(self._attempt, self._next_delay, reason))

    async def _reconnect(self) -> None:
        try:
            async with asyncio.timeout(self._next_delay):
                await self._closing.wait()
            return
        except TimeoutError:
            pass
        lost_for = time.monotonic() - (self._lost_at or time.monotonic())
        if lost_for > self._backoff.give_up_after:
            self._failure = StreamConnectionError(
                f"could not reconnect to the event stream within {self._backoff.give_up_after:g} s"
            )
            return
        if self._claims.expired():
            self._failure = self._expired()
            return
        try:
            self._ws = await self._open()
        except _OPEN_FAILURES as exc:
            failure = _classify_failure(exc)
            if failure.kind is _Failure.TOKEN_REFUSED:
                await self._settle_refusal(failure)
            else:
                await self._lose_connection(None, failure.reason)
            return
        try:
            caught_up = await self._catch_up()
        except AuthenticationError as exc:
            await self._drop_connection()
            self._failure = StreamAuthError("the guest's token was refused while backfilling")
            self._failure.__cause__ = exc
            return
        except ApiException as exc:
            await self._lose_connection(self._ws, f"backfill failed: {type(exc).__name__}")
            return
        attempts, self._attempt, self._lost_at = self._attempt, 0, None
        backfilled = sum(isinstance(event, MessageEvent) for event in caught_up)
        stream_logger.info("event stream reattached; %d missed messages reloaded", backfilled)
        self._pending.append(Reconnected(attempts, backfilled))
        self._pending.extend(caught_up)
        if self._end is not None:
            await self._drop_connection()

    async def _settle_refusal(self, refusal: _ConnectionFailure) -> None:
        """The handshake refused the token: ask the REST API whether the token is dead or the
        guest is gone, since both look alike on the WebSocket."""
        if self._api is None:
            self._failure = _token_refused(refusal)
            return
        try:
            self._pending.extend(await self._catch_up())
        except AuthenticationError as exc:
            self._failure = StreamAuthError("the guest's token was refused")
            self._failure.__cause__ = exc
            return
        except ApiException as exc:
            await self._lose_connection(None, f"handshake refused, then {type(exc).__name__}")
            return
        if self._end is None:
            await self._lose_connection(None, refusal.reason)

    async def _catch_up(self) -> list[WireEvent]:
        """The messages after the last one delivered, then the member changes missed.

        Nothing counts as delivered until every read has succeeded: a catch-up that fails half
        way leaves the stream where it was, and the next one reads the same messages again.
        """
        if self._api is None:
            return []
        missed: list[WireEvent] = [*await self._missed_messages()]
        missed.extend(await self._member_changes())
        return [accepted for event in missed if (accepted := self._accept(event)) is not None]

    async def _missed_messages(self) -> list[MessageEvent]:
        assert self._api is not None and self.conversation_id is not None
        return [
            event_from_message(message)
            async for message in messages_after(
                self._api, self.conversation_id, self._last_message_id
            )
        ]

    async def _member_changes(self) -> list[MemberChangeEvent]:
        """Members whose state differs from the last one seen: departures first, then
        arrivals, then the guest's own, so that a transfer reads in its natural order."""
        assert self._api is not None and self.conversation_id is not None
        departures: list[MemberChangeEvent] = []
        arrivals: list[MemberChangeEvent] = []
        own: list[MemberChangeEvent] = []
        for info in await all_members(self._api, self.conversation_id):
            if info.id is None or info.state is None:
                continue
            if self._member_states.get(info.id) == info.state:
                continue
            change = MemberChangeEvent(
                conversation_id=self.conversation_id,
                member=Member.from_info(info),
                timestamp=info.leave_date or info.join_date,
                synthetic=True,
            )
            if info.id == self.member_id:
                own.append(change)
            elif info.state == MemberState.DISCONNECTED:
                departures.append(change)
            else:
                arrivals.append(change)
        return departures + arrivals + own

    # -- the connection ---------------------------------------------------------------------

    async def _open(self) -> ClientConnection:
        ws = await connect(
            self._uri,
            open_timeout=self._open_timeout,
            # Liveness is judged on the service's heartbeats and pongs, which a stalled server
            # stops sending, rather than on protocol pings that its transport would still answer.
            ping_interval=None,
            compression=None,
            proxy=None,
            close_timeout=1.0,
            max_queue=64,
            logger=websocket_logger,
        )
        now = time.monotonic()
        self._last_frame_at = now
        self._last_ping_at = now
        self._cadence.new_connection()
        return ws

    async def _drop_connection(self) -> None:
        ws, self._ws = self._ws, None
        if ws is not None:
            await ws.close()

    def _expired(self) -> StreamAuthError:
        return StreamAuthError("the guest's JWT has expired; start a new chat")


def _token_refused(refusal: _ConnectionFailure) -> StreamAuthError:
    status = refusal.status
    assert status is not None
    return StreamAuthError(
        f"the event stream refused the guest's token (HTTP {status})", status=status
    )
