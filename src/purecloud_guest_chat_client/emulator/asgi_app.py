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
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket

from ..models.protocol import TOKEN_SEGMENT_PATTERN
from ..models.web_messaging_protocol import WEBSOCKET_PATH
from .api_error import ApiError
from .host_guard import HostGuard
from .http_io import correlation_id, json_response
from .openapi import openapi_document
from .records import new_id
from .routes_console import console_routes
from .routes_control import control_routes
from .routes_guest import guest_routes
from .routes_stream import STREAM_PATH, EventStreamEndpoint
from .routes_web_messaging import WebMessagingEndpoint
from .routes_web_messaging_rest import WebMessagingRest, web_messaging_rest_routes
from .runtime import Runtime
from .stream_hub import frame_writer, transport_aborter

logger = logging.getLogger("purecloud_guest_chat_client.emulator.requests")

CORRELATION_HEADER = b"inin-correlation-id"
API_PATH_PREFIX = "/api/"
# What a request whose client went away before the answer is logged with (nginx's convention).
CLIENT_CLOSED_REQUEST = 499
_TOKEN_IN_PATH = re.compile(TOKEN_SEGMENT_PATTERN)


def redact(text: str) -> str:
    """Hides event-stream tokens in anything that is logged."""
    return _TOKEN_IN_PATH.sub(r"\1<redacted>", text)


class RequestMiddleware:
    """Correlation id on every response (WebSocket handshakes included), the rate limit and
    injected faults on the REST API, one log line per request, and an ErrorBody instead of a
    crash if a handler ever fails."""

    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        correlation = new_id()
        scope.setdefault("state", {})["correlation_id"] = correlation
        started = time.perf_counter()
        status = 0
        extra_headers: list[tuple[bytes, bytes]] = [(CORRELATION_HEADER, correlation.encode())]

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.extend(extra_headers)
                message = {**message, "headers": headers}
            await send(message)

        path: str = scope["path"]
        try:
            if path.startswith(API_PATH_PREFIX):
                limiter = self.runtime.limiter
                if limiter.per_minute > 0:  # off, it needs no key (the key verifies a token)
                    limits = limiter.check(self._rate_key(scope))
                    extra_headers.extend((k.encode(), v.encode()) for k, v in limits.items())
                faults = self.runtime.faults
                if faults.latency_ms:
                    await asyncio.sleep(faults.latency_ms / 1000)
                injected = faults.take_error(scope["method"], path)
                if injected is not None:
                    await injected.response(correlation)(scope, receive, send_with_id)
                    return
            await self.app(scope, receive, send_with_id)
        except ApiError as refused:  # the rate limit, before anything else ran
            await refused.response(correlation)(scope, receive, send_with_id)
        except ClientDisconnect:
            status = status or CLIENT_CLOSED_REQUEST
        except Exception:
            logger.exception("request failed: %s %s", scope["method"], redact(path))
            if status == 0:
                failure = ApiError.for_status(500)
                await failure.response(correlation)(scope, receive, send_with_id)
        finally:
            if logger.isEnabledFor(logging.INFO):  # redacting the path costs more than the line
                logger.info(
                    "%s %s %d %.1fms %s",
                    scope["method"],
                    redact(path),
                    status,
                    (time.perf_counter() - started) * 1000,
                    correlation,
                )

    def _rate_key(self, scope: Scope) -> str:
        """A guest's requests count against its member (however many tokens it holds), anyone
        else's (creating a chat, or with a token that is refused) against its address."""
        for name, value in scope["headers"]:
            if name == b"authorization":
                scheme, _, token = value.decode("latin-1").partition(" ")
                if scheme.lower() == "bearer" and token.strip():
                    with contextlib.suppress(ApiError):
                        return "member:" + self.runtime.chats.tokens.verify(token.strip()).member_id
                break
        client = scope.get("client")
        return f"client:{client[0] if client else 'unknown'}"

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        correlation = new_id()
        state = scope.setdefault("state", {})
        state["correlation_id"] = correlation
        # Fault injection cuts streams at the TCP level, through the server's own ``send``.
        state["abort_transport"] = transport_aborter(send)
        state["send_frame_now"] = frame_writer(send)

        async def send_with_id(message: Message) -> None:
            if message["type"] in ("websocket.accept", "websocket.http.response.start"):
                headers = list(message.get("headers", []))
                headers.append((CORRELATION_HEADER, correlation.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_id)


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 404:
        error = ApiError.not_found(f"No resource at {redact(request.url.path)}.")
    elif status == 405:
        error = ApiError.method_not_allowed()
    else:
        error = ApiError.for_status(status)
    response = error.response(correlation_id(request))
    if isinstance(exc, HTTPException) and exc.headers:
        for name, value in exc.headers.items():  # Allow, on a 405
            response.headers.setdefault(name, value)
    return response


async def _unknown_stream(websocket: WebSocket) -> None:
    """A WebSocket handshake at a path that is no event stream: refused in HTTP, as a 404
    ErrorBody, like any other unknown resource (rather than the server library's bare 403)."""
    path = redact(websocket.url.path)
    correlation = str(websocket.scope["state"]["correlation_id"])
    logger.info("WS %s denied 404 %s", path, correlation)
    error = ApiError.not_found(f"No event stream at {path}.")
    await websocket.send_denial_response(error.response(correlation))


def build_app(runtime: Runtime) -> Starlette:
    web_messaging = WebMessagingEndpoint(runtime)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        runtime.started()
        await web_messaging.started()
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
        *console_routes(runtime),
        *web_messaging_rest_routes(
            WebMessagingRest(
                runtime, web_messaging.attachments, web_messaging.signins, web_messaging.logged_out
            )
        ),
        Route("/openapi.json", openapi, methods=["GET"]),
        WebSocketRoute(STREAM_PATH, EventStreamEndpoint(runtime)),
        WebSocketRoute(WEBSOCKET_PATH, web_messaging),
        WebSocketRoute("/{path:path}", _unknown_stream),
    ]
    return _ServiceApp(
        routes=routes,
        middleware=[
            Middleware(RequestMiddleware, runtime=runtime),
            Middleware(HostGuard, settings=runtime.settings),
        ],
        exception_handlers={HTTPException: _http_error},
        lifespan=lifespan,
    )


class _ServiceApp(Starlette):
    """Starlette without its outermost layer, ServerErrorMiddleware: RequestMiddleware, just
    inside it, already answers every failure of an HTTP request with a 500 ErrorBody, so that
    layer only added two calls to each send of every request."""

    def build_middleware_stack(self) -> ASGIApp:
        handlers = self.exception_handlers
        app: ASGIApp = ExceptionMiddleware(self.router, handlers=handlers, debug=self.debug)
        for cls, args, kwargs in reversed(self.user_middleware):
            app = cls(app, *args, **kwargs)
        return app
