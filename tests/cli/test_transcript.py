"""``guestchat transcript`` exports a chat, every page of it, and fails in one line."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from purecloud_guest_chat_client.emulator import LocalService
from purecloud_guest_chat_client.session import GuestChat
from purecloud_guest_chat_client.stream.events import AgentJoined, MessageEvent

from .conftest import RunCli
from .test_basics import assert_one_line_error

BOUND = 30.0
LINES = ("first question", "second *question*", "third question")


async def _chat_with_replies(service: LocalService) -> GuestChat:
    chat = await GuestChat.start(
        "org-1", "dep-1", "Chat Queue", "Transcript Tester", environment=service.base_url
    )
    async with asyncio.timeout(BOUND):
        while not isinstance(await chat.next_event(), AgentJoined):
            pass
        for line in LINES:
            await chat.send(line)
            while True:
                event = await chat.next_event()
                if isinstance(event, MessageEvent) and event.sender.is_agent:
                    break
    return chat


async def test_markdown_and_json_with_paging(
    service: LocalService, run_cli: RunCli, tmp_path: Path
) -> None:
    chat = await _chat_with_replies(service)
    async with chat:
        state = tmp_path / "state.json"
        state.write_text(chat.state().to_json(), encoding="utf-8")

        markdown = await asyncio.to_thread(run_cli, "transcript", "--state", str(state))
        assert markdown.returncode == 0, markdown.stderr
        assert markdown.stdout.startswith(f"# Chat transcript {chat.conversation_id}")
        assert "**Transcript Tester** (customer): first question" in markdown.stdout
        assert "You said: first question" in markdown.stdout
        assert r"second \*question\*" in markdown.stdout

        output = tmp_path / "chat.json"
        exported = await asyncio.to_thread(
            run_cli,
            "transcript",
            "--environment",
            service.base_url,
            "--conversation",
            chat.conversation_id,
            "--jwt",
            chat.state().jwt,
            "--format",
            "json",
            "--page-size",
            "2",
            "--output",
            str(output),
        )
        assert exported.returncode == 0, exported.stderr
        assert chat.state().jwt not in exported.stdout + exported.stderr
        document = json.loads(output.read_text(encoding="utf-8"))
        bodies = [message["body"] for message in document["messages"]]
        ids = [message["id"] for message in document["messages"]]
        assert len(ids) == len(set(ids)), "paging repeated a message"
        for line in LINES:
            assert line in bodies
            assert f"You said: {line}" in bodies
        history = await chat.history()
        assert ids == [message.id for message in history]


async def test_forged_jwt_is_one_line_naming_401(service: LocalService, run_cli: RunCli) -> None:
    chat = await GuestChat.start(
        "org-1", "dep-1", "Chat Queue", "Victim", environment=service.base_url
    )
    async with chat:
        forged = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
        result = await asyncio.to_thread(
            run_cli,
            "transcript",
            "-e",
            service.base_url,
            "-c",
            chat.conversation_id,
            "--jwt",
            forged,
        )
    assert result.returncode == 1
    line = assert_one_line_error(result.stderr)
    assert "401" in line
    assert forged not in line


def test_unreadable_state_file_is_one_line(run_cli: RunCli, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text("{not json", encoding="utf-8")
    result = run_cli("transcript", "--state", str(state))
    assert result.returncode == 1
    assert "not valid JSON" in assert_one_line_error(result.stderr)
