"""Reading requests and writing JSON responses, with the service's limits and error codes."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from .errors import MAX_REQUEST_BYTES, ApiError


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(data, separators=(",", ":"), ensure_ascii=False),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def correlation_id(request: Request) -> str:
    return str(getattr(request.state, "correlation_id", ""))


async def read_body(request: Request) -> bytes:
    """The raw body, refused with 413 once it passes the size limit (declared or streamed)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_REQUEST_BYTES:
        raise ApiError.too_large()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_REQUEST_BYTES:
            raise ApiError.too_large()
        chunks.append(chunk)
    return b"".join(chunks)


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


async def json_body(request: Request) -> Any:
    """The parsed JSON body; None for no body, an empty body or ``null``."""
    raw = await read_body(request)
    if not raw.strip():
        return None
    content_type = request.headers.get("content-type", "")
    if not _is_json(content_type):
        raise ApiError.unsupported_media_type(content_type)
    try:
        data = json.loads(raw)
    except UnicodeDecodeError:
        raise ApiError.bad_request("The request body is not valid UTF-8.") from None
    except ValueError as exc:
        raise ApiError.bad_request(f"The request body is not valid JSON: {exc}") from None
    except RecursionError:
        raise ApiError.bad_request("The request body is nested too deeply.") from None
    # JSON lets a \uD800-\uDFFF escape stand alone, but such a string cannot be stored or sent
    # as UTF-8; the cheap byte test keeps the full check off ordinary requests.
    if b"\\ud" in raw or b"\\uD" in raw:
        try:
            json.dumps(data, ensure_ascii=False).encode()
        except UnicodeEncodeError:
            raise ApiError.bad_request(
                "The request body is not valid JSON: it holds an unpaired surrogate escape."
            ) from None
    return data


async def json_object(request: Request, missing: ApiError) -> dict[str, Any]:
    """A JSON object body; ``missing`` is raised when there is no body at all."""
    data = await json_body(request)
    if data is None:
        raise missing
    if not isinstance(data, dict):
        raise ApiError.bad_request("The request body must be a JSON object.")
    return data


def query_int(request: Request, name: str, default: int, minimum: int, maximum: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = minimum - 1
    if not minimum <= value <= maximum:
        raise ApiError.invalid_query(name, raw, f"an integer from {minimum} to {maximum}")
    return value


def query_choice(request: Request, name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() not in choices:
        raise ApiError.invalid_query(name, raw, ", ".join(choices))
    return raw.lower()
