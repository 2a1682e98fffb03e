"""``guestchat demo`` plays a whole chat to its transcript."""

from __future__ import annotations

from purecloud_guest_chat_client.emulator import LocalService

from .conftest import RunCli


def test_demo_plays_a_whole_chat_against_the_embedded_service(run_cli: RunCli) -> None:
    result = run_cli("demo", "--pace", "0.05")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[1/6]" in out and "[6/6]" in out
    assert "joined the chat" in out
    # The echo agent's reply, live and again in the printed transcript.
    assert out.count("You said: The order number is 4711.") >= 2
    assert "chat ended: you left the chat" in out
    assert "Try guestchat chat to talk to the echo agent yourself." in out
    assert "Traceback" not in result.stderr


def test_demo_against_a_given_server(run_cli: RunCli, service: LocalService) -> None:
    result = run_cli(
        "demo", "--environment", service.base_url, "--name", "Remote Guest", "--pace", "0.05"
    )
    assert result.returncode == 0, result.stderr
    assert f"Using the server at {service.base_url}" in result.stdout
    assert "Starting a local Guest Chat service" not in result.stdout
    assert "You said: Thank you, that is all I needed." in result.stdout
    # The hint to go on names that server, not the embedded echo agent.
    assert f"Try guestchat chat --environment {service.base_url} to chat on that server" in (
        result.stdout
    )
    assert "echo agent" not in result.stdout


def test_the_closing_hint_keeps_a_chosen_queue(run_cli: RunCli, service: LocalService) -> None:
    result = run_cli("demo", "-e", service.base_url, "--queue", "Billing Team", "--pace", "0")
    assert result.returncode == 0, result.stderr
    assert (
        f"Try guestchat chat --environment {service.base_url} --queue 'Billing Team'"
        in result.stdout
    )
