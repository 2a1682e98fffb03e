"""Connection limits: header size, header/body/idle timeouts, the connection cap, and an
ErrorBody with a correlation id for everything refused below the application."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx2
import pytest
import websockets
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import InvalidStatus

from purecloud_guest_chat_client.api_client import AsyncApiClient
from purecloud_guest_chat_client.apis.web_chat_api import AsyncWebChatApi
from purecloud_guest_chat_client.emulator import AsyncControlClient, LocalService
from purecloud_guest_chat_client.stream import EventStream, StreamAuthError

from ..helpers import API, create_body

# Generous bounds for "it happens": the limits under test are far shorter.
REAPED_WITHIN = 15.0
SHORT_TIMEOUTS: dict[str, Any] = {
    "header_timeout_seconds": 0.5,
    "body_timeout_seconds": 0.5,
    "idle_timeout_seconds": 0.5,
}


STALLED_BODY = (
    f"POST {API} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    "Content-Length: 500\r\n\r\n{"
).encode()


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def error(self) -> dict[str, Any]:
        assert self.headers.get("content-type") == "application/json", self.headers
        data = json.loads(self.body)
        assert isinstance(data, dict)
        assert data["status"] == self.status
        assert data["contextId"] == self.headers["inin-correlation-id"]
        return data


def parse_response(raw: bytes) -> RawResponse:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return RawResponse(status, headers, body)


async def open_raw(service: LocalService) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", service.port)


async def read_to_close(reader: asyncio.StreamReader) -> bytes:
    """Everything the service writes until it closes the connection."""
    chunks = []
    async with asyncio.timeout(REAPED_WITHIN):
        while chunk := await reader.read(65536):
            chunks.append(chunk)
    return b"".join(chunks)


async def exchange(service: LocalService, data: bytes) -> RawResponse:
    reader, writer = await open_raw(service)
    try:
        writer.write(data)
        await writer.drain()
        return parse_response(await read_to_close(reader))
    finally:
        writer.close()


async def test_a_header_section_over_the_limit_is_refused_with_431(
    service_factory: Callable[..., LocalService],
) -> None:
    service = service_factory(max_header_bytes=4096)
    reader, writer = await open_raw(service)
    writer.write(b"GET /openapi.json HTTP/1.1\r\nHost: x\r\nX-Big: ")
    # Far more than the limit, as an unfinished header: the service stops parsing at the limit.
    for _ in range(64):
        writer.write(b"a" * 16384)
    await writer.drain()
    response = parse_response(await read_to_close(reader))
    writer.close()
    assert response.status == 431
    body = response.error()
    assert body["code"] == "request.header.fields.too.large"
    assert body["messageParams"] == {"maxBytes": "4096"}


async def test_a_request_line_over_the_limit_is_refused_with_414(
    service_factory: Callable[..., LocalService],
) -> None:
    service = service_factory(max_header_bytes=4096)
    response = await exchange(service, b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert response.status == 414
    assert response.error()["code"] == "request.uri.too.long"


async def test_headers_within_the_limit_are_served(
    service_factory: Callable[..., LocalService],
) -> None:
    service = service_factory(max_header_bytes=4096)
    async with httpx2.AsyncClient(base_url=service.base_url) as http:
        response = await http.get("/openapi.json", headers={"X-Pad": "a" * 3000})
    assert response.status_code == 200


async def test_a_malformed_request_gets_an_error_body_with_a_correlation_id(
    service: LocalService,
) -> None:
    response = await exchange(service, b"GET / HTTP/1.1\r\nBad Header Name: x\r\n\r\n")
    assert response.status == 400
    assert response.error()["code"] == "bad.request"


async def test_a_websocket_upgrade_with_a_long_request_line_is_answered_and_closed(
    service: LocalService,
) -> None:
    request = (
        b"GET /v1/token/" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
        b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        b"Sec-WebSocket-Version: 13\r\n\r\n"
    )
    response = await exchange(service, request)
    assert response.status == 414
    assert response.error()["code"] == "request.uri.too.long"


async def test_an_invalid_websocket_handshake_gets_an_error_body(service: LocalService) -> None:
    request = (
        b"GET /v1/token/abc HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
        b"Connection: Upgrade\r\n\r\n"
    )
    response = await exchange(service, request)
    assert response.status == 400
    response.error()


async def test_an_idle_connection_is_closed_after_the_idle_timeout(
    service_factory: Callable[..., LocalService],
) -> None:
    service = service_factory(**SHORT_TIMEOUTS)
    reader, writer = await open_raw(service)
    assert await read_to_close(reader) == b""  # closed without a word: no request was made
    writer.close()


async def test_a_keep_alive_connection_is_closed_after_the_idle_timeout(
    service_factory: Callable[..., LocalService],
) -> None:
    service = service_factory(**SHORT_TIMEOUTS)
    reader, writer = await open_raw(service)
    writer.write(b"GET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n")
    response = parse_response(await read_to_close(reader))
    writer.close()
    assert response.status == 200


async def test_headers_that_never_end_get_a_408(
    service_factory: Callable[..., LocalService],
) -> None:
    service = service_factory(**SHORT_TIMEOUTS)
    response = await exchange(service, b"GET /openapi.json HTTP/1.1\r\nHost: x\r\nX-Slow: a")
    assert response.status == 408
    assert response.error()["code"] == "client.timeout"


async def test_a_body_that_never_ends_gets_a_408(
    service_factory: Callable[..., LocalService],
) -> None:
    service = service_factory(**SHORT_TIMEOUTS)
    response = await exchange(service, STALLED_BODY)
    assert response.status == 408
    assert response.error()["code"] == "client.timeout"


async def test_idle_connections_make_room_for_a_guest_at_the_connection_cap(
    service_factory: Callable[..., LocalService],
) -> None:
    # Idle connections are not closed by their timeout during the test: only to make room.
    service = service_factory(max_connections=20, idle_timeout_seconds=60.0)
    idle = [await open_raw(service) for _ in range(40)]
    try:
        async with httpx2.AsyncClient(base_url=service.base_url) as http:
            response = await http.post(API, json=create_body())
        assert response.status_code == 200, response.text
        # The connections beyond the cap were closed, the longest idle first.
        closed = 0
        for reader, _ in idle:
            async with asyncio.timeout(REAPED_WITHIN):
                if await reader.read(1) == b"":
                    closed += 1
            if closed >= 20:
                break
        assert closed >= 20
    finally:
        for _, writer in idle:
            writer.close()


async def test_connections_over_the_cap_are_refused_with_503_when_none_is_idle(
    service_factory: Callable[..., LocalService],
) -> None:
    service = service_factory(max_connections=5, body_timeout_seconds=60.0)
    stalled = []
    # With Expect: 100-continue the service says when the application is reading the body.
    request = STALLED_BODY.replace(b"\r\n\r\n", b"\r\nExpect: 100-continue\r\n\r\n")
    try:
        for _ in range(5):
            reader, writer = await open_raw(service)
            writer.write(request)
            await writer.drain()
            async with asyncio.timeout(REAPED_WITHIN):
                assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 100")
            stalled.append((reader, writer))
        response = await exchange(service, b"GET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n")
        assert response.status == 503
        assert response.headers["retry-after"] == "1"
        assert response.error()["code"] == "too.many.connections"
    finally:
        for _, writer in stalled:
            writer.close()


async def test_slow_and_idle_connections_are_reaped_while_a_guest_is_served(
    service_factory: Callable[..., LocalService],
) -> None:
    """The reduced form of 1,000 idle, slow-header and stalled-body connections: 200, with
    short timeouts."""
    service = service_factory(**SHORT_TIMEOUTS)
    held = []
    for index in range(200):
        reader, writer = await open_raw(service)
        if index % 3 == 1:
            writer.write(b"GET /openapi.json HTTP/1.1\r\nHost: x\r\nX-Slow: a")
        elif index % 3 == 2:
            writer.write(STALLED_BODY)
        held.append((reader, writer))
    try:
        async with httpx2.AsyncClient(base_url=service.base_url) as http:
            response = await http.post(API, json=create_body())
            assert response.status_code == 200, response.text
        results = await asyncio.gather(*(read_to_close(reader) for reader, _ in held))
        assert all(r == b"" or r.startswith(b"HTTP/1.1 408") for r in results)
    finally:
        for _, writer in held:
            writer.close()


async def read_response(reader: asyncio.StreamReader, *, head_only: bool = False) -> RawResponse:
    """One response on a connection that stays open: its head, then the body it declares."""
    async with asyncio.timeout(REAPED_WITHIN):
        head = await reader.readuntil(b"\r\n\r\n")
        response = parse_response(head)
        if not head_only:
            response.body = await reader.readexactly(int(response.headers["content-length"]))
    return response


async def test_a_head_request_is_answered_with_its_head_and_the_connection_goes_on(
    service: LocalService,
) -> None:
    """A HEAD answer declares a body that never follows: its head goes out on its own."""
    reader, writer = await open_raw(service)
    try:
        for method in ("HEAD", "GET", "HEAD"):
            writer.write(f"{method} /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            response = await read_response(reader, head_only=method == "HEAD")
            assert response.status == 200
            assert int(response.headers["content-length"]) > 0
            if method == "GET":
                assert json.loads(response.body)["openapi"]
    finally:
        writer.close()


# -- event streams --------------------------------------------------------------------------


async def new_chat(service: LocalService) -> dict[str, Any]:
    async with httpx2.AsyncClient(base_url=service.base_url) as http:
        response = await http.post(API, json=create_body())
    assert response.status_code == 200, response.text
    chat: dict[str, Any] = response.json()
    return chat


async def close_code(ws: ClientConnection) -> int | None:
    """Reads until the service closes; the code of the close frame it sent (None for none)."""
    with contextlib.suppress(websockets.ConnectionClosed):
        async with asyncio.timeout(REAPED_WITHIN):
            while True:
                await ws.recv()
    return ws.protocol.close_rcvd.code if ws.protocol.close_rcvd is not None else None


async def flooded_close_code(ws: ClientConnection) -> int | None:
    """Sends 200 pings as fast as it can; the code the service then closes the stream with."""
    with contextlib.suppress(websockets.ConnectionClosed):
        for _ in range(200):
            await ws.send('{"message":"ping"}')
    return await close_code(ws)


async def test_a_frame_over_the_size_limit_closes_the_stream_with_1009(
    service_factory: Callable[..., LocalService],
) -> None:
    service = service_factory(stream_max_frame_bytes=4096)
    chat = await new_chat(service)
    async with websockets.connect(chat["eventStreamUri"], max_size=None) as ws:
        await ws.send("x" * (1024 * 1024))
        assert await close_code(ws) == 1009


async def test_a_frame_flood_closes_the_stream_with_1008(
    service_factory: Callable[..., LocalService],
) -> None:
    service = service_factory(stream_max_frames_per_second=20)
    chat = await new_chat(service)
    async with websockets.connect(chat["eventStreamUri"]) as ws:
        assert await flooded_close_code(ws) == 1008
        assert (
            ws.protocol.close_rcvd is not None
            and "frames a second" in ws.protocol.close_rcvd.reason
        )


async def test_pings_within_the_rate_are_answered(
    service_factory: Callable[..., LocalService],
) -> None:
    service = service_factory(stream_max_frames_per_second=20)
    chat = await new_chat(service)
    async with websockets.connect(chat["eventStreamUri"]) as ws:
        for _ in range(10):
            await ws.send('{"message":"ping"}')
            await ws.ping()
        pongs = 0
        async with asyncio.timeout(REAPED_WITHIN):
            while pongs < 10:
                if "pong" in str(await ws.recv()):
                    pongs += 1


async def test_a_client_that_does_not_read_is_closed_not_buffered_for(
    service_factory: Callable[..., LocalService],
) -> None:
    service = service_factory(stream_max_queued_frames=20)
    chat = await new_chat(service)
    frame = json.dumps({"topicName": "channel.metadata", "eventBody": {"message": "x" * 1000}})
    # A small receive buffer, so that the service's writes back up soon.
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", service.port))
    async with (
        websockets.connect(chat["eventStreamUri"], sock=sock, max_queue=1, close_timeout=0.5) as ws,
        AsyncControlClient(service.control_url) as control,
    ):
        async with asyncio.timeout(60):
            while (await control.conversation(chat["id"]))["openStreams"]:
                await control.set_faults(
                    rawFrames={"conversationId": chat["id"], "frames": [frame] * 100}
                )
        # What waited was dropped and the stream closed with 1008 (or cut, unread, after).
        assert ws.protocol.close_rcvd is None or ws.protocol.close_rcvd.code == 1008


async def test_a_guest_opens_at_most_the_allowed_streams(
    service_factory: Callable[..., LocalService],
) -> None:
    service = service_factory(max_streams_per_guest=2)
    chat = await new_chat(service)
    async with (
        websockets.connect(chat["eventStreamUri"]),
        websockets.connect(chat["eventStreamUri"]),
    ):
        with pytest.raises(InvalidStatus) as refused:
            await websockets.connect(chat["eventStreamUri"])
        response = refused.value.response
        assert response.status_code == 429
        body = json.loads(response.body)
        assert body["code"] == "too.many.streams"
        assert body["contextId"] == response.headers["inin-correlation-id"]
    # Streams that closed no longer count.
    async with websockets.connect(chat["eventStreamUri"]):
        pass


async def test_a_stream_is_closed_when_its_token_expires(
    service_factory: Callable[..., LocalService],
) -> None:
    # Lifetimes are whole seconds: 3 leaves at least 2 s to connect before the token expires.
    service = service_factory(jwt_lifetime_seconds=3)
    chat = await new_chat(service)
    async with websockets.connect(chat["eventStreamUri"]) as ws:
        assert await close_code(ws) == 1008
        assert ws.protocol.close_rcvd is not None and "expired" in ws.protocol.close_rcvd.reason


async def test_the_sdk_reports_an_expiry_close_as_a_stream_auth_error(
    service_factory: Callable[..., LocalService],
) -> None:
    service = service_factory(agent="manual", jwt_lifetime_seconds=3)
    chat = await new_chat(service)
    async with (
        AsyncApiClient(service.base_url) as client,
        EventStream(chat["eventStreamUri"], api=AsyncWebChatApi(client)) as stream,
    ):
        client.set_jwt(chat["jwt"])
        with pytest.raises(StreamAuthError):
            async with asyncio.timeout(REAPED_WITHIN):
                async for _ in stream:
                    pass


async def test_a_guest_that_broke_a_stream_limit_waits_before_its_next_stream(
    service_factory: Callable[..., LocalService],
) -> None:
    service = service_factory(stream_max_frames_per_second=20)
    chat = await new_chat(service)
    async with websockets.connect(chat["eventStreamUri"]) as ws:
        assert await flooded_close_code(ws) == 1008
    reconnecting = asyncio.ensure_future(websockets.connect(chat["eventStreamUri"]))
    done, _ = await asyncio.wait({reconnecting}, timeout=1.0)
    assert not done  # held: reconnecting at once does not get the flood served again
    async with asyncio.timeout(REAPED_WITHIN):
        ws = await reconnecting
    await ws.close()
