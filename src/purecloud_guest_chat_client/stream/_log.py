"""The stream's loggers. Everything they emit passes through the token redaction, including the
handshake lines the WebSocket library writes at debug level, which would otherwise show the
request path and with it the guest's JWT."""

from __future__ import annotations

import logging

from .._redact import redact_text


class RedactTokens(logging.Filter):
    """Rewrites a record so that no JWT or ``/token/<jwt>`` path survives in its message, its
    traceback (an exception's text may quote the URI) or its stack."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_text(message)
        if redacted != message:
            record.msg = redacted
            record.args = None
        if record.exc_info:
            # Handlers print exc_text when it is set; without exc_info none can format the
            # exception afresh from the original.
            record.exc_text = redact_text(self._formatter.formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)
        return True


def _redacting(name: str) -> logging.Logger:
    named = logging.getLogger(name)
    if not any(isinstance(existing, RedactTokens) for existing in named.filters):
        named.addFilter(RedactTokens())
    return named


stream_logger = _redacting("purecloud_guest_chat_client.stream")
websocket_logger = _redacting("purecloud_guest_chat_client.stream.websocket")
