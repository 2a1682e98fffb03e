"""The Web Messaging wire facts the client and the local service both rely on: where the
WebSocket and the REST parts live, the actions and frame classes, the limits and the error codes.

Each fact is written here once, so the client and the service cannot drift apart. Plain values
only: importing this module costs nothing. The Guest Chat facts are in :mod:`.protocol`.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import Final

# -- where things live ----------------------------------------------------------------------

WEBSOCKET_PATH: Final = "/v1"
"""The WebSocket: ``wss://webmessaging.{domain}/v1?deploymentId=...&application=...``."""

WEBSOCKET_HOST_PREFIX: Final = "webmessaging."
"""The WebSocket's host is the region's domain after this prefix."""

API_HOST_PREFIX: Final = "api."
"""The REST parts' host (history, the JWT exchange) is the region's domain after this prefix."""

CONFIG_HOST_PREFIX: Final = "api-cdn."
"""The deployment configuration's host is the region's domain after this prefix."""

HISTORY_PATH: Final = "/api/v2/webmessaging/messages"
"""The REST history: ``GET ?pageNumber=N&pageSize=M`` with ``Authorization: bearer <jwt>``."""

TOKEN_EXCHANGE_PATH: Final = "/api/v2/webdeployments/token/oauthcodegrantjwtexchange"
TOKEN_REFRESH_PATH: Final = "/api/v2/webdeployments/token/refresh"
TOKEN_REVOKE_PATH: Final = "/api/v2/webdeployments/token/revoke"

DEPLOYMENT_CONFIG_PATH: Final = "/webdeployments/v1/deployments/{deployment_id}/config.json"
"""The deployment configuration, with no authentication."""


# -- the frames -----------------------------------------------------------------------------


class Action(StrEnum):
    """What a client asks for: the ``action`` of a client frame."""

    CONFIGURE_SESSION = "configureSession"
    CONFIGURE_AUTHENTICATED_SESSION = "configureAuthenticatedSession"
    ON_MESSAGE = "onMessage"
    ECHO = "echo"
    GET_JWT = "getJwt"
    ON_ATTACHMENT = "onAttachment"
    GET_ATTACHMENT = "getAttachment"
    DELETE_ATTACHMENT = "deleteAttachment"
    CLOSE_SESSION = "closeSession"
    GET_CONFIGURATION = "getConfiguration"


class FrameType(StrEnum):
    """A server frame's ``type``: the answer to a request, or a message pushed by the service."""

    RESPONSE = "response"
    MESSAGE = "message"


class FrameClass(StrEnum):
    """A server frame's ``class``: the model of its ``body``."""

    STRING = "string"
    SESSION_RESPONSE = "SessionResponse"
    STRUCTURED_MESSAGE = "StructuredMessage"
    PRESIGNED_URL_RESPONSE = "PresignedUrlResponse"
    ATTACHMENT_DELETED_RESPONSE = "AttachmentDeletedResponse"
    UPLOAD_FAILURE_EVENT = "UploadFailureEvent"
    UPLOAD_SUCCESS_EVENT = "UploadSuccessEvent"
    CONNECTION_CLOSED_EVENT = "ConnectionClosedEvent"
    LOGOUT_EVENT = "LogoutEvent"
    SESSION_EXPIRED_EVENT = "SessionExpiredEvent"
    JWT_RESPONSE = "JwtResponse"
    GET_CONFIGURATION_RESPONSE = "GetConfigurationResponse"
    GENERATE_URL_ERROR = "GenerateUrlError"
    TOO_MANY_REQUESTS_ERROR_MESSAGE = "TooManyRequestsErrorMessage"
    RESUME_TOKEN_RESPONSE = "ResumeTokenResponse"
    SESSION_CLEARED_EVENT = "SessionClearedEvent"
    ERROR = "Error"
    UNKNOWN = "Unknown"


class MessageType(StrEnum):
    """A message's ``type``."""

    TEXT = "Text"
    STRUCTURED = "Structured"
    EVENT = "Event"


