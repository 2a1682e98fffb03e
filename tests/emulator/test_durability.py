"""A service killed with SIGKILL keeps every acknowledged change, and its chats go on."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from purecloud_guest_chat_client.emulator import AsyncControlClient

from ..helpers import API, WAIT, Guest, create_body, is_change, is_message

pytestmark = pytest.mark.skipif(os.name != "posix", reason="needs SIGKILL")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServiceProcess:
    def __init__(self, db: Path, port: int, *options: str) -> None:
        command = [
            sys.executable,
            "-m",
            "purecloud_guest_chat_client.emulator",
            "--port",
            str(port),
            "--db",
            str(db),
            "--heartbeat",
            "1",
            "--log-level",
            "warning",
            *(options or ("--agent", "manual")),
        ]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert "listening on" in line, line
        self.base_url = line.split("listening on", 1)[1].strip()

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def terminate(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(15)


@pytest.fixture
def processes() -> Iterator[list[ServiceProcess]]:
    started: list[ServiceProcess] = []
    yield started
    for service in started:
        if service.process.poll() is None:
            service.kill()


async def test_acknowledged_state_survives_sigkill(
    tmp_path: Path, processes: list[ServiceProcess]
) -> None:
    db, port = tmp_path / "chats.db", _free_port()
    processes.append(ServiceProcess(db, port))
    first = processes[0]
    async with (
        httpx2.AsyncClient(base_url=first.base_url) as http,
        AsyncControlClient(first.base_url + "/emulator/v1") as control,
    ):
        guest = Guest(http, (await http.post(API, json=create_body())).json())
        stream = await guest.connect()
        await stream.wait_for(lambda f: is_message(f, "member-join", sender=guest.member_id))
        agent = await control.join_agent(guest.id, "Alice")
        acknowledged = []
        for n in range(20):
            response = await guest.send(f"message {n}")
            assert response.status_code == 200
            acknowledged.append(response.json()["id"])
        acknowledged.append((await control.send(guest.id, agent["id"], "agent says hi"))["id"])
        first.kill()
        await stream.closed()

    second = ServiceProcess(db, port)
    processes.append(second)
    async with (
        httpx2.AsyncClient(base_url=second.base_url) as http,
        AsyncControlClient(second.base_url + "/emulator/v1") as control,
    ):
        guest = Guest(http, guest.chat)  # same JWT: the signing key was persisted
        history = await guest.request("GET", "/messages")
        assert history.status_code == 200
        ids = [m["id"] for m in history.json()["entities"]]
        assert all(mid in ids for mid in acknowledged)
        members = (await guest.request("GET", "/members")).json()["entities"]
        states = {m["id"]: m["state"] for m in members}
        assert states[guest.member_id] == "CONNECTED"
        assert states[agent["id"]] == "CONNECTED"

        stream = await guest.connect()
        after = await guest.send("after the restart")
        assert after.status_code == 200
        await stream.wait_for(lambda f: is_message(f, "standard", body="after the restart"))
        await control.send(guest.id, agent["id"], "still here")
        await stream.wait_for(lambda f: is_message(f, "standard", sender=agent["id"]))
        await control.leave(guest.id, agent["id"], end=True)
        await stream.wait_for(lambda f: is_change(f, guest.member_id, "DISCONNECTED"))
        await stream.close()
    assert second.terminate() == 0


async def _echo_replies(guest: Guest, count: int) -> list[str]:
    """The echo agent's replies in the history, once there are ``count`` of them."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while True:
        history = (await guest.request("GET", "/messages")).json()["entities"]
        replies = [
            m["body"]
            for m in history
            if m["sender"]["id"] != guest.member_id and m["body"].startswith("You said: ")
        ]
        if len(replies) >= count or loop.time() > deadline:
            return replies
        await asyncio.sleep(0.05)


async def test_echo_agent_answers_after_a_restart_what_it_had_not_answered(
    tmp_path: Path, processes: list[ServiceProcess]
) -> None:
    db, port = tmp_path / "chats.db", _free_port()
    # The bot would take a minute to answer: everything is still unanswered at the kill.
    slow = ("--agent", "echo", "--agent-join-delay", "0", "--agent-reply-delay", "60")
    fast = ("--agent", "echo", "--agent-reply-delay", "0.01")
    first = ServiceProcess(db, port, *slow)
    processes.append(first)
    async with httpx2.AsyncClient(base_url=first.base_url) as http:
        guest = Guest(http, (await http.post(API, json=create_body())).json())
        stream, _ = await guest.routed()
        for n in range(3):
            assert (await guest.send(f"question {n}")).status_code == 200
        first.kill()
        await stream.closed()

    second = ServiceProcess(db, port, *fast)
    processes.append(second)
    async with httpx2.AsyncClient(base_url=second.base_url) as http:
        guest = Guest(http, guest.chat)
        # The answers need no stream: the agent is still there and answers at once.
        assert await _echo_replies(guest, 3) == [f"You said: question {n}" for n in range(3)]
        second.kill()

    third = ServiceProcess(db, port, *fast)
    processes.append(third)
    async with httpx2.AsyncClient(base_url=third.base_url) as http:
        guest = Guest(http, guest.chat)
        stream = await guest.connect()
        assert (await guest.send("question 3")).status_code == 200
        # Answers come in order, so a repeated old answer would come before this one.
        await stream.wait_for(lambda f: is_message(f, body="You said: question 3"))
        replies = await _echo_replies(guest, 4)
        assert replies == [f"You said: question {n}" for n in range(4)]
        await stream.close()
    assert third.terminate() == 0


async def test_an_agent_alerted_before_a_sigkill_takes_the_chat_after_the_restart(
    tmp_path: Path, processes: list[ServiceProcess]
) -> None:
    db, port = tmp_path / "chats.db", _free_port()
    # The bot agent's invitation rings for a minute: the kill lands while it is ALERTING.
    ringing = ("--agent", "echo", "--agent-join-delay", "60")
    first = ServiceProcess(db, port, *ringing)
    processes.append(first)
    async with httpx2.AsyncClient(base_url=first.base_url) as http:
        guest = Guest(http, (await http.post(API, json=create_body())).json())
        stream = await guest.connect()
        # Frames go out only once committed: the ALERTING state is in the database.
        alerting = await stream.wait_for(lambda f: is_change(f, state="ALERTING"))
        agent_id = alerting["eventBody"]["member"]["id"]
        first.kill()
        await stream.closed()

    # Were routing to start over, an agent would join at once beside the alerted one.
    fast = ("--agent", "echo", "--agent-join-delay", "0", "--agent-reply-delay", "0.01")
    second = ServiceProcess(db, port, *fast)
    processes.append(second)
    async with httpx2.AsyncClient(base_url=second.base_url) as http:
        guest = Guest(http, guest.chat)
        stream = await guest.connect()
        assert (await guest.send("still there?")).status_code == 200
        answer = await stream.wait_for(lambda f: is_message(f, body="You said: still there?"))
        assert answer["eventBody"]["sender"]["id"] == agent_id
        members = (await guest.request("GET", "/members")).json()["entities"]
        assert [(m["id"], m["state"]) for m in members if m.get("role") == "AGENT"] == [
            (agent_id, "CONNECTED")
        ]
        assert [m["state"] for m in members if m.get("role") == "ACD"] == ["DISCONNECTED"]
        history = (await guest.request("GET", "/messages")).json()["entities"]
        joins = [m for m in history if m["bodyType"] == "member-join"]
        assert [m["sender"]["id"] for m in joins].count(agent_id) == 1
        await stream.close()
    assert second.terminate() == 0
