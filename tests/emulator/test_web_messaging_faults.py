"""The control API's fault injection reaches Web Messaging connections as it does Guest Chat
streams: dropped connections are cut (no close frame), and the session goes on when the guest
configures again; the service's stop closes them with 1012."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable

import httpx2
import pytest
import websockets

from purecloud_guest_chat_client.emulator import AsyncControlClient, LocalService

from ..helpers import WAIT
from .web_messaging_guest import DEPLOYMENT, conversations_of, of_class, until, url, web_guest


@pytest.fixture
def manual(service_factory: Callable[..., LocalService]) -> LocalService:
    return service_factory(agent="manual")


@pytest.fixture
async def http(manual: LocalService) -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(base_url=manual.control_url, timeout=WAIT) as client:
        yield client


async def test_drop_streams_cuts_the_sessions_connections_and_the_session_goes_on(
    manual: LocalService, http: httpx2.AsyncClient
) -> None:
    async with web_guest(manual) as guest, web_guest(manual, guest.token) as other:
        async with AsyncControlClient(manual.control_url) as control:
            chats = await until(lambda: conversations_of(control, DEPLOYMENT), "the chat")
        dropped = await http.post(
            "/faults", json={"dropStreams": {"conversationId": chats[0]["id"]}}
        )
        assert dropped.status_code == 200 and dropped.json()["droppedStreams"] == 2
        for connection in (guest, other):
            await connection.closed()
            assert connection.ws.close_code == 1006
    async with web_guest(manual, guest.token, configure=False) as again:
        answer = await again.configure()
        assert answer["body"]["newSession"] is False
        await again.say("after the drop", "after")
        assert (await again.wait_for(of_class("StructuredMessage")))["tracingId"] == "after"


async def test_a_pending_drop_cuts_the_next_configured_connection(
    manual: LocalService, http: httpx2.AsyncClient
) -> None:
    armed = await http.post("/faults", json={"dropStreams": {"count": 1}})
    assert armed.status_code == 200
    async with websockets.connect(url(manual.base_url)) as ws:
        configure = {"action": "configureSession", "token": "t-1", "deploymentId": DEPLOYMENT}
        await ws.send(json.dumps(configure))
        with pytest.raises(websockets.ConnectionClosedError):
            while True:
                await ws.recv()
    async with web_guest(manual, "t-1", configure=False) as again:
        assert (await again.configure())["class"] == "SessionResponse"


async def test_the_services_stop_closes_web_messaging_connections_with_1012(
    service_factory: Callable[..., LocalService],
) -> None:
    service = service_factory(agent="manual")
    async with web_guest(service) as guest:
        await asyncio.get_running_loop().run_in_executor(None, service.stop)
        await guest.closed()
        assert guest.ws.close_code == 1012
