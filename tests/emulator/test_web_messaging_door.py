"""The local service's Web Messaging door: the WebSocket at /v1, its sessions, messages, limits
and refusals, over a real connection."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import websockets
from websockets.asyncio.client import ClientConnection

from purecloud_guest_chat_client.emulator import AsyncControlClient, LocalService
from purecloud_guest_chat_client.models.web_messaging_protocol import (
    HEALTH_CHECK_TRACING_ID,
    MAX_CUSTOM_DATA_BYTES,
    MAX_TEXT_BYTES,
    WEBSOCKET_PATH,
    ErrorCode,
)

from ..helpers import WAIT

DEPLOYMENT = "00000000-0000-4000-8000-0000000de910"


def _url(service: LocalService, deployment: str = DEPLOYMENT) -> str:
    base = service.base_url.replace("http://", "ws://", 1)
    return f"{base}{WEBSOCKET_PATH}?deploymentId={deployment}&application=tests"


async def _next(ws: ClientConnection) -> dict[str, Any]:
    frame: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), WAIT))
    return frame


async def _wait_for(
    ws: ClientConnection, match: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    async def read() -> dict[str, Any]:
        while True:
            frame = await _next(ws)
            if match(frame):
                return frame

    return await asyncio.wait_for(read(), WAIT)


async def _configure(
    ws: ClientConnection, token: str, deployment: str = DEPLOYMENT
) -> dict[str, Any]:
    await ws.send(
        json.dumps({"action": "configureSession", "token": token, "deploymentId": deployment})
    )
    return await _next(ws)


async def _say(ws: ClientConnection, token: str, text: str, **extra: Any) -> None:
    request = {"action": "onMessage", "token": token, "message": {"type": "Text", "text": text}}
    await ws.send(json.dumps({**request, **extra}))


def _is_outbound(frame: dict[str, Any]) -> bool:
    """An agent's message (not one of its events, such as typing)."""
    return (
        frame.get("class") == "StructuredMessage"
        and frame["body"].get("direction") == "Outbound"
        and frame["body"].get("type") != "Event"
    )


@pytest.fixture
async def ws(service: LocalService) -> AsyncIterator[ClientConnection]:
    async with websockets.connect(_url(service)) as connection:
        yield connection


@pytest.fixture
async def control(service: LocalService) -> AsyncIterator[AsyncControlClient]:
    client = AsyncControlClient(service.control_url, token=service.settings.control_token)
    try:
        yield client
    finally:
        await client.aclose()


async def _conversation_of(control: AsyncControlClient, deployment: str) -> dict[str, Any]:
    matching = [c for c in await control.conversations() if c["deploymentId"] == deployment]
    assert len(matching) == 1
    return matching[0]


async def test_new_and_known_token(service: LocalService, ws: ClientConnection) -> None:
    token = str(uuid.uuid4())
    first = await _configure(ws, token)
    assert first["type"] == "response" and first["class"] == "SessionResponse"
    assert first["code"] == 200
    body = first["body"]
    assert body["connected"] is True and body["newSession"] is True
    assert body["readOnly"] is False and body["clearedExistingSession"] is False
    assert body["maxCustomDataBytes"] == MAX_CUSTOM_DATA_BYTES
    assert isinstance(body["expirationDate"], int) and body["durationSeconds"] > 0
    assert body["allowedMedia"]["inbound"]["fileTypes"]
    assert isinstance(body["blockedExtensions"], list)
    async with websockets.connect(_url(service)) as again:
        second = await _configure(again, token)
    assert second["body"]["newSession"] is False
    other = await _configure(ws, str(uuid.uuid4()))
    assert other["body"]["newSession"] is True


async def test_message_echoed_to_every_connection_and_answered_by_the_echo_agent(
    service: LocalService, ws: ClientConnection, control: AsyncControlClient
) -> None:
    token = str(uuid.uuid4())
    await _configure(ws, token)
    async with websockets.connect(_url(service)) as second:
        await _configure(second, token)
        await _say(ws, token, "Where is my parcel?", tracingId="trace-1")
        for connection in (ws, second):
            echo = await _wait_for(connection, lambda f: f.get("type") == "message")
            assert echo["class"] == "StructuredMessage" and echo["code"] == 200
            assert echo["tracingId"] == "trace-1"
            body = echo["body"]
            assert body["type"] == "Text" and body["text"] == "Where is my parcel?"
            assert body["direction"] == "Inbound" and body["originatingEntity"] == "Human"
            assert body["channel"]["time"].endswith("Z") and body["channel"]["messageId"]
            assert body["id"]
        for connection in (ws, second):
            reply = await _wait_for(connection, _is_outbound)
            assert reply["body"]["text"] == "You said: Where is my parcel?"
            assert reply["body"]["channel"]["from"]["nickname"]
            assert reply["body"]["channel"]["time"].endswith("Z")
            assert reply["body"]["originatingEntity"] in ("Human", "Bot")
    chat = await _conversation_of(control, DEPLOYMENT)
    assert chat["status"] == "active" and chat["queue"]


