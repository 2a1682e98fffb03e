"""The exceptions the SDK raises.

Every failed API call raises an :class:`ApiException` subclass chosen by the HTTP status; a call
that never got a response raises :class:`APIConnectionError` (status 0) or its timeout branch, and
one that a proxy stopped raises :class:`ProxyError`.
Each exception carries what the JS SDK's extended error response carries: status, headers, the
parsed ErrorBody, the raw text and the correlation id.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import ErrorBody

__all__ = [
    "APIConnectionError",
    "APITimeoutError",
    "ApiException",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "GuestChatError",
    "InternalServerError",
    "JwtRequiredError",
    "NotFoundError",
    "PermissionDeniedError",
    "ProxyError",
    "RateLimitError",
    "RequestEntityTooLargeError",
    "ServiceUnavailableError",
    "UnsupportedMediaTypeError",
    "exception_class_for_status",
]


class GuestChatError(Exception):
    """The base of every error this package raises on purpose."""


class ApiException(GuestChatError):
    """A Guest Chat API call failed.

    ``error`` is the underlying exception when there is one (a transport error, a decoding
    error), as the ``error`` field of the JS SDK's extended response.
    """

    def __init__(
        self,
        message: str,
        *,
        operation: str,
        status: int = 0,
        status_text: str = "",
        headers: Mapping[str, str] | None = None,
        body: ErrorBody | None = None,
        text: str = "",
        error: BaseException | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.operation = operation
        self.status = status
        self.status_text = status_text
        self.headers: dict[str, str] = dict(headers) if headers else {}
        self.body = body
        self.text = text
        self.error = error

    @property
    def code(self) -> str | None:
        """The ErrorBody ``code``, such as ``chat.error.conversation.state``."""
        return self.body.code if self.body is not None else None

    @property
    def correlation_id(self) -> str | None:
        """The ``inin-correlation-id`` of the failed call (the ErrorBody's ``contextId``)."""
        header = self.headers.get("inin-correlation-id")
        if header:
            return header
        return self.body.context_id if self.body is not None else None

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(operation={self.operation!r}, status={self.status}, "
            f"code={self.code!r}, correlation_id={self.correlation_id!r})"
        )


class BadRequestError(ApiException):
    """400: the request was refused, for instance a message sent while the chat is not active."""


class AuthenticationError(ApiException):
    """401: the JWT is missing, malformed or expired."""


class PermissionDeniedError(ApiException):
    """403: for instance the page's origin is not allowed by the deployment."""


class NotFoundError(ApiException):
    """404: the conversation, member, message or media request does not exist."""


class ConflictError(ApiException):
    """409: the request conflicts with the state of the resource."""


class RequestEntityTooLargeError(ApiException):
    """413: the request body is too large."""


class UnsupportedMediaTypeError(ApiException):
    """415: the request body is not JSON."""


class RateLimitError(ApiException):
    """429: too many requests. ``retry_after`` is the server's hint in seconds, when given."""

    @property
    def retry_after(self) -> float | None:
        raw = self.headers.get("retry-after")
        if raw is None:
            return None
        try:
            seconds = float(raw)
        except ValueError:
            return None
        return seconds if seconds >= 0 else None


class InternalServerError(ApiException):
    """A 5xx status: the service failed."""


class ServiceUnavailableError(InternalServerError):
    """503: the service is unavailable; the request was not processed."""


class APIConnectionError(ApiException):
    """No response was received: the connection failed or broke (``status`` is 0)."""


class APITimeoutError(APIConnectionError):
    """No response was received within the timeout."""


class ProxyError(APIConnectionError):
    """The proxy stopped the call, so the service was never reached: the proxy could not be
    reached (``status`` 0), or it refused the call, for instance with 407 Proxy Authentication
    Required (``status`` 407, with the proxy's headers)."""


class JwtRequiredError(GuestChatError, ValueError):
    """The operation needs the guest's JWT and the client has none (see ``ApiClient.set_jwt``)."""


_BY_STATUS: dict[int, type[ApiException]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: RequestEntityTooLargeError,
    415: UnsupportedMediaTypeError,
    429: RateLimitError,
    503: ServiceUnavailableError,
}


def exception_class_for_status(status: int) -> type[ApiException]:
    """The most specific exception class for an HTTP error status."""
    specific = _BY_STATUS.get(status)
    if specific is not None:
        return specific
    return InternalServerError if status >= 500 else ApiException
