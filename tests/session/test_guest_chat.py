"""GuestChat against the local service: roles, transfer versus end, resume, throttling, drops."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from purecloud_guest_chat_client import JSON, LTrace, RetryPolicy
from purecloud_guest_chat_client.api_client import AsyncApiClient
from purecloud_guest_chat_client.apis.web_chat_api import AsyncWebChatApi
from purecloud_guest_chat_client.emulator import AsyncControlClient, LocalService
from purecloud_guest_chat_client.errors import BadRequestError
from purecloud_guest_chat_client.models import BodyType, MemberRole, MemberState
from purecloud_guest_chat_client.session import (
    AgentJoined,
    AgentLeft,
    ChatEnded,
    ChatEvent,
    ChatState,
    EndReason,
    GuestChat,
    Transferred,
)
from purecloud_guest_chat_client.stream import (
    MessageEvent,
    Reconnected,
    StreamAuthError,
    TypingEvent,
)

from ..helpers import create_body

HEARTBEAT = 0.3


@pytest.fixture
def manual_service(service_factory: Callable[..., LocalService]) -> LocalService:
    return service_factory(agent="manual", heartbeat_seconds=HEARTBEAT)


@pytest.fixture
async def agent_side(manual_service: LocalService) -> AsyncIterator[AsyncControlClient]:
    async with AsyncControlClient(manual_service.control_url) as control:
        yield control


async def _start(service: LocalService, **options: object) -> GuestChat:
    return await GuestChat.start(
        "org-1",
        "deployment-1",
        "Support",
        {"displayName": "Ann", "email": "ann@example.com"},
        environment=service.base_url,
        heartbeat_interval=HEARTBEAT,
        **options,  # type: ignore[arg-type]
    )


async def _until(
    chat: GuestChat, predicate: Callable[[ChatEvent], bool], timeout: float = 10.0
) -> list[ChatEvent]:
    """Every event up to and including the first that ``predicate`` accepts."""
    seen: list[ChatEvent] = []
    async with asyncio.timeout(timeout):
        while True:
            event = await chat.next_event()
            if event is None:
                raise AssertionError(f"the chat's events ended early; saw {seen}")
            seen.append(event)
            if predicate(event):
                return seen


def _message(body: str) -> Callable[[ChatEvent], bool]:
    return lambda event: isinstance(event, MessageEvent) and event.body == body


def _of(kind: type) -> Callable[[ChatEvent], bool]:
    return lambda event: isinstance(event, kind)


async def _rest_of(chat: GuestChat) -> list[ChatEvent]:
    async with asyncio.timeout(10):
        return [event async for event in chat.events()]


async def _with_agent(
    service: LocalService, control: AsyncControlClient, name: str = "Bob"
) -> tuple[GuestChat, str]:
    chat = await _start(service)
    agent = await control.join_agent(chat.conversation_id, name)
    await _until(chat, _of(AgentJoined))
    return chat, agent["id"]


async def test_events_name_each_member_and_role(
    manual_service: LocalService, agent_side: AsyncControlClient
) -> None:
    async with await _start(manual_service) as chat:
        agent = await agent_side.join_agent(chat.conversation_id, "Bob")
        events = await _until(chat, _of(AgentJoined))
        joined = events[-1]
        assert isinstance(joined, AgentJoined)
        assert (joined.agent.id, joined.agent.display_name) == (agent["id"], "Bob")
        assert chat.agent is not None and chat.agent.id == agent["id"]

        await chat.send("Hello")
        await agent_side.typing(chat.conversation_id, agent["id"])
        await agent_side.send(chat.conversation_id, agent["id"], "Hi Ann")
        events = await _until(chat, _message("Hi Ann"))
        reply = events[-1]
        assert isinstance(reply, MessageEvent)
        assert reply.sender.role == MemberRole.AGENT and reply.sender.display_name == "Bob"
        mine = next(e for e in events if isinstance(e, MessageEvent) and e.body == "Hello")
        assert mine.sender.is_guest and mine.sender.display_name == "Ann"
        typing = [e for e in events if isinstance(e, TypingEvent) and e.sender.is_agent]
        assert typing and typing[0].sender.display_name == "Bob"

        members = {member.id: member for member in await chat.members()}
        assert members[chat.member_id].role == MemberRole.CUSTOMER
        assert members[agent["id"]].state == MemberState.CONNECTED
        assert {member.role for member in members.values()} >= {MemberRole.AGENT, MemberRole.ACD}

        history = await chat.history()
        assert [m.body for m in history if m.body_type == BodyType.STANDARD] == ["Hello", "Hi Ann"]
        transcript = await chat.transcript()
        assert "Bob (AGENT): Hi Ann" in transcript and "Ann (CUSTOMER): Hello" in transcript


async def test_an_agent_whose_lookups_fail_for_a_moment_is_still_known_as_the_agent(
    manual_service: LocalService, agent_side: AsyncControlClient
) -> None:
    async with await _start(manual_service) as chat:
        await _until(
            chat, lambda e: isinstance(e, MessageEvent) and e.sender.role == MemberRole.ACD
        )
        # Both lookups of the joining agent (ALERTING, then CONNECTED) fail with a 500 through
        # all of the client's attempts.
        failures = 2 * (RetryPolicy().max_retries + 1)
        await agent_side.set_faults(
            errors=[
                {
                    "status": 500,
                    "count": failures,
                    "method": "GET",
                    "pathContains": "/members/",
                    "retryAfter": 0,
                }
            ]
        )
        agent = await agent_side.join_agent(chat.conversation_id, "Bob")
        await agent_side.send(chat.conversation_id, agent["id"], "Hi Ann")
        events = await _until(chat, _message("Hi Ann"))
        assert (await agent_side.faults())["errors"] == []
        joined = [event for event in events if isinstance(event, AgentJoined)]
        assert [(e.agent.id, e.agent.display_name) for e in joined] == [(agent["id"], "Bob")]
        assert chat.agent is not None and chat.agent.id == agent["id"]
        reply = events[-1]
        assert isinstance(reply, MessageEvent) and reply.sender.is_agent


async def test_sending_right_after_start_waits_for_the_stream(
    manual_service: LocalService,
) -> None:
    # The service refuses a message before the guest's stream is attached ...
    async with AsyncApiClient(manual_service.base_url) as client:
        api = AsyncWebChatApi(client)
        created = await api.post_webchat_guest_conversations(create_body("Ann"))
        assert created.id and created.jwt and created.member and created.member.id
        client.set_jwt(created.jwt)
        with pytest.raises(BadRequestError) as refused:
            await api.post_webchat_guest_conversation_member_messages(
                created.id, created.member.id, {"body": "too early"}
            )
        assert refused.value.code == "chat.error.conversation.state"
    # ... the session does not let that happen.
    async with await _start(manual_service) as chat:
        sent = await chat.send("right away")
        assert sent.body == "right away"
        await _until(chat, _message("right away"))
        assert chat.attached


async def test_a_transfer_is_told_apart_from_the_end(
    manual_service: LocalService, agent_side: AsyncControlClient
) -> None:
    chat, bob = await _with_agent(manual_service, agent_side)
    async with chat:
        await agent_side.transfer(chat.conversation_id, "Carol")
        events = await _until(chat, _of(Transferred))
        left = [e for e in events if isinstance(e, AgentLeft)]
        joined = [e for e in events if isinstance(e, AgentJoined)]
        transfer = events[-1]
        assert isinstance(transfer, Transferred)
        assert [e.agent.id for e in left] == [bob]
        assert [e.agent.display_name for e in joined] == ["Carol"]
        assert transfer.from_agent is not None and transfer.from_agent.id == bob
        assert transfer.to_agent.display_name == "Carol"
        assert chat.agent is not None and chat.agent.display_name == "Carol"
        assert not chat.ended and not any(isinstance(e, ChatEnded) for e in events)

        carol = transfer.to_agent.id
        await agent_side.send(chat.conversation_id, carol, "Carol here")
        await _until(chat, _message("Carol here"))


async def test_the_agent_ending_the_chat_is_an_end(
    manual_service: LocalService, agent_side: AsyncControlClient
) -> None:
    chat, bob = await _with_agent(manual_service, agent_side)
    async with chat:
        await agent_side.leave(chat.conversation_id, bob, end=True)
        events = await _rest_of(chat)
        kinds = [type(event) for event in events]
        assert AgentLeft in kinds and Transferred not in kinds
        assert events[-1] == ChatEnded(reason=EndReason.AGENT_ENDED, timestamp=events[-1].timestamp)
        assert chat.ended and chat.agent is None
        assert await chat.next_event() is None


async def test_leaving_ends_the_chat_for_the_guest(
    manual_service: LocalService, agent_side: AsyncControlClient
) -> None:
    chat, _ = await _with_agent(manual_service, agent_side)
    async with chat:
        await chat.leave()
        events = await _rest_of(chat)
        assert isinstance(events[-1], ChatEnded) and events[-1].reason is EndReason.GUEST_LEFT
        with pytest.raises(BadRequestError):
            await chat.send("anyone?")


async def test_typing_is_throttled(
    manual_service: LocalService, agent_side: AsyncControlClient
) -> None:
    chat, bob = await _with_agent(manual_service, agent_side)
    async with chat:
        assert await chat.typing() is True
        assert [await chat.typing() for _ in range(5)] == [False] * 5
        await agent_side.send(chat.conversation_id, bob, "done typing?")
        events = await _until(chat, _message("done typing?"))
        own_typing = [e for e in events if isinstance(e, TypingEvent) and e.sender.is_guest]
        assert len(own_typing) == 1


async def test_drops_neither_lose_nor_repeat_anything(
    manual_service: LocalService, agent_side: AsyncControlClient
) -> None:
    chat, bob = await _with_agent(manual_service, agent_side)
    async with chat:
        bodies = [f"line {number}" for number in range(30)]
        for number, body in enumerate(bodies):
            await agent_side.send(chat.conversation_id, bob, body)
            if number % 7 == 2:
                await agent_side.set_faults(dropStreams={"conversationId": chat.conversation_id})
        events = await _until(chat, _message(bodies[-1]), timeout=30)
        received = [
            e.body
            for e in events
            if isinstance(e, MessageEvent) and e.body_type == BodyType.STANDARD
        ]
        assert received == bodies
        assert any(isinstance(e, Reconnected) for e in events)
        assert not any(isinstance(e, AgentJoined | AgentLeft) for e in events)


async def test_resume_from_the_saved_state_alone(
    manual_service: LocalService, agent_side: AsyncControlClient
) -> None:
    chat, bob = await _with_agent(manual_service, agent_side)
    await agent_side.send(chat.conversation_id, bob, "before the restart")
    await _until(chat, _message("before the restart"))
    saved = chat.state().to_json()
    await chat.close()
    del chat

    for body in ("while away 1", "while away 2"):
        await agent_side.send(chat_id := ChatState.from_json(saved).conversation_id, bob, body)

    async with await GuestChat.resume(saved, heartbeat_interval=HEARTBEAT) as resumed:
        assert resumed.conversation_id == chat_id
        assert resumed.agent is not None and resumed.agent.id == bob
        await agent_side.send(chat_id, bob, "after the restart")
        events = await _until(resumed, _message("after the restart"))
        received = [
            e.body
            for e in events
            if isinstance(e, MessageEvent) and e.body_type == BodyType.STANDARD
        ]
        assert received == ["while away 1", "while away 2", "after the restart"]
        assert not any(isinstance(e, AgentJoined) for e in events)
        await resumed.send("I am back")
        await _until(resumed, _message("I am back"))
        assert resumed.state().last_message_id is not None


async def test_resuming_a_chat_that_ended_meanwhile_reports_the_end(
    manual_service: LocalService, agent_side: AsyncControlClient
) -> None:
    chat, bob = await _with_agent(manual_service, agent_side)
    saved = chat.state()
    await chat.close()
    await agent_side.send(saved.conversation_id, bob, "goodbye")
    await agent_side.leave(saved.conversation_id, bob, end=True)

    async with await GuestChat.resume(saved) as resumed:
        events = await _rest_of(resumed)
    assert any(isinstance(e, MessageEvent) and e.body == "goodbye" for e in events)
    assert isinstance(events[-1], ChatEnded) and events[-1].reason is EndReason.AGENT_ENDED


async def test_an_expired_token_cannot_be_resumed(
    service_factory: Callable[..., LocalService],
) -> None:
    service = service_factory(agent="manual", heartbeat_seconds=HEARTBEAT, jwt_lifetime_seconds=1)
    # Created over REST, not started: a loaded machine may take longer than the JWT's second to
    # open the stream, and this test is about resuming, not starting.
    async with AsyncApiClient(service.base_url) as client:
        created = await AsyncWebChatApi(client).post_webchat_guest_conversations(create_body("Ann"))
    assert created.id and created.jwt and created.member and created.member.id
    assert created.event_stream_uri
    saved = ChatState(
        conversation_id=created.id,
        member_id=created.member.id,
        jwt=created.jwt,
        event_stream_uri=created.event_stream_uri,
        environment=service.base_url,
    )
    async with asyncio.timeout(10):
        while not _expired(saved):
            await asyncio.sleep(0.05)
    with pytest.raises(StreamAuthError, match="expired"):
        await GuestChat.resume(saved)


def _expired(state: ChatState) -> bool:
    from purecloud_guest_chat_client.stream._token import read_claims

    return read_claims(state.jwt).expired()


async def test_sessions_share_a_client_whatever_its_response_setting(
    manual_service: LocalService,
) -> None:
    async with AsyncApiClient(manual_service.base_url) as shared:
        shared.set_return_extended_responses(True)
        chats = [
            await GuestChat.start("org-1", "deployment-1", "Support", name, client=shared)
            for name in ("Ann", "Cy")
        ]
        for chat in chats:
            async with chat:
                sent = await chat.send(f"hello from {chat.guest.display_name}")
                assert sent.body == f"hello from {chat.guest.display_name}"
        assert shared.jwt is None and not shared.closed
        assert shared.return_extended_responses


async def test_sessions_on_a_shared_client_log_as_the_client_is_set_to(
    manual_service: LocalService, tmp_path: Path
) -> None:
    log_file = tmp_path / "requests.log"
    async with AsyncApiClient(manual_service.base_url) as shared:
        shared.config.logger.log_level = LTrace
        shared.config.logger.log_format = JSON
        shared.config.logger.log_to_console = False
        shared.config.logger.log_file_path = log_file
        shared.config.logger.log_request_body = True
        shared.config.logger.log_response_body = True
        shared.config.logger.set_logger()
        jwts = []
        # Each session's client is closed before the next starts: the configuration they share
        # stays the shared client's, open for the next.
        for name in ("Ann", "Cy", "Bo"):
            async with await GuestChat.start(
                "org-1", "deployment-1", "Support", name, client=shared
            ) as chat:
                await chat.send(f"hello from {name}")
                jwts.append(chat.state().jwt)
    records = [json.loads(line) for line in log_file.read_text().splitlines()]
    operations = [record["operation"] for record in records]
    assert operations.count("post_webchat_guest_conversation_member_messages") == 3
    assert operations.count("post_webchat_guest_conversations") == 3
    assert {"hello from Ann", "hello from Cy", "hello from Bo"} == {
        json.loads(record["requestBody"])["body"]
        for record in records
        if record["operation"] == "post_webchat_guest_conversation_member_messages"
    }
    text = log_file.read_text()
    for jwt in jwts:
        assert jwt not in text and jwt.split(".")[2] not in text
    assert "[REDACTED]" in text


async def test_the_token_stays_out_of_reprs(manual_service: LocalService) -> None:
    async with await _start(manual_service) as chat:
        state = chat.state()
        for text in (repr(chat), str(chat), repr(state)):
            assert state.jwt not in text
        assert state.to_dict()["jwt"] == state.jwt


@pytest.mark.parametrize(
    ("arguments", "options", "problem"),
    [
        (("", "deployment-1", "Support", "Ann"), {}, "organization_id"),
        (("org-1", "deployment-1", " ", "Ann"), {}, "queue"),
        (("org-1", "deployment-1", "Support", ""), {}, "display name"),
        (("org-1", "deployment-1", "Support", {"email": "x"}), {}, "GuestMemberInfo"),
        (("org-1", "deployment-1", "Support", "Ann"), {"heartbeat_interval": 0}, "heartbeat"),
    ],
)
async def test_start_validates_its_input(
    arguments: tuple[object, ...], options: dict[str, object], problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        await GuestChat.start(*arguments, environment="http://127.0.0.1:9", **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("options", "error", "problem"),
    [
        ({"heartbeat_interval": "30"}, TypeError, "heartbeat_interval must be a number"),
        ({"attach_timeout": None}, TypeError, "attach_timeout must be a number"),
        ({"attach_timeout": float("nan")}, ValueError, "attach_timeout must be > 0"),
    ],
)
async def test_session_options_are_checked_before_any_request(
    manual_service: LocalService,
    agent_side: AsyncControlClient,
    options: dict[str, object],
    error: type[Exception],
    problem: str,
) -> None:
    with pytest.raises(error, match=problem):
        await GuestChat.start(
            "org-1",
            "deployment-1",
            "Support",
            "Ann",
            environment=manual_service.base_url,
            **options,  # type: ignore[arg-type]
        )
    assert await agent_side.conversations() == []
    async with await _start(manual_service) as chat:
        saved = chat.state()
    with pytest.raises(error, match=problem):
        await GuestChat.resume(saved, **options)  # type: ignore[arg-type]


async def test_send_validates_its_input(manual_service: LocalService) -> None:
    async with await _start(manual_service) as chat:
        with pytest.raises(ValueError, match="non-empty"):
            await chat.send("   ")
        with pytest.raises(ValueError, match="4000"):
            await chat.notice("x" * 4001)
