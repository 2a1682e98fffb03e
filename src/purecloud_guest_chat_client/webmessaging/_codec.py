"""The Web Messaging wire, without I/O: the client's requests as JSON text, and the server's
frames as typed events.

The connection (:mod:`._client`) writes what the ``request_*`` functions build and hands every
text frame it reads to :func:`parse_frame`, then :func:`events_of`. Nothing here touches a
socket, a clock or a task, so every rule can be tested with plain strings, and the service's
limits are checked here before anything is sent.
"""

from __future__ import annotations

import dataclasses
import json
import mimetypes
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..models.web_messaging_protocol import (
    BLOCKED_EXTENSIONS,
    MAX_ATTACHMENT_KB,
    MAX_CUSTOM_DATA_BYTES,
    MAX_FILE_NAME_LENGTH,
    MAX_TEXT_BYTES,
    Action,
    ButtonResponseType,
    ContentType,
    Direction,
    ErrorCode,
    EventType,
    FrameClass,
    MessageType,
    PresenceType,
)
from .errors import (
    AttachmentRefusedError,
    CustomAttributesTooLargeError,
    MessageTooLongError,
    SessionExpiredError,
    WebMessagingAuthError,
    WebMessagingError,
)
from .events import (
    AgentTyping,
    Attachment,
    AttachmentLink,
    ButtonResponse,
    Card,
    CardAction,
    Carousel,
    ConnectionClosed,
    Content,
    DatePicker,
    DatePickerTime,
    ErrorFrame,
    ListPicker,
    ListPickerItem,
    ListPickerSection,
    LoggedOut,
    Presence,
    QuickReply,
    RateLimited,
    SessionCleared,
    SessionExpired,
    SessionInfo,
    UnknownContent,
    UnknownFrame,
    UploadFailed,
    UploadSucceeded,
    WebMessage,
    WebMessagingEvent,
)

__all__ = [
    "ServerFrame",
    "error_for",
    "events_of",
    "message_keys",
    "new_tracing_id",
    "parse_frame",
    "session_info",
]

_TRUE = "true"
# The system's random source: nothing to reseed after a fork, or for a user's random.seed().
_random = random.SystemRandom()
_MS_PER_SECOND = 1000.0


def new_tracing_id() -> str:
    """A random version-4 UUID, as the vendor's clients send, at half the cost of
    ``str(uuid.uuid4())``: a part of every request's own cost."""
    bits = _random.getrandbits(128)
    # The version (4) and the variant (10xx) bits, as RFC 9562 sets them.
    bits = (bits & ~(0xF000 << 64) | (0x4000 << 64)) & ~(0xC000 << 48) | (0x8000 << 48)
    hexed = f"{bits:032x}"
    return f"{hexed[:8]}-{hexed[8:12]}-{hexed[12:16]}-{hexed[16:20]}-{hexed[20:]}"


# One encoder for every request: ``json.dumps`` with options builds a new one per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _dumps(frame: Mapping[str, Any]) -> str:
    # Requests put the token last: the WebSocket library's debug lines show a frame's first and
    # last characters, and the redaction recognises the token by its value there, while the
    # tracingId stays readable at the start.
    return _ENCODER.encode(frame)


# -- requests -----------------------------------------------------------------------------------


def request_configure(
    token: str,
    deployment_id: str,
    tracing_id: str,
    *,
    start_new: bool = False,
    jwt: str | None = None,
) -> str:
    """``configureSession``, or ``configureAuthenticatedSession`` when ``jwt`` is given."""
    action = Action.CONFIGURE_SESSION if jwt is None else Action.CONFIGURE_AUTHENTICATED_SESSION
    frame: dict[str, Any] = {
        "action": action,
        "tracingId": tracing_id,
        "deploymentId": deployment_id,
        "startNew": start_new,
        "journeyContext": {
            "customer": {"id": token, "idType": "cookie"},
            "customerSession": {"id": "", "type": "web"},
        },
    }
    if jwt is not None:
        frame["data"] = {"code": jwt}
    frame["token"] = token
    return _dumps(frame)


def request_message(token: str, message: Mapping[str, Any], tracing_id: str) -> str:
    return _dumps(
        {"action": Action.ON_MESSAGE, "tracingId": tracing_id, "message": message, "token": token}
    )


def request_simple(action: Action, token: str, tracing_id: str, **fields: Any) -> str:
    """Any action whose fields are plain: ``echo``, ``getJwt``, ``closeSession``,
    ``getAttachment``, ``deleteAttachment``, ``onAttachment``, ``getConfiguration``."""
    return _dumps({"action": action, "tracingId": tracing_id, **fields, "token": token})


