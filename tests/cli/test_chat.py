"""``guestchat chat`` driven like a person at a terminal, and fed from a pipe like a script."""

from __future__ import annotations

import asyncio
import logging
import re
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import pexpect
import pytest
from pexpect.popen_spawn import PopenSpawn

from purecloud_guest_chat_client.emulator import ControlClient, LocalService
from purecloud_guest_chat_client.session import ChatState, GuestChat

from .conftest import COMMAND, RunCli, cli_env, sigint_as_at_a_terminal

BOUND = 60.0
"""pexpect's timeout: a bound on waiting, never an assertion about speed."""


def spawn_chat(*args: str, cwd: Path) -> pexpect.spawn:
    env = cli_env(TERM="xterm", PROMPT_TOOLKIT_NO_CPR="1")
    child = pexpect.spawn(
        COMMAND[0],
        [*COMMAND[1:], "chat", *args],
        env=env,
        cwd=str(cwd),
        encoding="utf-8",
        timeout=BOUND,
        dimensions=(40, 160),
    )
    child.logfile_read = sys.stdout
    return child


def test_chat_in_a_terminal(tmp_path: Path) -> None:
    child = spawn_chat("--name", "Terminal Tester", "--field", "orderNumber=4711", cwd=tmp_path)
    try:
        child.expect("joined the chat")
        child.expect("you>")
        child.sendline("hello from the terminal")
        child.expect("You said: hello from the terminal")

        child.sendline("/help")
        child.expect("/transcript")

        child.sendline("/transcript chat.md")
        child.expect(r"Transcript written to chat\.md")
        transcript = (tmp_path / "chat.md").read_text(encoding="utf-8")
        assert "**Terminal Tester** (customer): hello from the terminal" in transcript
        assert "You said: hello from the terminal" in transcript

        child.sendline("/transcript")
        child.expect("Terminal Tester")

        child.sendline("/quit")
        child.expect("You left the chat")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0


@pytest.mark.parametrize(("key", "status"), [("d", 0), ("c", 130)])
def test_ctrl_d_and_ctrl_c_leave_cleanly(key: str, status: int, tmp_path: Path) -> None:
    child = spawn_chat(cwd=tmp_path)
    try:
        child.expect("you>")
        child.sendcontrol(key)
        child.expect("You left the chat")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    # Ctrl-C leaves as Ctrl-D does, and tells the shell it was interrupted, as demo and load do.
    assert child.exitstatus == status


TYPING_PATH = re.compile(r"POST /api/v2/webchat/guest/conversations/\S+/typing")


def typing_requests(caplog: pytest.LogCaptureFixture) -> int:
    return sum(1 for record in caplog.records if TYPING_PATH.search(record.getMessage()))


def test_own_lines_carry_a_time_and_commands_send_no_typing(
    service: LocalService, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.INFO, logger="purecloud_guest_chat_client.emulator.requests")
    child = spawn_chat("--environment", service.base_url, "--name", "Ada", cwd=tmp_path)
    try:
        child.expect("joined the chat")
        child.expect("you>")
        for command in ("/help", "/transcript", "/no-such-command"):
            child.sendline(command)
            child.expect("you>")
        child.sendline("/transcript")
        child.expect("Ada joined the chat")
        assert typing_requests(caplog) == 0
        child.sendline("a real message")
        styled = r"(?:\x1b\[[0-9;]*m)*"  # bold and dim stay without colour
        child.expect(rf"\d\d:\d\d:\d\d{styled} {styled}Ada{styled}: a real message")
        child.expect("You said: a real message")
        assert typing_requests(caplog) >= 1
        child.sendline("/quit")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0