class Direction(StrEnum):
    """From the contact centre's side: Inbound is from the guest, Outbound to the guest."""

    INBOUND = "Inbound"
    OUTBOUND = "Outbound"


class OriginatingEntity(StrEnum):
    """Who sent an Outbound message."""

    HUMAN = "Human"
    BOT = "Bot"


class EventType(StrEnum):
    TYPING = "Typing"
    PRESENCE = "Presence"


class PresenceType(StrEnum):
    JOIN = "Join"
    CLEAR = "Clear"
    DISCONNECT = "Disconnect"
    SIGN_IN = "SignIn"


class TypingType(StrEnum):
    """A typing event's ``typing.type``; ``Off`` is in the vendor's client fixtures only."""

    ON = "On"
    OFF = "Off"


class DisconnectType(StrEnum):
    """What a deployment's Conversation Disconnect does to the session when the agent ends:
    ``ReadOnly`` keeps the guest from writing until it starts anew; with ``Send`` the guest's
    next message starts a new conversation."""

    READ_ONLY = "ReadOnly"
    SEND = "Send"


READ_ONLY_METADATA: Final = "readOnly"
"""The metadata key of an Outbound Disconnect event that made the session read-only (``"true"``)."""


class ContentType(StrEnum):
    """The ``contentType`` of a message's content item."""

    ATTACHMENT = "Attachment"
    BUTTON_RESPONSE = "ButtonResponse"
    QUICK_REPLY = "QuickReply"
    CARD = "Card"
    CAROUSEL = "Carousel"
    DATE_PICKER = "DatePicker"
    LIST_PICKER = "ListPicker"


class ButtonResponseType(StrEnum):
    BUTTON = "Button"
    QUICK_REPLY = "QuickReply"
    DATE_PICKER = "DatePicker"
    LIST_PICKER = "ListPicker"
    FORM = "Form"


HEALTH_CHECK_TRACING_ID: Final = "SGVhbHRoQ2hlY2tNZXNzYWdlSWQ="
"""The fixed ``tracingId`` of the health-check echo (base64 of ``HealthCheckMessageId``)."""


# -- the limits -----------------------------------------------------------------------------

MAX_TEXT_BYTES: Final = 4096
"""The most UTF-8 bytes a guest's text may hold (else 4011)."""

MAX_OUTBOUND_TEXT_CHARACTERS: Final = 4000
"""The most characters an agent's text may hold."""

MAX_CUSTOM_DATA_BYTES: Final = 2048
"""The most UTF-8 bytes of custom attributes, keys plus values (else 4013)."""

MESSAGES_PER_SECOND: Final = 5
"""Messages a session may send per second (else 429 ``TooManyRequestsErrorMessage``)."""

REQUESTS_PER_CONNECTION_PER_MINUTE: Final = 60
"""Requests of every action one connection may send per minute (else 429
``TooManyRequestsErrorMessage``)."""

HEALTH_CHECKS_PER_CONNECTION_PER_MINUTE: Final = 2
"""Health-check echoes one connection may send per minute (else 429
``TooManyRequestsErrorMessage``)."""

MAX_CONNECTIONS_PER_SESSION: Final = 3
"""Connections one session may hold; a fourth closes the oldest."""

HEALTH_CHECK_INTERVAL_SECONDS: Final = 30.0
"""A client sends the health-check echo at most this often."""

PING_INTERVAL_SECONDS: Final = 15.0
"""The vendor's clients send a WebSocket ping this often."""

JWT_RENEW_MARGIN_SECONDS: Final = 5.0
"""A client reuses the JWT from ``getJwt`` while it stays valid this much longer."""

TYPING_INTERVAL_SECONDS: Final = 5.0
"""A guest sends a typing indicator at most this often."""

AGENT_TYPING_DURATION_MS: Final = 5000
"""How long an agent's typing indicator lasts when it does not say."""

DEFAULT_SESSION_DURATION_SECONDS: Final = 259_200
"""A guest session's lifetime after its last activity (72 h)."""

MAX_ATTACHMENT_KB: Final = 10_240
"""The largest attachment, in KB of 1,000 bytes."""

