"""Helpers for the Web Messaging client tests: clients against the local service, a loopback
WebSocket server for the frames the service never sends, and bounded waits."""

from __future__ import annotations

import asyncio
import contextlib
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


class ToggleProxy:
    """A loopback TCP relay in front of the local service that the test can take down (every
    connection through it cut without a close frame, new ones refused) and bring back: a
    network outage of exactly the length the test decides."""

    def __init__(self, target: str) -> None:
        host, _, port = target.removeprefix("http://").partition(":")
        self._target = (host, int(port))
        self._up = True
        self._links: set[asyncio.StreamWriter] = set()
        self._relays: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None
        self.url = ""

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    def down(self) -> None:
        self._up = False
        for writer in tuple(self._links):
            writer.transport.abort()
        self._links.clear()

    def up(self) -> None:
        self._up = True

    async def close(self) -> None:
        self.down()
        for relay in self._relays:
            relay.cancel()
        await asyncio.gather(*self._relays, return_exceptions=True)
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self._up:
            writer.transport.abort()
            return
        relay = asyncio.current_task()
        assert relay is not None
        self._relays.add(relay)
        relay.add_done_callback(self._relays.discard)
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self._target)
        except OSError:
            writer.transport.abort()
            return
        self._links.update((writer, upstream_writer))

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                sink.transport.abort()
                self._links.discard(sink)

        # Cancelled by close(): the relay ends there, quietly.
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))


@pytest.fixture
def manual_service(service_factory: Callable[..., LocalService]) -> LocalService:
    """The local service with no agent of its own: the test plays the agent."""
    return service_factory(agent="manual")


@pytest.fixture
async def agent(manual_service: LocalService) -> AsyncIterator[AsyncControlClient]:
    client = AsyncControlClient(
        manual_service.control_url, token=manual_service.settings.control_token
    )
    try:
        yield client
    finally:
        await client.aclose()


async def join_agent(control: AsyncControlClient, deployment: str) -> Callable[[str], Any]:
    """An agent joined to the session's conversation; returns its ``say(text)``."""
    [chat] = [c for c in await control.conversations() if c["deploymentId"] == deployment]
    member = await control.join_agent(chat["id"], "Alice")

    async def say(text: str) -> Any:
        return await control.send(chat["id"], member["id"], text, "standard")

    return say


@pytest.fixture
async def outage(manual_service: LocalService) -> AsyncIterator[ToggleProxy]:
    proxy = ToggleProxy(manual_service.base_url)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.close()
