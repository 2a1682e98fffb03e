"""``guestchat load`` runs several guests at once and reports on them."""

from __future__ import annotations

from purecloud_guest_chat_client.emulator import LocalService

from .conftest import RunCli


def test_load_against_the_embedded_service(run_cli: RunCli) -> None:
    result = run_cli("load", "--guests", "4", "--concurrency", "2", "--messages", "2")
    assert result.returncode == 0, result.stderr
    assert "4 of 4 guests completed" in result.stdout
    assert "8 replies" in result.stdout
    assert "reply round trip" in result.stdout


def test_load_reports_failures_and_exits_non_zero_when_all_fail(
    run_cli: RunCli, closed_port: int
) -> None:
    result = run_cli(
        "load", "--environment", f"http://127.0.0.1:{closed_port}", "--guests", "2", "-m", "1"
    )
    assert result.returncode == 1
    assert "0 of 2 guests completed" in result.stdout
    assert "2 failed: cannot reach" in result.stdout
    assert "Traceback" not in result.stderr


def test_load_against_a_given_server(run_cli: RunCli, service: LocalService) -> None:
    result = run_cli("load", "-e", service.base_url, "-n", "3", "-c", "3", "-m", "1")
    assert result.returncode == 0, result.stderr
    assert "3 of 3 guests completed" in result.stdout
