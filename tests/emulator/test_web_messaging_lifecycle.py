"""The Web Messaging door's session lifecycle over a real connection: typing both ways, the
autoStart Join, the message rate, the connection limit, the agent's end and the read-only
session, starting anew, Clear, and expiry."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import websockets

from purecloud_guest_chat_client.emulator import AsyncControlClient, LocalService
from purecloud_guest_chat_client.models.web_messaging_protocol import (
    AGENT_TYPING_DURATION_MS,
    MAX_CONNECTIONS_PER_SESSION,
    MESSAGES_PER_SECOND,
    READ_ONLY_MESSAGE,
    ErrorCode,
)

from ..helpers import WAIT
from .web_messaging_guest import (
    DEPLOYMENT,
    Frame,
    WebGuest,
    conversations_of,
    is_outbound_event,
    is_outbound_text,
    of_class,
    until,
    web_guest,
)

TYPING_ON = {"eventType": "Typing", "typing": {"type": "On"}}
JOIN = {"eventType": "Presence", "presence": {"type": "Join"}}
CLEAR = {"eventType": "Presence", "presence": {"type": "Clear"}}


@pytest.fixture
def manual(service_factory: Callable[..., LocalService]) -> LocalService:
    return service_factory(agent="manual")


@pytest.fixture
async def control(manual: LocalService) -> AsyncIterator[AsyncControlClient]:
    async with AsyncControlClient(manual.control_url) as client:
        yield client


async def _chat_with_agent(control: AsyncControlClient) -> tuple[str, str]:
    """The deployment's one live conversation and the id of an agent who joined it."""
    chats = await until(lambda: _live(control), "the session's conversation")
    agent = await control.join_agent(chats[0]["id"], "Alice")
    return chats[0]["id"], agent["id"]


async def _live(control: AsyncControlClient) -> list[dict[str, Any]]:
    return [c for c in await conversations_of(control, DEPLOYMENT) if c["status"] != "ended"]


async def test_guest_typing_reaches_the_agent_feed_and_agent_typing_the_guest(
    manual: LocalService, control: AsyncControlClient
) -> None:
    feed_url = manual.base_url.replace("http://", "ws://") + "/emulator/v1/events"
    async with web_guest(manual) as guest, websockets.connect(feed_url) as feed:
        cid, agent_id = await _chat_with_agent(control)
        await guest.event(TYPING_ON, "typing-1")

        async def guest_typing() -> dict[str, Any]:
            while True:
                event = json.loads(await feed.recv())
                if event["type"] == "typing" and event["conversationId"] == cid:
                    return dict(event)

        typed = await asyncio.wait_for(guest_typing(), WAIT)
        chat = await control.conversation(cid)
        assert typed["memberId"] == chat["guestMemberId"]

        await control.typing(cid, agent_id)
        frame = await guest.wait_for(is_outbound_event("Typing", "On"))
        assert frame["type"] == "message" and frame["code"] == 200
        body = frame["body"]
        assert body["events"] == [
            {"eventType": "Typing", "typing": {"type": "On", "duration": AGENT_TYPING_DURATION_MS}}
        ]
        assert body["originatingEntity"] == "Human" and body["channel"]["time"].endswith("Z")


async def test_autostart_join_is_echoed_inbound_to_every_connection(manual: LocalService) -> None:
    async with web_guest(manual) as guest, web_guest(manual, guest.token) as other:
        await guest.event(JOIN, "join-1")
        for connection in (guest, other):
            echo = await connection.wait_for(of_class("StructuredMessage"))
            assert echo["type"] == "message" and echo["tracingId"] == "join-1"
            body = echo["body"]
            assert body["type"] == "Event" and body["direction"] == "Inbound"
            assert body["events"] == [JOIN] and body["id"] and body["channel"]["time"]


async def test_bad_events_refused(manual: LocalService) -> None:
    async with web_guest(manual) as guest:
        for events in ([], [{"eventType": "Dance"}], [{"eventType": "Typing", "typing": {}}]):
            await guest.send("onMessage", message={"type": "Event", "events": events})
            refused = await guest.next()
            assert refused["class"] == "string" and refused["code"] == ErrorCode.BAD_REQUEST


