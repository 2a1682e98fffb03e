"""``WebMessagingChat`` against the local service's Web Messaging door: the bot written against
``GuestSession`` runs on it unchanged, it resumes from its saved state, and it ends as the
session's contract says."""

from __future__ import annotations

import asyncio
import json
import socket

import pytest

from purecloud_guest_chat_client.emulator import LocalService
from purecloud_guest_chat_client.models import MemberRole
from purecloud_guest_chat_client.models.web_messaging_protocol import OriginatingEntity
from purecloud_guest_chat_client.session import (
    AgentJoined,
    ChatEnded,
    EndReason,
    GuestApi,
    GuestSession,
    SessionState,
    SyncGuestSession,
    SyncWebMessagingChat,
    WebMessageEvent,
    WebMessagingChat,
    WebMessagingState,
    resume_session,
    state_api,
)
from purecloud_guest_chat_client.stream import MessageEvent
from purecloud_guest_chat_client.webmessaging import (
    MessageTooLongError,
    WebMessagingConnectionError,
)

from .guest_bot import LINES, run_bot

BOUND = 60.0
"""Seconds a whole bot run may take before the test gives up; a bound, not a speed assertion."""
DEPLOYMENT = "deployment-1"


async def _start(service: LocalService, **options: object) -> WebMessagingChat:
    return await WebMessagingChat.start(
        DEPLOYMENT,
        environment=service.base_url,
        **options,  # type: ignore[arg-type]
    )


async def _reply_to(chat: WebMessagingChat, text: str) -> WebMessageEvent:
    """Send ``text`` and read on to the echo agent's answer to it."""
    await chat.send(text)
    while True:
        event = await chat.next_event()
        assert event is not None, "the events ended before the answer"
        if isinstance(event, WebMessageEvent) and event.body == f"You said: {text}":
            return event


async def test_the_bot_runs_on_web_messaging(service: LocalService) -> None:
    chat = await _start(service)
    async with asyncio.timeout(BOUND), chat:
        assert isinstance(chat, GuestSession)
        run = await run_bot(chat)
    assert run.replies == [f"You said: {line}" for line in LINES]
    assert run.own_messages == list(LINES)
    assert set(run.origins) <= {OriginatingEntity.HUMAN, OriginatingEntity.BOT}
    assert len(run.origins) == len(LINES)
    assert run.agent_name
    assert run.typing_sent == 1  # one per 5 s: the bot's three lines come faster
    assert run.end_reason == EndReason.GUEST_LEFT
    assert run.events_after_end == 0
    assert chat.ended


async def test_agent_messages_are_the_sessions_events_with_the_web_message_inside(
    service: LocalService,
) -> None:
    chat = await _start(service)
    async with asyncio.timeout(BOUND), chat:
        await chat.send("Hello")
        seen: list[object] = []
        while not (
            isinstance(event := await chat.next_event(), WebMessageEvent)
            and (event.sender.is_agent)
        ):
            seen.append(event)
        joined = [item for item in seen if isinstance(item, AgentJoined)]
        assert len(joined) == 1 and joined[0].agent == event.sender
        assert chat.agent == event.sender
        assert event.sender.role == MemberRole.AGENT
        assert event.sender.display_name
        assert event.body == "You said: Hello"
        assert event.web_message is not None and event.web_message.direction == "Outbound"
        assert event.originating_entity == event.web_message.originating_entity
        assert event.timestamp.tzinfo is not None
        own = [item for item in seen if isinstance(item, MessageEvent)]
        assert [item.body for item in own] == ["Hello"]
        assert own[0].sender.id == chat.member_id and own[0].sender.is_guest
        assert own[0].originating_entity is None
        # The history names the senders as the live events do.
        history = await chat.history()
        assert [(item.sender.id, item.body) for item in history] == [
            (chat.member_id, "Hello"),
            (event.sender.id, "You said: Hello"),
        ]


async def test_a_saved_chat_resumes_with_what_it_missed(service: LocalService) -> None:
    chat = await _start(service)
    async with asyncio.timeout(BOUND):
        async with chat:
            answer = await _reply_to(chat, "Before the restart")
            saved = chat.state()
            # Said while nobody holds the session: the resumed chat delivers it first.
            await chat.send("While away")
        assert state_api(saved.to_json()) == GuestApi.WEB_MESSAGING
        resumed = await resume_session(saved.to_json())
        async with resumed:
            assert isinstance(resumed, WebMessagingChat)
            assert resumed.agent == answer.sender
            first = await resumed.next_event()
            assert isinstance(first, MessageEvent) and first.backfilled
            assert first.body == "While away"
            # The agent's answer to it, from the backfill or live: once either way.
            answers = 0
            while True:
                event = await resumed.next_event()
                if isinstance(event, MessageEvent) and event.body == "You said: While away":
                    answers += 1
                    break
            run = await run_bot(resumed, ("After the restart",))
    assert answers == 1
    assert run.replies == ["You said: After the restart"]
    assert run.end_reason == EndReason.GUEST_LEFT