async def test_control_api_agent_reaches_the_guest(
    service_factory: Callable[..., LocalService],
) -> None:
    service = service_factory(agent="manual")
    control = AsyncControlClient(service.control_url, token=service.settings.control_token)
    try:
        async with websockets.connect(_url(service, "dep-manual")) as ws:
            answer = await _configure(ws, str(uuid.uuid4()), "dep-manual")
            assert answer["class"] == "SessionResponse", answer
            chat = await _conversation_of(control, "dep-manual")
            agent = await control.join_agent(chat["id"], "Alice")
            await control.send(chat["id"], agent["id"], "Hello from Alice", "standard")
            reply = await _wait_for(ws, _is_outbound)
            assert reply["body"]["text"] == "Hello from Alice"
            assert reply["body"]["channel"]["from"]["nickname"] == "Alice"
            assert reply["body"]["originatingEntity"] == "Human"
    finally:
        await control.aclose()


async def test_limits_refused_with_their_codes_and_nothing_stored(
    ws: ClientConnection, control: AsyncControlClient
) -> None:
    deployment = DEPLOYMENT
    token = str(uuid.uuid4())
    await _configure(ws, token)
    before = (await _conversation_of(control, deployment))["messageCount"]
    await _say(ws, token, "é" * (MAX_TEXT_BYTES // 2 + 1), tracingId="long")
    too_long = await _next(ws)
    assert too_long["class"] == "string" and too_long["code"] == ErrorCode.MESSAGE_TOO_LONG
    assert too_long["body"] == f"Message length {MAX_TEXT_BYTES + 2} is larger than 4096"
    assert too_long["tracingId"] == "long"
    big = {"k": "v" * MAX_CUSTOM_DATA_BYTES}
    for placement in (
        {
            "message": {
                "type": "Text",
                "text": "hi",
                "channel": {"metadata": {"customAttributes": big}},
            }
        },
        {"channel": {"metadata": {"customAttributes": big}}},
    ):
        await ws.send(
            json.dumps(
                {
                    "action": "onMessage",
                    "token": token,
                    "message": {"type": "Text", "text": "hi"},
                    **placement,
                }
            )
        )
        refused = await _next(ws)
        assert refused["class"] == "string"
        assert refused["code"] == ErrorCode.CUSTOM_ATTRIBUTES_TOO_LARGE
    assert (await _conversation_of(control, deployment))["messageCount"] == before


async def test_health_check_echo_answered_not_stored(
    ws: ClientConnection, control: AsyncControlClient
) -> None:
    token = str(uuid.uuid4())
    await _configure(ws, token)
    before = (await _conversation_of(control, DEPLOYMENT))["messageCount"]
    await ws.send(
        json.dumps(
            {
                "action": "echo",
                "token": token,
                "tracingId": HEALTH_CHECK_TRACING_ID,
                "message": {"type": "Text", "text": "ping"},
            }
        )
    )
    answer = await _next(ws)
    assert answer["type"] == "response" and answer["class"] == "StructuredMessage"
    assert answer["tracingId"] == HEALTH_CHECK_TRACING_ID
    body = answer["body"]
    assert body["text"] == "ping" and body["direction"] == "Inbound" and "channel" not in body
    assert body["metadata"]["durationSeconds"].isdigit()
    assert body["metadata"]["expirationDate"].isdigit()
    assert (await _conversation_of(control, DEPLOYMENT))["messageCount"] == before


@pytest.mark.parametrize(
    "frame",
    [
        "not json",
        b"\x00\x01binary",
        json.dumps(["a", "list"]),
        json.dumps({"action": "configureSession", "deploymentId": DEPLOYMENT, "tracingId": "t"}),
        json.dumps({"action": "launchRocket", "token": "x", "tracingId": "t"}),
        json.dumps(
            {
                "action": "onMessage",
                "token": "x",
                "tracingId": "t",
                "message": {"type": "Text", "text": "hi"},
            }
        ),
    ],
    ids=["not-json", "binary", "not-object", "no-token", "unknown-action", "before-configure"],
)
async def test_bad_frames_refused_and_the_connection_stays_open(
    ws: ClientConnection, frame: str | bytes
) -> None:
    await ws.send(frame)
    refused = await _next(ws)
    assert refused["type"] == "response" and refused["class"] == "string"
    assert refused["code"] == 400 and isinstance(refused["body"], str)
    if isinstance(frame, str) and '"tracingId"' in frame:
        assert refused["tracingId"] == "t"
    answer = await _configure(ws, str(uuid.uuid4()))
    assert answer["class"] == "SessionResponse"


async def test_missing_deployment_id_refused_in_the_handshake(service: LocalService) -> None:
    base = service.base_url.replace("http://", "ws://", 1)
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with websockets.connect(base + WEBSOCKET_PATH):
            pass
    assert refused.value.response.status_code == 400


async def test_the_echo_is_keyed_as_the_stored_message(
    ws: ClientConnection, control: AsyncControlClient
) -> None:
    token = str(uuid.uuid4())
    await _configure(ws, token)
    await _say(ws, token, "find me again", tracingId="k")
    echo = await _wait_for(ws, lambda f: f.get("tracingId") == "k")
    body = echo["body"]
    assert body["channel"]["messageId"] == body["id"]
    chat = await _conversation_of(control, DEPLOYMENT)
    stored = [
        m for m in (await control.conversation(chat["id"]))["messages"] if m["id"] == body["id"]
    ]
    assert [m["body"] for m in stored] == ["find me again"]
