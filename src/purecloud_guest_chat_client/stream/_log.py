"""The stream's loggers. Everything they emit passes through the token redaction, including the
handshake lines the WebSocket library writes at debug level, which would otherwise show the
request path and with it the guest's JWT."""

from __future__ import annotations

from .._redact import redacting_logger

stream_logger = redacting_logger("purecloud_guest_chat_client.stream")
websocket_logger = redacting_logger("purecloud_guest_chat_client.stream.websocket")