def request_echo(token: str, tracing_id: str) -> str:
    return request_simple(
        Action.ECHO, token, tracing_id, message={"type": MessageType.TEXT, "text": "ping"}
    )


def check_text(text: object) -> str:
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    size = len(text.encode("utf-8"))
    if size > MAX_TEXT_BYTES:
        raise MessageTooLongError(
            f"the message is {size} UTF-8 bytes; the service takes at most {MAX_TEXT_BYTES}",
            code=ErrorCode.MESSAGE_TOO_LONG,
        )
    return text


def check_custom_attributes(
    attributes: Mapping[str, str] | None, max_bytes: int | None
) -> dict[str, str] | None:
    """The attributes, checked: strings to strings, keys plus values at most ``max_bytes`` UTF-8
    bytes (the session's ``maxCustomDataBytes``, else the service's 2048)."""
    if attributes is None:
        return None
    if not isinstance(attributes, Mapping):
        raise TypeError("custom_attributes must be a mapping of str to str")
    for key, value in attributes.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(
                f"custom_attributes must map str to str; {key!r} maps to {type(value).__name__}"
            )
    limit = MAX_CUSTOM_DATA_BYTES if max_bytes is None else max_bytes
    size = sum(len(k.encode("utf-8")) + len(v.encode("utf-8")) for k, v in attributes.items())
    if size > limit:
        raise CustomAttributesTooLargeError(
            f"the custom attributes are {size} UTF-8 bytes (keys plus values); the session "
            f"takes at most {limit}",
            code=ErrorCode.CUSTOM_ATTRIBUTES_TOO_LARGE,
        )
    return dict(attributes)


