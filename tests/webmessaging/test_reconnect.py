"""Reconnecting without loss: after a drop the client configures the same token, reads what it
missed from the REST history and delivers every message exactly once, in order."""

from __future__ import annotations

import asyncio

import pytest

from purecloud_guest_chat_client.emulator import AsyncControlClient, LocalService
from purecloud_guest_chat_client.stream import Backoff
from purecloud_guest_chat_client.webmessaging import (
    Reconnected,
    Reconnecting,
    WebMessage,
    WebMessagingClient,
    WebMessagingEvent,
    WebMessagingTimeoutError,
)

from ..helpers import WAIT
from .conftest import (
    DEPLOYMENT,
    ToggleProxy,
    abort_connection,
    agent_text,
    join_agent,
    next_matching,
)

FAST = Backoff(initial=0.05, maximum=0.2, jitter=0.5)


async def _agent_texts_until(
    client: WebMessagingClient, last: str, events: list[WebMessagingEvent]
) -> list[str]:
    """The agent's texts, in the order delivered, until ``last``; every event goes to
    ``events``."""
    texts: list[str] = []
    async with asyncio.timeout(WAIT * 4):
        while True:
            event = await client.next_event()
            assert event is not None, "the events ended"
            events.append(event)
            if isinstance(event, WebMessage) and event.direction == "Outbound":
                texts.append(event.text or "")
                if event.text == last:
                    return texts


async def test_an_outage_longer_than_a_page_loses_nothing(
    outage: ToggleProxy, agent: AsyncControlClient
) -> None:
    async with WebMessagingClient(
        DEPLOYMENT, outage.url, backoff=FAST, history_page_size=10
    ) as client:
        await client.send_text("hello")
        say = await join_agent(agent, DEPLOYMENT)
        for n in range(3):
            await say(f"live {n}")
        events: list[WebMessagingEvent] = []
        assert await _agent_texts_until(client, "live 2", events) == ["live 0", "live 1", "live 2"]
        outage.down()
        # The history moves on by more than two pages while the guest is away.
        missed = [f"missed {n}" for n in range(25)]
        for text in missed:
            await say(text)
        outage.up()
        await say("after")
        events.clear()
        texts = await _agent_texts_until(client, "after", events)
        assert texts == [*missed, "after"]
        reconnected = [e for e in events if isinstance(e, Reconnected)]
        assert len(reconnected) == 1 and reconnected[0].backfilled >= len(missed)
        assert reconnected[0].session is not None and not reconnected[0].session.new_session
        assert any(isinstance(e, Reconnecting) for e in events)
        backfilled = [e for e in events if isinstance(e, WebMessage) and e.backfilled]
        times = [e.time for e in backfilled]
        assert times == sorted(times)  # type: ignore[type-var]
        echo = await client.send_text("still here")
        assert echo.text == "still here"


async def test_a_drop_during_a_burst_delivers_each_message_once_in_order(
    outage: ToggleProxy, agent: AsyncControlClient
) -> None:
    async with WebMessagingClient(DEPLOYMENT, outage.url, backoff=FAST) as client:
        await client.send_text("hello")
        say = await join_agent(agent, DEPLOYMENT)
        burst = [f"burst {n}" for n in range(40)]

        async def speak() -> None:
            for index, text in enumerate(burst):
                await say(text)
                if index == 10:
                    abort_connection(client)  # the guest's own socket fails mid-burst
                if index == 25:
                    outage.down()
                if index == 30:
                    outage.up()

        speaker = asyncio.create_task(speak())
        events: list[WebMessagingEvent] = []
        texts = await _agent_texts_until(client, burst[-1], events)
        await speaker
        assert texts == burst
        assert sum(isinstance(e, Reconnected) for e in events) >= 1


async def test_a_send_during_an_outage_waits_for_the_reconnect(
    outage: ToggleProxy, agent: AsyncControlClient
) -> None:
    async with WebMessagingClient(DEPLOYMENT, outage.url, backoff=FAST) as client:
        await client.send_text("hello")
        outage.down()
        events: list[WebMessagingEvent] = []
        async with asyncio.timeout(WAIT):
            while not any(isinstance(e, Reconnecting) for e in events):
                event = await client.next_event()
                assert event is not None
                events.append(event)
        sending = asyncio.create_task(client.send_text("sent while away"))
        await asyncio.sleep(0)
        assert not sending.done()
        outage.up()
        echo = await asyncio.wait_for(sending, WAIT)
        assert echo.text == "sent while away" and echo.direction == "Inbound"


