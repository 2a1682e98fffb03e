"""The control API's fault injection reaches Web Messaging connections as it does Guest Chat
streams: dropped connections are cut (no close frame), and the session goes on when the guest
configures again; raw frames are sent as they are; silence leaves the health check unanswered;
latency delays every answer; injected errors reach the REST history. The service's stop closes
the connections with 1012."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable

import httpx2
import pytest
import websockets

from purecloud_guest_chat_client.emulator import AsyncControlClient, LocalService
from purecloud_guest_chat_client.models.web_messaging_protocol import HISTORY_PATH

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


async def _conversation_id(manual: LocalService) -> str:
    async with AsyncControlClient(manual.control_url) as control:
        chats = await until(lambda: conversations_of(control, DEPLOYMENT), "the chat")
    return str(chats[0]["id"])


async def test_raw_frames_reach_every_connection_of_the_session_as_they_are(
    manual: LocalService, http: httpx2.AsyncClient
) -> None:
    frames = ["not json", '{"type":"message","class":"Invented","code":200,"body":{}}', "[1,2]"]
    async with web_guest(manual) as guest, web_guest(manual, guest.token) as other:
        cid = await _conversation_id(manual)
        sent = await http.post(
            "/faults", json={"rawFrames": {"conversationId": cid, "frames": frames}}
        )
        assert sent.status_code == 200
        for connection in (guest, other):
            got = [await asyncio.wait_for(connection.ws.recv(), WAIT) for _ in frames]
            assert got == frames
        # The session is served as before.
        await guest.say("after the raw frames", "after")
        assert (await guest.wait_for(of_class("StructuredMessage")))["tracingId"] == "after"
    async with web_guest(manual) as elsewhere:  # another conversation's connection gets none
        await http.post("/faults", json={"rawFrames": {"conversationId": cid, "frames": ["x"]}})
        await elsewhere.say("mine", "mine")
        assert (await elsewhere.next())["tracingId"] == "mine"


async def test_silence_leaves_the_health_check_unanswered_and_messages_flowing(
    manual: LocalService, http: httpx2.AsyncClient
) -> None:
    async with web_guest(manual) as guest:
        cid = await _conversation_id(manual)
        silenced = await http.post("/faults", json={"silence": {"conversationId": cid}})
        assert silenced.status_code == 200
        await guest.send("echo", message={"type": "Text", "text": "ping"}, tracingId="hc")
        await guest.say("heard", "heard")
        # Answers come in order: the first frame after the echo is the message's.
        assert (await guest.next())["tracingId"] == "heard"
        await http.delete("/faults")
        await guest.send("echo", message={"type": "Text", "text": "ping"}, tracingId="hc-2")
        assert (await guest.next())["tracingId"] == "hc-2"


async def test_latency_delays_every_answer_of_the_connection(
    manual: LocalService, http: httpx2.AsyncClient
) -> None:
    latency_ms = 1000
    async with web_guest(manual) as guest:
        assert (await http.post("/faults", json={"latencyMs": latency_ms})).status_code == 200
        await guest.say("slow", "slow")
        # Held back: nothing has come a fifth of the latency later (a recv cancelled so keeps
        # the frame for the next one), and the answer comes after.
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(guest.ws.recv(), latency_ms / 5000)
        assert (await guest.next())["tracingId"] == "slow"


async def test_injected_errors_reach_the_rest_history(
    manual: LocalService, http: httpx2.AsyncClient
) -> None:
    rule = {"status": 503, "count": 1, "pathContains": HISTORY_PATH}
    assert (await http.post("/faults", json={"errors": [rule]})).status_code == 200
    async with web_guest(manual) as guest:
        await guest.send("getJwt", tracingId="jwt")
        jwt = (await guest.wait_for(of_class("JwtResponse")))["body"]["jwt"]
    headers = {"Authorization": f"bearer {jwt}"}
    async with httpx2.AsyncClient(base_url=manual.base_url, timeout=WAIT) as api:
        failed = await api.get(HISTORY_PATH, headers=headers)
        assert failed.status_code == 503 and failed.json()["status"] == 503
        assert (await api.get(HISTORY_PATH, headers=headers)).status_code == 200
