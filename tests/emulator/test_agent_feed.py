"""The agent feed at /emulator/v1/events: what the agent side sees change, live."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx2
import pytest
import websockets
from websockets.asyncio.client import ClientConnection

from purecloud_guest_chat_client.emulator import AsyncControlClient, LocalService
from purecloud_guest_chat_client.emulator.agent_feed import (
    MAX_PENDING_EVENTS,
    TOO_SLOW,
    FeedSubscriber,
)

from ..helpers import WAIT, create_guest

Event = dict[str, Any]


def feed_url(service: LocalService) -> str:
    return service.base_url.replace("http://", "ws://") + "/emulator/v1/events"


class Feed:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    async def next(self) -> Event:
        text = await asyncio.wait_for(self.ws.recv(), WAIT)
        assert isinstance(text, str)
        event: Event = json.loads(text)
        return event

    async def wait_for(self, predicate: Callable[[Event], bool]) -> Event:
        while True:
            event = await self.next()
            if predicate(event):
                return event


def view_of(cid: str, state: str) -> Callable[[Event], bool]:
    return lambda e: (
        e["type"] == "conversation"
        and e["conversation"]["id"] == cid
        and e["conversation"]["queueState"] == state
    )


@pytest.fixture
def manual(service_factory: Callable[..., LocalService]) -> LocalService:
    return service_factory(agent="manual")


@pytest.fixture
async def guest_http(manual: LocalService) -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(base_url=manual.base_url, timeout=WAIT) as client:
        yield client


async def test_the_feed_reports_a_chat_from_queue_to_end(
    manual: LocalService, guest_http: httpx2.AsyncClient
) -> None:
    async with (
        websockets.connect(feed_url(manual)) as ws,
        AsyncControlClient(manual.control_url) as control,
    ):
        feed = Feed(ws)
        snapshot = await feed.next()
        assert snapshot["type"] == "snapshot"
        assert snapshot["conversations"] == []
        assert snapshot["typingIntervalMs"] == 3000

        guest = await create_guest(
            guest_http, memberInfo={"displayName": "Ada Guest", "customFields": {"plan": "gold"}}
        )
        created = await feed.wait_for(view_of(guest.id, "new"))
        members = created["conversation"]["members"]
        assert members[0]["displayName"] == "Ada Guest"
        assert members[0]["customFields"] == {"plan": "gold"}

        stream = await guest.connect()
        waiting = await feed.wait_for(view_of(guest.id, "waiting"))
        assert waiting["conversation"]["agentNames"] == []

        agent = await control.join_agent(guest.id, "Alice")
        joined = await feed.wait_for(view_of(guest.id, "with-agent"))
        assert joined["conversation"]["agentNames"] == ["Alice"]

        assert (await guest.send("where is my order?")).status_code == 200
        said = await feed.wait_for(
            lambda e: e["type"] == "messages" and e["messages"][0]["bodyType"] == "standard"
        )
        assert said["conversationId"] == guest.id
        assert [m["body"] for m in said["messages"]] == ["where is my order?"]
        assert said["messages"][0]["sender"]["id"] == guest.member_id
        after = await feed.next()
        assert after["conversation"]["lastMessage"]["body"] == "where is my order?"

        typed = await guest.request("POST", f"/members/{guest.member_id}/typing")
        assert typed.status_code == 200
        typing = await feed.wait_for(lambda e: e["type"] == "typing")
        assert typing["conversationId"] == guest.id
        assert typing["memberId"] == guest.member_id

        await control.leave(guest.id, agent["id"], end=True)
        ended = await feed.wait_for(view_of(guest.id, "ended"))
        assert ended["conversation"]["status"] == "ended"
        await stream.close()


async def test_a_new_subscriber_starts_from_a_snapshot_of_every_chat(
    manual: LocalService, guest_http: httpx2.AsyncClient
) -> None:
    guest = await create_guest(guest_http)
    await guest.connect()
    async with AsyncControlClient(manual.control_url) as control:
        await control.join_agent(guest.id, "Bob")
        await control.conversation(guest.id)
    async with websockets.connect(feed_url(manual)) as ws:
        snapshot = await Feed(ws).next()
    (view,) = snapshot["conversations"]
    assert view["id"] == guest.id
    assert view["queueState"] == "with-agent"
    assert view["agentNames"] == ["Bob"]
    for stream in guest.streams:
        await stream.close()


async def test_two_subscribers_see_the_same_events_in_the_same_order(
    manual: LocalService, guest_http: httpx2.AsyncClient
) -> None:
    async with (
        websockets.connect(feed_url(manual)) as first,
        websockets.connect(feed_url(manual)) as second,
    ):
        feeds = [Feed(first), Feed(second)]
        for feed in feeds:
            await feed.next()
        guest = await create_guest(guest_http)
        stream = await guest.connect()
        seen: list[list[str]] = [[], []]
        for feed in feeds:
            await feed.wait_for(view_of(guest.id, "waiting"))
        async with AsyncControlClient(manual.control_url) as control:
            agent = await control.join_agent(guest.id, "Alice")
            for n in range(3):
                await control.send(guest.id, agent["id"], f"line {n}")
        for index, feed in enumerate(feeds):
            while len(seen[index]) < 3:
                event = await feed.next()
                if event["type"] == "messages":
                    seen[index].extend(
                        m["body"] for m in event["messages"] if m["bodyType"] == "standard"
                    )
        assert seen[0] == seen[1] == ["line 0", "line 1", "line 2"]
        await stream.close()


async def test_leaving_the_feed_changes_no_chat(
    manual: LocalService, guest_http: httpx2.AsyncClient
) -> None:
    guest = await create_guest(guest_http)
    await guest.connect()
    async with websockets.connect(feed_url(manual)) as ws:
        await Feed(ws).next()
    async with AsyncControlClient(manual.control_url) as control:
        detail = await control.conversation(guest.id)
    assert detail["status"] == "active"
    for stream in guest.streams:
        await stream.close()


async def test_the_feed_needs_the_control_token_when_one_is_set(
    service_factory: Callable[..., LocalService],
) -> None:
    secured = service_factory(agent="manual", control_token="s3cret")
    url = feed_url(secured)
    for headers, status in (
        ({}, 401),
        ({"Authorization": "Bearer wrong"}, 401),
        ({"Cookie": f"guestchat_console_{secured.port}=forged"}, 401),
    ):
        with pytest.raises(websockets.InvalidStatus) as refused:
            await websockets.connect(url, additional_headers=headers)
        assert refused.value.response.status_code == status
        assert json.loads(refused.value.response.body)["code"] in (
            "authentication.required",
            "bad.credentials",
        )
    async with websockets.connect(url, additional_headers={"Authorization": "Bearer s3cret"}) as ws:
        assert (await Feed(ws).next())["type"] == "snapshot"


async def test_the_feed_refuses_pages_of_other_origins(manual: LocalService) -> None:
    """No same-origin policy guards a WebSocket: a page elsewhere (another local port, a site
    whose name was rebound to 127.0.0.1) must not read the chats."""
    url = feed_url(manual)
    with pytest.raises(websockets.InvalidStatus) as foreign:
        await websockets.connect(url, origin="http://127.0.0.1:1")  # type: ignore[arg-type]
    assert foreign.value.response.status_code == 403
    with pytest.raises(websockets.InvalidStatus) as rebound:
        await websockets.connect(
            url,
            origin=f"http://attacker.test:{manual.port}",  # type: ignore[arg-type]
            additional_headers={"Host": f"attacker.test:{manual.port}"},
        )
    assert rebound.value.response.status_code == 403
    own = f"http://127.0.0.1:{manual.port}"
    async with websockets.connect(url, origin=own) as ws:  # type: ignore[arg-type]
        assert (await Feed(ws).next())["type"] == "snapshot"


async def test_a_subscriber_that_does_not_read_is_cut_off_not_the_service() -> None:
    subscriber = FeedSubscriber()
    for n in range(MAX_PENDING_EVENTS + 5):
        subscriber.push(str(n))
    assert subscriber.close_reason == TOO_SLOW
    assert subscriber.outbox.qsize() == MAX_PENDING_EVENTS + 1  # the events, then the close


async def test_an_ended_chat_past_its_retention_is_removed_from_the_feed(
    service_factory: Callable[..., LocalService],
) -> None:
    brief = service_factory(agent="manual", ended_chat_retention_seconds=0.2)
    async with (
        httpx2.AsyncClient(base_url=brief.base_url, timeout=WAIT) as http,
        websockets.connect(feed_url(brief)) as ws,
    ):
        feed = Feed(ws)
        await feed.next()
        guest = await create_guest(http)
        stream = await guest.connect()
        await feed.wait_for(view_of(guest.id, "waiting"))
        assert (await guest.request("DELETE", f"/members/{guest.member_id}")).status_code == 204
        await feed.wait_for(view_of(guest.id, "ended"))
        removed = await feed.wait_for(lambda e: e["type"] == "removed")
        assert removed["conversationId"] == guest.id
        await stream.close()
