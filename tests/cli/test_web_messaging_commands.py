"""``demo``, ``chat`` and ``transcript`` over Web Messaging, against the embedded service and a
given one."""

from __future__ import annotations

import asyncio
import json
import stat
from pathlib import Path

from purecloud_guest_chat_client.emulator import LocalService
from purecloud_guest_chat_client.session import WebMessagingChat
from purecloud_guest_chat_client.stream import MessageEvent

from .conftest import RunCli


def test_demo_plays_a_whole_chat_over_web_messaging(run_cli: RunCli) -> None:
    result = run_cli("demo", "--api", "web-messaging", "--pace", "0.05")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[1/8]" in out and "[8/8]" in out
    assert "Web Messaging session configured" in out
    assert "joined the chat" in out
    # The echo agent's reply, live and again in the transcript from the REST history.
    assert out.count("You said: The order number is 4711.") >= 2
    # Its structured-content convention: quick replies offered, the first one answered.
    assert "quick replies: Yes | No | Maybe" in out
    assert "Yes (quick reply)" in out and "You said: Yes" in out
    assert "Here is my receipt. [attachment: receipt.txt]" in out
    assert "You said: Here is my receipt." in out
    assert "chat ended: you left the chat" in out
    assert "Try guestchat chat --api web-messaging to talk to the echo agent yourself." in out
    assert "Traceback" not in result.stderr


def test_demo_over_web_messaging_against_a_given_server(
    run_cli: RunCli, service: LocalService
) -> None:
    result = run_cli("demo", "--api", "web-messaging", "-e", service.base_url, "--pace", "0")
    assert result.returncode == 0, result.stderr
    assert "You said: Thank you, that is all I needed." in result.stdout
    assert f"Try guestchat chat --api web-messaging --environment {service.base_url}" in (
        result.stdout
    )


def test_chat_over_web_messaging_saves_its_state_and_its_transcript(
    run_cli: RunCli, service: LocalService, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    transcript = tmp_path / "chat.json"
    result = run_cli(
        "chat",
        "--api",
        "web-messaging",
        "-e",
        service.base_url,
        "--save-state",
        str(state),
        "--reply-wait",
        "20",
        "--field",
        "orderNumber=4711",
        input=f"hello there\n/transcript {transcript}\n",
    )
    assert result.returncode == 0, result.stderr
    assert "over Web Messaging" in result.stdout
    assert "You said: hello there" in result.stdout
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    saved = json.loads(state.read_text(encoding="utf-8"))
    assert saved["api"] == "web-messaging"
    # The token is the session's credential: never printed.
    assert saved["token"] not in result.stdout + result.stderr
    document = json.loads(transcript.read_text(encoding="utf-8"))
    assert document["conversationId"] is None
    assert [message["body"] for message in document["messages"]][:2] == [
        "hello there",
        "You said: hello there",
    ]

    # Leaving cleared the conversation: the service keeps nothing to read.
    gone = run_cli("transcript", "--state", str(state))
    assert gone.returncode == 1
    assert "is gone (left, cleared or expired)" in gone.stderr
    assert saved["token"] not in gone.stdout + gone.stderr


def test_transcript_of_a_web_messaging_chat_from_its_state(
    run_cli: RunCli, service: LocalService, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"

    async def hold_a_chat() -> None:
        async with await WebMessagingChat.start("d-1", environment=service.base_url) as chat:
            await chat.send("hello there")
            async for event in chat.events():
                if isinstance(event, MessageEvent) and event.sender.is_agent:
                    break
            state.write_text(chat.state().to_json(), encoding="utf-8")

    asyncio.run(hold_a_chat())
    result = run_cli("transcript", "--state", str(state), "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["conversationId"] is None
    messages = document["messages"]
    assert [message["body"] for message in messages] == ["hello there", "You said: hello there"]
    assert [message["sender"]["role"] for message in messages] == ["CUSTOMER", "AGENT"]

    markdown = run_cli("transcript", "--api", "web-messaging", "--state", str(state))
    assert markdown.returncode == 0, markdown.stderr
    assert markdown.stdout.startswith("# Chat transcript\n")
    assert "You said: hello there" in markdown.stdout


def test_a_web_messaging_transcript_needs_a_state(run_cli: RunCli) -> None:
    result = run_cli("transcript", "--api", "web-messaging", "-c", "x", "--jwt", "y")
    assert result.returncode == 1
    assert "needs --state FILE" in result.stderr


def test_a_web_messaging_state_takes_no_guest_chat_credentials(
    run_cli: RunCli, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    state.write_text(
        json.dumps(
            {"api": "web-messaging", "deployment_id": "d", "environment": "e", "token": "t"}
        ),
        encoding="utf-8",
    )
    result = run_cli("transcript", "--state", str(state), "--jwt", "y")
    assert result.returncode == 1
    assert "--conversation and --jwt are Guest Chat's" in result.stderr


def test_chat_over_web_messaging_with_no_service_fails_in_one_line(
    run_cli: RunCli, closed_port: int
) -> None:
    result = run_cli(
        "chat", "--api", "web-messaging", "-e", f"http://127.0.0.1:{closed_port}", input="hi\n"
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip()


def test_the_web_messaging_commands_refuse_what_they_cannot_do(
    run_cli: RunCli, service: LocalService, tmp_path: Path
) -> None:
    program = tmp_path / "setup.exe"
    program.write_bytes(b"MZ")
    lines = f"/reply 1\n/attach {tmp_path / 'missing.txt'}\n/attach {program}\n/attach\n"
    result = run_cli("chat", "--api", "web-messaging", "-e", service.base_url, input=lines)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "the agent offered no quick replies" in out
    assert "cannot read" in out and "missing.txt" in out
    # A blocked extension is refused before anything is uploaded.
    refusal = next(line for line in out.splitlines() if line.startswith("not sent:"))
    assert "exe" in refusal
    assert "usage: /attach FILE" in out


def test_the_web_messaging_commands_are_not_for_guest_chat(
    run_cli: RunCli, service: LocalService
) -> None:
    result = run_cli("chat", "-e", service.base_url, input="/reply 1\n/attach x\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("is for Web Messaging chats (--api web-messaging)") == 2
