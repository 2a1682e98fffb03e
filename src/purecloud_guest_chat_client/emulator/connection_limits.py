"""The service's connections, bounded before the application sees them.

uvicorn's HTTP protocol (httptools) waits without end for an idle connection's first request,
for headers and for bodies, buffers headers of any size, and answers what its parser refuses in
plain text. The protocols here add to it: a bound on the request line and headers, timeouts for
idleness, headers and bodies, a cap on open connections (the longest-idle one makes room for a
new one; with none idle, the new one is refused with a 503), and an ErrorBody with its
correlation id for every answer given at this level. Event streams get a bound on inbound
frames (size and rate) and on what waits to be written to a client that does not read.

Each kind of refusal is logged at most once a second, with a count, so a flood cannot fill the
log.
"""

from __future__ import annotations

import asyncio
import http
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import websockets.http11
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import CloseCode, Frame
from websockets.http11 import Request
from websockets.protocol import State

from .api_error import ApiError
from .records import new_id

logger = logging.getLogger("purecloud_guest_chat_client.emulator.connections")

CORRELATION_HEADER = b"inin-correlation-id"
_LOG_EVERY_SECONDS = 1.0
# How long a client that was refused, or broke a stream limit, gets to read the answer before
# the connection is cut. Closing a socket with unread data resets it, and the client would lose
# the answer: a refused HTTP request is read and dropped meanwhile; a stream is no longer read
# (its client will not be heard again, and one still flooding is held back by its own buffers).
_CLOSE_GRACE_SECONDS = 2.0
# The handshake the WebSocket library parses again after httptools: lines and headers over its
# own limits would make it stop without an answer.
_WS_MAX_LINE = websockets.http11.MAX_LINE_LENGTH
_WS_MAX_HEADERS = websockets.http11.MAX_NUM_HEADERS


@dataclass(frozen=True)
class ConnectionLimits:
    max_header_bytes: int
    header_timeout: float
    body_timeout: float
    idle_timeout: float
    max_connections: int
    stream_max_frames_per_second: int
    # Bytes a client that does not read may leave waiting in the write buffer (protocol pongs).
    stream_max_unsent_bytes: int


class ThrottledLog:
    """One log line per second at most for a recurring event, counting the ones it held back."""

    def __init__(self, message: str, level: int = logging.WARNING) -> None:
        self._message = message
        self._level = level
        self._last = 0.0
        self._held = 0

    def event(self, *args: object) -> None:
        now = time.monotonic()
        if now - self._last < _LOG_EVERY_SECONDS:
            self._held += 1
            return
        held, self._held, self._last = self._held, 0, now
        suffix = f" ({held} more like it in the last second)" if held else ""
        logger.log(self._level, self._message + suffix, *args)


_CAP_REACHED = ThrottledLog("connection refused: %d connections open, the most allowed")
_IDLE_EVICTED = ThrottledLog(
    "closed the longest-idle connection to make room: %d connections open", logging.INFO
)
_HEADERS_TOO_LARGE = ThrottledLog("request refused: header section over %d bytes")
_TIMED_OUT = ThrottledLog("request refused: %s not received within %g s", logging.INFO)
_PARSE_FAILED = ThrottledLog("request refused: malformed HTTP (%s)", logging.INFO)
_STREAM_LIMIT = ThrottledLog("event stream closed %d: %s")
_ACCEPT_FAILED = ThrottledLog("cannot accept connections: %s")


def request_uri_too_long(limit: int) -> ApiError:
    return ApiError(
        414,
        "request.uri.too.long",
        "The request line is over the size limit. Maximum bytes: {maxBytes}",
        params={"maxBytes": str(limit)},
    )


def headers_too_large(limit: int) -> ApiError:
    return ApiError(
        431,
        "request.header.fields.too.large",
        "The request's header section is over the size limit. Maximum bytes: {maxBytes}",
        params={"maxBytes": str(limit)},
    )


def too_many_connections(limit: int) -> ApiError:
    return ApiError(
        503,
        "too.many.connections",
        "The service has {maxConnections} connections open, the most it allows. Retry shortly.",
        params={"maxConnections": str(limit)},
        headers={"Retry-After": "1"},
    )