async def test_over_the_message_rate_refused_unprocessed_then_served_again(
    service_factory: Callable[..., LocalService],
) -> None:
    service = service_factory(agent="manual")
    burst = MESSAGES_PER_SECOND * 6
    async with web_guest(service) as guest, AsyncControlClient(service.control_url) as control:
        for n in range(burst):
            await guest.say(f"message {n}", f"burst-{n}")
        echoed: list[str] = []
        limited: list[Frame] = []
        while len(echoed) + len(limited) < burst:
            frame = await guest.next()
            if frame["class"] == "StructuredMessage":
                echoed.append(frame["tracingId"])
            elif frame["class"] == "TooManyRequestsErrorMessage":
                limited.append(frame)
        assert limited, "a burst over the rate was all served"
        for frame in limited:
            assert frame["type"] == "response" and frame["code"] == 429
            body = frame["body"]
            assert body["errorCode"] == ErrorCode.RATE_TOO_HIGH and body["errorMessage"]
            assert isinstance(body["retryAfter"], int) and body["retryAfter"] >= 1
        refused = {frame["tracingId"] for frame in limited}
        assert refused.isdisjoint(echoed) and len(refused) == len(limited)
        chat = (await conversations_of(control, DEPLOYMENT))[0]
        texts = [
            m["body"]
            for m in (await control.conversation(chat["id"]))["messages"]
            if m["bodyType"] == "standard"
        ]
        assert texts == [f"message {n}" for n in range(burst) if f"burst-{n}" not in refused]

        # Once the window is over the session is served again.
        retry_after = limited[-1]["body"]["retryAfter"]
        for attempt in range(10):
            await asyncio.sleep(retry_after)
            await guest.say("after the pause", f"after-{attempt}")
            answer = await guest.next()
            if answer["class"] == "StructuredMessage":
                assert answer["tracingId"] == f"after-{attempt}"
                break
            assert answer["class"] == "TooManyRequestsErrorMessage"
        else:
            raise AssertionError("the session was not served again after retryAfter")


async def test_rate_limit_off_with_the_service_setting(
    service_factory: Callable[..., LocalService],
) -> None:
    service = service_factory(agent="manual", rate_limit_per_minute=0)
    burst = MESSAGES_PER_SECOND * 4
    async with web_guest(service) as guest:
        for n in range(burst):
            await guest.say(f"message {n}", f"burst-{n}")
        for n in range(burst):
            echo = await guest.next()
            assert echo["class"] == "StructuredMessage" and echo["tracingId"] == f"burst-{n}"


async def test_a_fourth_connection_closes_the_oldest(manual: LocalService) -> None:
    async with web_guest(manual) as oldest:
        guests = [oldest]
        try:
            for _ in range(MAX_CONNECTIONS_PER_SESSION):
                guest = await _open(manual, oldest.token)
                guests.append(guest)
            closed = await oldest.wait_for(of_class("ConnectionClosedEvent"))
            assert closed == {
                "type": "message",
                "class": "ConnectionClosedEvent",
                "code": 200,
                "body": {},
            }
            await oldest.closed()
            assert oldest.ws.close_code == 1000
            # The three others are the session, and each gets the echo.
            await guests[1].say("still here", "t-1")
            for guest in guests[1:]:
                echo = await guest.wait_for(of_class("StructuredMessage"))
                assert echo["tracingId"] == "t-1"
        finally:
            for guest in guests[1:]:
                await guest.ws.close()


async def _open(service: LocalService, token: str) -> WebGuest:
    ws = await websockets.connect(
        service.base_url.replace("http://", "ws://") + f"/v1?deploymentId={DEPLOYMENT}"
    )
    guest = WebGuest(ws, token, DEPLOYMENT)
    answer = await guest.configure()
    assert answer["class"] == "SessionResponse" and answer["body"]["newSession"] is False
    return guest


