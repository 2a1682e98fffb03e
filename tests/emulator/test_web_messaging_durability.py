"""Web Messaging sessions are kept in the database: a restart of the service, even a SIGKILL,
keeps every session with its conversation, expiry and read-only state, and every message the
guest saw echoed."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from purecloud_guest_chat_client.emulator import AsyncControlClient, LocalService

from .test_durability import ServiceProcess, _free_port, processes  # noqa: F401 (a fixture)
from .web_messaging_guest import (
    DEPLOYMENT,
    conversations_of,
    is_outbound_event,
    is_outbound_text,
    of_class,
    until,
    web_guest,
)


async def test_a_session_survives_a_restart_of_the_service(
    service_factory: Callable[..., LocalService], tmp_path: Path
) -> None:
    db = tmp_path / "chats.db"
    first = service_factory(agent="manual", db_path=db)
    async with web_guest(first) as guest, AsyncControlClient(first.control_url) as control:
        token = guest.token
        expires = (await guest.configure())["body"]["expirationDate"]
        await guest.say("before the restart", "b-1")
        await guest.wait_for(of_class("StructuredMessage"))
        cid = (await conversations_of(control, DEPLOYMENT))[0]["id"]
    first.stop()

    second = service_factory(agent="manual", db_path=db)
    async with (
        web_guest(second, token, configure=False) as guest,
        AsyncControlClient(second.control_url) as control,
    ):
        again = await guest.configure()
        assert again["body"]["newSession"] is False and again["body"]["readOnly"] is False
        assert again["body"]["expirationDate"] >= expires
        assert [c["id"] for c in await conversations_of(control, DEPLOYMENT)] == [cid]
        agent = await control.join_agent(cid, "Alice")
        await control.send(cid, agent["id"], "after the restart")
        assert (await guest.wait_for(is_outbound_text))["body"]["text"] == "after the restart"

        # The agent's end is kept too: after another restart the session is still read-only.
        await control.leave(cid, agent["id"], end=True)
        await guest.wait_for(is_outbound_event("Presence", "Disconnect"))
    second.stop()

    third = service_factory(agent="manual", db_path=db)
    async with web_guest(third, token, configure=False) as guest:
        assert (await guest.configure())["body"]["readOnly"] is True


async def test_the_database_holds_no_session_token(
    service_factory: Callable[..., LocalService], tmp_path: Path
) -> None:
    db = tmp_path / "chats.db"
    service = service_factory(agent="manual", db_path=db)
    async with web_guest(service) as guest:
        token = guest.token
    service.stop()
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT * FROM web_messaging_sessions").fetchall()
    assert len(rows) == 1 and token not in repr(rows)


@pytest.mark.skipif(os.name != "posix", reason="needs SIGKILL")
async def test_echoed_messages_survive_sigkill(
    tmp_path: Path,
    processes: list[ServiceProcess],  # noqa: F811 (the fixture)
) -> None:
    db, port = tmp_path / "chats.db", _free_port()
    options = ("--agent", "manual", "--rate-limit", "0")
    first = ServiceProcess(db, port, *options)
    processes.append(first)
    echoed: list[str] = []
    async with web_guest(first.base_url) as guest:
        token = guest.token
        for n in range(12):
            await guest.say(f"message {n}", f"m-{n}")
        while len(echoed) < 12:
            frame = await guest.next()
            if frame["class"] == "StructuredMessage":
                echoed.append(frame["body"]["id"])
        first.kill()
        await guest.closed()

    second = ServiceProcess(db, port, *options)
    processes.append(second)
    async with (
        web_guest(second.base_url, token, configure=False) as guest,
        AsyncControlClient(second.base_url + "/emulator/v1") as control,
    ):
        again = await guest.configure()
        assert again["body"]["newSession"] is False
        chats = await until(lambda: conversations_of(control, DEPLOYMENT), "the conversation")
        chat = await control.conversation(chats[0]["id"])
        stored = [m["id"] for m in chat["messages"]]
        assert all(mid in stored for mid in echoed)
        await guest.say("after the restart", "after")
        echo = await guest.wait_for(of_class("StructuredMessage"))
        assert echo["tracingId"] == "after"
    assert second.terminate() == 0
