"""Errors as the service reports them: an ErrorBody whose contextId is the correlation id."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

from ..models import ErrorBody

MAX_REQUEST_BYTES = 128 * 1024
# How deeply a JSON body may nest objects and arrays: the body itself is level 1, so
# ``{"memberInfo": {"customFields": {...}}}`` leaves customFields 29 levels of its own.
MAX_JSON_DEPTH = 32

_DEFAULT_CODES: dict[int, tuple[str, str]] = {
    400: (
        "bad.request",
        "The request could not be understood by the server due to malformed syntax.",
    ),
    401: ("bad.credentials", "Invalid login credentials."),
    403: ("not.authorized", "You are not authorized to perform the requested action."),
    404: ("not.found", "The requested resource was not found."),
    408: (
        "client.timeout",
        "The client did not produce a request within the server timeout limit.",
    ),
    409: (
        "request.conflict",
        "The request conflicts with the current state of the target resource.",
    ),
    413: ("request.entity.too.large", "The request is over the size limit."),
    415: (
        "unsupported.media.type",
        "Unsupported Media Type - Unsupported or incorrect media type.",
    ),
    429: ("too.many.requests.retry.after", "Rate limit exceeded the maximum."),
    500: ("internal.server.error", "The server encountered an unexpected condition."),
    502: ("bad.gateway", "The gateway received an invalid response."),
    503: ("chat.error.service.unavailable", "Chat service unavailable."),
    504: ("request.timeout", "The request timed out."),
}


class ApiError(Exception):
    """A failure the service answers with an ErrorBody."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """``message`` may hold ``{name}`` placeholders filled from ``params``: the service sends
        both the filled message and the template (``messageWithParams``) with its params."""
        self.params = params or {}
        if self.params:
            self.template = message
            self.message = message.format(**self.params)
        else:
            # A message without params may quote the request (an id, a key): its braces are
            # text, so the template doubles them and still fills in to the message.
            self.template = message.replace("{", "{{").replace("}", "}}")
            self.message = message
        super().__init__(f"{status} {code}: {self.message}")
        self.status = status
        self.code = code
        self.headers = headers or {}

    def body(self, correlation_id: str) -> dict[str, Any]:
        return ErrorBody(
            status=self.status,
            code=self.code,
            message=self.message,
            message_with_params=self.template,
            message_params=self.params,
            context_id=correlation_id,
            details=[],
            errors=[],
        ).to_dict()

    def response(self, correlation_id: str) -> Response:
        return Response(
            json.dumps(self.body(correlation_id), separators=(",", ":")),
            status_code=self.status,
            media_type="application/json",
            headers=self.headers,
        )

    # -- the cases the service reports ------------------------------------------------------

    @classmethod
    def for_status(
        cls, status: int, code: str | None = None, retry_after: int | None = None
    ) -> ApiError:
        default_code, message = _DEFAULT_CODES.get(status, ("error", f"HTTP error {status}."))
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        return cls(status, code or default_code, message, headers=headers)

    @classmethod
    def bad_request(cls, message: str, code: str = "bad.request") -> ApiError:
        return cls(400, code, message)

    @classmethod
    def not_null(cls, code: str, field: str) -> ApiError:
        return cls(
            400,
            code,
            "The {field} property may not be null.",
            params={"field": field},
        )

    @classmethod
    def invalid_value(cls, field: str, value: Any, allowed: str) -> ApiError:
        return cls(
            400,
            "invalid.value",
            "Value [{value}] is not valid for field type [{field}]. "
            "Allowable values are: {allowed}",
            params={"value": str(value), "field": field, "allowed": allowed},
        )

    @classmethod
    def invalid_query(cls, param: str, value: Any, allowed: str) -> ApiError:
        return cls(
            400,
            "invalid.query.param.value",
            "Value [{value}] is not valid for parameter [{param}]. Allowable values are: {allowed}",
            params={"value": str(value), "param": param, "allowed": allowed},
        )

    @classmethod
    def constraint(cls, message: str) -> ApiError:
        return cls(400, "constraint.validation", message)

    @classmethod
    def conversation_state(cls) -> ApiError:
        return cls(400, "chat.error.conversation.state", "The conversation is not active.")

    @classmethod
    def member_state(cls) -> ApiError:
        return cls(
            400,
            "chat.error.member.state",
            "The conversation member is in a state which does not permit this action.",
        )

    @classmethod
    def authentication_required(cls) -> ApiError:
        return cls(
            401,
            "authentication.required",
            "No authentication bearer token specified in authorization header.",
        )

    @classmethod
    def bad_credentials(cls) -> ApiError:
        return cls(401, "bad.credentials", "Invalid login credentials.")

    @classmethod
    def credentials_expired(cls) -> ApiError:
        return cls(
            401, "credentials.expired", "The supplied credentials are expired and cannot be used."
        )

    @classmethod
    def not_authorized(cls, message: str | None = None) -> ApiError:
        return cls(
            403,
            "not.authorized",
            message or "You are not authorized to perform the requested action.",
        )

    @classmethod
    def origin_not_allowed(cls) -> ApiError:
        return cls(
            403,
            "origin.not.allowed",
            "Not allowed to create an ACD chat conversation from an external customer.",
        )

    @classmethod
    def not_found(cls, message: str = "The requested resource was not found.") -> ApiError:
        return cls(404, "not.found", message)

    @classmethod
    def chat_not_found(cls, what: str) -> ApiError:
        return cls(404, "chat.error.not.found", f"The {what} was not found.")

    @classmethod
    def method_not_allowed(cls) -> ApiError:
        return cls(405, "method.not.allowed", "The HTTP method is not allowed for this resource.")

    @classmethod
    def too_large(cls) -> ApiError:
        return cls(
            413,
            "request.entity.too.large",
            "The request is over the size limit. Maximum bytes: {maxBytes}",
            params={"maxBytes": str(MAX_REQUEST_BYTES)},
        )

    @classmethod
    def too_deep(cls) -> ApiError:
        return cls(
            400,
            "bad.request",
            "The request body nests objects and arrays more than {maxDepth} levels deep.",
            params={"maxDepth": str(MAX_JSON_DEPTH)},
        )

    @classmethod
    def not_utf8(cls, detail: str) -> ApiError:
        return cls(
            400,
            "bad.request",
            "The request body is not UTF-8 ({detail}); send JSON as UTF-8, as "
            "application/json; charset=utf-8.",
            params={"detail": detail},
        )

    @classmethod
    def unpaired_surrogate(cls, path: str, code_point: int) -> ApiError:
        return cls(
            400,
            "bad.request",
            "The request body is not valid JSON: the string at {path} holds an unpaired "
            "surrogate escape ({escape}), which is no Unicode text.",
            params={"path": path[:100], "escape": f"\\u{code_point:04x}"},
        )

    @classmethod
    def unsupported_charset(cls, charset: str) -> ApiError:
        return cls(
            415,
            "unsupported.media.type",
            "Unsupported Media Type - the charset {charset} is not supported; send JSON as "
            "UTF-8 (application/json; charset=utf-8).",
            params={"charset": charset},
        )

    @classmethod
    def unsupported_media_type(cls, content_type: str) -> ApiError:
        return cls(
            415,
            "unsupported.media.type",
            f"Unsupported Media Type - the content type {content_type or '(none)'!r} is not "
            "supported; send application/json.",
        )

    @classmethod
    def rate_limited(cls, retry_after: int, headers: dict[str, str]) -> ApiError:
        return cls(
            429,
            "too.many.requests.retry.after",
            "Rate limit exceeded the maximum. Retry the request in [{retryAfter}] seconds",
            params={"retryAfter": str(retry_after)},
            headers={**headers, "Retry-After": str(retry_after)},
        )

    @classmethod
    def service_unavailable(cls) -> ApiError:
        return cls(503, "chat.error.service.unavailable", "Chat service unavailable.")
