"""The event stream: a WebSocket at the eventStreamUri (the JWT after ``EVENT_STREAM_PATH``), one
per guest connection."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any

from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from ..models.protocol import EVENT_STREAM_PATH
from .api_error import ApiError
from .records import Conversation, new_id
from .runtime import Runtime
from .stream_hub import CONVERSATION_ENDED, TOKEN_EXPIRED, StreamConnection
from .wire_frames import HEARTBEAT_FRAME, PONG_FRAME

logger = logging.getLogger("purecloud_guest_chat_client.emulator.requests")

STREAM_PATH = EVENT_STREAM_PATH + "{token}"
REDACTED_STREAM_PATH = EVENT_STREAM_PATH + "<redacted>"
_CLOSE_GRACE_SECONDS = 2.0
# A guest whose stream was closed for breaking a limit (too many frames, a frame too large,
# bad data) has its next handshake answered only this much later: reconnecting at once to
# break the limit again would otherwise cost the service a handshake every few frames.
PENALTY_SECONDS = 5.0
_LIMIT_CLOSE_CODES = frozenset({1007, 1008, 1009})
_PENALTIES_KEPT = 10_000


class EventStreamEndpoint:
    """The guest's stream. The request middleware hands it the correlation id of the handshake
    and the way to cut the connection (for injected drops)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        # Member id -> when (monotonic) its next handshake may be answered.
        self._penalties: dict[str, float] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        state = scope.get("state", {})
        correlation = str(state.get("correlation_id") or new_id())
        runtime = self.runtime
        try:
            claims = runtime.chats.tokens.verify(scope["path_params"]["token"])
            conversation = runtime.chats.conversation(claims.conversation_id)
            if claims.member_id not in conversation.members:
                raise ApiError.chat_not_found("web chat conversation member")
            await self._sit_out_penalty(claims.member_id)
            most = runtime.settings.max_streams_per_guest
            if runtime.hub.count(conversation.id, claims.member_id) >= most:
                raise too_many_streams(most)
        except ApiError as error:
            logger.info("WS %s denied %d %s", REDACTED_STREAM_PATH, error.status, correlation)
            await websocket.send_denial_response(error.response(correlation))
            return
        if conversation.ended:
            await websocket.accept()
            await websocket.close(*CONVERSATION_ENDED)
            logger.info("WS %s ended conversation %s", REDACTED_STREAM_PATH, conversation.id)
            return
        connection = StreamConnection(
            websocket,
            state.get("abort_transport"),
            conversation.id,
            claims.member_id,
            runtime.settings.stream_max_queued_frames,
            state.get("send_frame_now"),
        )
        # A stream lives no longer than the token that opened it.
        expiry = asyncio.get_running_loop().call_later(
            max(0.0, claims.expires_at - time.time()), connection.close, *TOKEN_EXPIRED
        )
        try:
            await self._serve(connection, conversation)
        finally:
            expiry.cancel()

    async def _sit_out_penalty(self, member_id: str) -> None:
        until = self._penalties.get(member_id)
        if until is None:
            return
        await asyncio.sleep(until - time.monotonic())
        if self._penalties.get(member_id) == until:
            del self._penalties[member_id]

    def _penalize(self, member_id: str) -> None:
        now = time.monotonic()
        if len(self._penalties) >= _PENALTIES_KEPT:
            self._penalties = {m: t for m, t in self._penalties.items() if t > now}
        self._penalties[member_id] = now + PENALTY_SECONDS

    async def _serve(self, connection: StreamConnection, conversation: Conversation) -> None:
        runtime = self.runtime
        # The stream is attached, and the chat routed, before the handshake completes: a client
        # whose connect() has returned can send at once instead of racing the attach. Frames
        # queued meanwhile go out once the sender starts.
        runtime.hub.attach(connection)
        tasks: list[asyncio.Task[None]] = []
        try:
            try:
                await runtime.chats.stream_attached(conversation)
            except ApiError:
                connection.close(*CONVERSATION_ENDED)
            try:
                await connection.websocket.accept()
            except (WebSocketDisconnect, RuntimeError, OSError):
                return  # the client left before its handshake was answered
            tasks.append(asyncio.create_task(connection.run_sender()))
            tasks.append(asyncio.create_task(self._heartbeat(connection)))
            logger.info("WS %s open conversation %s", REDACTED_STREAM_PATH, conversation.id)
            if runtime.faults.take_drop_on_attach(conversation.id):
                connection.abort()
            await self._receive_until_closed(connection)
        finally:
            runtime.hub.detach(connection)
            connection.finished.set()
            for task in tasks:
                task.cancel()
            runtime.chats.stream_detached(conversation)
            logger.info(
                "WS %s closed %s conversation %s",
                REDACTED_STREAM_PATH,
                connection.close_code,
                conversation.id,
            )

    async def _receive_until_closed(self, connection: StreamConnection) -> None:
        receiving = asyncio.create_task(self._receive(connection))
        finished = asyncio.create_task(connection.finished.wait())
        try:
            await asyncio.wait({receiving, finished}, return_when=asyncio.FIRST_COMPLETED)
            if not receiving.done():
                # We closed the stream: give the client a moment to answer the close frame.
                with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                    await asyncio.wait_for(asyncio.shield(receiving), _CLOSE_GRACE_SECONDS)
        finally:
            receiving.cancel()
            finished.cancel()

    async def _receive(self, connection: StreamConnection) -> None:
        websocket = connection.websocket
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    if connection.close_code is None:
                        connection.close_code = message.get("code")
                        if connection.close_code in _LIMIT_CLOSE_CODES:
                            self._penalize(connection.member_id)
                    connection.finished.set()
                    return
                text = message.get("text")
                if text is None and message.get("bytes") is not None:
                    text = message["bytes"].decode("utf-8", "replace")
                if (
                    text is not None
                    and _is_ping(text)
                    and not self.runtime.faults.is_silenced(connection.conversation_id)
                ):
                    connection.push(PONG_FRAME)

    async def _heartbeat(self, connection: StreamConnection) -> None:
        interval = self.runtime.settings.heartbeat_seconds
        while not connection.finished.is_set():
            await asyncio.sleep(interval)
            if not self.runtime.faults.is_silenced(connection.conversation_id):
                connection.push(HEARTBEAT_FRAME)


def too_many_streams(most: int) -> ApiError:
    return ApiError(
        429,
        "too.many.streams",
        "The guest has {maxStreams} event streams open, the most allowed.",
        params={"maxStreams": str(most)},
    )


def _is_ping(text: str) -> bool:
    try:
        data: Any = json.loads(text)
    except ValueError:
        return False
    return isinstance(data, dict) and data.get("message") == "ping"