async def test_the_agents_end_makes_the_session_read_only_until_started_anew(
    manual: LocalService, control: AsyncControlClient
) -> None:
    async with web_guest(manual) as guest, web_guest(manual, guest.token) as other:
        cid, agent_id = await _chat_with_agent(control)
        await control.leave(cid, agent_id, end=True)
        for connection in (guest, other):
            disconnect = await connection.wait_for(is_outbound_event("Presence", "Disconnect"))
            assert disconnect["type"] == "message"
            assert disconnect["body"]["metadata"] == {"readOnly": "true"}

        again = await guest.configure()
        assert again["body"]["readOnly"] is True and again["body"]["newSession"] is False
        await guest.say("anyone there?", "late")
        refused = await guest.next()
        assert refused["class"] == "string" and refused["code"] == ErrorCode.FORBIDDEN
        assert refused["body"] == READ_ONLY_MESSAGE and refused["tracingId"] == "late"
        await guest.send("echo", message={"type": "Text", "text": "ping"}, tracingId="hc")
        assert (await guest.next())["tracingId"] == "hc"

        await guest.send("closeSession", closeAllConnections=True, tracingId="close")
        closed = await guest.wait_for(of_class("SessionResponse"))
        assert closed["tracingId"] == "close"
        assert closed["body"]["connected"] is False and closed["body"]["readOnly"] is True
        assert (await other.wait_for(of_class("ConnectionClosedEvent")))["body"] == {}
        await other.closed()

        fresh = await guest.configure(startNew=True)
        assert fresh["body"]["newSession"] is True and fresh["body"]["readOnly"] is False
        await guest.say("a new question", "new")
        assert (await guest.wait_for(of_class("StructuredMessage")))["tracingId"] == "new"
    chats = await conversations_of(control, DEPLOYMENT)
    assert sorted(c["status"] for c in chats) == ["active", "ended"]
    assert next(c for c in chats if c["status"] == "active")["id"] != cid


async def test_start_new_on_a_live_session_keeps_its_conversation(manual: LocalService) -> None:
    async with web_guest(manual) as guest:
        again = await guest.configure(startNew=True)
        assert again["body"]["newSession"] is False and again["body"]["readOnly"] is False


async def test_close_session_leaves_the_conversation_open(
    manual: LocalService, control: AsyncControlClient
) -> None:
    async with web_guest(manual) as guest:
        await guest.send("closeSession", closeAllConnections=False)
        closed = await guest.wait_for(of_class("SessionResponse"))
        assert closed["body"]["connected"] is False and closed["body"]["readOnly"] is False
        await guest.say("after closing")
        refused = await guest.next()
        assert refused["class"] == "string" and refused["code"] == ErrorCode.BAD_REQUEST
        assert (await guest.configure())["body"]["newSession"] is False
    chats = await conversations_of(control, DEPLOYMENT)
    assert [c["status"] for c in chats] == ["active"]


async def test_clear_wipes_the_session_and_ends_the_conversation(
    manual: LocalService, control: AsyncControlClient
) -> None:
    async with web_guest(manual) as guest, web_guest(manual, guest.token) as other:
        cid, _ = await _chat_with_agent(control)
        await guest.event(CLEAR, "clear-1")
        for connection in (guest, other):
            echo = await connection.wait_for(of_class("StructuredMessage"))
            assert echo["tracingId"] == "clear-1" and echo["body"]["events"] == [CLEAR]
            assert echo["body"]["direction"] == "Inbound"
            cleared = await connection.next()
            assert cleared == {
                "type": "message",
                "class": "SessionClearedEvent",
                "code": 200,
                "body": {},
            }
            assert (await connection.next())["class"] == "ConnectionClosedEvent"
            await connection.closed()
    chat = await control.conversation(cid)
    assert chat["status"] == "ended"
    async with web_guest(manual, guest.token, configure=False) as again:
        assert (await again.configure())["body"]["newSession"] is True


async def test_each_message_moves_the_expiry_forward(manual: LocalService) -> None:
    async with web_guest(manual, configure=False) as guest:
        configured = (await guest.configure())["body"]
        assert configured["durationSeconds"] == 259_200
        await guest.say("moves the expiry on", "m-1")
        await guest.wait_for(of_class("StructuredMessage"))
        await guest.send("echo", message={"type": "Text", "text": "ping"}, tracingId="hc")
        health = await guest.wait_for(lambda f: f.get("tracingId") == "hc")
        assert health["body"]["metadata"]["durationSeconds"] == "259200"
        assert int(health["body"]["metadata"]["expirationDate"]) >= configured["expirationDate"]


