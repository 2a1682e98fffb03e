"""The Web Messaging door: the guest's WebSocket at ``/v1?deploymentId=...``, one JSON request per
text frame, answered and pushed as the service's envelopes (type, class, code, body).

Requests are dispatched by tables: ``openers`` for the actions that (re)configure the
connection's session, ``handlers`` for those of a configured session, and ``inbound_content``
for the content items of a guest's message, by ``contentType``. A new action or content type is
an entry there and its handler. A handler refuses a request by raising ``_Refused`` (a ``string``
error frame with the request's tracingId); the connection stays open.

What happens in the conversation (agent messages, typing, the agent's end) reaches the door
through ``web_messaging_sessions.SessionEvents``, which the endpoint implements.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from ..models import BodyType, MemberRole, format_timestamp
from ..models.web_messaging_protocol import (
    AGENT_TYPING_DURATION_MS,
    AUTHENTICATED_METADATA,
    BLOCKED_EXTENSIONS,
    CANNOT_DOWNGRADE_MESSAGE,
    CLEAR_DISABLED_MESSAGE,
    DEPLOYMENT_ID_PARAMETER,
    HEALTH_CHECK_RATE_TOO_HIGH_MESSAGE,
    HEALTH_CHECKS_PER_CONNECTION_PER_MINUTE,
    INBOUND_FILE_TYPES,
    MAX_ATTACHMENT_KB,
    MAX_CUSTOM_DATA_BYTES,
    MAX_TEXT_BYTES,
    RATE_TOO_HIGH_MESSAGE,
    READ_ONLY_MESSAGE,
    READ_ONLY_METADATA,
    REQUEST_RATE_TOO_HIGH_MESSAGE,
    REQUESTS_PER_CONNECTION_PER_MINUTE,
    SESSION_EXPIRED_MESSAGE,
    SESSION_NOT_FOUND_MESSAGE,
    SIGNED_IN_REASON,
    TYPING_DISABLED_MESSAGE,
    UNAUTHORIZED_MESSAGE,
    UPGRADE_NOT_ALLOWED_MESSAGE,
    Action,
    ContentType,
    Direction,
    DisconnectType,
    ErrorCode,
    EventType,
    FrameClass,
    FrameType,
    MessageType,
    OriginatingEntity,
    PresenceType,
    TypingType,
    custom_attributes_too_large_message,
    text_too_long_message,
)
from .api_error import ApiError
from .contact_centre import Deployment
from .rate_limiter import SlidingWindow
from .records import Conversation, Member, Message, new_id, utc_now
from .routes_web_messaging_rest import service_base_url
from .runtime import Runtime
from .stream_hub import SERVICE_STOPPING, StreamConnection, StreamHub
from .token_authority import load_or_create_key
from .web_messaging_attachments import AttachmentRefused, UrlSigner, WebMessagingAttachments
from .web_messaging_auth import SignedIn, WebMessagingSignIns, session_jwt
from .web_messaging_messages import inbound_body, nickname, originating_entity, outbound_body
from .web_messaging_sessions import (
    Expired,
    Receiver,
    Session,
    WebMessagingSessions,
    token_key,
)
from .wire_json import dumps

logger = logging.getLogger("purecloud_guest_chat_client.emulator.requests")

_ALLOWED_MEDIA: dict[str, Any] = {
    "inbound": {
        "fileTypes": [{"type": file_type} for file_type in INBOUND_FILE_TYPES],
        "maxFileSizeKB": MAX_ATTACHMENT_KB,
    }
}
_MESSAGE_TYPES = frozenset(MessageType)
_ACTIONS = frozenset(Action)
_DEFAULT_DEPLOYMENT = Deployment(id="")
"""What a deployment the contact centre does not configure allows: everything."""


def _frame(
    frame_type: str, frame_class: str, body: Any, tracing_id: str | None, code: int = 200
) -> str:
    frame: dict[str, Any] = {"type": frame_type, "class": frame_class, "code": code, "body": body}
    if tracing_id is not None:
        frame["tracingId"] = tracing_id
    return dumps(frame)


def _string_error(code: int, text: str, tracing_id: str | None) -> str:
    return _frame(FrameType.RESPONSE, FrameClass.STRING, text, tracing_id, code)


def _too_many_requests(retry_after: int, message: str, tracing_id: str | None) -> str:
    body = {
        "retryAfter": retry_after,
        "errorCode": ErrorCode.RATE_TOO_HIGH,
        "errorMessage": message,
    }
    return _frame(
        FrameType.RESPONSE,
        FrameClass.TOO_MANY_REQUESTS_ERROR_MESSAGE,
        body,
        tracing_id,
        ErrorCode.TOO_MANY_REQUESTS,
    )


def _event(frame_class: str, frame_type: str = FrameType.MESSAGE) -> str:
    """A bodiless event frame (``{}``), such as ``ConnectionClosedEvent``."""
    return _frame(frame_type, frame_class, {}, None)


class _Refused(Exception):
    """A request answered with a ``string`` error frame; the connection stays open."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


