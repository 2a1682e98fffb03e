"""``WebMessagingChat`` with a person playing the agent through the control API: the agent is
inferred from its messages, typing comes from it, and its end of the chat is ``agent-ended``,
also for a session resumed after it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from purecloud_guest_chat_client.emulator import AsyncControlClient, LocalService
from purecloud_guest_chat_client.models.web_messaging_protocol import OriginatingEntity
from purecloud_guest_chat_client.session import (
    AgentJoined,
    ChatEnded,
    EndReason,
    Transferred,
    WebMessageEvent,
    WebMessagingChat,
    resume_session,
)
from purecloud_guest_chat_client.stream import TypingEvent
from purecloud_guest_chat_client.webmessaging import ReadOnlySessionError

BOUND = 30.0
"""Seconds each wait may take before the test gives up; a bound, not a speed assertion."""


@pytest.fixture
def manual_service(service_factory: Callable[..., LocalService]) -> LocalService:
    return service_factory(agent="manual")


@pytest.fixture
async def agent_side(manual_service: LocalService) -> AsyncIterator[AsyncControlClient]:
    async with AsyncControlClient(manual_service.control_url) as control:
        yield control


async def _until(chat: WebMessagingChat, kind: type) -> list[object]:
    """The events up to and including the first of ``kind``."""
    seen: list[object] = []
    async with asyncio.timeout(BOUND):
        while not isinstance(event := await chat.next_event(), kind):
            assert event is not None, f"the events ended before a {kind.__name__}"
            seen.append(event)
    seen.append(event)
    return seen


async def _chat_with_agent(
    service: LocalService, control: AsyncControlClient, name: str = "Ann"
) -> tuple[WebMessagingChat, str, str]:
    chat = await WebMessagingChat.start("deployment-1", environment=service.base_url)
    (conversation,) = await control.conversations()
    agent = await control.join_agent(conversation["id"], name)
    return chat, conversation["id"], agent["id"]


async def test_the_agent_shows_up_with_its_first_message_and_types(
    manual_service: LocalService, agent_side: AsyncControlClient
) -> None:
    chat, cid, ann = await _chat_with_agent(manual_service, agent_side)
    async with chat:
        await agent_side.typing(cid, ann)
        (typing,) = await _until(chat, TypingEvent)
        assert isinstance(typing, TypingEvent) and typing.sender.is_agent
        assert chat.agent is None  # typing names nobody: no announcement yet
        await agent_side.send(cid, ann, "Hello, Ann here")
        joined, message = await _until(chat, WebMessageEvent)
        assert isinstance(joined, AgentJoined) and joined.agent.display_name == "Ann"
        assert isinstance(message, WebMessageEvent) and message.sender == joined.agent
        assert message.originating_entity == OriginatingEntity.HUMAN
        await agent_side.typing(cid, ann)
        (typing,) = await _until(chat, TypingEvent)
        assert isinstance(typing, TypingEvent) and typing.sender == joined.agent


async def test_a_second_agent_is_a_transfer(
    manual_service: LocalService, agent_side: AsyncControlClient
) -> None:
    chat, cid, ann = await _chat_with_agent(manual_service, agent_side)
    async with chat:
        await agent_side.send(cid, ann, "Ann here")
        await _until(chat, WebMessageEvent)
        bob = await agent_side.join_agent(cid, "Bob")
        await agent_side.leave(cid, ann)
        await agent_side.send(cid, bob["id"], "Bob here")
        events = await _until(chat, WebMessageEvent)
        moved = [event for event in events if isinstance(event, Transferred)]
        assert len(moved) == 1
        assert moved[0].from_agent is not None and moved[0].from_agent.display_name == "Ann"
        assert moved[0].to_agent.display_name == "Bob" == chat.agent.display_name  # type: ignore[union-attr]


async def test_the_agent_ending_the_chat_is_agent_ended_also_after_a_resume(
    manual_service: LocalService, agent_side: AsyncControlClient
) -> None:
    chat, cid, ann = await _chat_with_agent(manual_service, agent_side)
    async with chat:
        await agent_side.send(cid, ann, "Goodbye")
        await _until(chat, WebMessageEvent)
        saved = chat.state()
        await agent_side.leave(cid, ann, end=True)
        events = await _until(chat, ChatEnded)
        assert events[-1] == ChatEnded(reason=EndReason.AGENT_ENDED, timestamp=events[-1].timestamp)  # type: ignore[attr-defined]
        assert chat.ended
        assert await chat.next_event() is None
        with pytest.raises(ReadOnlySessionError):
            await chat.send("anyone?")
        await chat.leave()  # the chat is over: nothing to do
    resumed = await resume_session(saved)
    async with resumed:
        ended = await resumed.next_event()
        assert isinstance(ended, ChatEnded) and ended.reason == EndReason.AGENT_ENDED
        assert await resumed.next_event() is None
        assert resumed.ended