async def test_history_is_the_whole_conversation_oldest_first(
    manual_service: LocalService, agent: AsyncControlClient
) -> None:
    async with WebMessagingClient(
        DEPLOYMENT, manual_service.base_url, history_page_size=3
    ) as client:
        await client.send_text("question 1")
        say = await join_agent(agent, DEPLOYMENT)
        for n in range(4):
            await say(f"answer {n}")
        await client.send_text("question 2")
        history = await client.history()
        assert [(m.direction, m.text) for m in history] == [
            ("Inbound", "question 1"),
            *[("Outbound", f"answer {n}") for n in range(4)],
            ("Inbound", "question 2"),
        ]
        assert all(m.backfilled and m.id and m.time for m in history)
        assert len({m.id for m in history}) == len(history)
        jwt = await client.get_jwt()
        assert await client.get_jwt() == jwt  # reused while valid
        assert jwt not in repr(client)


async def test_resuming_after_a_restart_of_the_client_backfills_nothing_old(
    manual_service: LocalService, agent: AsyncControlClient
) -> None:
    async with WebMessagingClient(DEPLOYMENT, manual_service.base_url) as first:
        await first.send_text("from the first run")
        token = first.token
    async with WebMessagingClient(
        DEPLOYMENT, manual_service.base_url, token=token, backoff=FAST
    ) as again:
        assert again.session is not None and not again.session.new_session
        say = await join_agent(agent, DEPLOYMENT)
        await say("welcome back")
        await next_matching(again, agent_text("welcome back"))
        abort_connection(again)
        events: list[WebMessagingEvent] = []
        await say("while away")
        texts = await _agent_texts_until(again, "while away", events)
        assert texts[-1] == "while away" and texts.count("while away") == 1
        old = [e for e in events if isinstance(e, WebMessage) and e.text == "from the first run"]
        assert old == []


async def test_messages_sent_as_the_connection_fails_are_stored_once(
    outage: ToggleProxy, agent: AsyncControlClient
) -> None:
    async with WebMessagingClient(DEPLOYMENT, outage.url, backoff=FAST) as client:
        await client.send_text("hello")
        texts = [f"guest {n}" for n in range(6)]
        sending = [asyncio.create_task(client.send_text(text)) for text in texts[:3]]
        await asyncio.sleep(0)  # the first frames are on their way, or not: either is fine
        outage.down()
        sending += [asyncio.create_task(client.send_text(text)) for text in texts[3:]]
        outage.up()
        echoes = await asyncio.wait_for(asyncio.gather(*sending), WAIT * 4)
        assert [echo.text for echo in echoes] == texts
        history = await client.history()
    inbound = [m.text for m in history if m.is_inbound]
    assert inbound == ["hello", *texts] or sorted(inbound) == sorted(["hello", *texts])
    assert len(inbound) == len(set(inbound))


@pytest.mark.timeout(60)
@pytest.mark.parametrize("request_kind", ["health check", "text"])
async def test_a_request_right_after_a_drop_waits_for_the_reconnect(
    manual_service: LocalService, request_kind: str
) -> None:
    """The socket aborted and a request sent before the reader has noticed: the send fails at
    once, and the request used to try the same dead connection again without ever yielding,
    which froze the event loop (every session of the process) for good."""
    async with WebMessagingClient(DEPLOYMENT, manual_service.base_url, backoff=FAST) as client:
        await client.send_text("hello")
        abort_connection(client)
        if request_kind == "health check":
            assert await asyncio.wait_for(client.health_check(), WAIT) is True
        else:
            echo = await asyncio.wait_for(client.send_text("right after the drop"), WAIT)
            assert echo.text == "right after the drop"
        events: list[WebMessagingEvent] = []
        async with asyncio.timeout(WAIT):
            while not any(isinstance(e, Reconnected) for e in events):
                event = await client.next_event()
                assert event is not None
                events.append(event)


async def test_an_unanswered_health_check_takes_the_connection_for_dead(
    manual_service: LocalService, agent: AsyncControlClient
) -> None:
    """The service's ``silence`` fault leaves the echo unanswered while the socket stays up,
    as a half-dead connection would: the health check times out, the client cuts the
    connection and reconnects, and the session goes on."""
    async with WebMessagingClient(
        DEPLOYMENT, manual_service.base_url, backoff=FAST, request_timeout=0.5
    ) as client:
        await client.send_text("hello")
        [chat] = [c for c in await agent.conversations() if c["deploymentId"] == DEPLOYMENT]
        await agent.set_faults(silence={"conversationId": chat["id"]})
        with pytest.raises(WebMessagingTimeoutError, match="the health check"):
            await client.health_check()
        await agent.clear_faults()
        await next_matching(client, lambda e: isinstance(e, Reconnecting))
        await next_matching(client, lambda e: isinstance(e, Reconnected))
        echo = await asyncio.wait_for(client.send_text("still here"), WAIT)
        assert echo.text == "still here"