class _HubPresence(StreamConnection):
    """A Web Messaging connection as the stream hub sees it, beside the Guest Chat streams of
    its conversation, so the control API's fault injection drops it (``dropStreams``) and sends
    it raw frames (``rawFrames``), and the service's stop closes it (1012), as it does them. The
    hub's Guest Chat frames are not for it, and the end of the conversation does not close it:
    the session goes on, read-only."""

    def __init__(self, connection: _Connection, conversation: Conversation) -> None:
        super().__init__(
            connection.websocket,
            connection.abort_transport,
            conversation.id,
            conversation.guest_id,
            max_queued=1,
        )
        self.connection = connection

    def push(self, text: str) -> None:
        pass

    def inject(self, text: str) -> None:
        self.connection.push(text)

    def close(self, code: int, reason: str) -> None:
        if (code, reason) == SERVICE_STOPPING:
            self.connection.close(code)


class _Connection:
    """One guest WebSocket: its outbox, written by one sender task in order."""

    def __init__(
        self,
        websocket: WebSocket,
        deployment: Deployment,
        deployment_id: str,
        hub: StreamHub,
        abort_transport: Callable[[], None] | None,
    ) -> None:
        self.websocket = websocket
        self.deployment = deployment
        self.deployment_id = deployment_id
        self.abort_transport = abort_transport
        self.outbox: asyncio.Queue[str | int] = asyncio.Queue()
        self.session: Session | None = None
        self.closing = False
        # The connection's own limits, beside its session's message rate.
        self.requests = SlidingWindow(REQUESTS_PER_CONNECTION_PER_MINUTE, 60.0)
        self.health_checks = SlidingWindow(HEALTH_CHECKS_PER_CONNECTION_PER_MINUTE, 60.0)
        self._hub = hub
        self._presence: _HubPresence | None = None

    def bind(self, session: Session | None) -> None:
        """The connection belongs to ``session`` (and its conversation) from now on, or to
        none."""
        if self.session is not None and self.session is not session:
            self.session.detach(self)
        self.session = session
        conversation = session.conversation if session is not None else None
        presence = self._presence
        if presence is not None and (
            conversation is None or presence.conversation_id != conversation.id
        ):
            self._hub.detach(presence)
            presence.finished.set()
            self._presence = None
        if conversation is not None and self._presence is None:
            self._presence = _HubPresence(self, conversation)
            self._hub.attach(self._presence)

    def push(self, text: str) -> None:
        if not self.closing:
            self.outbox.put_nowait(text)

    def abort(self) -> None:
        """Cuts the connection with no close frame, as a network failure would."""
        if self.abort_transport is not None:
            self.abort_transport()

    def close(self, code: int = 1000) -> None:
        """Closes the connection with ``code`` once what is queued for it has been sent."""
        if not self.closing:
            self.closing = True
            self.outbox.put_nowait(code)

    async def run_sender(self) -> None:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
            while isinstance(text := await self.outbox.get(), str):
                await self.websocket.send_text(text)
            await self.websocket.close(text)


Handler = Callable[[_Connection, Session, dict[str, Any], str | None], Awaitable[None]]
"""An action of a configured session: (connection, its session, the request, its tracingId)."""

Opener = Callable[[_Connection, Session | None, dict[str, Any], str | None], Awaitable[None]]
"""An action that (re)configures the connection's session, which may not be there yet."""

ContentReader = Callable[[Session, dict[str, Any]], Awaitable[tuple[dict[str, Any], str]]]
"""A content item of a guest's message, by its contentType: (the item as the echo shows it, the
text it stands for in the conversation, which may be empty); refuses a bad one."""