async def test_the_state_holds_the_token_out_of_its_repr(service: LocalService) -> None:
    chat = await _start(service)
    async with chat:
        state = chat.state()
        assert isinstance(state, SessionState)
        assert state.token == chat.client.token
        assert state.token not in repr(state) and state.token not in repr(chat)
        data = json.loads(state.to_json())
        assert data["api"] == "web-messaging" and data["deployment_id"] == DEPLOYMENT
        assert WebMessagingState.from_json(state.to_json()) == state


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"deployment_id": "d", "environment": "e"}, "missing token"),
        ({"deployment_id": "d", "environment": "e", "token": " "}, "token must be a non-empty"),
        ({"deployment_id": "d", "environment": "e", "token": "t", "version": 9}, "version 9"),
        ({"deployment_id": "d", "environment": "e", "token": "t", "origin": 5}, "origin must"),
        ({"deployment_id": "d", "environment": "e", "token": "t", "api": "x"}, "api must be"),
    ],
)
def test_a_broken_state_is_refused_by_name(data: dict[str, object], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        WebMessagingState.from_dict(data)


def test_a_state_that_is_not_json_is_refused() -> None:
    with pytest.raises(ValueError, match="not valid JSON"):
        WebMessagingState.from_json("{")


async def test_leaving_ends_the_events_with_guest_left(service: LocalService) -> None:
    chat = await _start(service)
    async with asyncio.timeout(BOUND), chat:
        await _reply_to(chat, "Bye soon")
        await chat.leave()
        events = [event async for event in chat.events()]
        ended = [event for event in events if isinstance(event, ChatEnded)]
        assert [event.reason for event in ended] == [EndReason.GUEST_LEFT]
        assert events[-1] is ended[0]
        assert await chat.next_event() is None
        await chat.leave()  # again: nothing to do


async def test_a_refused_message_raises_and_the_chat_goes_on(service: LocalService) -> None:
    chat = await _start(service)
    async with asyncio.timeout(BOUND), chat:
        with pytest.raises(MessageTooLongError):
            await chat.send("x" * 5000)
        answer = await _reply_to(chat, "Still here")
        assert answer.sender.is_agent


async def test_custom_attributes_go_with_the_first_message_only(service: LocalService) -> None:
    chat = await _start(service, custom_attributes={"orderNumber": "4711"})
    async with asyncio.timeout(BOUND), chat:
        first = await chat.send("First")
        second = await chat.send("Second")
        assert first.text == "First" and second.text == "Second"


async def test_an_unreachable_service_fails_to_start_clearly() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with pytest.raises(WebMessagingConnectionError):
        await WebMessagingChat.start(
            DEPLOYMENT, environment=f"http://127.0.0.1:{closed_port}", reconnect=False
        )


async def test_resume_takes_no_other_token() -> None:
    state = WebMessagingState(deployment_id="d", environment="http://127.0.0.1:9", token="t")
    with pytest.raises(TypeError, match="token"):
        await WebMessagingChat.resume(state, token="other")


def test_the_sync_chat_runs_a_whole_chat(service: LocalService) -> None:
    with SyncWebMessagingChat.start(DEPLOYMENT, environment=service.base_url) as chat:
        assert isinstance(chat, SyncGuestSession)
        chat.send("Sync hello")
        replies = []
        for event in chat.events():
            if isinstance(event, MessageEvent) and event.sender.is_agent:
                replies.append(event.body)
                assert chat.history()[0].body == "Sync hello"
                chat.leave()
            elif isinstance(event, ChatEnded):
                assert event.reason == EndReason.GUEST_LEFT
        assert replies == ["You said: Sync hello"]
        assert chat.ended and chat.agent is not None


def _public(cls: type) -> set[str]:
    return {name for name in dir(cls) if not name.startswith("_")}


def test_the_sync_chat_offers_what_the_async_one_does() -> None:
    only_async = {
        "api": "a class attribute telling the API apart",
        "client": "the async client runs on the sync chat's private loop: reach it as chat.client",
        "session": "on chat.client.session likewise",
        "start": "a classmethod on both, checked below",
        "resume": "likewise",
    }
    only_sync = {
        "chat": "the async session the sync one runs on a private loop",
        "send_quick_reply": "the one extra whose coroutine a script cannot run itself",
    }
    assert _public(WebMessagingChat) - _public(SyncWebMessagingChat) <= set(only_async)
    assert _public(SyncWebMessagingChat) - _public(WebMessagingChat) == set(only_sync)
    assert {"start", "resume"} <= _public(SyncWebMessagingChat)
