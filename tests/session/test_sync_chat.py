"""SyncGuestChat: the blocking facade, as a script would use it."""

from __future__ import annotations

import asyncio
import time

import pytest

from purecloud_guest_chat_client.emulator import LocalService
from purecloud_guest_chat_client.session import AgentJoined, ChatEnded, EndReason, SyncGuestChat
from purecloud_guest_chat_client.stream import MessageEvent


def _wait_for_message(chat: SyncGuestChat, body: str) -> list[object]:
    seen: list[object] = []
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        event = chat.next_event(timeout=10)
        assert event is not None, f"the chat ended early; saw {seen}"
        seen.append(event)
        if isinstance(event, MessageEvent) and event.body == body:
            return seen
    raise AssertionError(f"no message {body!r}; saw {seen}")


def test_a_script_chats_with_the_echo_agent(service: LocalService) -> None:
    with SyncGuestChat.start(
        "org-1", "deployment-1", "Support", "Ann", environment=service.base_url
    ) as chat:
        chat.send("hello")
        seen = _wait_for_message(chat, "You said: hello")
        assert any(isinstance(event, AgentJoined) for event in seen)
        assert chat.agent is not None and chat.agent.is_agent
        assert chat.typing() is True and chat.typing() is False
        assert "You said: hello" in chat.transcript()
        saved = chat.state()
        chat.leave()
        rest = list(chat.events())
        assert isinstance(rest[-1], ChatEnded) and rest[-1].reason is EndReason.GUEST_LEFT
        assert chat.ended
    assert saved.conversation_id == chat.conversation_id
    chat.close()


def test_a_script_resumes_a_chat(service: LocalService) -> None:
    first = SyncGuestChat.start(
        "org-1", "deployment-1", "Support", "Ann", environment=service.base_url
    )
    first.send("one")
    _wait_for_message(first, "You said: one")
    saved = first.state().to_json()
    first.close()

    with SyncGuestChat.resume(saved) as again:
        again.send("two")
        seen = _wait_for_message(again, "You said: two")
        bodies = [event.body for event in seen if isinstance(event, MessageEvent)]
        assert "You said: one" not in bodies


def test_a_closed_facade_refuses_calls(service: LocalService) -> None:
    chat = SyncGuestChat.start(
        "org-1", "deployment-1", "Support", "Ann", environment=service.base_url
    )
    chat.close()
    with pytest.raises(RuntimeError, match="closed"):
        chat.send("late")
    with pytest.raises(TypeError):
        SyncGuestChat.start("org-1", "deployment-1", "Support", "Ann", client=object())


def test_a_facade_closes_from_a_thread_that_runs_an_event_loop(service: LocalService) -> None:
    # Playwright's sync API and notebooks keep an event loop running in the caller's thread.
    async def start_send_and_close() -> None:
        chat = SyncGuestChat.start(
            "org-1", "deployment-1", "Support", "Ann", environment=service.base_url
        )
        chat.send("hello")
        _wait_for_message(chat, "You said: hello")
        chat.close()
        with pytest.raises(RuntimeError, match="closed"):
            chat.send("late")

    asyncio.run(start_send_and_close())
