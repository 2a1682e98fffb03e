"""Helpers for the Web Messaging client tests: clients against the local service, a loopback
WebSocket server for the frames the service never sends, and bounded waits."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve

from purecloud_guest_chat_client.emulator import AsyncControlClient, LocalService
from purecloud_guest_chat_client.webmessaging import (
    WebMessage,
    WebMessagingClient,
    WebMessagingEvent,
)

from ..helpers import WAIT

DEPLOYMENT = "00000000-0000-4000-8000-00000000c11e"

Handler = Callable[[ServerConnection], Awaitable[None]]


@pytest.fixture
async def control(service: LocalService) -> AsyncIterator[AsyncControlClient]:
    client = AsyncControlClient(service.control_url, token=service.settings.control_token)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
async def client(service: LocalService) -> AsyncIterator[WebMessagingClient]:
    async with WebMessagingClient(DEPLOYMENT, service.base_url) as connected:
        yield connected


async def next_matching(
    client: WebMessagingClient,
    match: Callable[[WebMessagingEvent], bool],
    seen: list[WebMessagingEvent] | None = None,
) -> WebMessagingEvent:
    """The next event ``match`` accepts, within the tests' wait; the others go to ``seen``."""

    async def read() -> WebMessagingEvent:
        while True:
            event = await client.next_event()
            assert event is not None, "the events ended"
            if match(event):
                return event
            if seen is not None:
                seen.append(event)

    return await asyncio.wait_for(read(), WAIT)


def agent_text(text: str) -> Callable[[WebMessagingEvent], bool]:
    return lambda e: isinstance(e, WebMessage) and e.direction == "Outbound" and e.text == text


def abort_connection(client: WebMessagingClient) -> None:
    """Drop the client's socket as a network failure would: no close frame."""
    connection = client._connection
    assert connection is not None
    connection.ws.transport.abort()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@asynccontextmanager
async def raw_server(handler: Handler) -> AsyncIterator[str]:
    """A loopback WebSocket server speaking as ``handler`` says: for frames the local service
    never sends (garbage, silence). Yields its ``ws://`` base URL."""
    async with serve(handler, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        yield f"ws://127.0.0.1:{port}"


def session_response(request: dict[str, Any], **overrides: Any) -> str:
    body = {"connected": True, "newSession": True, "readOnly": False, "maxCustomDataBytes": 2048}
    return json.dumps(
        {
            "type": "response",
            "class": "SessionResponse",
            "code": 200,
            "tracingId": request.get("tracingId"),
            "body": {**body, **overrides},
        }
    )
