"""The ASGI application: routes, per-request bookkeeping and the service's lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import ApiError
from .http_io import correlation_id, json_response
from .openapi import openapi_document
from .records import new_id
from .routes_control import control_routes
from .routes_guest import guest_routes
from .routes_stream import STREAM_PATH, EventStreamEndpoint
from .runtime import Runtime

logger = logging.getLogger("purecloud_guest_chat_client.emulator.requests")

CORRELATION_HEADER = b"inin-correlation-id"
_TOKEN_IN_PATH = re.compile(r"/v1/token/[^/?\s]+")


def redact(text: str) -> str:
    """Hides event-stream tokens in anything that is logged."""
    return _TOKEN_IN_PATH.sub("/v1/token/<redacted>", text)


class RedactTokens(logging.Filter):
    """Keeps JWTs out of the server library's own log lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        record.msg = redact(str(record.msg))
        return True


class RequestMiddleware:
    """Correlation id on every response, injected faults, one log line per request, and an
    ErrorBody instead of a crash if a handler ever fails."""

    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        correlation = new_id()
        scope.setdefault("state", {})["correlation_id"] = correlation
        started = time.perf_counter()
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((CORRELATION_HEADER, correlation.encode()))
                message = {**message, "headers": headers}
            await send(message)

        path: str = scope["path"]
        try:
            if path.startswith("/api/"):
                faults = self.runtime.faults
                if faults.latency_ms:
                    await asyncio.sleep(faults.latency_ms / 1000)
                injected = faults.take_error(scope["method"], path)
                if injected is not None:
                    await injected.response(correlation)(scope, receive, send_with_id)
                    return
            await self.app(scope, receive, send_with_id)
        except Exception:
            logger.exception("request failed: %s %s", scope["method"], redact(path))
            if status == 0:
                failure = ApiError.for_status(500)
                await failure.response(correlation)(scope, receive, send_with_id)
        finally:
            logger.info(
                "%s %s %d %.1fms %s",
                scope["method"],
                redact(path),
                status,
                (time.perf_counter() - started) * 1000,
                correlation,
            )


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 404:
        error = ApiError.not_found(f"No resource at {request.url.path}.")
    elif status == 405:
        error = ApiError.method_not_allowed()
    else:
        error = ApiError.for_status(status)
    return error.response(correlation_id(request))


def build_app(runtime: Runtime) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        runtime.started()
        try:
            yield
        finally:
            await runtime.stopping()
            runtime.close()

    document: dict[str, Any] = openapi_document()

    async def openapi(request: Request) -> Response:
        return json_response(document)

    routes: list[BaseRoute] = [
        *guest_routes(runtime),
        *control_routes(runtime),
        Route("/openapi.json", openapi, methods=["GET"]),
        WebSocketRoute(STREAM_PATH, EventStreamEndpoint(runtime)),
    ]
    return Starlette(
        routes=routes,
        middleware=[Middleware(RequestMiddleware, runtime=runtime)],
        exception_handlers={HTTPException: _http_error},
        lifespan=lifespan,
    )