class WebMessagingEndpoint:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        deployments = runtime.centre.deployments

        def deployment_of(deployment_id: str) -> Deployment:
            found = (deployments or {}).get(deployment_id)
            return found if found is not None else _DEFAULT_DEPLOYMENT

        def organization_for(deployment_id: str) -> str | None:
            return deployment_of(deployment_id).organization_id

        def read_only_after_end(deployment_id: str) -> bool:
            return deployment_of(deployment_id).conversation_disconnect == DisconnectType.READ_ONLY

        self._deployment_of = deployment_of
        self.sessions = WebMessagingSessions(
            runtime.chats,
            runtime.store,
            organization_for,
            read_only_after_end,
            runtime.settings.web_messaging_session_seconds,
            self,
        )
        signing_key = load_or_create_key(runtime.store)
        self.attachments = WebMessagingAttachments(runtime.store, UrlSigner(signing_key))
        self.signins = WebMessagingSignIns(runtime.store, signing_key)
        # The Guest Chat door's rate-limit setting switches this door's limits too: 0 turns
        # them all off (the load tests and benchmarks run so).
        self.rate_limited = runtime.settings.rate_limit_per_minute > 0
        # One entry per action: a new action is a new line here and a handler, never a new
        # branch in the dispatch.
        self.openers: dict[str, Opener] = {
            Action.CONFIGURE_SESSION: self._configure,
            Action.CONFIGURE_AUTHENTICATED_SESSION: self._configure_authenticated,
        }
        self.handlers: dict[str, Handler] = {
            Action.ON_MESSAGE: self._on_message,
            Action.ECHO: self._echo,
            Action.CLOSE_SESSION: self._close_session,
            Action.GET_CONFIGURATION: self._get_configuration,
            Action.GET_JWT: self._get_jwt,
            Action.ON_ATTACHMENT: self._on_attachment,
            Action.GET_ATTACHMENT: self._get_attachment,
            Action.DELETE_ATTACHMENT: self._delete_attachment,
        }
        self.inbound_content: dict[str, ContentReader] = {
            ContentType.BUTTON_RESPONSE: self._read_button_response,
            ContentType.ATTACHMENT: self._read_attachment,
        }

    async def started(self) -> None:
        """On the serving loop, before the first connection: the stored sessions go on."""
        await self.sessions.start()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        correlation = str(scope.get("state", {}).get("correlation_id") or new_id())
        deployment_id = websocket.query_params.get(DEPLOYMENT_ID_PARAMETER, "").strip()
        if not deployment_id:
            logger.info("WS /v1 denied 400 %s", correlation)
            error = ApiError.bad_request(f"The {DEPLOYMENT_ID_PARAMETER} parameter is required.")
            await websocket.send_denial_response(error.response(correlation))
            return
        deployment = self._deployment_of(deployment_id)
        if not deployment.allows_origin(websocket.headers.get("origin")):
            logger.info("WS /v1 denied 403 %s", correlation)
            await websocket.send_denial_response(
                ApiError.origin_not_allowed().response(correlation)
            )
            return
        await websocket.accept()
        connection = _Connection(
            websocket,
            deployment,
            deployment_id,
            self.runtime.hub,
            scope.get("state", {}).get("abort_transport"),
        )
        sender = asyncio.create_task(connection.run_sender())
        try:
            await self._receive(connection)
        finally:
            connection.bind(None)
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
                    try:
                        request = _request(message.get("text"))
                    except _Refused:
                        self._take_request_rate(connection)  # a bad frame is a request too
                        raise
                    tracing = request.get("tracingId")
                    tracing_id = tracing if isinstance(tracing, str) else None
                    self._take_request_rate(connection)
                    latency_ms = self.runtime.faults.latency_ms
                    if latency_ms:  # fault injection: every answer is late
                        await asyncio.sleep(latency_ms / 1000)
                    await self._handle(connection, request, tracing_id)
                except AttachmentRefused as refused:
                    connection.push(_attachment_refusal(refused, tracing_id))
                except _RateLimited as limited:
                    frame = _too_many_requests(limited.retry_after, limited.text, tracing_id)
                    connection.push(frame)
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
        if token_key(token) != session.key:
            if self.sessions.get(token, time.time()) is None:
                raise _Refused(ErrorCode.SESSION_NOT_FOUND, SESSION_NOT_FOUND_MESSAGE)
            raise _Refused(ErrorCode.BAD_REQUEST, "The token is not this connection's session.")
        handler = self.handlers.get(action)
        if handler is None:
            raise _Refused(ErrorCode.FEATURE_UNAVAILABLE, f"{action} is not served yet.")
        if session.expired(time.time()):
            connection.push(
                _frame(FrameType.RESPONSE, FrameClass.SESSION_EXPIRED_EVENT, {}, tracing_id)
            )
            await self.sessions.expire(session)
            return
        await handler(connection, session, request, tracing_id)

    # -- what happens in the conversation, as the guest sees it ------------------------------

    def said(self, session: Session, conversation: Conversation, message: Message) -> None:
        """An agent's or bot's message goes to every connection of the session."""
        if message.sender_role == MemberRole.CUSTOMER or message.body_type != BodyType.STANDARD:
            return
        content = self.runtime.chats.structured_content.get(message.id)
        body = outbound_body(conversation, message, content)
        session.push(_frame(FrameType.MESSAGE, FrameClass.STRUCTURED_MESSAGE, body, None))

    def typing(self, session: Session, member: Member) -> None:
        event = {
            "eventType": EventType.TYPING,
            "typing": {"type": TypingType.ON, "duration": AGENT_TYPING_DURATION_MS},
        }
        session.push(_outbound_event(event, member))

    def ended(self, session: Session) -> None:
        """The agent's end: a Presence Disconnect, marked read-only when it made it so."""
        event = {"eventType": EventType.PRESENCE, "presence": {"type": PresenceType.DISCONNECT}}
        metadata = {READ_ONLY_METADATA: "true"} if session.read_only else None
        agents = session.conversation.committed_members.values()
        last_agent = next((m for m in reversed(agents) if m.is_agent), None)
        session.push(_outbound_event(event, last_agent, metadata))

    # -- the actions -------------------------------------------------------------------------

    def logged_out(self, session: Session) -> None:
        """The signed-in guest logged out (the REST revoke)."""
        session.push(_event(FrameClass.LOGOUT_EVENT))

    async def _configure(
        self,
        connection: _Connection,
        current: Session | None,
        request: dict[str, Any],
        tracing_id: str | None,
        signed: SignedIn | None = None,
    ) -> None:
        if signed is None and self.signins.signed_in(token_key(request["token"])):
            raise _Refused(ErrorCode.CANNOT_DOWNGRADE, CANNOT_DOWNGRADE_MESSAGE)
        asked = request.get("deploymentId")
        if asked is not None and asked != connection.deployment_id:
            raise _Refused(ErrorCode.BAD_REQUEST, "The deploymentId is not the connection's.")
        deployments = self.runtime.centre.deployments
        if deployments is not None:
            deployment = deployments.get(connection.deployment_id)
            if deployment is None or not deployment.enabled:
                raise _Refused(ErrorCode.FORBIDDEN, "The deployment is not known or not active.")
        start_new = request.get("startNew", False)
        if not isinstance(start_new, bool):
            raise _Refused(ErrorCode.BAD_REQUEST, "startNew must be true or false.")
        key = token_key(request["token"])
        if signed is not None and not connection.deployment.allow_session_upgrade:
            known = self.sessions.get(request["token"], time.time())
            if known is not None and not self.signins.signed_in(key):
                raise _Refused(ErrorCode.FORBIDDEN, UPGRADE_NOT_ALLOWED_MESSAGE)
        try:
            session, new = await self.sessions.configure(
                request["token"], connection.deployment_id, start_new=start_new
            )
        except Expired:
            raise _Refused(ErrorCode.SESSION_EXPIRED, SESSION_EXPIRED_MESSAGE) from None
        signing_in = signed is not None and not self.signins.signed_in(key)
        replaced = await self.signins.sign_in(session, signed) if signed is not None else []
        for other in replaced:  # the user signed in here: the session elsewhere is closed
            for receiver in tuple(other.connections):
                _closed_by_service(receiver, SIGNED_IN_REASON)
        connection.bind(session)
        evicted = session.attach(connection)
        if evicted is not None:
            _closed_by_service(evicted)  # the session has one connection too many: the oldest
        _rebind(session)  # after startNew, its connections are in the new conversation
        if signing_in and signed is not None:
            # The session is the user's from now on (new, or stepped up): every connection of
            # it is told who signed in, before the configure's answer.
            session.push(_sign_in_event(signed.user_name))
        body = self._session_body(session, connected=True, new=new)
        body["clearedExistingSession"] = bool(replaced)
        connection.push(_frame(FrameType.RESPONSE, FrameClass.SESSION_RESPONSE, body, tracing_id))
        if self.runtime.faults.take_drop_on_attach(session.conversation.id):
            connection.abort()  # fault injection (dropStreams with a count)

    async def _configure_authenticated(
        self,
        connection: _Connection,
        current: Session | None,
        request: dict[str, Any],
        tracing_id: str | None,
    ) -> None:
        """A configure with the JWT of the code exchange (``data.code``): a new session, or the
        same one stepped up to the signed-in user."""
        data = request.get("data")
        code = data.get("code") if isinstance(data, dict) else None
        if not isinstance(code, str) or not code:
            raise _Refused(ErrorCode.BAD_REQUEST, "data.code must hold the sign-in JWT.")
        try:
            signed = self.signins.verify(code)
        except ApiError:
            raise _Refused(ErrorCode.UNAUTHORIZED, UNAUTHORIZED_MESSAGE) from None
        if signed.deployment_id != connection.deployment_id:
            raise _Refused(ErrorCode.UNAUTHORIZED, UNAUTHORIZED_MESSAGE)
        await self._configure(connection, current, request, tracing_id, signed)

    def _session_body(self, session: Session, *, connected: bool, new: bool) -> dict[str, Any]:
        return {
            "connected": connected,
            "newSession": new,
            "readOnly": session.read_only,
            "maxCustomDataBytes": MAX_CUSTOM_DATA_BYTES,
            "allowedMedia": _ALLOWED_MEDIA,
            "blockedExtensions": list(BLOCKED_EXTENSIONS),
            "clearedExistingSession": False,
            "durationSeconds": self.sessions.duration_seconds,
            "expirationDate": int(session.expires_at),
        }

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
        message_type = message.get("type", MessageType.TEXT)
        if message_type not in _MESSAGE_TYPES:
            raise _Refused(
                ErrorCode.BAD_REQUEST, f"Unknown message type {str(message_type)[:32]!r}."
            )
        size = _custom_attributes_size(message) + _custom_attributes_size(request)
        if size > MAX_CUSTOM_DATA_BYTES:
            raise _Refused(
                ErrorCode.CUSTOM_ATTRIBUTES_TOO_LARGE, custom_attributes_too_large_message(size)
            )
        if message_type == MessageType.EVENT:
            events = _events(message)
            if session.read_only and not _is_clear(events):
                raise _Refused(ErrorCode.FORBIDDEN, READ_ONLY_MESSAGE)
            self._take_rate(session)
            await self._guest_events(connection, session, events, tracing_id)
            return
        if session.read_only:
            raise _Refused(ErrorCode.FORBIDDEN, READ_ONLY_MESSAGE)
        text = message.get("text", "")
        if not isinstance(text, str):
            raise _Refused(ErrorCode.BAD_REQUEST, "The message's text must be a string.")
        length = len(text.encode("utf-8"))
        if length > MAX_TEXT_BYTES:
            raise _Refused(ErrorCode.MESSAGE_TOO_LONG, text_too_long_message(length))
        content, answer = await self._inbound_content(session, message)
        if not text and not content:
            raise _Refused(ErrorCode.BAD_REQUEST, "The message has no text.")
        # In the conversation, a message that is only content stands for what its items say.
        stored_text = text or answer
        self._take_rate(session)
        stored_text = self.attachments.with_notes(stored_text, content)
        stored = await self.sessions.guest_says(session, stored_text)
        _rebind(session)  # a message after a Send-type end starts a new conversation
        await self.attachments.sent(content, stored.id)
        body = inbound_body(
            stored,
            message_type=message_type,
            text=text,
            content=content,
            metadata=self.signins.metadata(session.key),
        )
        session.push(_frame(FrameType.MESSAGE, FrameClass.STRUCTURED_MESSAGE, body, tracing_id))

    async def _inbound_content(
        self, session: Session, message: dict[str, Any]
    ) -> tuple[list[dict[str, Any]], str]:
        """The guest's content items as echoed, and the text they stand for (joined)."""
        content = message.get("content")
        if content is None:
            return [], ""
        if not isinstance(content, list):
            raise _Refused(ErrorCode.BAD_REQUEST, "The message's content must be a list.")
        echoed, texts = [], []
        for item in content:
            kind = item.get("contentType") if isinstance(item, dict) else None
            reader = self.inbound_content.get(kind) if isinstance(kind, str) else None
            if reader is None:
                raise _Refused(
                    ErrorCode.FEATURE_UNAVAILABLE,
                    f"Content of type {str(kind)[:32]!r} is not served.",
                )
            shown, text = await reader(session, item)
            echoed.append(shown)
            if text:
                texts.append(text)
        return echoed, ", ".join(texts)

    async def _read_attachment(
        self, session: Session, item: dict[str, Any]
    ) -> tuple[dict[str, Any], str]:
        # No text of its own: agents see the attachment as a line after the guest's text.
        attachment = self.attachments.checked(session.conversation.id, item)
        return self.attachments.content(attachment), ""

    async def _read_button_response(
        self, session: Session, item: dict[str, Any]
    ) -> tuple[dict[str, Any], str]:
        return item, _button_response(item)

    def _take_rate(self, session: Session) -> None:
        """Counts one message of the session, or refuses it (not processed) over the rate."""
        self._take(session.message_rate, RATE_TOO_HIGH_MESSAGE)

    def _take_request_rate(self, connection: _Connection) -> None:
        """Counts one request of the connection, or refuses it (not processed) over the rate."""
        self._take(connection.requests, REQUEST_RATE_TOO_HIGH_MESSAGE)

    def _take(self, window: SlidingWindow, refusal: str) -> None:
        if self.rate_limited:
            retry_after = window.retry_after(time.monotonic())
            if retry_after is not None:
                raise _RateLimited(retry_after, refusal)

    async def _guest_events(
        self,
        connection: _Connection,
        session: Session,
        events: list[dict[str, Any]],
        tracing_id: str | None,
    ) -> None:
        for event in events:
            if event["eventType"] == EventType.TYPING:
                if not connection.deployment.user_typing:
                    raise _Refused(ErrorCode.FORBIDDEN, TYPING_DISABLED_MESSAGE)
                # Typing is shown to the agent (as a Guest Chat guest's is), not echoed; Off
                # has nothing to show: the agent side's indicator times out by itself.
                if event["typing"]["type"] == TypingType.ON:
                    self.sessions.guest_typing(session)
                continue
            presence = event["presence"]["type"]
            if presence == PresenceType.CLEAR:
                if not connection.deployment.conversation_clear:
                    raise _Refused(ErrorCode.FORBIDDEN, CLEAR_DISABLED_MESSAGE)
                await self._clear(session, event, tracing_id)
                return
            # A Join (the deployment's autoStart) or another presence: echoed, as the
            # conversation has started with the configure already.
            session.push(_inbound_event(event, tracing_id))

    async def _clear(self, session: Session, event: dict[str, Any], tracing_id: str | None) -> None:
        """The guest wipes the session: the echo, SessionClearedEvent, the conversation ends for
        the agent (the guest left), then every connection is closed."""
        session.push(_inbound_event(event, tracing_id))
        session.push(_event(FrameClass.SESSION_CLEARED_EVENT))
        await self.sessions.clear(session)
        for receiver in tuple(session.connections):
            _closed_by_service(receiver)

    async def _echo(
        self,
        connection: _Connection,
        session: Session,
        request: dict[str, Any],
        tracing_id: str | None,
    ) -> None:
        """The health check: answered to this connection only, and not stored; a silenced
        conversation (fault injection) leaves it unanswered, as a half-dead connection would."""
        self._take(connection.health_checks, HEALTH_CHECK_RATE_TOO_HIGH_MESSAGE)
        if self.runtime.faults.is_silenced(session.conversation.id):
            return
        message = request.get("message")
        text = message.get("text") if isinstance(message, dict) else None
        body = {
            "id": new_id(),
            "type": MessageType.TEXT,
            "text": text if isinstance(text, str) else "ping",
            "direction": Direction.INBOUND,
            "metadata": {
                "durationSeconds": str(self.sessions.duration_seconds),
                "expirationDate": str(int(session.expires_at)),
            },
        }
        connection.push(_frame(FrameType.RESPONSE, FrameClass.STRUCTURED_MESSAGE, body, tracing_id))

    async def _close_session(
        self,
        connection: _Connection,
        session: Session,
        request: dict[str, Any],
        tracing_id: str | None,
    ) -> None:
        """The connection leaves the session (with ``closeAllConnections``, every other one is
        closed); the conversation goes on for the agent."""
        close_all = request.get("closeAllConnections", False)
        if not isinstance(close_all, bool):
            raise _Refused(ErrorCode.BAD_REQUEST, "closeAllConnections must be true or false.")
        if close_all:
            for receiver in tuple(session.connections):
                if receiver is not connection:
                    _closed_by_service(receiver)
        connection.bind(None)
        body = self._session_body(session, connected=False, new=False)
        connection.push(_frame(FrameType.RESPONSE, FrameClass.SESSION_RESPONSE, body, tracing_id))

    async def _get_configuration(
        self,
        connection: _Connection,
        session: Session,
        request: dict[str, Any],
        tracing_id: str | None,
    ) -> None:
        body = {
            "allowedMedia": _ALLOWED_MEDIA,
            "blockedExtensions": list(BLOCKED_EXTENSIONS),
            "maxCustomDataBytes": MAX_CUSTOM_DATA_BYTES,
            "messageRoutingEnabled": True,
            "sessionDurationSeconds": self.sessions.duration_seconds,
        }
        frame = _frame(FrameType.RESPONSE, FrameClass.GET_CONFIGURATION_RESPONSE, body, tracing_id)
        connection.push(frame)

    async def _get_jwt(
        self,
        connection: _Connection,
        session: Session,
        request: dict[str, Any],
        tracing_id: str | None,
    ) -> None:
        jwt = session_jwt(self.runtime.chats.tokens, session.conversation)
        connection.push(_frame(FrameType.RESPONSE, FrameClass.JWT_RESPONSE, jwt, tracing_id))

    async def _on_attachment(
        self,
        connection: _Connection,
        session: Session,
        request: dict[str, Any],
        tracing_id: str | None,
    ) -> None:
        """An upload URL, or the refusal: a ``GenerateUrlError`` when the client asks for its
        errors as JSON (``errorsAsJson: true``, as the vendor's mobile client does), else a
        ``string`` error frame of the same code, the message as its body."""

        def notify(frame_class: str, body: dict[str, Any]) -> None:
            session.push(_frame(FrameType.MESSAGE, frame_class, body, None))

        errors_as_json = request.get("errorsAsJson", False)
        if not isinstance(errors_as_json, bool):
            raise _Refused(ErrorCode.BAD_REQUEST, "errorsAsJson must be true or false.")
        base_url = service_base_url(connection.websocket, self.runtime.settings)
        try:
            answer = self.attachments.request_upload(
                session.conversation.id, request, base_url, notify
            )
        except AttachmentRefused as refused:
            if refused.generate_url_error and not errors_as_json:
                raise _Refused(refused.code, refused.text) from None
            raise
        frame_class = FrameClass.PRESIGNED_URL_RESPONSE
        connection.push(_frame(FrameType.RESPONSE, frame_class, answer, tracing_id))

    async def _get_attachment(
        self,
        connection: _Connection,
        session: Session,
        request: dict[str, Any],
        tracing_id: str | None,
    ) -> None:
        base_url = service_base_url(connection.websocket, self.runtime.settings)
        answer = self.attachments.download(session.conversation.id, request, base_url)
        frame_class = FrameClass.PRESIGNED_URL_RESPONSE
        connection.push(_frame(FrameType.RESPONSE, frame_class, answer, tracing_id))

    async def _delete_attachment(
        self,
        connection: _Connection,
        session: Session,
        request: dict[str, Any],
        tracing_id: str | None,
    ) -> None:
        answer = await self.attachments.delete(session.conversation.id, request)
        frame_class = FrameClass.ATTACHMENT_DELETED_RESPONSE
        connection.push(_frame(FrameType.MESSAGE, frame_class, answer, tracing_id))


