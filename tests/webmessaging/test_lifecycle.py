"""The session's life against the local service: typing both ways, the message rate and its
recovery, the connection limit, the agent's end and the read-only session, starting anew,
Clear, closeSession, expiry and the structured answers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

import pytest

from purecloud_guest_chat_client.emulator import AsyncControlClient, LocalService
from purecloud_guest_chat_client.models.web_messaging_protocol import MAX_CONNECTIONS_PER_SESSION
from purecloud_guest_chat_client.webmessaging import (
    AgentTyping,
    ButtonResponse,
    Card,
    Carousel,
    ConnectionClosed,
    DatePicker,
    ListPicker,
    Presence,
    QuickReply,
    RateLimited,
    RateLimitExceededError,
    ReadOnlySessionError,
    SessionCleared,
    SessionExpired,
    SessionExpiredError,
    WebMessage,
    WebMessagingClient,
    WebMessagingEvent,
)

from ..helpers import WAIT
from .conftest import DEPLOYMENT, agent_text, join_agent, next_matching


async def _rest_of_events(client: WebMessagingClient) -> list[WebMessagingEvent]:
    async with asyncio.timeout(WAIT):
        return [event async for event in client.events()]


async def test_typing_is_throttled_and_the_agents_arrives_with_its_duration(
    manual_service: LocalService, agent: AsyncControlClient
) -> None:
    async with WebMessagingClient(DEPLOYMENT, manual_service.base_url) as client:
        assert await client.send_typing() is True
        assert await client.send_typing() is False  # within 5 s of the last one
        await client.send_text("hello")
        [chat] = [c for c in await agent.conversations() if c["deploymentId"] == DEPLOYMENT]
        member = await agent.join_agent(chat["id"], "Alice")
        await agent.typing(chat["id"], member["id"])
        typing = await next_matching(client, lambda e: isinstance(e, AgentTyping))
        assert isinstance(typing, AgentTyping) and typing.on and typing.duration_seconds == 5.0


async def test_a_burst_over_the_rate_is_held_and_retried_not_dropped(
    manual_service: LocalService,
) -> None:
    async with WebMessagingClient(DEPLOYMENT, manual_service.base_url) as client:
        texts = [f"burst {n}" for n in range(12)]
        echoes = await asyncio.wait_for(
            asyncio.gather(*(client.send_text(text) for text in texts)), WAIT * 4
        )
        assert sorted(echo.text or "" for echo in echoes) == sorted(texts)
        seen: list[WebMessagingEvent] = []
        while (event := await client.next_event(timeout=WAIT)) is not None:
            seen.append(event)
            delivered = [e.text for e in seen if isinstance(e, WebMessage)]
            if sorted(delivered) == sorted(texts):
                break
        limited = [e for e in seen if isinstance(e, RateLimited)]
        assert limited and all(e.retry_after >= 1 for e in limited)


async def test_beyond_the_retry_budget_the_send_raises(manual_service: LocalService) -> None:
    async with WebMessagingClient(
        DEPLOYMENT, manual_service.base_url, rate_limit_retries=0
    ) as client:
        outcomes = await asyncio.gather(
            *(client.send_text(f"burst {n}") for n in range(10)), return_exceptions=True
        )
        refused = [o for o in outcomes if isinstance(o, BaseException)]
        assert refused and all(isinstance(o, RateLimitExceededError) for o in refused)
        assert all(o.code == 429 and o.retry_after for o in refused)  # type: ignore[union-attr]
        sent = [o for o in outcomes if isinstance(o, WebMessage)]
        assert len(sent) + len(refused) == 10


async def test_a_fourth_connection_closes_the_oldest(manual_service: LocalService) -> None:
    oldest = WebMessagingClient(DEPLOYMENT, manual_service.base_url)
    await oldest.connect()
    others = [
        WebMessagingClient(DEPLOYMENT, manual_service.base_url, token=oldest.token)
        for _ in range(MAX_CONNECTIONS_PER_SESSION)
    ]
    try:
        for other in others:
            await other.connect()
        events = await _rest_of_events(oldest)
        assert isinstance(events[-1], ConnectionClosed) and events[-1].reason is None
        assert not oldest.connected
        echo = await others[-1].send_text("still served")
        assert echo.text == "still served"
    finally:
        for client in (oldest, *others):
            await client.close()


async def test_the_agents_end_makes_it_read_only_until_started_anew(
    manual_service: LocalService, agent: AsyncControlClient
) -> None:
    async with WebMessagingClient(DEPLOYMENT, manual_service.base_url) as client:
        await client.send_text("hello")
        [chat] = [c for c in await agent.conversations() if c["deploymentId"] == DEPLOYMENT]
        member = await agent.join_agent(chat["id"], "Alice")
        await agent.leave(chat["id"], member["id"], end=True)
        disconnect = await next_matching(
            client, lambda e: isinstance(e, Presence) and e.type == "Disconnect"
        )
        assert isinstance(disconnect, Presence) and disconnect.read_only
        assert client.read_only
        with pytest.raises(ReadOnlySessionError, match="start_new"):
            await client.send_text("anyone there?")
        assert await client.health_check() is True  # still allowed
        info = await client.start_new()
        assert info.new_session and not info.read_only and not client.read_only
        echo = await client.send_text("a new question")
        assert echo.text == "a new question"
    chats = [c for c in await agent.conversations() if c["deploymentId"] == DEPLOYMENT]
    assert sorted(c["status"] for c in chats) == ["active", "ended"]


async def test_clear_ends_the_session_and_the_token_starts_anew(
    manual_service: LocalService,
) -> None:
    client = WebMessagingClient(DEPLOYMENT, manual_service.base_url)
    await client.connect()
    try:
        await client.send_text("forget me")
        await client.clear()
        events = await _rest_of_events(client)
        kinds = [type(e) for e in events]
        assert kinds[-2:] == [SessionCleared, ConnectionClosed]
        assert any(isinstance(e, Presence) and e.type == "Clear" for e in events)
    finally:
        await client.close()
    async with WebMessagingClient(DEPLOYMENT, manual_service.base_url, token=client.token) as again:
        assert again.session is not None and again.session.new_session


async def test_close_session_closes_the_other_connections(manual_service: LocalService) -> None:
    async with (
        WebMessagingClient(DEPLOYMENT, manual_service.base_url) as first,
        WebMessagingClient(DEPLOYMENT, manual_service.base_url, token=first.token) as second,
    ):
        info = await first.close_session(close_all_connections=True)
        assert info.connected is False and not info.read_only
        events = await _rest_of_events(second)
        assert isinstance(events[-1], ConnectionClosed)
        assert await first.next_event() is None and not first.connected


async def test_expiry_ends_the_events_and_refuses_requests(
    service_factory: Callable[..., LocalService],
) -> None:
    service = service_factory(agent="manual", web_messaging_session_seconds=1)
    async with WebMessagingClient(DEPLOYMENT, service.base_url) as client:
        assert client.session is not None and client.session.duration_seconds == 1
        # The session lives one second after its last message; nothing announces its end.
        await asyncio.sleep(1.5)
        with pytest.raises(SessionExpiredError):
            await client.send_text("too late")
        events = await _rest_of_events(client)
        assert isinstance(events[-1], SessionExpired)
        with pytest.raises(SessionExpiredError):
            await client.send_text("still too late")


async def test_structured_answers_are_echoed_with_their_content(
    manual_service: LocalService, agent: AsyncControlClient
) -> None:
    async with WebMessagingClient(DEPLOYMENT, manual_service.base_url) as client:
        quick = await client.send_quick_reply("Yes please", "yes", originating_message_id="m-1")
        [answer] = quick.content
        assert isinstance(answer, ButtonResponse)
        assert (answer.type, answer.text, answer.payload) == ("QuickReply", "Yes please", "yes")
        button = await client.send_button_response("Call me", "call")
        assert isinstance(button.content[0], ButtonResponse)
        assert button.content[0].type == "Button"
        picked = await client.send_date_picker_answer(
            datetime.fromisoformat("2026-12-03T09:00:00+00:00"), text="Thursday 9:00"
        )
        assert isinstance(picked.content[0], ButtonResponse)
        assert picked.content[0].payload == "2026-12-03T09:00:00+00:00"
        listed = await client.send_list_picker_answer(
            {"1": "One", "2": "Two"}, originating_message_id="m-2", text="One and Two"
        )
        assert [c.payload for c in listed.content if isinstance(c, ButtonResponse)] == ["1", "2"]
        say = await join_agent(agent, DEPLOYMENT)
        await say("noted")
        await next_matching(client, agent_text("noted"))


@pytest.mark.parametrize(
    ("ask", "kind"),
    [
        ("quick replies", QuickReply),
        ("card", Card),
        ("carousel", Carousel),
        ("list picker", ListPicker),
        ("date picker", DatePicker),
    ],
)
async def test_structured_content_from_a_bot_arrives_typed(
    service: LocalService, ask: str, kind: type
) -> None:
    async with WebMessagingClient(DEPLOYMENT, service.base_url) as client:
        await client.send_text(ask)
        reply = await next_matching(client, agent_text(f"You said: {ask}"))
        assert isinstance(reply, WebMessage) and reply.type == "Structured"
        assert reply.content and all(isinstance(item, kind) for item in reply.content)
        if kind is QuickReply:
            first = reply.quick_replies[0]
            assert first.text and first.payload
            answer = await client.send_quick_reply(first.text, first.payload)
            assert isinstance(answer.content[0], ButtonResponse)
