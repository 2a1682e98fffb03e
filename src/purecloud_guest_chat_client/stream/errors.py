"""Why an event stream stopped with an error."""

from __future__ import annotations

from ..errors import AuthenticationError, GuestChatError


class StreamError(GuestChatError):
    """The event stream failed."""


class StreamAuthError(StreamError, AuthenticationError):
    """The guest's JWT was refused or has expired: the chat cannot be followed any more.

    It is also an :class:`~purecloud_guest_chat_client.errors.AuthenticationError` (status 401),
    so one ``except`` catches an expired token from a REST call and from the stream alike.
    """

    def __init__(self, message: str, *, status: int = 401, error: BaseException | None = None):
        super().__init__(message, operation="event_stream", status=status, error=error)


class StreamConnectionError(StreamError):
    """The stream could not be opened, or could not be reopened before giving up."""