def _attachment_refusal(refused: AttachmentRefused, tracing_id: str | None) -> str:
    if refused.generate_url_error:
        return _frame(FrameType.MESSAGE, FrameClass.GENERATE_URL_ERROR, refused.body(), tracing_id)
    return _string_error(refused.code, refused.text, tracing_id)


class _RateLimited(_Refused):
    """Over one of the door's rates: answered with ``TooManyRequestsErrorMessage``."""

    def __init__(self, retry_after: int, text: str) -> None:
        super().__init__(ErrorCode.TOO_MANY_REQUESTS, text)
        self.retry_after = retry_after


def _closed_by_service(receiver: Receiver, reason: str | None = None) -> None:
    """The service closes a connection of a session: ConnectionClosedEvent (with its
    ``reason``, if any), then the close."""
    if isinstance(receiver, _Connection):
        receiver.bind(None)
    body = {} if reason is None else {"reason": reason}
    receiver.push(_frame(FrameType.MESSAGE, FrameClass.CONNECTION_CLOSED_EVENT, body, None))
    receiver.close()


def _rebind(session: Session) -> None:
    for receiver in session.connections:
        if isinstance(receiver, _Connection):
            receiver.bind(session)


def _outbound_event(
    event: dict[str, Any], sender: Member | None, metadata: dict[str, str] | None = None
) -> str:
    """An event of the agent's side (typing, the Disconnect) as a pushed Outbound message."""
    body: dict[str, Any] = {
        "id": new_id(),
        "type": MessageType.EVENT,
        "direction": Direction.OUTBOUND,
        "events": [event],
        "channel": {"time": format_timestamp(utc_now()), "from": {"nickname": nickname(sender)}},
        "originatingEntity": originating_entity(sender),
    }
    if metadata:
        body["metadata"] = metadata
    return _frame(FrameType.MESSAGE, FrameClass.STRUCTURED_MESSAGE, body, None)


