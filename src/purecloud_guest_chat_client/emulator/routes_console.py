"""The browser agent console at /console, and the agent feed it listens to.

The console is a static page (``console_assets``) that drives the public control API and
renders what the agent feed (``agent_feed``) reports; it keeps nothing the service does not
have, so any number of tabs agree and closing one changes nothing. When a control token is set,
``/console?token=...`` or the sign-in form exchanges it for the session cookie described in
``control_auth``, and the page is redirected to plain ``/console`` so the token leaves the
address bar and the history.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from importlib import resources
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from ..models.protocol import CONTROL_PREFIX, MAX_MESSAGE_LENGTH
from .agent_feed import FeedSubscriber
from .api_error import ApiError
from .control_auth import (
    authorize_feed,
    has_session,
    session_cookie_name,
    session_value,
    token_matches,
)
from .http_io import read_body
from .records import new_id
from .runtime import Runtime

logger = logging.getLogger("purecloud_guest_chat_client.emulator.requests")

CONSOLE_PATH = "/console"
FEED_PATH = CONTROL_PREFIX + "/events"
_ASSET_TYPES = {
    "console.js": "text/javascript; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
}
# Everything the page loads comes from the service itself: no other origin, no inline code.
_PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
_PAGE_HEADERS = {
    "Content-Security-Policy": _PAGE_POLICY,
    "Cache-Control": "no-store",
    # Not no-referrer: with it, browsers send "Origin: null" on the sign-in form, which the
    # host guard refuses as a foreign page.
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}
_WRONG_TOKEN = "That is not this service's control token."


# The wire facts the page and its script need, filled in from their one home.
_ASSET_FACTS = {
    "{{CONTROL_PREFIX}}": CONTROL_PREFIX,
    "{{MAX_MESSAGE_LENGTH}}": str(MAX_MESSAGE_LENGTH),
}


def _asset(name: str) -> str:
    text = (resources.files(__package__) / "console_assets" / name).read_text("utf-8")
    for placeholder, value in _ASSET_FACTS.items():
        text = text.replace(placeholder, value)
    return text


def _page(body: str, status: int = 200) -> Response:
    return Response(body, status, headers=_PAGE_HEADERS, media_type="text/html; charset=utf-8")


class _Pages:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.console_page = _asset("console.html")
        self.login_page = _asset("login.html")
        self.assets = {name: _asset(name) for name in _ASSET_TYPES}

    def _login(self, problem: str | None) -> Response:
        notice = f'<p class="problem" role="alert">{html.escape(problem)}</p>' if problem else ""
        return _page(self.login_page.replace("<!--problem-->", notice), 401)

    @staticmethod
    def _signed_in(request: Request, token: str) -> Response:
        response = RedirectResponse(CONSOLE_PATH, status_code=303, headers=_PAGE_HEADERS)
        response.set_cookie(
            session_cookie_name(request),
            session_value(token),
            path="/",
            httponly=True,
            samesite="strict",
        )
        return response

    async def console(self, request: Request) -> Response:
        expected = self.runtime.settings.control_token
        if expected is not None and not has_session(request, expected):
            offered = request.query_params.get("token")
            if offered is None:
                return self._login(None)
            if not token_matches(offered, expected):
                return self._login(_WRONG_TOKEN)
            return self._signed_in(request, expected)
        if "token" in request.query_params:
            return RedirectResponse(CONSOLE_PATH, status_code=303, headers=_PAGE_HEADERS)
        return _page(self.console_page)

    async def login(self, request: Request) -> Response:
        expected = self.runtime.settings.control_token
        if expected is None:
            return RedirectResponse(CONSOLE_PATH, status_code=303, headers=_PAGE_HEADERS)
        try:
            form = parse_qs((await read_body(request)).decode("utf-8", "replace"))
        except ApiError as error:
            return self._login(error.message)
        offered = (form.get("token") or [""])[0].strip()
        if not offered:
            return self._login("Enter the control token.")
        if not token_matches(offered, expected):
            return self._login(_WRONG_TOKEN)
        return self._signed_in(request, expected)

    async def logout(self, request: Request) -> Response:
        response = RedirectResponse(CONSOLE_PATH, status_code=303, headers=_PAGE_HEADERS)
        response.delete_cookie(
            session_cookie_name(request), path="/", httponly=True, samesite="strict"
        )
        return response

    async def asset(self, request: Request) -> Response:
        name = request.path_params["name"]
        text = self.assets.get(name)
        if text is None:
            error = ApiError.not_found(f"No console asset named {name}.")
            return error.response(str(getattr(request.state, "correlation_id", "")))
        return Response(
            text,
            media_type=_ASSET_TYPES[name],
            headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
        )


class AgentFeedEndpoint:
    """The agent feed's WebSocket: a snapshot, then every change, until either side closes."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        correlation = str(scope.get("state", {}).get("correlation_id") or new_id())
        try:
            authorize_feed(websocket, self.runtime.settings.control_token)
        except ApiError as error:
            logger.info("WS %s denied %d %s", FEED_PATH, error.status, correlation)
            await websocket.send_denial_response(error.response(correlation))
            return
        feed = self.runtime.chats.feed
        subscriber = feed.subscribe(self.runtime.chats.conversations.values())
        sending: asyncio.Task[None] | None = None
        try:
            try:
                await websocket.accept()
            except (WebSocketDisconnect, RuntimeError, OSError):
                return
            logger.info("WS %s open %s", FEED_PATH, correlation)
            sending = asyncio.create_task(_send_events(websocket, subscriber))
            receiving = asyncio.create_task(_drain(websocket))
            try:
                await asyncio.wait({sending, receiving}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                receiving.cancel()
        finally:
            feed.unsubscribe(subscriber)
            if sending is not None:
                sending.cancel()
            logger.info("WS %s closed %s", FEED_PATH, correlation)


async def _send_events(websocket: WebSocket, subscriber: FeedSubscriber) -> None:
    with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
        while True:
            text = await subscriber.outbox.get()
            if text is None:
                code, reason = subscriber.close_reason or (1000, "")
                await websocket.close(code, reason)
                return
            await websocket.send_text(text)


async def _drain(websocket: WebSocket) -> None:
    """The feed takes nothing from its clients; reading is how their leaving is noticed."""
    with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
        while (await websocket.receive())["type"] != "websocket.disconnect":
            pass


def console_routes(runtime: Runtime) -> list[BaseRoute]:
    pages = _Pages(runtime)
    return [
        Route(CONSOLE_PATH, pages.console, methods=["GET"]),
        Route(CONSOLE_PATH + "/login", pages.login, methods=["POST"]),
        Route(CONSOLE_PATH + "/logout", pages.logout, methods=["POST"]),
        Route(CONSOLE_PATH + "/assets/{name}", pages.asset, methods=["GET"]),
        WebSocketRoute(FEED_PATH, AgentFeedEndpoint(runtime)),
    ]