def text_message(
    text: str,
    custom_attributes: Mapping[str, str] | None = None,
    max_custom_data_bytes: int | None = None,
    *,
    content: list[dict[str, Any]] | None = None,
    message_type: MessageType = MessageType.TEXT,
    metadata: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """An onMessage ``message``, its limits checked. Custom attributes go inside the message
    (``message.channel.metadata.customAttributes``), where the vendor's mobile SDK puts them."""
    message: dict[str, Any] = {"type": message_type, "text": check_text(text)}
    attributes = check_custom_attributes(custom_attributes, max_custom_data_bytes)
    if attributes:
        message["channel"] = {"metadata": {"customAttributes": attributes}}
    if content:
        message["content"] = content
    if metadata:
        message["metadata"] = dict(metadata)
    return message


def event_message(event: Mapping[str, Any]) -> dict[str, Any]:
    return {"type": MessageType.EVENT, "events": [dict(event)]}


def typing_message() -> dict[str, Any]:
    return event_message({"eventType": EventType.TYPING, "typing": {"type": "On"}})


def presence_message(presence: PresenceType) -> dict[str, Any]:
    return event_message({"eventType": EventType.PRESENCE, "presence": {"type": presence}})


def button_response_content(
    response_type: ButtonResponseType | str,
    text: str,
    payload: str,
    originating_message_id: str | None = None,
) -> dict[str, Any]:
    if not isinstance(text, str) or not isinstance(payload, str):
        raise TypeError("a button response's text and payload must be strings")
    answer: dict[str, Any] = {"text": text, "payload": payload, "type": str(response_type)}
    if originating_message_id is not None:
        answer["originatingMessageId"] = originating_message_id
    return {"contentType": ContentType.BUTTON_RESPONSE, "buttonResponse": answer}


def check_attachment(
    file_name: str, size: int, content_type: str | None, session: SessionInfo | None
) -> str:
    """The attachment's media type, after the checks the service would make: a file name
    shorter than 1024 characters with an extension that the session does not block, a size
    from 1 byte to ``maxFileSizeKB`` (KB of 1,000 bytes), a type the session allows (wildcards
    such as ``image/*`` included). Raises :class:`AttachmentRefusedError` with the code the
    service would give."""
    if not isinstance(file_name, str) or not file_name.strip() or "/" in file_name:
        raise AttachmentRefusedError(
            f"the file name {file_name!r} is not a plain file name",
            code=ErrorCode.FILE_NAME_INVALID,
        )
    if len(file_name) >= MAX_FILE_NAME_LENGTH:
        raise AttachmentRefusedError(
            f"the file name is {len(file_name)} characters; it must be under "
            f"{MAX_FILE_NAME_LENGTH}",
            code=ErrorCode.FILE_NAME_TOO_LONG,
        )
    stem, dot, extension = file_name.rpartition(".")
    if not dot or not stem or not extension:
        raise AttachmentRefusedError(
            f"the file name {file_name!r} has no extension", code=ErrorCode.FILE_NAME_INVALID
        )
    blocked = session.blocked_extensions if session and session.blocked_extensions else ()
    blocked = blocked or BLOCKED_EXTENSIONS
    if f".{extension}".lower() in {item.lower() for item in blocked}:
        raise AttachmentRefusedError(
            f"the session refuses {extension!r} files", code=ErrorCode.FILE_TYPE_INVALID
        )
    if size <= 0:
        raise AttachmentRefusedError("the file is empty", code=ErrorCode.FILE_SIZE_ZERO)
    limit_kb = session.max_file_size_kb if session and session.max_file_size_kb else None
    limit = (limit_kb or MAX_ATTACHMENT_KB) * 1000
    if size > limit:
        raise AttachmentRefusedError(
            f"the file is {size} bytes; the session takes at most {limit}",
            code=ErrorCode.FILE_SIZE_INVALID,
        )
    media_type = content_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
    allowed = session.allowed_media if session is not None else ()
    if allowed and not any(_media_matches(media_type, pattern) for pattern in allowed):
        raise AttachmentRefusedError(
            f"the session does not take {media_type} files (it takes {', '.join(allowed)})",
            code=ErrorCode.FILE_TYPE_INVALID,
        )
    return media_type


def _media_matches(media_type: str, pattern: str) -> bool:
    kind, _, sub = media_type.lower().partition("/")
    want_kind, _, want_sub = pattern.lower().partition("/")
    return want_kind in ("*", kind) and want_sub in ("*", "", sub)


def attachment_content(attachment_id: str) -> dict[str, Any]:
    return {"contentType": ContentType.ATTACHMENT, "attachment": {"id": attachment_id}}


# -- server frames ------------------------------------------------------------------------------


@dataclass(slots=True)  # not frozen: built for every frame, and a frozen one costs more to build
class ServerFrame:
    """A server frame's envelope; ``text`` is the frame as received."""

    type: str | None
    frame_class: str
    code: int | None
    body: Any
    tracing_id: str | None
    text: str = field(repr=False)

    @property
    def ok(self) -> bool:
        return self.code is None or 200 <= self.code < 300


def parse_frame(data: str | bytes) -> ServerFrame | UnknownFrame:
    """The envelope of a server frame, or :class:`UnknownFrame` saying what is wrong with it."""
    if isinstance(data, bytes):
        return UnknownFrame("a binary frame", data.decode("utf-8", "replace"))
    try:
        decoded: Any = json.loads(data)
    except ValueError:
        return UnknownFrame("not JSON", data)
    if not isinstance(decoded, dict):
        return UnknownFrame("not a JSON object", data)
    frame_class = decoded.get("class")
    if not isinstance(frame_class, str) or not frame_class:
        return UnknownFrame("no class", data)
    code = decoded.get("code")
    tracing_id = decoded.get("tracingId")
    frame_type = decoded.get("type")
    return ServerFrame(
        type=frame_type if isinstance(frame_type, str) else None,
        frame_class=frame_class,
        code=code if isinstance(code, int) and not isinstance(code, bool) else None,
        body=decoded.get("body"),
        tracing_id=tracing_id if isinstance(tracing_id, str) else None,
        text=data,
    )


def events_of(frame: ServerFrame, *, backfilled: bool = False) -> list[WebMessagingEvent]:
    """The events a frame carries (a message carrying events may hold several; a guest's own
    typing indicator, echoed back, none). Never raises: what cannot be read is an
    :class:`UnknownFrame`."""
    body = frame.body if isinstance(frame.body, dict) else {}
    name = frame.frame_class
    if name == FrameClass.STRUCTURED_MESSAGE and isinstance(frame.body, dict):
        return message_events(body, frame.tracing_id, backfilled=backfilled)
    if name == FrameClass.TOO_MANY_REQUESTS_ERROR_MESSAGE:
        return [
            RateLimited(
                retry_after=_number(body.get("retryAfter")) or 1.0,
                error_code=_int(body.get("errorCode")),
                error_message=_str(body.get("errorMessage")),
                tracing_id=frame.tracing_id,
                raw=body,
            )
        ]
    if name in (FrameClass.STRING, FrameClass.ERROR) or not frame.ok:
        return [
            ErrorFrame(
                code=frame.code,
                text=frame.body if isinstance(frame.body, str) else _error_text(body),
                tracing_id=frame.tracing_id,
                frame_class=name,
                body=None if isinstance(frame.body, str) else frame.body,
                raw=_raw_mapping(frame.text),
            )
        ]
    simple = _SIMPLE_EVENTS.get(name)
    if simple is not None:
        return [simple(body)]
    if name == FrameClass.CONNECTION_CLOSED_EVENT:
        reason = body.get("reason", body.get("reasonCode"))
        return [ConnectionClosed(_str(reason), raw=body)]
    if name == FrameClass.UPLOAD_SUCCESS_EVENT:
        return [
            UploadSucceeded(
                attachment_id=_str(body.get("attachmentId")),
                download_url=_str(body.get("downloadUrl")),
                timestamp=aware_time(body.get("timestamp")),
                raw=body,
            )
        ]
    if name in (FrameClass.UPLOAD_FAILURE_EVENT, FrameClass.GENERATE_URL_ERROR):
        return [
            UploadFailed(
                attachment_id=_str(body.get("attachmentId")),
                error_code=_int(body.get("errorCode")),
                error_message=_str(body.get("errorMessage")),
                before_upload=name == FrameClass.GENERATE_URL_ERROR,
                raw=body,
            )
        ]
    return [UnknownFrame(f"class {name[:64]!r} is not a pushed event", frame.text)]


_SIMPLE_EVENTS: dict[str, Any] = {
    FrameClass.SESSION_EXPIRED_EVENT: lambda body: SessionExpired(raw=body),
    FrameClass.SESSION_CLEARED_EVENT: lambda body: SessionCleared(raw=body),
    FrameClass.LOGOUT_EVENT: lambda body: LoggedOut(raw=body),
}


def message_events(
    body: Mapping[str, Any], tracing_id: str | None = None, *, backfilled: bool = False
) -> list[WebMessagingEvent]:
    """A StructuredMessage body (live, or an entity of the REST history) as events."""
    channel = body.get("channel")
    if not isinstance(channel, dict):
        channel = {}
    time = aware_time(channel.get("time"))
    direction = _str(body.get("direction"))
    metadata = _string_map(body.get("metadata"))
    message_type = body.get("type")
    if message_type == MessageType.EVENT:
        found: list[WebMessagingEvent] = []
        for item in body.get("events") or ():
            if not isinstance(item, dict):
                continue
            event_type = item.get("eventType")
            if event_type == EventType.TYPING:
                if direction == Direction.INBOUND:
                    continue  # the guest's own indicator, echoed back
                typing = item.get("typing") if isinstance(item.get("typing"), dict) else {}
                assert isinstance(typing, dict)
                duration_ms = _number(typing.get("duration"))
                found.append(
                    AgentTyping(
                        duration_seconds=(duration_ms or 5000.0) / _MS_PER_SECOND,
                        on=typing.get("type", "On") != "Off",
                        time=time,
                        raw=body,
                    )
                )
            elif event_type == EventType.PRESENCE:
                presence = item.get("presence") if isinstance(item.get("presence"), dict) else {}
                assert isinstance(presence, dict)
                found.append(
                    Presence(
                        type=_str(presence.get("type")),
                        direction=direction,
                        read_only=metadata.get("readOnly") == _TRUE,
                        time=time,
                        id=_str(channel.get("messageId")) or _str(body.get("id")),
                        raw=body,
                    )
                )
            else:
                found.append(UnknownFrame(f"event type {str(event_type)[:64]!r}", _dumps(body)))
        return found
    sender = channel.get("from")
    server_id = _str(body.get("id"))
    content = body.get("content")
    return [
        WebMessage(
            id=_str(channel.get("messageId")) or server_id,
            type=_str(message_type),
            text=_str(body.get("text")),
            direction=direction,
            originating_entity=_str(body.get("originatingEntity")) or None,
            time=time,
            nickname=_str(sender.get("nickname")) if isinstance(sender, dict) else None,
            content=tuple(content_item(item) for item in content if item)
            if isinstance(content, list)
            else (),
            metadata=metadata,
            tracing_id=tracing_id,
            message_id=server_id,
            originating_message_id=_str(body.get("originatingMessageId")),
            backfilled=backfilled,
            raw=body,
        )
    ]


def message_keys(body: Mapping[str, Any]) -> tuple[str, ...]:
    """The ids one message is known by: the service's ``id`` and ``channel.messageId``. Live
    frames and the history do not always carry both, so a message is a duplicate when any of
    them was seen."""
    channel = body.get("channel")
    keys = [body.get("id"), channel.get("messageId") if isinstance(channel, dict) else None]
    return tuple(key for key in keys if isinstance(key, str) and key)


def content_item(item: Any) -> Content:
    if not isinstance(item, dict):
        return UnknownContent(None, raw={"value": item})
    content_type = _str(item.get("contentType"))
    inner = item.get(_camel(content_type or ""))
    data = inner if isinstance(inner, dict) else {}
    if content_type == ContentType.QUICK_REPLY:
        return _quick_reply(data)
    if content_type == ContentType.CARD:
        return _card(data)
    if content_type == ContentType.CAROUSEL:
        cards = tuple(_card(card) for card in data.get("cards") or () if isinstance(card, dict))
        return Carousel(cards, raw=data)
    if content_type == ContentType.DATE_PICKER:
        return DatePicker(
            title=_str(data.get("title")),
            subtitle=_str(data.get("subtitle")),
            image_url=_str(data.get("imageUrl")),
            date_minimum=_str(data.get("dateMinimum")),
            date_maximum=_str(data.get("dateMaximum")),
            date_display_format=_str(data.get("dateDisplayFormat")),
            available_times=tuple(
                DatePickerTime(
                    date_time=aware_time(slot.get("dateTime")),
                    duration_seconds=_int(slot.get("duration")),
                    raw=slot,
                )
                for slot in data.get("availableTimes") or ()
                if isinstance(slot, dict)
            ),
            raw=data,
        )
    if content_type == ContentType.LIST_PICKER:
        return ListPicker(
            id=_str(data.get("id")),
            received_message=_str(data.get("receivedMessage")),
            reply_message=_str(data.get("replyMessage")),
            sections=tuple(
                ListPickerSection(
                    title=_str(section.get("title")),
                    multiple_selection=section.get("multipleSelection") is True,
                    items=tuple(
                        ListPickerItem(
                            id=_str(entry.get("id")),
                            title=_str(entry.get("title")),
                            subtitle=_str(entry.get("subtitle")),
                            image_url=_str(entry.get("imageUrl")),
                            raw=entry,
                        )
                        for entry in section.get("items") or ()
                        if isinstance(entry, dict)
                    ),
                    raw=section,
                )
                for section in data.get("sections") or ()
                if isinstance(section, dict)
            ),
            raw=data,
        )
    if content_type == ContentType.ATTACHMENT:
        return Attachment(
            id=_str(data.get("id")),
            url=_str(data.get("url")),
            filename=_str(data.get("filename")),
            file_size=_int(data.get("fileSize")),
            media_type=_str(data.get("mediaType")),
            mime=_str(data.get("mime")),
            sha256=_str(data.get("sha256")),
            raw=data,
        )
    if content_type == ContentType.BUTTON_RESPONSE:
        return ButtonResponse(
            type=_str(data.get("type")),
            text=_str(data.get("text")),
            payload=_str(data.get("payload")),
            originating_message_id=_str(data.get("originatingMessageId")),
            raw=data,
        )
    return UnknownContent(content_type, raw=item)


def _quick_reply(data: Mapping[str, Any]) -> QuickReply:
    return QuickReply(
        text=_str(data.get("text")),
        payload=_str(data.get("payload")),
        action=_str(data.get("action")),
        image=_str(data.get("image")),
        summary_text=_str(data.get("summaryText")),
        raw=data,
    )


def _card_action(data: Mapping[str, Any]) -> CardAction:
    return CardAction(
        type=_str(data.get("type")),
        text=_str(data.get("text")),
        payload=_str(data.get("payload")),
        url=_str(data.get("url")),
        raw=data,
    )


def _card(data: Mapping[str, Any]) -> Card:
    default = data.get("defaultAction")
    return Card(
        title=_str(data.get("title")),
        description=_str(data.get("description")),
        image=_str(data.get("image")),
        video=_str(data.get("video")),
        default_action=_card_action(default) if isinstance(default, dict) else None,
        actions=tuple(
            _card_action(action) for action in data.get("actions") or () if isinstance(action, dict)
        ),
        raw=data,
    )


def attachment_link(body: Any) -> AttachmentLink:
    data = body if isinstance(body, dict) else {}
    return AttachmentLink(
        attachment_id=_str(data.get("attachmentId")),
        url=_str(data.get("url")),
        headers=_string_map(data.get("headers")),
        file_name=_str(data.get("fileName")),
        file_size=_int(data.get("fileSize")),
        file_type=_str(data.get("fileType")),
        raw=data,
    )


def session_info(body: Any) -> SessionInfo:
    data = body if isinstance(body, dict) else {}
    media = data.get("allowedMedia") if isinstance(data.get("allowedMedia"), dict) else {}
    assert isinstance(media, dict)
    inbound = media.get("inbound") if isinstance(media.get("inbound"), dict) else {}
    assert isinstance(inbound, dict)
    types = tuple(
        entry["type"]
        for entry in inbound.get("fileTypes") or ()
        if isinstance(entry, dict) and isinstance(entry.get("type"), str)
    )
    expiry = _number(data.get("expirationDate"))
    return SessionInfo(
        connected=data.get("connected") is True,
        new_session=data.get("newSession") is True,
        read_only=data.get("readOnly") is True,
        cleared_existing_session=data.get("clearedExistingSession") is True,
        allowed_media=types,
        max_file_size_kb=_int(inbound.get("maxFileSizeKB")),
        blocked_extensions=tuple(
            ext for ext in data.get("blockedExtensions") or () if isinstance(ext, str)
        ),
        max_custom_data_bytes=_int(data.get("maxCustomDataBytes")),
        duration_seconds=_int(data.get("durationSeconds")),
        expires_at=datetime.fromtimestamp(expiry, UTC) if expiry is not None else None,
        raw=data,
    )


def renewed(session: SessionInfo, echo_body: Any) -> SessionInfo:
    """``session`` with the duration and expiry the health check's answer reports (as strings,
    in its metadata)."""
    metadata = _string_map(echo_body.get("metadata")) if isinstance(echo_body, dict) else {}
    expiry = _number(metadata.get("expirationDate"))
    duration = _int(metadata.get("durationSeconds"))
    return dataclasses.replace(
        session,
        expires_at=datetime.fromtimestamp(expiry, UTC)
        if expiry is not None
        else session.expires_at,
        duration_seconds=duration if duration is not None else session.duration_seconds,
    )


def error_for(frame: ServerFrame, what: str) -> WebMessagingError:
    """The typed error for a refusal of ``what`` (a request), keyed on the frame's code: the
    text of a ``string`` error is no contract, so it is only quoted."""
    text = frame.body if isinstance(frame.body, str) else _error_text(frame.body)
    message = f"{what} refused with code {frame.code}" + (f": {text[:200]}" if text else "")
    code = frame.code
    cls: type[WebMessagingError] = WebMessagingError
    if code == ErrorCode.MESSAGE_TOO_LONG:
        cls = MessageTooLongError
    elif code == ErrorCode.CUSTOM_ATTRIBUTES_TOO_LARGE:
        cls = CustomAttributesTooLargeError
    elif code in (ErrorCode.SESSION_EXPIRED, ErrorCode.SESSION_NOT_FOUND):
        cls = SessionExpiredError
    elif code in (ErrorCode.UNAUTHORIZED, ErrorCode.CANNOT_DOWNGRADE) or (
        code == ErrorCode.FORBIDDEN and "auth" in (text or "").lower()
    ):
        cls = WebMessagingAuthError
    elif code is not None and (
        ErrorCode.FILE_TYPE_INVALID <= code <= ErrorCode.ATTACHMENT_NOT_UPLOADED
        or code == ErrorCode.FILE_SIZE_ZERO
    ):
        cls = AttachmentRefusedError
    return cls(message, code=code, frame_class=frame.frame_class, tracing_id=frame.tracing_id)


# -- liberal readers ----------------------------------------------------------------------------


def aware_time(value: Any) -> datetime | None:
    """An ISO-8601 time as an aware datetime (UTC when it names no zone); ``None`` for what is
    not one (K's fixtures carry ``"some_time"``)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _camel(content_type: str) -> str:
    return content_type[:1].lower() + content_type[1:]


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _string_map(value: Any) -> dict[str, str]:
    if not value or not isinstance(value, dict):
        return {}
    return {str(key): str(item) for key, item in value.items() if item is not None}


def _error_text(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    for key in ("errorMessage", "message", "text"):
        if isinstance(body.get(key), str):
            return str(body[key])
    return None


def _raw_mapping(text: str) -> dict[str, Any]:
    try:
        decoded = json.loads(text)
    except ValueError:
        return {}
    return decoded if isinstance(decoded, dict) else {}
