"""``GuestChat.resume`` rides out a transient server error during its first catch-up, as every
other call of the SDK does, and fails only once the client's retries are spent."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from purecloud_guest_chat_client import RetryPolicy
from purecloud_guest_chat_client.api_client import AsyncApiClient
from purecloud_guest_chat_client.emulator import AsyncControlClient, LocalService
from purecloud_guest_chat_client.errors import InternalServerError
from purecloud_guest_chat_client.models import BodyType
from purecloud_guest_chat_client.session import AgentJoined, ChatState, GuestChat
from purecloud_guest_chat_client.stream import MessageEvent

HEARTBEAT = 0.3
BOUND = 10.0
"""Seconds a wait may take before the test gives up; a bound, not a speed assertion."""


@pytest.fixture
def manual_service(service_factory: Callable[..., LocalService]) -> LocalService:
    return service_factory(agent="manual", heartbeat_seconds=HEARTBEAT)


@pytest.fixture
async def agent_side(manual_service: LocalService) -> AsyncIterator[AsyncControlClient]:
    async with AsyncControlClient(manual_service.control_url) as control:
        yield control


async def _saved_chat_with_a_missed_message(
    service: LocalService, control: AsyncControlClient
) -> ChatState:
    chat = await GuestChat.start(
        "org-1",
        "deployment-1",
        "Support",
        "Ann",
        environment=service.base_url,
        heartbeat_interval=HEARTBEAT,
    )
    agent = await control.join_agent(chat.conversation_id, "Bob")
    async with asyncio.timeout(BOUND):
        while not isinstance(await chat.next_event(), AgentJoined):
            pass
    saved = chat.state()
    await chat.close()
    await control.send(saved.conversation_id, agent["id"], "while away")
    return saved


def _server_errors(count: int) -> dict[str, object]:
    return {"status": 500, "count": count, "method": "GET", "retryAfter": 0}


async def test_one_server_error_in_the_first_catch_up_is_retried(
    manual_service: LocalService, agent_side: AsyncControlClient
) -> None:
    saved = await _saved_chat_with_a_missed_message(manual_service, agent_side)
    await agent_side.set_faults(errors=[_server_errors(1)])

    async with await GuestChat.resume(saved, heartbeat_interval=HEARTBEAT) as resumed:
        async with asyncio.timeout(BOUND):
            while True:
                event = await resumed.next_event()
                assert event is not None, "the resumed chat's events ended early"
                if isinstance(event, MessageEvent) and event.body_type == BodyType.STANDARD:
                    break
    assert event.body == "while away"
    assert (await agent_side.faults()).get("errors", []) == []


async def test_resume_fails_once_the_retries_are_spent(
    manual_service: LocalService, agent_side: AsyncControlClient
) -> None:
    saved = await _saved_chat_with_a_missed_message(manual_service, agent_side)
    await agent_side.set_faults(errors=[_server_errors(10)])

    async with AsyncApiClient(manual_service.base_url, retry=RetryPolicy(max_retries=2)) as client:
        with pytest.raises(InternalServerError):
            await GuestChat.resume(saved, client=client, heartbeat_interval=HEARTBEAT)
    # The first attempt and two retries, no more.
    (rule,) = (await agent_side.faults())["errors"]
    assert rule["count"] == 7
