"""``GuestSession``: Guest Chat's session satisfies it, and a bot written against it runs on it;
saved states say which API they belong to and resume there."""

from __future__ import annotations

import asyncio
import json

import pytest

from purecloud_guest_chat_client.emulator import LocalService
from purecloud_guest_chat_client.session import (
    ChatState,
    EndReason,
    GuestApi,
    GuestChat,
    GuestSession,
    SessionState,
    SyncGuestChat,
    SyncGuestSession,
    resume_session,
    state_api,
)
from purecloud_guest_chat_client.stream import MessageEvent

from .guest_bot import LINES, run_bot

BOUND = 60.0
"""Seconds a whole bot run may take before the test gives up; a bound, not a speed assertion."""


async def _guest_chat(service: LocalService) -> GuestChat:
    return await GuestChat.start(
        "org-1", "deployment-1", "Support", "Parcel guest", environment=service.base_url
    )


async def test_the_guest_chat_sessions_satisfy_the_protocols(service: LocalService) -> None:
    chat = await _guest_chat(service)
    async with chat:
        assert isinstance(chat, GuestSession)
        assert not isinstance(chat, SyncGuestSession)
        assert isinstance(chat.state(), SessionState)
    with SyncGuestChat.start(
        "org-1", "deployment-1", "Support", "Sync guest", environment=service.base_url
    ) as sync_chat:
        assert isinstance(sync_chat, SyncGuestSession)
        assert not isinstance(sync_chat, GuestSession)
    assert issubclass(ChatState, SessionState)
    assert not isinstance(object(), GuestSession)


async def test_the_bot_runs_on_guest_chat(service: LocalService) -> None:
    chat = await _guest_chat(service)
    async with asyncio.timeout(BOUND), chat:
        assert isinstance(chat, GuestSession)
        run = await run_bot(chat)
    assert run.replies == [f"You said: {line}" for line in LINES]
    assert run.own_messages == list(LINES)
    # Guest Chat does not say whether a person or a bot wrote a message.
    assert run.origins == [None, None, None]
    assert run.agent_name and run.agent_typed
    assert run.typing_sent >= 1
    assert run.end_reason == EndReason.GUEST_LEFT
    assert run.events_after_end == 0
    assert chat.ended


async def test_a_saved_guest_chat_resumes_through_resume_session(service: LocalService) -> None:
    chat = await _guest_chat(service)
    async with asyncio.timeout(BOUND):
        async with chat:
            await chat.send("Before the restart")
            while not (
                isinstance(event := await chat.next_event(), MessageEvent)
                and event.body == "You said: Before the restart"
            ):
                pass
            saved = chat.state().to_json()
        assert state_api(saved) == GuestApi.GUEST_CHAT
        resumed = await resume_session(saved)
        async with resumed:
            assert isinstance(resumed, GuestChat)
            assert resumed.conversation_id == chat.conversation_id
            history = [message.body for message in await resumed.history()]
            assert "Before the restart" in history
            run = await run_bot(resumed, ("After the restart",))
    assert run.replies == ["You said: After the restart"]
    assert run.end_reason == EndReason.GUEST_LEFT


async def test_resume_session_takes_the_state_object_and_its_dict(service: LocalService) -> None:
    chat = await _guest_chat(service)
    async with chat:
        state = chat.state()
    for saved in (state, state.to_dict()):
        resumed = await resume_session(saved)
        async with resumed:
            assert resumed.member_id == chat.member_id
            assert not resumed.ended


@pytest.mark.parametrize(
    ("saved", "problem"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        (json.dumps({"api": "carrier-pigeon"}), "'carrier-pigeon' is not one of guest-chat"),
    ],
)
async def test_a_state_of_no_known_api_is_refused_clearly(saved: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        state_api(saved)
    with pytest.raises(ValueError, match=problem):
        await resume_session(saved)


async def test_a_guest_chat_state_missing_its_jwt_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="jwt"):
        await resume_session({"conversation_id": "c", "member_id": "m"})
