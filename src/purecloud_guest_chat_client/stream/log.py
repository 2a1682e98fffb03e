"""The stream's loggers. Everything they emit passes through the token redaction, including the
handshake lines the WebSocket library writes at debug level, which would otherwise show the
request path and with it the guest's JWT."""

from __future__ import annotations

import logging

from .token import redact_uri


class RedactTokens(logging.Filter):
    """Rewrites a record so that no JWT or ``/token/<jwt>`` path survives in its message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_uri(message)
        if redacted != message:
            record.msg = redacted
            record.args = None
        return True


def _redacting(name: str) -> logging.Logger:
    named = logging.getLogger(name)
    if not any(isinstance(existing, RedactTokens) for existing in named.filters):
        named.addFilter(RedactTokens())
    return named


stream_logger = _redacting("purecloud_guest_chat_client.stream")
websocket_logger = _redacting("purecloud_guest_chat_client.stream.websocket")
