"""The Web Messaging door: the guest's WebSocket at ``/v1?deploymentId=...``, one JSON request per
text frame, answered and pushed as the service's envelopes (type, class, code, body)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from ..models import BodyType, MemberRole, format_timestamp
from ..models.web_messaging_protocol import (
    BLOCKED_EXTENSIONS,
    DEFAULT_SESSION_DURATION_SECONDS,
    DEPLOYMENT_ID_PARAMETER,
    MAX_ATTACHMENT_KB,
    MAX_CUSTOM_DATA_BYTES,
    MAX_TEXT_BYTES,
    Action,
    Direction,
    ErrorCode,
    FrameClass,
    FrameType,
    MessageType,
    OriginatingEntity,
    custom_attributes_too_large_message,
    text_too_long_message,
)
from .api_error import ApiError
from .records import Conversation, Message, new_id
from .runtime import Runtime
from .web_messaging_sessions import Session, WebMessagingSessions
from .wire_json import dumps

logger = logging.getLogger("purecloud_guest_chat_client.emulator.requests")

_ALLOWED_MEDIA: dict[str, Any] = {
    "inbound": {"fileTypes": [{"type": "*/*"}], "maxFileSizeKB": MAX_ATTACHMENT_KB}
}


_ACTIONS = frozenset(Action)


def _frame(
    frame_type: str, frame_class: str, body: Any, tracing_id: str | None, code: int = 200
) -> str:
    frame: dict[str, Any] = {"type": frame_type, "class": frame_class, "code": code, "body": body}
    if tracing_id is not None:
        frame["tracingId"] = tracing_id
    return dumps(frame)


def _string_error(code: int, text: str, tracing_id: str | None) -> str:
    return _frame(FrameType.RESPONSE, FrameClass.STRING, text, tracing_id, code)


class _Refused(Exception):
    """A request answered with a ``string`` error frame; the connection stays open."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


class _Connection:
    """One guest WebSocket: its outbox, written by one sender task in order."""

    def __init__(self, websocket: WebSocket, deployment_id: str) -> None:
        self.websocket = websocket
        self.deployment_id = deployment_id
        self.outbox: asyncio.Queue[str] = asyncio.Queue()
        self.session: Session | None = None

    def push(self, text: str) -> None:
        self.outbox.put_nowait(text)

    async def run_sender(self) -> None:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
            while True:
                await self.websocket.send_text(await self.outbox.get())

    def deliver(self, conversation: Conversation, message: Message) -> None:
        """An agent's message, as the guest sees it."""
        if message.sender_role == MemberRole.CUSTOMER or message.body_type != BodyType.STANDARD:
            return
        sender = conversation.committed_members.get(message.sender_id)
        is_bot = sender is not None and sender.is_bot
        nickname = str(sender.profile.get("displayName") or "Agent") if sender else "Agent"
        body = {
            "id": message.id,
            "type": MessageType.TEXT,
            "text": message.body,
            "direction": Direction.OUTBOUND,
            "channel": {
                "time": format_timestamp(message.timestamp),
                "from": {"nickname": nickname},
            },
            "originatingEntity": OriginatingEntity.BOT if is_bot else OriginatingEntity.HUMAN,
        }
        self.push(_frame(FrameType.MESSAGE, FrameClass.STRUCTURED_MESSAGE, body, None))


Handler = Callable[[_Connection, Session, dict[str, Any], str | None], Awaitable[None]]
"""An action of a configured session: (connection, its session, the request, its tracingId)."""

Opener = Callable[[_Connection, Session | None, dict[str, Any], str | None], Awaitable[None]]
"""An action that (re)configures the connection's session, which may not be there yet."""


