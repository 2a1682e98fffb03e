"""The behaviour every command shares: version, help, usage errors, one-line failures."""

from __future__ import annotations

import pytest

from purecloud_guest_chat_client import __version__

from .conftest import RunCli, cli_env


def assert_one_line_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.mark.parametrize("command", [[], ["demo"], ["chat"], ["serve"], ["transcript"], ["load"]])
def test_version(command: list[str], run_cli: RunCli) -> None:
    result = run_cli(*command, "--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"guestchat {__version__}"


def test_help_lists_the_commands(run_cli: RunCli) -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("demo", "chat", "serve", "transcript"):
        assert command in result.stdout


def test_serve_help_has_examples(run_cli: RunCli) -> None:
    result = run_cli("serve", "--help")
    assert result.returncode == 0
    assert "guestchat serve --port 0" in result.stdout
    assert "--heartbeat" in result.stdout


def test_unknown_option_is_a_usage_error(run_cli: RunCli) -> None:
    result = run_cli("demo", "--no-such-flag")
    assert result.returncode == 2
    assert "No such option" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_option_value_is_a_usage_error(run_cli: RunCli) -> None:
    result = run_cli("serve", "--port", "99999")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_bad_custom_field_is_a_usage_error(run_cli: RunCli) -> None:
    result = run_cli("chat", "--field", "no-equals-sign")
    assert result.returncode == 2
    assert "key=value" in result.stderr


def test_bad_agent_is_one_line(run_cli: RunCli) -> None:
    result = run_cli("serve", "--agent", "robot")
    assert result.returncode == 1
    line = assert_one_line_error(result.stderr)
    assert "--agent" in line


def test_unreachable_server_is_one_line(run_cli: RunCli, closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}"
    result = run_cli("demo", "--environment", url)
    assert result.returncode == 1
    line = assert_one_line_error(result.stderr)
    assert line == f"error: cannot reach {url}: connection refused"


def test_unreachable_server_from_the_environment_variable(
    run_cli: RunCli, closed_port: int
) -> None:
    url = f"http://127.0.0.1:{closed_port}"
    env = cli_env(GUESTCHAT_ENVIRONMENT=url, GUESTCHAT_JWT="x.y.z", GUESTCHAT_CONVERSATION="c")
    result = run_cli("transcript", env=env)
    assert result.returncode == 1
    assert assert_one_line_error(result.stderr) == f"error: cannot reach {url}: connection refused"


def test_debug_shows_the_traceback(run_cli: RunCli, closed_port: int) -> None:
    result = run_cli("--debug", "demo", "--environment", f"http://127.0.0.1:{closed_port}")
    assert result.returncode != 0
    assert "Traceback" in result.stderr


def test_transcript_without_credentials_names_what_is_missing(run_cli: RunCli) -> None:
    result = run_cli("transcript", "--environment", "http://127.0.0.1:1")
    assert result.returncode == 1
    line = assert_one_line_error(result.stderr)
    assert "--conversation" in line and "--jwt" in line


def test_empty_queue_is_reported_not_replaced(run_cli: RunCli) -> None:
    result = run_cli("demo", "--queue", "", "--pace", "0")
    assert result.returncode == 1
    assert "queue" in assert_one_line_error(result.stderr)