MAX_FILE_NAME_LENGTH: Final = 1024
"""A file name must be shorter than this (else 4005)."""

HISTORY_PAGE_SIZE: Final = 25
"""The REST history's default page size."""


class ErrorCode(IntEnum):
    """The ``code`` of an error frame (HTTP-like, or the service's own 4000-5000)."""

    BAD_REQUEST = 400
    UNAUTHORIZED = 401
    FORBIDDEN = 403
    NOT_FOUND = 404
    REQUEST_TIMEOUT = 408
    TOO_MANY_REQUESTS = 429
    FEATURE_UNAVAILABLE = 4000
    FILE_TYPE_INVALID = 4001
    FILE_SIZE_INVALID = 4002
    FILE_CONTENT_INVALID = 4003
    FILE_NAME_INVALID = 4004
    FILE_NAME_TOO_LONG = 4005
    SESSION_EXPIRED = 4006
    SESSION_NOT_FOUND = 4007
    ATTACHMENT_EXPIRED = 4008
    ATTACHMENT_NOT_FOUND = 4009
    ATTACHMENT_NOT_UPLOADED = 4010
    MESSAGE_TOO_LONG = 4011
    CUSTOM_ATTRIBUTES_TOO_LARGE = 4013
    CANNOT_DOWNGRADE = 4017
    MISSING_PARAMETER = 4020
    RATE_TOO_HIGH = 4029
    FILE_SIZE_ZERO = 4102
    UNEXPECTED = 5000


DEPLOYMENT_ID_PARAMETER: Final = "deploymentId"
"""The WebSocket's required query parameter."""

APPLICATION_PARAMETER: Final = "application"
"""The WebSocket's optional query parameter naming the client."""

BLOCKED_EXTENSIONS: Final = (".exe", ".bat", ".cmd", ".com", ".js", ".msi", ".scr", ".vbs")
"""File extensions a session refuses for attachments, as the SessionResponse lists them."""


RATE_TOO_HIGH_MESSAGE: Final = "Message rate too high for this session"
"""The ``errorMessage`` of a ``TooManyRequestsErrorMessage`` refusing a message over the
session's rate."""

REQUEST_RATE_TOO_HIGH_MESSAGE: Final = "Request rate too high for this connection"
"""The ``errorMessage`` of a ``TooManyRequestsErrorMessage`` refusing a request over the
connection's rate."""

HEALTH_CHECK_RATE_TOO_HIGH_MESSAGE: Final = "Health check rate too high for this connection"
"""The ``errorMessage`` of a ``TooManyRequestsErrorMessage`` refusing an echo over the
connection's health-check rate."""

UPGRADE_NOT_ALLOWED_MESSAGE: Final = (
    "The deployment does not allow an anonymous session to be upgraded; sign in with a new "
    "session token."
)
"""The body of the 403 refusing ``configureAuthenticatedSession`` on an anonymous session's
token where the deployment's ``auth.allowSessionUpgrade`` is off (the vendor's answer is not
known: 403 is what a session gets for the other things its deployment refuses)."""

TYPING_DISABLED_MESSAGE: Final = "Turn on the Feature Toggle or fix the configuration."
"""The body of the 403 refusing a typing event the deployment does not allow."""

CLEAR_DISABLED_MESSAGE: Final = "Presence events Conversation Clear are not supported"
"""The body of the 403 refusing a Presence Clear the deployment does not allow."""

READ_ONLY_MESSAGE: Final = (
    "The conversation has ended and the session is read-only; configure it with startNew to "
    "start a new one."
)
"""The body of the 403 refusing an onMessage on a read-only session (the vendor's code for it
is not known: 403 is the code of the other things the session forbids)."""

SESSION_EXPIRED_MESSAGE: Final = "The session has expired."
"""The body of the 4006 error frame."""

SESSION_NOT_FOUND_MESSAGE: Final = "The session was not found."
"""The body of the 4007 error frame."""


def text_too_long_message(length: int) -> str:
    """The body of the 4011 error frame."""
    return f"Message length {length} is larger than {MAX_TEXT_BYTES}"


