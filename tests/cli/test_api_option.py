"""``--api`` on ``demo``, ``chat`` and ``transcript``: the guest API a command speaks."""

from __future__ import annotations

import json
from pathlib import Path

from purecloud_guest_chat_client.emulator import LocalService

from .conftest import RunCli


def test_demo_over_guest_chat_named_explicitly(run_cli: RunCli) -> None:
    result = run_cli("demo", "--api", "guest-chat", "--pace", "0.05")
    assert result.returncode == 0, result.stderr
    assert "You said: The order number is 4711." in result.stdout
    assert "chat ended: you left the chat" in result.stdout
    assert "Try guestchat chat to talk to the echo agent yourself." in result.stdout


def test_an_unknown_api_is_refused_by_name(run_cli: RunCli) -> None:
    for command in ("demo", "chat", "transcript"):
        result = run_cli(command, "--api", "carrier-pigeon")
        assert result.returncode == 2, (command, result.stdout, result.stderr)
        assert "--api" in result.stderr and "carrier-pigeon" in result.stderr, command


def test_chat_over_guest_chat_with_piped_input(run_cli: RunCli, service: LocalService) -> None:
    result = run_cli(
        "chat", "--api", "GUEST-CHAT", "-e", service.base_url, "--reply-wait", "20", input="hi\n"
    )
    assert result.returncode == 0, result.stderr
    assert "over Guest Chat" in result.stdout
    assert "You said: hi" in result.stdout


def test_transcript_refuses_a_state_of_the_other_api(run_cli: RunCli, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"api": "web-messaging", "token": "t"}), encoding="utf-8")
    result = run_cli("transcript", "--api", "guest-chat", "--state", str(state))
    assert result.returncode == 1, result.stderr
    assert "holds a web-messaging chat, not a guest-chat one" in result.stderr


def test_transcript_refuses_a_state_of_no_known_api(run_cli: RunCli, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"api": "carrier-pigeon"}), encoding="utf-8")
    result = run_cli("transcript", "--state", str(state))
    assert result.returncode == 1, result.stderr
    assert "'carrier-pigeon' is not one of guest-chat, web-messaging" in result.stderr
    assert "Traceback" not in result.stderr
