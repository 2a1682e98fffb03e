"""Reading requests and writing JSON responses, with the service's limits and error codes."""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from .api_error import MAX_JSON_DEPTH, MAX_REQUEST_BYTES, ApiError

Endpoint = Callable[[Request], Awaitable[Response]]


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


def _media_type(content_type: str) -> tuple[str, str | None]:
    """The media type and the charset parameter (None when absent), lowercased."""
    media_type, _, parameters = content_type.partition(";")
    charset = None
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media_type.strip().lower(), charset


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


async def json_body(request: Request) -> Any:
    """The parsed JSON body; None for no body, an empty body or ``null``."""
    raw = await read_body(request)
    if not raw.strip():
        return None
    content_type = request.headers.get("content-type", "")
    media_type, charset = _media_type(content_type)
    if not _is_json(media_type):
        raise ApiError.unsupported_media_type(content_type)
    if charset is not None and charset not in ("utf-8", "utf8"):
        raise ApiError.unsupported_charset(charset)
    return parse_json(raw)


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is out of range")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


# One decoder for every body: ``json.loads`` with these hooks would build one per call.
_DECODER = json.JSONDecoder(parse_float=_finite, parse_constant=_no_constant)


def parse_json(raw: bytes) -> Any:
    """A JSON body in UTF-8 (RFC 8259), as the service stores it: every string encodable as
    UTF-8, every number finite, nested at most MAX_JSON_DEPTH levels.

    ``json.loads`` on bytes would also take UTF-16 and UTF-32, and CESU-8 surrogates; a string
    with a lone surrogate in it can be neither stored nor sent, so it is refused here, before
    anything is queued.
    """
    if b"\x00" in raw:  # never in UTF-8 JSON text; in every UTF-16 or UTF-32 one
        raise ApiError.not_utf8("it holds NUL bytes, as UTF-16 and UTF-32 do")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError.not_utf8(f"invalid byte at offset {exc.start}") from None
    try:
        data = _DECODER.decode(text)
    except RecursionError:
        raise ApiError.too_deep() from None
    except ValueError as exc:
        raise ApiError.bad_request(f"The request body is not valid JSON: {exc}") from None
    # Counting openers is a cheap bound on the depth, and a lone surrogate can only come from
    # a \uD800-\uDFFF escape: ordinary bodies skip the walk.
    deep = text.count("{") + text.count("[") > MAX_JSON_DEPTH
    if deep or "\\ud" in text or "\\uD" in text:
        _check_values(data)
    return data


def _check_values(data: Any) -> None:
    stack: list[tuple[Any, int, str]] = [(data, 1, "")]
    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, str):
            _check_text(value, path)
            continue
        if isinstance(value, dict):
            items: Any = value.items()
        elif isinstance(value, list):
            items = ((f"[{i}]", item) for i, item in enumerate(value))
        else:
            continue
        if depth > MAX_JSON_DEPTH:
            raise ApiError.too_deep()
        for key, item in items:
            if isinstance(value, dict):
                _check_text(key, path)
                key = f"{path}.{key}" if path else key
            else:
                key = path + key
            stack.append((item, depth + 1, key))


def _check_text(text: str, path: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ApiError.unpaired_surrogate(path or "(the body)", ord(text[exc.start])) from None


async def json_object(request: Request, missing: Callable[[], ApiError]) -> dict[str, Any]:
    """A JSON object body; the error ``missing`` makes is raised when there is no body at all
    (made only then: most requests have one)."""
    data = await json_body(request)
    if data is None:
        raise missing()
    if not isinstance(data, dict):
        raise ApiError.bad_request("The request body must be a JSON object.")
    return data


def query_int(request: Request, name: str, default: int, minimum: int, maximum: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    # Plain ASCII digits only: int() would also take "1_0", " 10", "+10" and other scripts'
    # digits, which no client means as a page size.
    digits = raw.isascii() and raw.isdigit() and len(raw) <= 12
    value = int(raw) if digits else minimum - 1
    if not minimum <= value <= maximum:
        raise ApiError.invalid_query(name, raw, f"an integer from {minimum} to {maximum}")
    return value


def query_choice(request: Request, name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if raw.lower() not in choices:
        raise ApiError.invalid_query(name, raw, ", ".join(choices))
    return raw.lower()


def method_routes(table: list[tuple[str, str, Endpoint]]) -> list[Route]:
    """One route per path, serving each of its methods, so that a 405 names them all in
    ``Allow`` (a route per method would name only its own)."""
    by_path: dict[str, dict[str, Endpoint]] = {}
    for path, method, endpoint in table:
        by_path.setdefault(path, {})[method] = endpoint
    return [
        Route(path, MethodDispatch(endpoints), methods=list(endpoints))
        for path, endpoints in by_path.items()
    ]


class MethodDispatch:
    """One path's endpoints by method, as the route's ASGI app. Given a plain function,
    Starlette would wrap it in a second exception-handling layer for every request; these
    endpoints answer their own errors, and the application's handlers still apply around the
    router."""

    def __init__(self, endpoints: dict[str, Endpoint]) -> None:
        self.endpoints = endpoints

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)
        method = "GET" if request.method == "HEAD" else request.method
        response = await self.endpoints[method](request)
        await response(scope, receive, send)
