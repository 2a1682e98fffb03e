"""The typed events of a Web Messaging session.

Every server frame becomes one frozen dataclass: messages (:class:`WebMessage`, with their
content as typed items), the service's events (:class:`AgentTyping`, :class:`Presence`,
:class:`SessionExpired`, :class:`SessionCleared`, :class:`ConnectionClosed`,
:class:`LoggedOut`, :class:`UploadSucceeded`, :class:`UploadFailed`), refusals
(:class:`ErrorFrame`, :class:`RateLimited`), and anything else as :class:`UnknownFrame`. The
client adds its own connection events (:class:`Reconnecting`, :class:`Reconnected`).

Server data is read liberally: a missing field is ``None``, and each event keeps the frame or
body it came from in ``raw``, unknown fields included.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..stream.events import _redacted_repr

__all__ = [
    "AgentTyping",
    "Attachment",
    "AttachmentLink",
    "ButtonResponse",
    "Card",
    "CardAction",
    "Carousel",
    "ConnectionClosed",
    "Content",
    "DatePicker",
    "DatePickerTime",
    "ErrorFrame",
    "ListPicker",
    "ListPickerItem",
    "ListPickerSection",
    "LoggedOut",
    "Presence",
    "QuickReply",
    "RateLimited",
    "Reconnected",
    "Reconnecting",
    "SessionCleared",
    "SessionExpired",
    "SessionInfo",
    "UnknownContent",
    "UnknownFrame",
    "UploadFailed",
    "UploadSucceeded",
    "WebMessage",
    "WebMessagingEvent",
]


# -- the session ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """What ``SessionResponse`` said of the session.

    ``allowed_media`` are the inbound media types the session accepts (wildcards such as
    ``image/*`` included), ``max_file_size_kb`` the largest attachment in KB of 1,000 bytes,
    ``expires_at`` the ``expirationDate`` as an aware datetime.
    """

    connected: bool
    new_session: bool
    read_only: bool
    cleared_existing_session: bool
    allowed_media: tuple[str, ...]
    max_file_size_kb: int | None
    blocked_extensions: tuple[str, ...]
    max_custom_data_bytes: int | None
    duration_seconds: int | None
    expires_at: datetime | None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@_redacted_repr
@dataclass(frozen=True, slots=True)
class AttachmentLink:
    """A ``PresignedUrlResponse``: where to upload an attachment (with ``headers`` to send), or
    a fresh download URL for one (then ``file_name``, ``file_size`` and ``file_type`` are set).
    The URLs expire, and a download URL is a credential: reprs hide its query."""

    attachment_id: str | None
    url: str | None
    headers: Mapping[str, str]
    file_name: str | None = None
    file_size: int | None = None
    file_type: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


# -- message content ----------------------------------------------------------------------------


@_redacted_repr
@dataclass(frozen=True, slots=True)
class QuickReply:
    """A reply the agent or bot offers; answer it with ``send_quick_reply(text, payload)``."""

    text: str | None
    payload: str | None
    action: str | None = None
    image: str | None = None
    summary_text: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@_redacted_repr
@dataclass(frozen=True, slots=True)
class CardAction:
    """A card's button: ``Link`` (with ``url``) or ``Postback`` (with ``payload``)."""

    type: str | None
    text: str | None
    payload: str | None = None
    url: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@_redacted_repr
@dataclass(frozen=True, slots=True)
class Card:
    title: str | None
    description: str | None = None
    image: str | None = None
    video: str | None = None
    default_action: CardAction | None = None
    actions: tuple[CardAction, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Carousel:
    cards: tuple[Card, ...]
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class DatePickerTime:
    """One time offered by a date picker; ``duration_seconds`` as the reference gives it."""

    date_time: datetime | None
    duration_seconds: int | None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@_redacted_repr
@dataclass(frozen=True, slots=True)
class DatePicker:
    title: str | None
    subtitle: str | None = None
    image_url: str | None = None
    date_minimum: str | None = None
    date_maximum: str | None = None
    date_display_format: str | None = None
    available_times: tuple[DatePickerTime, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@_redacted_repr
@dataclass(frozen=True, slots=True)
class ListPickerItem:
    id: str | None
    title: str | None
    subtitle: str | None = None
    image_url: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@_redacted_repr
@dataclass(frozen=True, slots=True)
class ListPickerSection:
    title: str | None
    multiple_selection: bool
    items: tuple[ListPickerItem, ...]
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@_redacted_repr
@dataclass(frozen=True, slots=True)
class ListPicker:
    id: str | None
    received_message: str | None
    reply_message: str | None
    sections: tuple[ListPickerSection, ...]
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@_redacted_repr
@dataclass(frozen=True, slots=True)
class Attachment:
    """An attachment on a message; ``url`` is a download URL that expires."""

    id: str | None
    url: str | None = None
    filename: str | None = None
    file_size: int | None = None
    media_type: str | None = None
    mime: str | None = None
    sha256: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@_redacted_repr
@dataclass(frozen=True, slots=True)
class ButtonResponse:
    """A guest's answer to structured content (in the echo of one's own answer, and in
    history)."""

    type: str | None
    text: str | None
    payload: str | None
    originating_message_id: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class UnknownContent:
    """A content item of a type this client does not model; ``raw`` holds it whole."""

    content_type: str | None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


Content = (
    QuickReply
    | Card
    | Carousel
    | DatePicker
    | ListPicker
    | Attachment
    | ButtonResponse
    | UnknownContent
)


# -- the frames ---------------------------------------------------------------------------------


@_redacted_repr
@dataclass(frozen=True, slots=True)
class WebMessage:
    """A message of the conversation: the guest's own (``direction`` Inbound, the echo) or the
    agent's or bot's (Outbound, ``originating_entity`` Human or Bot).

    ``id`` is ``channel.messageId`` when the message has one, else the service's ``id``
    (``message_id``), as the REST history keys messages. ``time`` is ``channel.time``.
    ``backfilled`` is true for a message reloaded from the REST history after a reconnect.
    Events (typing, presence) are messages of type ``Event`` on the wire, but arrive as their
    own events.
    """

    id: str | None
    type: str | None
    text: str | None
    direction: str | None
    originating_entity: str | None
    time: datetime | None
    nickname: str | None = None
    content: tuple[Content, ...] = ()
    metadata: Mapping[str, str] = field(default_factory=dict)
    tracing_id: str | None = None
    message_id: str | None = None
    originating_message_id: str | None = None
    backfilled: bool = False
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_inbound(self) -> bool:
        """Whether the guest sent it (its own echo, or its message in the history)."""
        return self.direction == "Inbound"

    @property
    def quick_replies(self) -> tuple[QuickReply, ...]:
        return tuple(item for item in self.content if isinstance(item, QuickReply))

    @property
    def attachments(self) -> tuple[Attachment, ...]:
        return tuple(item for item in self.content if isinstance(item, Attachment))


@dataclass(frozen=True, slots=True)
class AgentTyping:
    """The agent (or bot) is typing; hide the indicator after ``duration_seconds`` or on its
    next message. ``on`` is false for a ``Typing Off``."""

    duration_seconds: float
    on: bool = True
    time: datetime | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Presence:
    """A presence event: ``Join``, ``Clear``, ``Disconnect`` (the conversation ended; with
    ``read_only`` the session takes no more messages), ``SignIn``, or another."""

    type: str | None
    direction: str | None
    read_only: bool = False
    time: datetime | None = None
    id: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class SessionExpired:
    """The session has expired (``SessionExpiredEvent``): configure a new token."""

    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class SessionCleared:
    """The conversation was cleared (``SessionClearedEvent``); the token now starts anew."""

    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class ConnectionClosed:
    """The service closed this connection on purpose (``ConnectionClosedEvent``): ``reason``
    ``None`` when the session opened too many connections (this was the oldest), ``signedIn``
    when the guest signed in elsewhere, or after a ``close_session`` from another connection."""

    reason: str | None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class LoggedOut:
    """The authenticated guest logged out (``LogoutEvent``)."""

    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@_redacted_repr
@dataclass(frozen=True, slots=True)
class UploadSucceeded:
    attachment_id: str | None
    download_url: str | None
    timestamp: datetime | None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@_redacted_repr
@dataclass(frozen=True, slots=True)
class UploadFailed:
    """An attachment was refused, after the upload (``UploadFailureEvent``) or before it
    (``GenerateUrlError``, with ``before_upload``)."""

    attachment_id: str | None
    error_code: int | None
    error_message: str | None
    before_upload: bool = False
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@_redacted_repr
@dataclass(frozen=True, slots=True)
class ErrorFrame:
    """A refusal that answered no pending request of this client (a ``string`` error, or an
    ``Error`` frame): ``code``, the service's ``text``, ``body`` when it was not a string."""

    code: int | None
    text: str | None
    tracing_id: str | None = None
    frame_class: str | None = None
    body: Any = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class RateLimited:
    """The service refused a request for its rate (``TooManyRequestsErrorMessage``); the
    client holds further sends for ``retry_after`` seconds and retries."""

    retry_after: float
    error_code: int | None = None
    error_message: str | None = None
    tracing_id: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@_redacted_repr
@dataclass(frozen=True, slots=True)
class UnknownFrame:
    """A frame this client cannot read (not JSON, no class, an unknown class): logged and
    delivered, never raised. ``raw`` is the frame's text, ``reason`` what was wrong."""

    reason: str
    raw: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class Reconnecting:
    """The connection was lost; attempt ``attempt`` follows in ``delay`` seconds."""

    attempt: int
    delay: float
    reason: str


@dataclass(frozen=True, slots=True)
class Reconnected:
    """The session is configured again after ``attempts`` attempts; ``backfilled`` messages
    missed meanwhile follow, from the REST history."""

    attempts: int
    backfilled: int
    session: SessionInfo | None = None


WebMessagingEvent = (
    WebMessage
    | AgentTyping
    | Presence
    | SessionExpired
    | SessionCleared
    | ConnectionClosed
    | LoggedOut
    | UploadSucceeded
    | UploadFailed
    | ErrorFrame
    | RateLimited
    | UnknownFrame
    | Reconnecting
    | Reconnected
)
"""Everything ``events()`` yields."""
