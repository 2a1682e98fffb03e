"""Ctrl-C behaves the same in ``demo``, ``load`` and ``chat``: every guest the command holds
leaves its chat (the agent side sees it go), and the command exits with status 130."""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pexpect
import pytest
from pexpect.popen_spawn import PopenSpawn

from purecloud_guest_chat_client.emulator import ControlClient, LocalService

from .conftest import BOUND, COMMAND, cli_env, sigint_as_at_a_terminal

EXIT_INTERRUPTED = 130


def guests_connected(control: ControlClient, count: int) -> list[str]:
    """Wait until ``count`` chats have their guest CONNECTED; their conversation ids."""
    deadline = time.monotonic() + BOUND
    while time.monotonic() < deadline:
        connected = [
            conversation["id"]
            for conversation in control.conversations()
            if guest_state(conversation) == "CONNECTED"
        ]
        if len(connected) >= count:
            return connected
        time.sleep(0.05)
    pytest.fail(f"{count} guests never connected")


def guest_state(conversation: dict[str, object]) -> object:
    members = conversation.get("members")
    assert isinstance(members, list)
    guest = conversation.get("guestMemberId")
    return next((member.get("state") for member in members if member.get("id") == guest), None)


@pytest.mark.parametrize(
    ("args", "guests"),
    [
        (["demo", "--pace", "0"], 1),
        (["load", "-n", "3", "-c", "3", "-m", "1"], 3),
        (["chat"], 1),
    ],
)
def test_ctrl_c_makes_every_guest_leave_and_exits_130(
    args: list[str],
    guests: int,
    service_factory: Callable[..., LocalService],
    tmp_path: Path,
) -> None:
    # No agent ever joins, so each command is still waiting when Ctrl-C comes.
    service = service_factory(agent="manual")
    with ControlClient(service.control_url) as control:
        child = PopenSpawn(
            [*COMMAND, *args, "--environment", service.base_url],
            env=cli_env(),
            cwd=str(tmp_path),
            encoding="utf-8",
            timeout=BOUND,
            preexec_fn=sigint_as_at_a_terminal,
        )
        child.logfile_read = sys.stdout
        if args[0] == "chat":
            child.sendline("hello, anyone?")  # piped input that stays open
        conversations = guests_connected(control, guests)
        # Ctrl-C once the command says it holds the chat (not while the chat is being created).
        child.expect(
            {"demo": "Waiting for an agent", "chat": "waiting for an agent"}.get(args[0], "against")
        )
        child.kill(signal.SIGINT)
        child.expect(pexpect.EOF)
        assert child.wait() == EXIT_INTERRUPTED
        for conversation_id in conversations:
            assert guest_state(control.conversation(conversation_id)) == "DISCONNECTED"
    assert "Traceback" not in (child.before or "")
