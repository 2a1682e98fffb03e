"""The whole chat lifecycle over real HTTP and a real WebSocket."""

from __future__ import annotations

from collections.abc import Callable

import httpx2

from purecloud_guest_chat_client.emulator import AsyncControlClient, LocalService

from ..helpers import (
    API,
    Guest,
    NewGuest,
    Stream,
    create_body,
    is_change,
    is_message,
    is_typing,
)


async def test_sending_before_the_stream_attaches_is_refused(new_guest: NewGuest) -> None:
    guest = await new_guest()
    response = await guest.send("too early")
    assert response.status_code == 400
    assert response.json()["code"] == "chat.error.conversation.state"


async def test_a_send_right_after_the_handshake_is_accepted(new_guest: NewGuest) -> None:
    # The guest is CONNECTED before the handshake completes, so no client has to wait for a
    # frame before its first message. Several chats, as a race would show only sometimes (with
    # commits on the event loop its window is small; with commits off the loop it is not).
    for _ in range(10):
        guest = await new_guest()
        stream = await guest.connect()
        response = await guest.send("first words")
        assert response.status_code == 200, response.text
        assert is_change(await stream.next(), guest.member_id, "CONNECTED")


async def test_echo_agent_lifecycle(new_guest: NewGuest) -> None:
    guest = await new_guest()
    stream = await guest.connect()
    first = await stream.next()
    assert is_change(first, guest.member_id, "CONNECTED")
    assert "role" not in first["eventBody"]["member"]
    second = await stream.next()
    assert is_message(second, "member-join", sender=guest.member_id)
    acd_join = await stream.wait_for(lambda f: is_change(f, state="CONNECTED"))
    acd_id = acd_join["eventBody"]["member"]["id"]
    acd = (await guest.request("GET", f"/members/{acd_id}")).json()
    assert acd["role"] == "ACD"
    stream, agent_id = await guest.routed(stream)
    await stream.wait_for(lambda f: is_change(f, acd_id, "DISCONNECTED"))
    await stream.wait_for(lambda f: is_message(f, "member-leave", sender=acd_id))
    agent = (await guest.request("GET", f"/members/{agent_id}")).json()
    assert agent["role"] == "AGENT" and agent["state"] == "CONNECTED"

    sent = await guest.send("hello there")
    assert sent.status_code == 200
    message = sent.json()
    assert message["sender"] == {"id": guest.member_id, "role": "CUSTOMER"}
    echoed = await stream.wait_for(lambda f: is_message(f, "standard", sender=guest.member_id))
    assert echoed["eventBody"]["id"] == message["id"]
    assert echoed["eventBody"]["sender"] == {"id": guest.member_id}
    await stream.wait_for(lambda f: is_typing(f, agent_id))
    reply = await stream.wait_for(lambda f: is_message(f, "standard", sender=agent_id))
    assert "hello there" in reply["eventBody"]["body"]


async def test_guest_typing_is_echoed(new_guest: NewGuest) -> None:
    guest = await new_guest()
    stream, _ = await guest.routed()
    response = await guest.request("POST", f"/members/{guest.member_id}/typing")
    assert response.status_code == 200
    typing = response.json()
    assert typing["sender"]["id"] == guest.member_id
    frame = await stream.wait_for(lambda f: is_typing(f, guest.member_id))
    assert frame["eventBody"]["id"] == typing["id"]


async def test_guest_leaves(new_guest: NewGuest) -> None:
    guest = await new_guest()
    stream, _ = await guest.routed()
    response = await guest.request("DELETE", f"/members/{guest.member_id}")
    assert response.status_code == 204
    last = await stream.wait_for(lambda f: is_change(f, guest.member_id))
    assert last["eventBody"]["member"]["state"] == "DISCONNECTED"
    assert await stream.closed() == 1001
    again = await guest.send("still there?")
    assert again.status_code == 400
    assert again.json()["code"] == "chat.error.conversation.state"


async def test_manual_agent_transfer_and_end(
    service_factory: Callable[..., LocalService],
) -> None:
    service = service_factory(agent="manual")
    async with (
        httpx2.AsyncClient(base_url=service.base_url) as http,
        AsyncControlClient(service.control_url) as control,
    ):
        created = await http.post(API, json=create_body())
        guest = Guest(http, created.json())
        stream: Stream = await guest.connect()
        await stream.wait_for(lambda f: is_message(f, "member-join", sender=guest.member_id))
        agent = await control.join_agent(guest.id, "Alice")
        assert agent["role"] == "AGENT" and agent["state"] == "CONNECTED"
        assert agent["displayName"] == "Alice"
        await stream.wait_for(lambda f: is_change(f, agent["id"], "ALERTING"))
        await stream.wait_for(lambda f: is_change(f, agent["id"], "CONNECTED"))
        await stream.wait_for(lambda f: is_message(f, "member-join", sender=agent["id"]))

        await control.typing(guest.id, agent["id"])
        await stream.wait_for(lambda f: is_typing(f, agent["id"]))
        sent = await control.send(guest.id, agent["id"], "How can I help?")
        frame = await stream.wait_for(lambda f: is_message(f, "standard", sender=agent["id"]))
        assert frame["eventBody"]["id"] == sent["id"]

        second = await control.transfer(guest.id, "Bob")
        await stream.wait_for(lambda f: is_change(f, agent["id"], "DISCONNECTED"))
        await stream.wait_for(lambda f: is_message(f, "member-leave", sender=agent["id"]))
        await stream.wait_for(lambda f: is_change(f, second["id"], "ALERTING"))
        await stream.wait_for(lambda f: is_change(f, second["id"], "CONNECTED"))
        guest_member = (await guest.request("GET", f"/members/{guest.member_id}")).json()
        assert guest_member["state"] == "CONNECTED"

        await control.leave(guest.id, second["id"], end=True)
        await stream.wait_for(lambda f: is_change(f, second["id"], "DISCONNECTED"))
        await stream.wait_for(lambda f: is_message(f, "member-leave", sender=second["id"]))
        final = await stream.wait_for(lambda f: is_change(f, guest.member_id))
        assert final["eventBody"]["member"]["state"] == "DISCONNECTED"
        assert await stream.closed() == 1001
        assert (await guest.send("hello?")).json()["code"] == "chat.error.conversation.state"


async def test_an_agent_alerted_when_the_chat_ends_is_withdrawn(
    service_factory: Callable[..., LocalService],
) -> None:
    service = service_factory(agent_join_delay=60.0)  # the bot agent's invitation rings on
    async with (
        httpx2.AsyncClient(base_url=service.base_url) as http,
        AsyncControlClient(service.control_url) as control,
    ):
        guest = Guest(http, (await http.post(API, json=create_body())).json())
        stream = await guest.connect()
        alerting = await stream.wait_for(lambda f: is_change(f, state="ALERTING"))
        agent_id = alerting["eventBody"]["member"]["id"]
        assert (await guest.request("DELETE", f"/members/{guest.member_id}")).status_code == 204
        await stream.wait_for(lambda f: is_change(f, agent_id, "DISCONNECTED"))
        await stream.wait_for(lambda f: is_change(f, guest.member_id, "DISCONNECTED"))
        assert await stream.closed() == 1001
        detail = await control.conversation(guest.id)
        states = {m["id"]: m["state"] for m in detail["members"]}
        assert states[agent_id] == "DISCONNECTED"
        # It never joined, so it has neither a member-join nor a member-leave.
        assert not [m for m in detail["messages"] if m["sender"]["id"] == agent_id]
