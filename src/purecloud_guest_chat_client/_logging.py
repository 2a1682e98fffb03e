"""How one HTTP exchange becomes a log record, and the JSON and TEXT formatters.

Records go through the standard ``logging`` module under the ``purecloud_guest_chat_client``
logger. Everything is redacted when the record is built, so no handler (the SDK's own or one the
application attaches higher up) can ever see the JWT or the Authorization header.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ._redact import redact_headers, redact_text

__all__ = [
    "ROOT_LOGGER_NAME",
    "Exchange",
    "JsonFormatter",
    "TextFormatter",
    "exchange_fields",
    "render_text",
]

ROOT_LOGGER_NAME = "purecloud_guest_chat_client"
FIELDS_ATTRIBUTE = "guest_chat_fields"
_MAX_BODY_CHARS = 64_000


@dataclass(slots=True)
class Exchange:
    """One HTTP attempt: what was sent and what (if anything) came back."""

    operation: str
    method: str
    url: str
    request_headers: Mapping[str, str]
    request_body: bytes | None
    status: int
    status_text: str
    response_headers: Mapping[str, str] | None
    response_body: bytes | None
    elapsed_ms: float
    error: str | None = None

    @property
    def correlation_id(self) -> str | None:
        if self.response_headers is None:
            return None
        return self.response_headers.get("inin-correlation-id")


def _body_text(body: bytes | None, secrets: Iterable[str]) -> str | None:
    if not body:
        return None
    text = body[:_MAX_BODY_CHARS].decode("utf-8", errors="replace")
    return redact_text(text, secrets)


def exchange_fields(
    exchange: Exchange,
    *,
    failed: bool,
    trace: bool,
    request_body: bool,
    response_body: bool,
    secrets: Iterable[str],
) -> dict[str, Any]:
    """The fields a record carries, following the JS SDK's level semantics.

    Every record has the method, URL, status, request headers and correlation id. Response headers
    are added at trace level and on failures; bodies only when the user asked for them.
    """
    secrets = tuple(secrets)
    fields: dict[str, Any] = {
        "operation": exchange.operation,
        "method": exchange.method,
        "url": redact_text(exchange.url, secrets),
        "status": exchange.status,
        "correlationId": exchange.correlation_id,
        "elapsedMs": round(exchange.elapsed_ms, 2),
        "requestHeaders": redact_headers(exchange.request_headers, secrets),
    }
    if request_body:
        fields["requestBody"] = _body_text(exchange.request_body, secrets)
    if (trace or failed) and exchange.response_headers is not None:
        fields["responseHeaders"] = redact_headers(exchange.response_headers, secrets)
    if response_body and (trace or failed):
        fields["responseBody"] = _body_text(exchange.response_body, secrets)
    if exchange.error is not None:
        fields["error"] = redact_text(exchange.error, secrets)
    return fields


def render_text(fields: Mapping[str, Any]) -> str:
    head = (
        f"{fields['operation']}: {fields['method']} {fields['url']} -> {fields['status']} "
        f"({fields['elapsedMs']} ms) correlation_id={fields['correlationId'] or '-'}"
    )
    rest = [
        f"{name}={json.dumps(value, ensure_ascii=False)}"
        for name, value in fields.items()
        if name not in ("operation", "method", "url", "status", "elapsedMs", "correlationId")
    ]
    return " ".join([head, *rest])


def _timestamp(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(record.msecs):03d}Z"


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        correlation = getattr(record, "correlation_id", None) or "-"
        text = redact_text(record.getMessage())
        return f"{_timestamp(record)} {record.levelname} [{correlation}] {record.name}: {text}"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "correlationId": getattr(record, "correlation_id", None),
        }
        fields = getattr(record, FIELDS_ATTRIBUTE, None)
        if isinstance(fields, Mapping):
            entry.update(fields)
        else:
            entry["message"] = redact_text(record.getMessage())
        return json.dumps(entry, ensure_ascii=False, default=str)