async def test_save_state_and_slash_state_give_the_chat_to_other_tools(
    service: LocalService, run_cli: RunCli, tmp_path: Path
) -> None:
    saved = tmp_path / "chat-state.json"
    child = spawn_chat("--environment", service.base_url, "--save-state", str(saved), cwd=tmp_path)
    try:
        child.expect(f"State saved to {re.escape(str(saved))}")
        child.expect("joined the chat")
        child.sendline("hello from the terminal")
        child.expect("You said: hello from the terminal")
        assert saved.stat().st_mode & 0o777 == 0o600
        state = ChatState.from_json(saved.read_text(encoding="utf-8"))

        exported = await asyncio.to_thread(run_cli, "transcript", "--state", str(saved))
        assert exported.returncode == 0, exported.stderr
        assert "hello from the terminal" in exported.stdout

        async with await GuestChat.resume(state) as resumed:
            bodies = [message.body for message in await resumed.history()]
            assert "You said: hello from the terminal" in bodies

        other = tmp_path / "other.json"
        other.write_text("", encoding="utf-8")
        other.chmod(0o644)
        child.sendline(f"/state {other}")
        child.expect(f"State saved to {re.escape(str(other))}")
        assert other.stat().st_mode & 0o777 == 0o600
        assert ChatState.from_json(other.read_text(encoding="utf-8")).jwt == state.jwt

        child.sendline("/quit")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    # Written again at the end, with the last message the terminal received.
    assert ChatState.from_json(saved.read_text(encoding="utf-8")).last_message_id


def test_chat_sees_typing_a_transfer_and_the_end(
    service_factory: Callable[..., LocalService], tmp_path: Path
) -> None:
    service = service_factory(agent="manual")
    control = ControlClient(service.control_url)
    child = spawn_chat("--environment", service.base_url, cwd=tmp_path)
    try:
        child.expect(r"chat ([0-9a-f-]{36}) started")
        conversation = child.match.group(1)
        ada = control.join_agent(conversation, display_name="Ada")
        child.expect("Ada joined the chat")
        control.typing(conversation, ada["id"])
        child.expect("Ada is typing")
        control.send(conversation, ada["id"], "Let me pass you to billing")
        child.expect("Let me pass you to billing")
        bob = control.transfer(conversation, display_name="Bob")
        child.expect(re.escape("transferred from Ada to Bob"))
        control.leave(conversation, bob["id"], end=True)
        child.expect("chat ended: the agent ended the chat")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0


def test_piped_input_sends_each_line_and_waits_for_answers(run_cli: RunCli) -> None:
    result = run_cli("chat", "--name", "Script", input="first line\nsecond line\n")
    assert result.returncode == 0, result.stderr
    assert "You said: first line" in result.stdout
    assert "You said: second line" in result.stdout
    assert "You left the chat" in result.stdout


def test_ctrl_c_with_piped_input_leaves_cleanly(tmp_path: Path) -> None:
    # Standard input is a pipe that stays open: the chat waits for a line when Ctrl-C comes.
    child = PopenSpawn(
        [*COMMAND, "chat"],
        env=cli_env(),
        cwd=str(tmp_path),
        encoding="utf-8",
        timeout=BOUND,
        preexec_fn=sigint_as_at_a_terminal,
    )
    child.logfile_read = sys.stdout
    child.sendline("hello from a pipe")
    child.expect("You said: hello from a pipe")
    child.kill(signal.SIGINT)
    child.expect("You left the chat")
    child.expect(pexpect.EOF)
    assert child.wait() == 130


def test_chat_shows_a_dropped_connection_and_its_recovery(
    service: LocalService, control: ControlClient, tmp_path: Path
) -> None:
    child = spawn_chat("--environment", service.base_url, cwd=tmp_path)
    try:
        child.expect(r"chat ([0-9a-f-]{36}) started")
        conversation = child.match.group(1)
        child.expect("joined the chat")
        control.set_faults(dropStreams={"conversationId": conversation})
        child.expect("connection lost")
        child.expect("reconnected")
        child.expect("you>")
        child.sendline("still there?")
        child.expect("You said: still there\\?")
        child.sendline("/quit")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
