"""The client's WebSocket connection, which hands every message to the client as it is read:
fragmented messages, binary ones, messages in the same read as others, and text that is not
UTF-8, from a real loopback server that sends what the local service never does."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from websockets.asyncio.server import ServerConnection
from websockets.frames import Frame
from websockets.server import ServerProtocol

from purecloud_guest_chat_client.webmessaging import (
    UnknownFrame,
    WebMessage,
    WebMessagingClient,
)
from purecloud_guest_chat_client.webmessaging._codec import new_tracing_id

from ..helpers import WAIT
from .conftest import DEPLOYMENT, raw_server, session_response


def _agent_says(text: str) -> str:
    return json.dumps(
        {
            "type": "message",
            "class": "StructuredMessage",
            "code": 200,
            "body": {
                "id": str(uuid.uuid4()),
                "type": "Text",
                "text": text,
                "direction": "Outbound",
                "originatingEntity": "Human",
                "channel": {"time": "2026-12-02T10:00:00.000Z"},
            },
        }
    )


async def test_fragmented_messages_are_assembled_in_order() -> None:
    async def fragments(ws: ServerConnection) -> None:
        request = json.loads(await ws.recv())
        await ws.send(session_response(request))
        whole = _agent_says("in three parts, é included")
        await ws.send([whole[:10], whole[10:40], whole[40:]])  # one message, three frames
        await ws.send(_agent_says("after it"))
        await ws.send([b"\x00binary ", b"in two"])
        await ws.wait_closed()

    async with raw_server(fragments) as url, WebMessagingClient(DEPLOYMENT, url) as client:
        events = [await client.next_event(timeout=WAIT) for _ in range(3)]
    assert [e.text for e in events[:2] if isinstance(e, WebMessage)] == [
        "in three parts, é included",
        "after it",
    ]
    assert isinstance(events[2], UnknownFrame)
    assert events[2].reason == "a binary frame"
    assert events[2].raw == "\x00binary in two"


async def test_messages_sent_at_once_with_the_answer_all_arrive() -> None:
    # The session's answer and what follows it leave in one write, so the client reads them
    # in one go, before its request has even been answered.
    async def burst(ws: ServerConnection) -> None:
        request = json.loads(await ws.recv())
        ws.transport.pause_reading()
        for frame in [session_response(request), *(_agent_says(f"m{n}") for n in range(20))]:
            ws.protocol.send_text(frame.encode())
        ws.transport.write(b"".join(ws.protocol.data_to_send()))
        ws.transport.resume_reading()
        await ws.wait_closed()

    async with raw_server(burst) as url, WebMessagingClient(DEPLOYMENT, url) as client:
        events = [await client.next_event(timeout=WAIT) for _ in range(20)]
    assert [e.text for e in events if isinstance(e, WebMessage)] == [f"m{n}" for n in range(20)]


async def test_the_last_message_before_the_close_is_delivered() -> None:
    # The close frame comes in the same read as the message before it: the protocol is
    # already closing when the message is handed over, and it must be anyway.
    async def say_and_close(ws: ServerConnection) -> None:
        request = json.loads(await ws.recv())
        await ws.send(session_response(request))
        ws.protocol.send_text(_agent_says("last words").encode())
        ws.protocol.send_close(1000)
        ws.transport.write(b"".join(ws.protocol.data_to_send()))
        await ws.wait_closed()

    async with raw_server(say_and_close) as url:
        client = WebMessagingClient(DEPLOYMENT, url, reconnect=False)
        await client.connect()
        try:
            last = await client.next_event(timeout=WAIT)
            assert isinstance(last, WebMessage)
            assert last.text == "last words"
        finally:
            await client.close()


async def test_text_that_is_not_utf8_closes_the_connection_with_1007() -> None:
    closed: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()

    async def bad_bytes(ws: ServerConnection) -> None:
        request = json.loads(await ws.recv())
        await ws.send(session_response(request))
        await ws.send(_agent_says("before"))
        ws.protocol.send_text(b'{"class": "\xff\xfe"}')  # a text frame that is not UTF-8
        ws.transport.write(b"".join(ws.protocol.data_to_send()))
        await ws.wait_closed()
        closed.set_result(ws.close_code)

    async with raw_server(bad_bytes) as url:
        client = WebMessagingClient(DEPLOYMENT, url, reconnect=False)
        await client.connect()
        try:
            first = await client.next_event(timeout=WAIT)
            assert isinstance(first, WebMessage)
            assert first.text == "before"
            assert await asyncio.wait_for(closed, WAIT) == 1007
        finally:
            await client.close()


@asynccontextmanager
async def _pushing_with_the_handshake(texts: list[str]) -> AsyncIterator[str]:
    """A server that writes ``texts`` in the same write as its handshake answer, so that they
    reach the client with it, before the client could ask for anything; then answers the
    configure."""

    async def serve_one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        protocol = ServerProtocol()
        protocol.receive_data(await reader.readuntil(b"\r\n\r\n"))
        [request] = protocol.events_received()
        protocol.send_response(protocol.accept(request))  # type: ignore[arg-type]
        for text in texts:
            protocol.send_text(text.encode())
        writer.write(b"".join(protocol.data_to_send()))
        while data := await reader.read(65536):
            protocol.receive_data(data)
            for event in protocol.events_received():
                if isinstance(event, Frame) and event.opcode is event.opcode.TEXT:
                    protocol.send_text(session_response(json.loads(event.data)).encode())
            writer.write(b"".join(protocol.data_to_send()))
            if protocol.close_expected():
                break  # the client's close answered: the server ends the TCP connection
        writer.close()

    server = await asyncio.start_server(serve_one, "127.0.0.1", 0)
    try:
        yield f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()


async def test_messages_that_come_with_the_handshake_are_kept() -> None:
    pushed = [_agent_says("with the handshake"), _agent_says("and another")]
    async with (
        _pushing_with_the_handshake(pushed) as url,
        WebMessagingClient(DEPLOYMENT, url) as client,
    ):
        events = [await client.next_event(timeout=WAIT) for _ in range(2)]
    assert [e.text for e in events if isinstance(e, WebMessage)] == [
        "with the handshake",
        "and another",
    ]


def test_tracing_ids_are_distinct_version_4_uuids() -> None:
    ids = [new_tracing_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    for tracing_id in ids:
        parsed = uuid.UUID(tracing_id)
        assert str(parsed) == tracing_id
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
