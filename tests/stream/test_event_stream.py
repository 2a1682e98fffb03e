"""The event stream against the local service and its fault injection."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from collections.abc import Callable

import pytest

from purecloud_guest_chat_client import RetryPolicy
from purecloud_guest_chat_client.emulator import ControlClient, LocalService
from purecloud_guest_chat_client.models import BodyType, MemberState
from purecloud_guest_chat_client.stream import (
    EventStream,
    HeartbeatEvent,
    MediaRequestEvent,
    MemberChangeEvent,
    MessageEvent,
    Reconnected,
    Reconnecting,
    StreamAuthError,
    StreamConnectionError,
    StreamEnd,
    StreamEvent,
    SyncEventStream,
    UnknownEvent,
)
from purecloud_guest_chat_client.stream._token import read_claims

from .conftest import SdkGuest, next_matching, open_sdk_guest


def _is_message(body: str) -> Callable[[StreamEvent], bool]:
    return lambda event: isinstance(event, MessageEvent) and event.body == body


def _agent_joined(event: StreamEvent) -> bool:
    return (
        isinstance(event, MessageEvent)
        and event.body_type == BodyType.MEMBER_JOIN
        and event.sender.id != ""
    )


async def _join_agent(guest: SdkGuest) -> str:
    agent = await guest.control.join_agent(guest.conversation_id, "Bob")
    member_id: str = agent["id"]
    return member_id


async def test_drops_during_a_burst_lose_and_repeat_no_message(guest: SdkGuest) -> None:
    burst = [f"message {number}" for number in range(60)]
    async with guest.stream() as stream:
        agent_id = await _join_agent(guest)

        async def agent_side() -> None:
            for number, body in enumerate(burst):
                await guest.control.send(guest.conversation_id, agent_id, body)
                if number % 8 == 3:
                    await guest.control.set_faults(
                        dropStreams={"conversationId": guest.conversation_id}
                    )

        sending = asyncio.create_task(agent_side())
        received: list[str] = []
        reconnects = 0
        async with asyncio.timeout(30):
            async for event in stream:
                if isinstance(event, Reconnected):
                    reconnects += 1
                elif (
                    isinstance(event, MessageEvent)
                    and event.sender.id == agent_id
                    and event.body_type == BodyType.STANDARD
                ):
                    received.append(event.body)
                    if len(received) == len(burst):
                        break
        await sending
    assert received == burst
    assert reconnects >= 1


async def test_a_stream_dropped_again_right_after_attaching_still_catches_up(
    guest: SdkGuest,
) -> None:
    async with guest.stream() as stream:
        agent_id = await _join_agent(guest)
        await guest.control.set_faults(
            dropStreams={"conversationId": guest.conversation_id, "count": 2}
        )
        for body in ("one", "two", "three"):
            await guest.control.send(guest.conversation_id, agent_id, body)
        bodies: list[str] = []
        async with asyncio.timeout(20):
            async for event in stream:
                if isinstance(event, MessageEvent) and event.body_type == BodyType.STANDARD:
                    bodies.append(event.body)
                    if len(bodies) == 3:
                        break
    assert bodies == ["one", "two", "three"]


async def test_a_catch_up_that_fails_half_way_loses_no_message(guest: SdkGuest) -> None:
    async with guest.stream() as stream:
        agent_id = await _join_agent(guest)
        await next_matching(stream, _agent_joined)
        # The reconnect's first catch-up reads the missed message, then fails on the members
        # through all of the client's attempts.
        failure = {"status": 500, "method": "GET", "pathContains": "/members", "retryAfter": 0}
        await guest.control.set_faults(
            dropStreams={"conversationId": guest.conversation_id},
            errors=[{**failure, "count": RetryPolicy().max_retries + 1}],
        )
        await guest.control.send(guest.conversation_id, agent_id, "sent while away")
        await next_matching(stream, _is_message("sent while away"))
        assert (await guest.control.faults())["errors"] == []


async def test_heartbeat_silence_is_taken_for_a_dead_connection(guest: SdkGuest) -> None:
    async with guest.stream() as stream:
        agent_id = await _join_agent(guest)
        await next_matching(stream, _agent_joined)
        await guest.control.set_faults(silence={"conversationId": guest.conversation_id})
        lost, _ = await next_matching(stream, lambda event: isinstance(event, Reconnecting))
        assert isinstance(lost, Reconnecting) and "no frame" in lost.reason
        await guest.control.clear_faults()
        await guest.control.send(guest.conversation_id, agent_id, "still there?")
        await next_matching(stream, _is_message("still there?"))


async def test_the_watchdog_follows_the_services_heartbeat(
    service_factory: Callable[..., LocalService],
) -> None:
    # The stream assumes the real service's 30 s; this service beats every 0.5 s.
    service = service_factory(agent="manual", heartbeat_seconds=0.5)
    async for guest in open_sdk_guest(service):
        async with EventStream(
            guest.event_stream_uri, api=guest.api, include_heartbeats=True
        ) as stream:
            agent_id = await _join_agent(guest)
            beats = 0

            def third_heartbeat(event: StreamEvent) -> bool:
                nonlocal beats
                beats += isinstance(event, HeartbeatEvent) and not event.is_pong
                return beats == 3

            await next_matching(stream, third_heartbeat)
            await guest.control.set_faults(silence={"conversationId": guest.conversation_id})
            # With the 30 s assumed, this silence would go unnoticed for 75 s.
            lost, _ = await next_matching(
                stream, lambda event: isinstance(event, Reconnecting), timeout=15
            )
            # Measured, not assumed: far nearer the service's 0.5 s than the 30 s.
            assert stream.heartbeat_measured and stream.heartbeat_interval < 5
            assert isinstance(lost, Reconnecting) and lost.reason.startswith("no frame for ")
            silent_for = float(lost.reason.removeprefix("no frame for ").removesuffix(" s"))
            assert silent_for == pytest.approx(2.5 * stream.heartbeat_interval, rel=0.01)
            await guest.control.clear_faults()
            await guest.control.send(guest.conversation_id, agent_id, "back again")
            await next_matching(stream, _is_message("back again"))


async def test_pings_keep_a_quiet_connection_alive(
    service_factory: Callable[..., LocalService],
) -> None:
    # The service's heartbeat is far apart; the client's pings and their pongs keep it alive.
    service = service_factory(agent="manual", heartbeat_seconds=60.0)
    async for guest in open_sdk_guest(service):
        async with guest.stream(include_heartbeats=True) as stream:
            _, seen = await next_matching(
                stream, lambda event: isinstance(event, HeartbeatEvent) and event.is_pong
            )
            assert not any(isinstance(event, Reconnecting) for event in seen)


async def test_heartbeats_are_consumed_unless_asked_for(guest: SdkGuest) -> None:
    async with guest.stream(include_heartbeats=True) as stream:
        # The client's ping may come first: its pong is a heartbeat event too, just not this one.
        heartbeat, _ = await next_matching(
            stream, lambda e: isinstance(e, HeartbeatEvent) and not e.is_pong
        )
        assert isinstance(heartbeat, HeartbeatEvent) and heartbeat.message
    async with guest.stream() as quiet:
        agent_id = await _join_agent(guest)
        await guest.control.send(guest.conversation_id, agent_id, "after some heartbeats")
        _, seen = await next_matching(quiet, _is_message("after some heartbeats"))
        assert not any(isinstance(event, HeartbeatEvent) for event in seen)


async def test_malformed_and_unknown_frames_are_survived(guest: SdkGuest) -> None:
    raw_frames = [
        "not json at all",
        json.dumps([1, 2, 3]),
        json.dumps({"topicName": "somewhere", "metadata": {"type": "mystery"}, "eventBody": {}}),
        json.dumps(
            {
                "topicName": f"v2.conversations.chats.{guest.conversation_id}.messages",
                "metadata": {"type": "message"},
                "eventBody": {"id": 42},
            }
        ),
        json.dumps({"topicName": "channel.metadata", "eventBody": {"unexpected": True}}),
    ]
    async with guest.stream() as stream:
        agent_id = await _join_agent(guest)
        await next_matching(stream, _agent_joined)
        await guest.control.set_faults(
            rawFrames={"conversationId": guest.conversation_id, "frames": raw_frames}
        )
        await guest.control.send(guest.conversation_id, agent_id, "after the noise")
        _, seen = await next_matching(stream, _is_message("after the noise"))
    unknown = [event for event in seen if isinstance(event, UnknownEvent)]
    assert [event.raw for event in unknown] == raw_frames
    assert not any(isinstance(event, Reconnecting) for event in seen)


async def test_a_media_request_is_typed(guest: SdkGuest) -> None:
    async with guest.stream() as stream:
        await _join_agent(guest)
        await guest.control.media_request(guest.conversation_id, ["COBROWSE"])
        event, _ = await next_matching(stream, lambda e: isinstance(e, MediaRequestEvent))
        assert isinstance(event, MediaRequestEvent)
        assert event.body_type == BodyType.MEDIA_REQUEST


async def test_the_stream_ends_when_the_agent_ends_the_chat(guest: SdkGuest) -> None:
    async with guest.stream() as stream:
        agent_id = await _join_agent(guest)
        await next_matching(stream, _agent_joined)
        await guest.control.leave(guest.conversation_id, agent_id, end=True)
        events: list[StreamEvent] = []
        async with asyncio.timeout(10):
            events = [event async for event in stream]
        assert stream.end_reason in (StreamEnd.GUEST_DISCONNECTED, StreamEnd.CONVERSATION_ENDED)
    own = [
        event
        for event in events
        if isinstance(event, MemberChangeEvent) and event.member_id == guest.member_id
    ]
    assert own and own[-1].state == MemberState.DISCONNECTED


async def test_a_stream_attached_to_an_ended_chat_stops(guest: SdkGuest) -> None:
    async with guest.stream() as first:
        agent_id = await _join_agent(guest)
        await next_matching(first, _agent_joined)
        await guest.control.leave(guest.conversation_id, agent_id, end=True)
        async with asyncio.timeout(10):
            _ = [event async for event in first]
    async with guest.stream() as again:
        async with asyncio.timeout(10):
            _ = [event async for event in again]
        assert again.end_reason is StreamEnd.CONVERSATION_ENDED


async def test_close_ends_the_iteration(guest: SdkGuest) -> None:
    stream = guest.stream()
    await stream.connect()

    async def close_soon() -> None:
        await asyncio.sleep(0.05)
        await stream.close()

    closing = asyncio.create_task(close_soon())
    async with asyncio.timeout(10):
        _ = [event async for event in stream]
    await closing
    assert stream.end_reason is StreamEnd.CLOSED


async def test_an_expired_jwt_stops_the_stream_with_an_auth_error(
    service_factory: Callable[..., LocalService],
) -> None:
    service = service_factory(agent="manual", heartbeat_seconds=0.3, jwt_lifetime_seconds=1)
    async for guest in open_sdk_guest(service):
        async with guest.stream() as stream:
            claims = read_claims(guest.jwt)
            async with asyncio.timeout(10):
                while not claims.expired():
                    await asyncio.sleep(0.05)
            await guest.control.set_faults(dropStreams={"conversationId": guest.conversation_id})
            with pytest.raises(StreamAuthError, match="expired"):
                async with asyncio.timeout(10):
                    async for _ in stream:
                        pass
            assert [event async for event in stream] == []
        with pytest.raises(StreamAuthError):
            await guest.stream().connect()


async def test_a_refused_token_is_an_auth_error(guest: SdkGuest) -> None:
    header, payload, signature = guest.jwt.split(".")
    forged = guest.event_stream_uri.replace(guest.jwt, f"{header}.{payload}.{signature[::-1]}")
    with pytest.raises(StreamAuthError) as raised:
        await EventStream(forged).connect()
    assert raised.value.status == 401
    assert guest.jwt not in str(raised.value) and signature not in str(raised.value)


async def test_a_handshake_refused_otherwise_is_a_connection_error(guest: SdkGuest) -> None:
    elsewhere = guest.event_stream_uri.replace("/token/", "/elsewhere/token/")
    with pytest.raises(
        StreamConnectionError, match=r"refused the connection \(HTTP 404\)"
    ) as raised:
        await EventStream(elsewhere).connect()
    assert not isinstance(raised.value, StreamAuthError)
    assert guest.jwt not in str(raised.value)


async def test_a_stream_nobody_answers_is_a_connection_error(guest: SdkGuest) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    nowhere = f"ws://127.0.0.1:{port}/v1/token/{guest.jwt}"
    with pytest.raises(StreamConnectionError, match="could not open the event stream") as raised:
        await EventStream(nowhere).connect()
    assert guest.jwt not in str(raised.value)


async def test_no_log_line_shows_the_token(
    guest: SdkGuest, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with guest.stream() as stream:
        await _join_agent(guest)
        await next_matching(stream, _agent_joined)
        await guest.control.set_faults(dropStreams={"conversationId": guest.conversation_id})
        await next_matching(stream, lambda event: isinstance(event, Reconnected))
        assert guest.jwt not in repr(stream)
    assert any("websockets" in record.name or "stream" in record.name for record in caplog.records)
    signature = guest.jwt.split(".")[2]
    assert not [record for record in caplog.records if signature in record.getMessage()]
    assert any("/token/[REDACTED]" in record.getMessage() for record in caplog.records), (
        "the stream's lines carry the client core's redaction marker"
    )


def test_the_sync_stream(manual_service: LocalService) -> None:
    async def create() -> tuple[str, str, str]:
        async for guest in open_sdk_guest(manual_service):
            return guest.event_stream_uri, guest.conversation_id, guest.jwt
        raise AssertionError("no guest")

    uri, conversation_id, _ = asyncio.run(create())

    with (
        SyncEventStream(uri, environment=manual_service.base_url, heartbeat_interval=0.3) as stream,
        ControlClient(manual_service.control_url) as control,
    ):
        agent = control.join_agent(conversation_id, "Bob")
        control.send(conversation_id, agent["id"], "hello from Bob")
        control.set_faults(dropStreams={"conversationId": conversation_id})
        control.send(conversation_id, agent["id"], "are you there?")
        bodies: list[str] = []
        deadline = time.monotonic() + 15
        while len(bodies) < 2 and time.monotonic() < deadline:
            event = stream.next_event(timeout=10)
            if isinstance(event, MessageEvent) and event.body_type == BodyType.STANDARD:
                bodies.append(event.body)
        assert bodies == ["hello from Bob", "are you there?"]
        assert stream.conversation_id == conversation_id
    assert stream.end_reason is StreamEnd.CLOSED