def raw_error_response(error: ApiError, default_headers: list[tuple[bytes, bytes]]) -> bytes:
    """An ErrorBody response written straight to the transport, ending the connection."""
    correlation = new_id()
    body = json.dumps(error.body(correlation), separators=(",", ":")).encode()
    try:
        phrase = http.HTTPStatus(error.status).phrase
    except ValueError:
        phrase = ""
    lines = [f"HTTP/1.1 {error.status} {phrase}".encode()]
    lines.extend(name + b": " + value for name, value in default_headers)
    lines.extend(
        [
            b"content-type: application/json",
            b"content-length: " + str(len(body)).encode(),
            CORRELATION_HEADER + b": " + correlation.encode(),
            b"connection: close",
        ]
    )
    lines.extend(f"{name}: {value}".encode("latin-1") for name, value in error.headers.items())
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


class LimitedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the service's limits; ``limits`` is set on a subclass
    made for each service (``protocols``)."""

    limits: ConnectionLimits

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # While a request's headers are awaited: the bytes received for them so far, and
        # whether the request line has ended.
        self._awaiting_headers = True
        self._header_bytes = 0
        self._line_ended = False
        # A request's headers have been parsed, and its body has not ended yet.
        self._in_body = False
        self._header_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None
        self._refused = False
        self.idle_since = time.monotonic()

    # -- the connection cap ---------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        others = len(self.connections)
        super().connection_made(transport)
        limit = self.limits.max_connections
        if others >= limit and not self._evict_longest_idle():
            _CAP_REACHED.event(others)
            self._answer_and_close(too_many_connections(limit))
            return
        self._arm_idle_timer()

    @property
    def evictable(self) -> bool:
        """No request is being answered: the connection waits for one, or for its headers."""
        return self._refused or (
            self._awaiting_headers and (self.cycle is None or self.cycle.response_complete)
        )

    def _evict_longest_idle(self) -> bool:
        idle = [
            c
            for c in self.connections
            if isinstance(c, LimitedHttpProtocol) and c is not self and c.evictable
        ]
        if not idle:
            return False
        oldest = min(idle, key=lambda c: c.idle_since)
        _IDLE_EVICTED.event(len(self.connections))
        oldest.transport.close()
        oldest.connections.discard(oldest)
        return True

    # -- receiving ------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if not self._awaiting_headers:
            super().data_received(data)
            self._arm_request_timers()
            return
        room = self.limits.max_header_bytes - self._header_bytes
        head, rest = (data, b"") if len(data) <= room else (data[:room], data[room:])
        self._header_bytes += len(head)
        self._line_ended = self._line_ended or b"\n" in head
        super().data_received(head)
        if not rest or self._refused or self.transport.is_closing():
            self._arm_request_timers()
            return
        if self._awaiting_headers:
            self._refuse_headers()
            return
        upgraded = self.transport.get_protocol()
        if upgraded is not self:  # the WebSocket protocol took the connection over
            upgraded.data_received(rest)
        else:
            self.data_received(rest)

    def _arm_request_timers(self) -> None:
        """Times what this data left unfinished: a request's headers from its first byte, its
        body from the end of its headers. They are armed once the data is parsed, rather than
        as each part begins, so a request that arrives whole (most do) arms neither."""
        if self._refused or self.transport.is_closing():
            return
        if self._awaiting_headers and self._header_bytes:
            if self._header_timer is None:
                self._header_timer = self.loop.call_later(
                    self.limits.header_timeout, self._timed_out, "the request's headers"
                )
        elif self._in_body and self._body_timer is None:
            self._body_timer = self.loop.call_later(
                self.limits.body_timeout, self._timed_out, "the request's body"
            )

    def _refuse_headers(self) -> None:
        limit = self.limits.max_header_bytes
        _HEADERS_TOO_LARGE.event(limit)
        error = headers_too_large(limit) if self._line_ended else request_uri_too_long(limit)
        self._answer_and_close(error)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._awaiting_headers = True

    def on_headers_complete(self) -> None:
        self._awaiting_headers = False
        self._cancel_header_timer()
        super().on_headers_complete()
        self._in_body = not self.parser.should_upgrade()
        if self._in_body:
            self.cycle.transport = ResponseWriter(self.transport, self.cycle)  # type: ignore[assignment]

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_body = False
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None
        self._awaiting_headers = True
        self._header_bytes = 0
        self._line_ended = False

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self.idle_since = time.monotonic()

    def _arm_idle_timer(self) -> None:
        self._unset_keepalive_if_required()
        self.timeout_keep_alive_task = self.loop.call_later(
            self.limits.idle_timeout, self.timeout_keep_alive_handler
        )

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _timed_out(self, what: str) -> None:
        timeout = self.limits.header_timeout
        if what == "the request's body":
            self._body_timer, timeout = None, self.limits.body_timeout
        else:
            self._header_timer = None
        if self._refused or self.transport.is_closing():
            return
        _TIMED_OUT.event(what, timeout)
        cycle = self.cycle
        if cycle is not None and cycle.response_started and not cycle.response_complete:
            self.transport.close()
            return
        self._answer_and_close(ApiError.for_status(408))

    # -- answering at this level ----------------------------------------------------------

    def send_400_response(self, msg: str) -> None:
        _PARSE_FAILED.event(msg)
        self._answer_and_close(ApiError.bad_request(f"The HTTP request is malformed: {msg}"))

    def _answer_and_close(self, error: ApiError) -> None:
        """Answers with ``error`` unless a response is under way, then closes (see
        ``_CLOSE_GRACE_SECONDS``); a request the application is still reading sees the client
        gone."""
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            if cycle.response_started:
                self.transport.close()
                return
            cycle.disconnected = True
            cycle.message_event.set()
        self._cancel_header_timer()
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None
        self._unset_keepalive_if_required()
        if self._refused or self.transport.is_closing():
            return
        self._refused = True
        self.transport.write(raw_error_response(error, self.server_state.default_headers))
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(_CLOSE_GRACE_SECONDS, self.transport.abort)

    def handle_websocket_upgrade(self) -> None:
        request_line = len(self.scope["method"]) + 1 + len(self.url) + len(b" HTTP/1.1\r\n")
        if request_line > _WS_MAX_LINE:
            _HEADERS_TOO_LARGE.event(_WS_MAX_LINE)
            self._answer_and_close(request_uri_too_long(_WS_MAX_LINE))
            return
        headers = list(self.scope["headers"])
        if len(headers) > _WS_MAX_HEADERS or any(
            len(name) + len(value) + 4 > _WS_MAX_LINE for name, value in headers
        ):
            _HEADERS_TOO_LARGE.event(_WS_MAX_LINE)
            self._answer_and_close(headers_too_large(_WS_MAX_LINE))
            return
        self._unset_keepalive_if_required()
        super().handle_websocket_upgrade()


class ResponseWriter:
    """The transport as one request's response cycle sees it.

    uvicorn writes a response's status line and headers, then its body, as two writes: two
    system calls and two packets for every answer. Here a head that a body must follow (its
    length declared) waits for the body's first write, and the two go out as one. Closing or
    aborting sends what is held first, as the head would have been sent already.
    """

    __slots__ = ("_cycle", "_held", "_transport")

    def __init__(self, transport: asyncio.Transport, cycle: Any) -> None:
        self._transport = transport
        self._cycle = cycle
        self._held: bytes | None = None

    def write(self, data: bytes) -> None:
        held = self._held
        if held is not None:
            self._held = None
            self._transport.write(held + data)
            return
        cycle = self._cycle
        if (
            cycle.response_started
            and not cycle.response_complete
            and not cycle.chunked_encoding
            and cycle.expected_content_length > 0
            and cycle.scope["method"] != "HEAD"  # a HEAD response's body is never written
        ):
            self._held = data
            return
        self._transport.write(data)

    def _release(self) -> None:
        held, self._held = self._held, None
        if held is not None and not self._transport.is_closing():
            self._transport.write(held)

    def close(self) -> None:
        self._release()
        self._transport.close()

    def abort(self) -> None:
        self._release()
        self._transport.abort()

    def write_eof(self) -> None:
        self._release()
        self._transport.write_eof()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class LimitedWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's WebSocket protocol with a bound on inbound frames: more than the allowed frames
    in a second closes with 1008, a frame over the size limit with 1009 (``ws_max_size``), and
    the close frame is given ``_CLOSE_GRACE_SECONDS`` to reach the client before the connection
    is cut."""

    limits: ConnectionLimits

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._window_start = 0.0
        self._window_frames = 0
        self._failed = False

    def data_received(self, data: bytes) -> None:
        if self._failed:  # waiting for the client to go after a limit closed the stream
            return
        super().data_received(data)

    def send_text_now(self, text: str) -> bool:
        """Writes a text frame at once, as the ASGI ``websocket.send`` would, when nothing
        stands in the way: the handshake done, no close sent or failure, the connection open
        and its write buffer not full. Otherwise writes nothing and returns False, and the
        caller sends it the ASGI way, which waits for room or reports the end."""
        if (
            not self.handshake_complete
            or self.close_sent
            or self.disconnected
            or self._failed
            or self.initial_response is not None
            or not self.writable.is_set()
            or self.conn.state is not State.OPEN
            or self.transport.is_closing()
        ):
            return False
        self.conn.send_text(text.encode())
        self.transport.write(b"".join(self.conn.data_to_send()))
        return True

    def handle_connect(self, event: Request) -> None:
        if self.conn.accept(event).status_code != 101:
            # Not a valid WebSocket handshake: answered as every other refusal is.
            error = ApiError.bad_request("The request is not a valid WebSocket handshake.")
            self.handshake_complete = self.close_sent = True
            self.transport.write(raw_error_response(error, self.default_headers))
            self.transport.close()
            return
        super().handle_connect(event)

    def _over_rate(self) -> bool:
        if self._failed:
            return True
        now = self.loop.time()
        if now - self._window_start >= 1.0:
            self._window_start, self._window_frames = now, 0
        self._window_frames += 1
        limit = self.limits.stream_max_frames_per_second
        if self._window_frames > limit:
            self._violation(CloseCode.POLICY_VIOLATION, f"More than {limit} frames a second")
            return True
        return False

    def handle_text(self, event: Frame) -> None:
        if not self._over_rate():
            super().handle_text(event)

    def handle_bytes(self, event: Frame) -> None:
        if not self._over_rate():
            super().handle_bytes(event)

    def handle_cont(self, event: Frame) -> None:
        if not self._over_rate():
            super().handle_cont(event)

    def handle_ping(self) -> None:
        if self._over_rate():
            return
        if self.transport.get_write_buffer_size() > self.limits.stream_max_unsent_bytes:
            # Pinging without reading the pongs: nothing more is buffered for this client.
            _STREAM_LIMIT.event(1006, "pings whose pongs are not read")
            self._failed = True
            self.transport.abort()
            return
        super().handle_ping()

    def handle_pong(self, event: Frame) -> None:
        if not self._over_rate():
            super().handle_pong(event)

    def _violation(self, code: int, reason: str) -> None:
        _STREAM_LIMIT.event(code, reason)
        self.conn.fail(code, reason)
        self.handle_parser_exception()

    def handle_parser_exception(self) -> None:
        """The connection failed (a frame too large, a limit broken, bad data): send the close
        frame, then stop reading but leave the connection open for a moment, so that the client
        can read the close frame before the connection goes."""
        if self._failed:
            return
        self._failed = True
        close = self.conn.close_sent
        code = close.code if close is not None else CloseCode.PROTOCOL_ERROR
        reason = close.reason if close is not None else ""
        if code == CloseCode.MESSAGE_TOO_BIG:
            _STREAM_LIMIT.event(code, reason or "frame too large")
        self.queue.put_nowait({"type": "websocket.disconnect", "code": code, "reason": reason})
        self.transport.write(b"".join(self.conn.data_to_send()))
        if self.conn.eof_sent and self.transport.can_write_eof():
            self.transport.write_eof()  # the client closes once it has read the close frame
        self.close_sent = True
        # Nothing more is read (see _CLOSE_GRACE_SECONDS), and uvicorn's own flag is cleared so
        # that the application's next receive() does not resume reading.
        self.read_paused = False
        self.transport.pause_reading()
        self.stop_keepalive()
        if self.close_timer is None:
            self.close_timer = self.loop.call_later(_CLOSE_GRACE_SECONDS, self.transport.abort)


def protocols(limits: ConnectionLimits) -> tuple[type[asyncio.Protocol], type[asyncio.Protocol]]:
    """The HTTP and WebSocket protocol classes of one service, carrying its limits."""
    http_protocol = type("ServiceHttpProtocol", (LimitedHttpProtocol,), {"limits": limits})
    ws_protocol = type("ServiceWebSocketProtocol", (LimitedWebSocketProtocol,), {"limits": limits})
    return http_protocol, ws_protocol


def accept_failure_handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """The event loop's error handler: running out of file descriptors makes asyncio report
    every failed ``accept()`` with a traceback, thousands a second; one line a second says it."""
    message = str(context.get("message", ""))
    if message.startswith("socket.accept() out of system resource"):
        _ACCEPT_FAILED.event(context.get("exception"))
        return
    loop.default_exception_handler(context)
