"""What the Web Messaging client raises: one base carrying the service's ``code`` and the frame's
``class``, a subclass per failure a caller handles differently.

Messages never quote a token, a JWT or a URL that carries one.
"""

from __future__ import annotations

from ..errors import GuestChatError
from ..models.web_messaging_protocol import ErrorCode, FrameClass

__all__ = [
    "AttachmentRefusedError",
    "CustomAttributesTooLargeError",
    "MessageTooLongError",
    "RateLimitExceededError",
    "ReadOnlySessionError",
    "SendNotConfirmedError",
    "SessionExpiredError",
    "WebMessagingAuthError",
    "WebMessagingClosedError",
    "WebMessagingConnectionError",
    "WebMessagingError",
    "WebMessagingTimeoutError",
]


class WebMessagingError(GuestChatError):
    """A Web Messaging request failed, or the session cannot go on.

    ``code`` is the service's code (HTTP-like, or 4000-5000) when the service refused, ``None``
    when the client did; ``frame_class`` is the class of the frame that said so.
    """

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        frame_class: str | None = None,
        tracing_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.frame_class = frame_class
        self.tracing_id = tracing_id


class MessageTooLongError(WebMessagingError, ValueError):
    """The text is over 4096 UTF-8 bytes (4011); refused before sending when the client can
    tell."""


class CustomAttributesTooLargeError(WebMessagingError, ValueError):
    """The custom attributes are over ``maxCustomDataBytes`` (4013)."""


class SessionExpiredError(WebMessagingError):
    """The session has expired (4006, or ``SessionExpiredEvent``) or is unknown (4007)."""


class ReadOnlySessionError(WebMessagingError):
    """The conversation was disconnected read-only: nothing can be sent until ``start_new()``."""


class RateLimitExceededError(WebMessagingError):
    """The service kept refusing for its rate beyond the client's retry budget.
    ``retry_after`` is the service's last advice, in seconds."""

    def __init__(
        self, message: str, *, retry_after: float | None = None, tracing_id: str | None = None
    ) -> None:
        super().__init__(
            message,
            code=ErrorCode.TOO_MANY_REQUESTS,
            frame_class=FrameClass.TOO_MANY_REQUESTS_ERROR_MESSAGE,
            tracing_id=tracing_id,
        )
        self.retry_after = retry_after


class AttachmentRefusedError(WebMessagingError, ValueError):
    """An attachment was refused: by the client's checks against the session's allowed media,
    size and blocked extensions (``code`` None), or by the service (4001-4010, 4102)."""


class WebMessagingAuthError(WebMessagingError):
    """An authenticated session's JWT or code was refused (401, 403), or a REST call was."""


class WebMessagingConnectionError(WebMessagingError):
    """The WebSocket could not be opened (``status`` is the HTTP status of a refused upgrade),
    or could not be reopened before the backoff gave up."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class SendNotConfirmedError(WebMessagingConnectionError):
    """The connection dropped after a message went out and before the service answered, again
    and again: the history after each reconnect did not hold it, and sending it anew did not
    get an answer either."""


class WebMessagingTimeoutError(WebMessagingError, TimeoutError):
    """The service did not answer within the client's ``request_timeout``."""


class WebMessagingClosedError(WebMessagingError):
    """The client is closed, or the session ended (expired, cleared, logged out)."""