def _inbound_event(event: dict[str, Any], tracing_id: str | None) -> str:
    """The echo of the guest's own event."""
    event_id = new_id()
    body = {
        "id": event_id,
        "type": MessageType.EVENT,
        "direction": Direction.INBOUND,
        "events": [event],
        "channel": {"time": format_timestamp(utc_now()), "messageId": event_id},
        "originatingEntity": OriginatingEntity.HUMAN,
    }
    return _frame(FrameType.MESSAGE, FrameClass.STRUCTURED_MESSAGE, body, tracing_id)


def _sign_in_event(user_name: str) -> str:
    """The Presence SignIn a session gets when a user signs it in: Inbound (the guest's side),
    naming the user (the first word of the user's name, then the rest)."""
    first_name, _, last_name = user_name.strip().partition(" ")
    signed_in: dict[str, str] = {"firstName": first_name}
    if last_name.strip():
        signed_in["lastName"] = last_name.strip()
    event_id = new_id()
    body = {
        "id": event_id,
        "type": MessageType.EVENT,
        "direction": Direction.INBOUND,
        "events": [{"eventType": EventType.PRESENCE, "presence": {"type": PresenceType.SIGN_IN}}],
        "channel": {"time": format_timestamp(utc_now()), "messageId": event_id, "from": signed_in},
        "originatingEntity": OriginatingEntity.HUMAN,
        "metadata": {AUTHENTICATED_METADATA: "true"},
    }
    return _frame(FrameType.MESSAGE, FrameClass.STRUCTURED_MESSAGE, body, None)