class WebMessagingEndpoint:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        deployments = runtime.centre.deployments

        def organization_for(deployment_id: str) -> str | None:
            deployment = (deployments or {}).get(deployment_id)
            return deployment.organization_id if deployment else None

        self.sessions = WebMessagingSessions(runtime.chats, organization_for)
        # One entry per action: a new action is a new line here and a handler, never a new
        # branch in the dispatch.
        self.openers: dict[str, Opener] = {Action.CONFIGURE_SESSION: self._configure}
        self.handlers: dict[str, Handler] = {
            Action.ON_MESSAGE: self._on_message,
            Action.ECHO: self._echo,
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        correlation = str(scope.get("state", {}).get("correlation_id") or new_id())
        deployment_id = websocket.query_params.get(DEPLOYMENT_ID_PARAMETER, "").strip()
        if not deployment_id:
            logger.info("WS /v1 denied 400 %s", correlation)
            error = ApiError.bad_request(f"The {DEPLOYMENT_ID_PARAMETER} parameter is required.")
            await websocket.send_denial_response(error.response(correlation))
            return
        await websocket.accept()
        connection = _Connection(websocket, deployment_id)
        sender = asyncio.create_task(connection.run_sender())
        try:
            await self._receive(connection)
        finally:
            if connection.session is not None:
                connection.session.connections.discard(connection)
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sender

    async def _receive(self, connection: _Connection) -> None:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
            while True:
                message = await connection.websocket.receive()
                if message["type"] == "websocket.disconnect":
                    return
                tracing_id: str | None = None
                try:
                    request = _request(message.get("text"))
                    tracing = request.get("tracingId")
                    tracing_id = tracing if isinstance(tracing, str) else None
                    await self._handle(connection, request, tracing_id)
                except _Refused as refused:
                    connection.push(_string_error(refused.code, refused.text, tracing_id))
                except ApiError as error:  # the conversation ended or cannot take the message
                    connection.push(_string_error(ErrorCode.BAD_REQUEST, error.message, tracing_id))

    async def _handle(
        self, connection: _Connection, request: dict[str, Any], tracing_id: str | None
    ) -> None:
        action = request.get("action")
        token = request.get("token")
        if not isinstance(token, str) or not token.strip():
            raise _Refused(ErrorCode.BAD_REQUEST, "The request has no token.")
        if not isinstance(action, str) or action not in _ACTIONS:
            raise _Refused(ErrorCode.BAD_REQUEST, f"Unknown action {str(action)[:64]!r}.")
        opener = self.openers.get(action)
        if opener is not None:
            await opener(connection, connection.session, request, tracing_id)
            return
        session = connection.session
        if session is None:
            raise _Refused(ErrorCode.BAD_REQUEST, "Configure the session first.")
        handler = self.handlers.get(action)
        if handler is None:
            raise _Refused(ErrorCode.FEATURE_UNAVAILABLE, f"{action} is not served yet.")
        await handler(connection, session, request, tracing_id)

    async def _configure(
        self,
        connection: _Connection,
        current: Session | None,
        request: dict[str, Any],
        tracing_id: str | None,
    ) -> None:
        asked = request.get("deploymentId")
        if asked is not None and asked != connection.deployment_id:
            raise _Refused(ErrorCode.BAD_REQUEST, "The deploymentId is not the connection's.")
        session, new = await self.sessions.configure(request["token"], connection.deployment_id)
        if current is not None and current is not session:
            current.connections.discard(connection)
        connection.session = session
        session.connections.add(connection)
        body = {
            "connected": True,
            "newSession": new,
            "readOnly": False,
            "maxCustomDataBytes": MAX_CUSTOM_DATA_BYTES,
            "allowedMedia": _ALLOWED_MEDIA,
            "blockedExtensions": list(BLOCKED_EXTENSIONS),
            "clearedExistingSession": False,
            "durationSeconds": DEFAULT_SESSION_DURATION_SECONDS,
            "expirationDate": int(session.expires_at),
        }
        connection.push(_frame(FrameType.RESPONSE, FrameClass.SESSION_RESPONSE, body, tracing_id))

    async def _on_message(
        self,
        connection: _Connection,
        session: Session,
        request: dict[str, Any],
        tracing_id: str | None,
    ) -> None:
        message = request.get("message")
        if not isinstance(message, dict):
            raise _Refused(ErrorCode.BAD_REQUEST, "The request has no message.")
        if message.get("type") != MessageType.TEXT:
            raise _Refused(ErrorCode.FEATURE_UNAVAILABLE, "Only Text messages are served yet.")
        text = message.get("text")
        if not isinstance(text, str) or not text:
            raise _Refused(ErrorCode.BAD_REQUEST, "The message has no text.")
        length = len(text.encode("utf-8"))
        if length > MAX_TEXT_BYTES:
            raise _Refused(ErrorCode.MESSAGE_TOO_LONG, text_too_long_message(length))
        size = _custom_attributes_size(message) + _custom_attributes_size(request)
        if size > MAX_CUSTOM_DATA_BYTES:
            raise _Refused(
                ErrorCode.CUSTOM_ATTRIBUTES_TOO_LARGE, custom_attributes_too_large_message(size)
            )
        stored = await self.sessions.guest_says(session, text)
        body = {
            "id": stored.id,
            "type": MessageType.TEXT,
            "text": stored.body,
            "direction": Direction.INBOUND,
            "channel": {"time": format_timestamp(stored.timestamp), "messageId": new_id()},
            "originatingEntity": OriginatingEntity.HUMAN,
        }
        echo = _frame(FrameType.MESSAGE, FrameClass.STRUCTURED_MESSAGE, body, tracing_id)
        for receiver in tuple(session.connections):
            receiver.push(echo)

    async def _echo(
        self,
        connection: _Connection,
        session: Session,
        request: dict[str, Any],
        tracing_id: str | None,
    ) -> None:
        connection.push(_echo_answer(session, request, tracing_id))


def _request(text: str | None) -> dict[str, Any]:
    if text is None:
        raise _Refused(ErrorCode.BAD_REQUEST, "Frames must be JSON text, not binary.")
    try:
        data: Any = json.loads(text)
    except ValueError:
        raise _Refused(ErrorCode.BAD_REQUEST, "The frame is not JSON.") from None
    if not isinstance(data, dict):
        raise _Refused(ErrorCode.BAD_REQUEST, "The frame is not a JSON object.")
    return data


def _custom_attributes_size(holder: dict[str, Any]) -> int:
    """Keys plus values, in UTF-8 bytes, of ``channel.metadata.customAttributes``."""
    channel = holder.get("channel")
    metadata = channel.get("metadata") if isinstance(channel, dict) else None
    attributes = metadata.get("customAttributes") if isinstance(metadata, dict) else None
    if not isinstance(attributes, dict):
        return 0
    return sum(
        len(str(key).encode("utf-8")) + len(str(value).encode("utf-8"))
        for key, value in attributes.items()
    )


def _echo_answer(session: Session, request: dict[str, Any], tracing_id: str | None) -> str:
    """The health check: answered to this connection only, and not stored."""
    message = request.get("message")
    text = message.get("text") if isinstance(message, dict) else None
    body = {
        "id": new_id(),
        "type": MessageType.TEXT,
        "text": text if isinstance(text, str) else "ping",
        "direction": Direction.INBOUND,
        "metadata": {
            "durationSeconds": str(DEFAULT_SESSION_DURATION_SECONDS),
            "expirationDate": str(int(session.expires_at)),
        },
    }
    return _frame(FrameType.RESPONSE, FrameClass.STRUCTURED_MESSAGE, body, tracing_id)