def custom_attributes_too_large_message(size: int) -> str:
    """The body of the 4013 error frame."""
    return f"Custom attributes size {size} is larger than {MAX_CUSTOM_DATA_BYTES}"


# -- the REST parts: history, JWTs, attachments, authenticated sessions -----------------------

HISTORY_MAX_PAGE_SIZE: Final = 100
"""The largest ``pageSize`` the REST history takes (what the vendor's Java client asks for)."""

HISTORY_CALLS_PER_MINUTE: Final = 10
"""REST history calls one session may make per minute (else 429 with ``Retry-After``)."""

HISTORY_PAGE_NUMBER_PARAMETER: Final = "pageNumber"
HISTORY_PAGE_SIZE_PARAMETER: Final = "pageSize"

BEARER_SCHEME: Final = "bearer"
"""The ``Authorization`` scheme of the REST parts, matched without regard to case."""

INBOUND_FILE_TYPES: Final = (
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "video/*",
    "audio/*",
    "application/pdf",
    "text/plain",
    "text/csv",
)
"""The media types a guest may attach (``allowedMedia.inbound.fileTypes``, the deployment
configuration's ``fileUpload`` mode); ``type/*`` takes any subtype."""


class AttachmentMediaType(StrEnum):
    """``content[].attachment.mediaType``: what kind of file an attachment is."""

    IMAGE = "Image"
    VIDEO = "Video"
    AUDIO = "Audio"
    FILE = "File"
    LINK = "Link"


ATTACHMENT_PATH: Final = "/webmessaging/v1/attachments/{attachment_id}"
"""Where an attachment's bytes are uploaded (``PUT``) and downloaded (``GET``), through the signed
URLs of ``PresignedUrlResponse`` (the vendor's are on its file storage; the local service's are on
itself)."""

URL_EXPIRES_PARAMETER: Final = "expires"
"""A signed attachment URL's expiry, in epoch seconds."""

URL_SIGNATURE_PARAMETER: Final = "signature"

UPLOAD_TAGGING_HEADER: Final = "x-amz-tagging"
"""The header ``PresignedUrlResponse.headers`` asks the upload to carry, as the vendor's storage
does."""

UPLOAD_URL_LIFETIME_SECONDS: Final = 600
"""How long an upload URL stays valid."""

DOWNLOAD_URL_LIFETIME_SECONDS: Final = 3600
"""How long a download URL (``downloadUrl``, ``getAttachment``, an echo's attachment) stays
valid; ``getAttachment`` gives a fresh one."""

ATTACHMENT_RETENTION_SECONDS: Final = DEFAULT_SESSION_DURATION_SECONDS
"""How long after its upload an attachment can be fetched (later: 4008)."""


class DeploymentStatus(StrEnum):
    ACTIVE = "Active"
    INACTIVE = "Inactive"


DEPLOYMENT_CONFIG_VERSION: Final = "1"
DEPLOYMENT_LANGUAGE: Final = "en-us"

AUTH_JWT_LIFETIME_SECONDS: Final = 3600
"""How long a signed-in guest's JWT (from the code exchange or a refresh) is valid."""

REFUSED_CODE_PREFIX: Final = "bad"
"""The local service's convention for the OAuth code exchange: a code that starts with this is
refused (400); any other signs in a user named by the code (up to its first ``:``)."""

AUTHENTICATED_METADATA: Final = "authenticated"
"""The metadata key (``"true"``) on the messages of a signed-in guest."""

UNAUTHORIZED_MESSAGE: Final = "User is unauthorized"
"""The body of the 401 refusing ``configureAuthenticatedSession`` with a bad or expired JWT."""

CANNOT_DOWNGRADE_MESSAGE: Final = "Cannot downgrade an authenticated session to an anonymous one"
"""The body of the 4017 refusing an anonymous ``configureSession`` on a signed-in token."""

SIGNED_IN_REASON: Final = "signedIn"
"""The ``reason`` of the ``ConnectionClosedEvent`` a user's signed-in session gets when the user
signs in with another session."""