def _events(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The guest's events, each a Typing or a Presence of a known type; else refused."""
    events = message.get("events")
    if not isinstance(events, list) or not events:
        raise _Refused(ErrorCode.BAD_REQUEST, "An Event message needs a list of events.")
    for event in events:
        kind = event.get("eventType") if isinstance(event, dict) else None
        if kind == EventType.TYPING:
            typing = event.get("typing")
            if not isinstance(typing, dict) or typing.get("type") not in tuple(TypingType):
                raise _Refused(ErrorCode.BAD_REQUEST, "A Typing event needs typing.type On.")
        elif kind == EventType.PRESENCE:
            presence = event.get("presence")
            if not isinstance(presence, dict) or presence.get("type") not in tuple(PresenceType):
                raise _Refused(ErrorCode.BAD_REQUEST, "A Presence event needs a known type.")
        else:
            raise _Refused(ErrorCode.BAD_REQUEST, f"Unknown event type {str(kind)[:32]!r}.")
    return events


def _is_clear(events: list[dict[str, Any]]) -> bool:
    return all(
        event["eventType"] == EventType.PRESENCE and event["presence"]["type"] == PresenceType.CLEAR
        for event in events
    )


def _button_response(item: dict[str, Any]) -> str:
    """The text a guest's ButtonResponse stands for: its text, else its payload."""
    answer = item.get("buttonResponse")
    if not isinstance(answer, dict):
        raise _Refused(ErrorCode.BAD_REQUEST, "A ButtonResponse needs a buttonResponse.")
    text, payload = answer.get("text"), answer.get("payload")
    if not all(isinstance(value, str | None) for value in (text, payload)):
        raise _Refused(ErrorCode.BAD_REQUEST, "A buttonResponse's text and payload are strings.")
    chosen = text or payload
    if not chosen:
        raise _Refused(ErrorCode.BAD_REQUEST, "A buttonResponse needs a text or a payload.")
    return str(chosen)


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