async def test_expiry_answers_session_expired_then_4006_then_a_new_session(
    service_factory: Callable[..., LocalService],
) -> None:
    service = service_factory(agent="manual", web_messaging_session_seconds=1)
    async with (
        web_guest(service, configure=False) as guest,
        AsyncControlClient(service.control_url) as control,
    ):
        configured = await guest.configure()
        assert configured["body"]["durationSeconds"] == 1

        async def health_check_expired() -> bool:
            await guest.send("echo", message={"type": "Text", "text": "ping"}, tracingId="hc")
            answer = await guest.wait_for(lambda f: f.get("tracingId") == "hc")
            return bool(answer["class"] == "SessionExpiredEvent")

        await until(health_check_expired, "SessionExpiredEvent")
        refused = await guest.configure()
        assert refused["class"] == "string" and refused["code"] == ErrorCode.SESSION_EXPIRED
        await guest.say("too late", "late")
        late = await guest.wait_for(lambda f: f.get("tracingId") == "late")
        assert late["class"] == "SessionExpiredEvent" and late["type"] == "response"
        chats = await conversations_of(control, DEPLOYMENT)
        assert [c["status"] for c in chats] == ["ended"]

        async def purged() -> bool:
            answer = await guest.configure()
            return bool(answer["class"] == "SessionResponse" and answer["body"]["newSession"])

        await until(purged, "the expired session to be purged")


async def test_a_token_that_is_not_the_sessions(manual: LocalService) -> None:
    async with web_guest(manual) as guest, web_guest(manual) as stranger:
        await guest.send("onMessage", message={"type": "Text", "text": "hi"})
        await stranger.send(
            "onMessage",
            token=str(uuid.uuid4()),
            message={"type": "Text", "text": "hi"},
            tracingId="unknown",
        )
        unknown = await stranger.wait_for(lambda f: f.get("tracingId") == "unknown")
        assert unknown["class"] == "string" and unknown["code"] == ErrorCode.SESSION_NOT_FOUND
        await stranger.send(
            "onMessage", token=guest.token, message={"type": "Text", "text": "hi"}, tracingId="x"
        )
        other = await stranger.wait_for(lambda f: f.get("tracingId") == "x")
        assert other["class"] == "string" and other["code"] == ErrorCode.BAD_REQUEST


async def test_the_echo_agent_still_answers_over_web_messaging(service: LocalService) -> None:
    async with web_guest(service) as guest:
        await guest.say("hello")
        reply = await guest.wait_for(is_outbound_text)
        assert reply["body"]["text"] == "You said: hello"
        assert reply["body"]["originatingEntity"] == "Bot"


@pytest.mark.parametrize(
    ("action", "fields"),
    [
        ("configureSession", {"deploymentId": DEPLOYMENT, "startNew": "yes"}),
        ("closeSession", {"closeAllConnections": 1}),
        ("onMessage", {"message": {"type": "Gesture", "text": "hi"}}),
        ("onMessage", {"message": {"type": "Text", "text": 42}}),
        ("onMessage", {"message": {"type": "Text", "text": ""}}),
        ("onMessage", {"message": {"type": "Event", "events": "Typing"}}),
        ("onMessage", {"message": {"type": "Text", "text": "hi", "content": {"a": 1}}}),
        ("onMessage", {"message": {"type": "Text", "content": [{"contentType": "Hologram"}]}}),
    ],
)
async def test_malformed_requests_refused_and_the_session_served_after(
    manual: LocalService, action: str, fields: dict[str, Any]
) -> None:
    async with web_guest(manual) as guest:
        await guest.send(action, tracingId="bad", **fields)
        refused = await guest.wait_for(lambda f: f.get("tracingId") == "bad")
        assert refused["class"] == "string" and refused["code"] in (400, 4000)
        assert isinstance(refused["body"], str) and refused["body"]
        await guest.say("still served", "good")
        assert (await guest.wait_for(of_class("StructuredMessage")))["tracingId"] == "good"
