"""The Web Messaging client against the local service: the session, messages and their echo,
limits checked before sending, typed events, timeouts, clean close and the sync facade."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from datetime import UTC, datetime

import pytest
from websockets.asyncio.server import ServerConnection

from purecloud_guest_chat_client.emulator import AsyncControlClient, LocalService
from purecloud_guest_chat_client.models.web_messaging_protocol import (
    MAX_CUSTOM_DATA_BYTES,
    MAX_TEXT_BYTES,
)
from purecloud_guest_chat_client.webmessaging import (
    CustomAttributesTooLargeError,
    ErrorFrame,
    MessageTooLongError,
    SyncWebMessagingClient,
    UnknownFrame,
    WebMessage,
    WebMessagingClient,
    WebMessagingClosedError,
    WebMessagingConnectionError,
    WebMessagingTimeoutError,
)

from ..helpers import WAIT
from .conftest import (
    DEPLOYMENT,
    agent_text,
    free_port,
    next_matching,
    raw_server,
    session_response,
)


async def _conversation(control: AsyncControlClient, deployment: str) -> dict[str, object]:
    [chat] = [c for c in await control.conversations() if c["deploymentId"] == deployment]
    return chat


async def test_connect_configures_a_new_session_and_surfaces_it(
    service: LocalService, control: AsyncControlClient
) -> None:
    client = WebMessagingClient(DEPLOYMENT, service.base_url)
    assert str(uuid.UUID(client.token)) == client.token  # generated, a UUID
    try:
        info = await client.connect()
        assert info.connected and info.new_session and not info.read_only
        assert info.max_custom_data_bytes == MAX_CUSTOM_DATA_BYTES
        assert info.allowed_media and info.blocked_extensions
        assert info.expires_at is not None and info.expires_at > datetime.now(UTC)
        assert client.connected and client.session == info
        assert await client.connect() is info  # already connected: the same session
    finally:
        await client.close()
    assert (await _conversation(control, DEPLOYMENT))["status"] == "active"


async def test_send_text_returns_the_echo_and_the_agent_answers(
    client: WebMessagingClient,
) -> None:
    echo = await client.send_text("Where is my parcel?", custom_attributes={"orderId": "A-1"})
    assert echo.direction == "Inbound" and echo.text == "Where is my parcel?"
    assert echo.id and echo.time is not None and echo.time.tzinfo is not None
    assert echo.originating_entity == "Human" and echo.tracing_id
    first = await client.next_event(timeout=WAIT)
    assert first == echo  # one's own message is part of the conversation
    seen: list[object] = []
    reply = await next_matching(client, agent_text("You said: Where is my parcel?"), seen)
    assert isinstance(reply, WebMessage)
    assert reply.originating_entity in ("Human", "Bot") and reply.nickname
    assert reply.time is not None and reply.time >= echo.time and reply.id != echo.id


async def test_the_echo_is_matched_by_tracing_id_among_other_traffic(
    client: WebMessagingClient,
) -> None:
    echoes = await asyncio.gather(*(client.send_text(f"burst {n}") for n in range(4)))
    assert [echo.text for echo in echoes] == [f"burst {n}" for n in range(4)]
    assert len({echo.tracing_id for echo in echoes}) == 4


async def test_limits_are_checked_before_sending(
    manual_service: LocalService, agent: AsyncControlClient
) -> None:
    async with WebMessagingClient(DEPLOYMENT, manual_service.base_url) as client:
        await client.send_text("first")
        with pytest.raises(MessageTooLongError, match="4098 UTF-8 bytes") as too_long:
            await client.send_text("é" * (MAX_TEXT_BYTES // 2 + 1))
        assert too_long.value.code == 4011
        with pytest.raises(CustomAttributesTooLargeError, match="2049") as too_large:
            await client.send_text("hi", custom_attributes={"k": "v" * MAX_CUSTOM_DATA_BYTES})
        assert too_large.value.code == 4013
        with pytest.raises(TypeError):
            await client.send_text("hi", custom_attributes={"k": 1})  # type: ignore[dict-item]
        with pytest.raises(ValueError, match="empty"):
            await client.send_text("  ")
        exactly = await client.send_text("é" * (MAX_TEXT_BYTES // 2))
        assert exactly.text == "é" * (MAX_TEXT_BYTES // 2)
    [chat] = [c for c in await agent.conversations() if c["deploymentId"] == DEPLOYMENT]
    stored = [
        m["body"]
        for m in (await agent.conversation(chat["id"]))["messages"]
        if m["bodyType"] == "standard"
    ]
    assert stored == ["first", exactly.text]  # nothing refused was sent


async def test_resume_reaches_the_same_session(service: LocalService) -> None:
    async with WebMessagingClient(DEPLOYMENT, service.base_url) as first:
        await first.send_text("before")
        token = first.token
    again = WebMessagingClient(DEPLOYMENT, service.base_url, token=token)
    try:
        info = await again.connect()
        assert not info.new_session and again.token == token
    finally:
        await again.close()
    other = WebMessagingClient(DEPLOYMENT, service.base_url)
    try:
        resumed = await other.resume(token)
        assert not resumed.new_session and other.token == token
    finally:
        await other.close()


async def test_close_is_clean_and_idempotent(service: LocalService) -> None:
    client = WebMessagingClient(DEPLOYMENT, service.base_url)
    async with client:
        await client.send_text("bye")
    assert client.closed and not client.connected
    await client.close()
    # What arrived before the close is still delivered, then the events end.
    left = [event async for event in client.events()]
    assert [event.text for event in left if isinstance(event, WebMessage)][:1] == ["bye"]
    assert await client.next_event() is None
    with pytest.raises(WebMessagingClosedError):
        await client.send_text("after close")
    with pytest.raises(WebMessagingClosedError):
        await client.connect()


async def test_events_iteration_ends_when_another_task_closes(
    client: WebMessagingClient,
) -> None:
    await client.send_text("hello")
    replied = asyncio.Event()
    events: list[object] = []

    async def collect() -> None:
        async for event in client.events():
            events.append(event)
            if isinstance(event, WebMessage) and event.direction == "Outbound":
                replied.set()

    reader = asyncio.create_task(collect())
    await asyncio.wait_for(replied.wait(), WAIT)
    await client.close()
    await asyncio.wait_for(reader, WAIT)
    messages = [event for event in events if isinstance(event, WebMessage)]
    assert [m.direction for m in messages] == ["Inbound", "Outbound"]
    assert not any(isinstance(event, UnknownFrame) for event in events)


async def test_next_event_timeout_is_applied(client: WebMessagingClient) -> None:
    with pytest.raises(TimeoutError):
        await client.next_event(timeout=0.05)
    assert client.connected


async def test_unreachable_service_raises_a_connection_error() -> None:
    client = WebMessagingClient(DEPLOYMENT, f"ws://127.0.0.1:{free_port()}", open_timeout=2)
    with pytest.raises(WebMessagingConnectionError, match="could not open"):
        await client.connect()
    await client.close()


async def test_a_handshake_that_never_comes_times_out_the_connect() -> None:
    async def mute(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # holds the connection open without a word

    server = await asyncio.start_server(mute, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        client = WebMessagingClient(DEPLOYMENT, f"ws://127.0.0.1:{port}", open_timeout=0.2)
        with pytest.raises(WebMessagingConnectionError, match="timed out"):
            await client.connect()
        await client.close()
    finally:
        server.close()
        await server.wait_closed()


async def test_a_silent_service_times_out_the_configure() -> None:
    async def silent(ws: ServerConnection) -> None:
        async for _ in ws:
            pass

    async with raw_server(silent) as url:
        client = WebMessagingClient(DEPLOYMENT, url, request_timeout=0.2)
        with pytest.raises(WebMessagingTimeoutError, match=r"no answer within 0\.2 s"):
            await client.connect()
        assert not client.connected
        await client.close()


async def test_frames_the_client_cannot_read_are_delivered_never_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def garbage(ws: ServerConnection) -> None:
        request = json.loads(await ws.recv())
        await ws.send(session_response(request))
        await ws.send("not json")
        await ws.send(b"\x00binary")
        await ws.send(json.dumps({"type": "message", "class": "Brand new", "code": 200}))
        await ws.send(
            json.dumps({"type": "response", "class": "string", "code": 5000, "body": "oops"})
        )
        await ws.send(json.dumps({"type": "response", "class": "SessionResponse", "body": {}}))
        async for _ in ws:
            pass

    caplog.set_level(logging.WARNING, "purecloud_guest_chat_client.webmessaging")
    async with raw_server(garbage) as url, WebMessagingClient(DEPLOYMENT, url) as client:
        events = [await client.next_event(timeout=WAIT) for _ in range(4)]
        assert [type(e) for e in events] == [UnknownFrame, UnknownFrame, UnknownFrame, ErrorFrame]
        assert [e.reason for e in events[:3]] == [  # type: ignore[union-attr]
            "not JSON",
            "a binary frame",
            "class 'Brand new' is not a pushed event",
        ]
        assert events[3] == ErrorFrame(5000, "oops", None, "string")
        with pytest.raises(TimeoutError):  # the unrequested SessionResponse is no event
            await client.next_event(timeout=0.1)
        assert client.connected
    assert "not JSON" in caplog.text


async def test_a_refused_connection_says_so() -> None:
    async def refuse(ws: ServerConnection) -> None:
        request = json.loads(await ws.recv())
        await ws.send(
            json.dumps(
                {
                    "type": "response",
                    "class": "string",
                    "code": 4007,
                    "tracingId": request["tracingId"],
                    "body": "Session not found",
                }
            )
        )
        async for _ in ws:
            pass

    from purecloud_guest_chat_client.webmessaging import SessionExpiredError

    async with raw_server(refuse) as url:
        client = WebMessagingClient(DEPLOYMENT, url)
        with pytest.raises(SessionExpiredError, match="4007") as refused:
            await client.connect()
        assert refused.value.code == 4007 and refused.value.frame_class == "string"
        await client.close()


def test_the_sync_client_runs_a_chat(service: LocalService) -> None:
    with SyncWebMessagingClient(DEPLOYMENT, service.base_url) as client:
        assert client.connected and client.session is not None
        echo = client.send_text("sync hello")
        assert echo.text == "sync hello" and echo.direction == "Inbound"
        for event in client.events():
            if isinstance(event, WebMessage) and event.direction == "Outbound":
                assert event.text == "You said: sync hello"
                break
        with pytest.raises(TimeoutError):
            client.next_event(timeout=0.05)
        token = client.token
        assert token not in repr(client)
    assert client.closed
    client.close()


def test_bad_arguments_are_refused_with_the_reason() -> None:
    with pytest.raises(ValueError, match="deployment_id"):
        WebMessagingClient("", "ws://127.0.0.1:1")
    with pytest.raises(ValueError, match="token"):
        WebMessagingClient(DEPLOYMENT, "ws://127.0.0.1:1", token=" ")
    with pytest.raises(ValueError, match="request_timeout"):
        WebMessagingClient(DEPLOYMENT, "ws://127.0.0.1:1", request_timeout=0)
    with pytest.raises(ValueError, match="origin"):
        WebMessagingClient(DEPLOYMENT, "ws://127.0.0.1:1", origin="")
