"""The behaviour every command shares: version, help, usage errors, one-line failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from purecloud_guest_chat_client import __version__

from ..sdk._local_http import Canned, canned_server
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


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["demo", "--no-such-flag"], "No such option: --no-such-flag"),
        (["serve", "--port", "99999"], "--port"),
        (["chat", "--field", "no-equals-sign"], "key=value"),
        (["serve", "--agent", "robot"], "--agent"),
        (["serve", "--agent", "script:no-such-file.toml"], "no-such-file.toml"),
        (["load", "--guests"], "--guests"),
        (["no-such-command"], "no-such-command"),
    ],
)
def test_usage_errors_are_one_line_with_exit_2(
    args: list[str], named: str, run_cli: RunCli
) -> None:
    result = run_cli(*args)
    assert result.returncode == 2, result.stderr
    assert named in assert_one_line_error(result.stderr)
    assert result.stdout == ""


@pytest.mark.parametrize("command", ["demo", "chat", "load", "transcript"])
@pytest.mark.parametrize("environment", ["not a server", "ftp://127.0.0.1", "http://", " "])
def test_invalid_environment_is_refused_before_anything_is_printed(
    command: str, environment: str, run_cli: RunCli
) -> None:
    result = run_cli(command, "--environment", environment)
    assert result.returncode == 2, result.stderr
    assert "--environment" in assert_one_line_error(result.stderr)
    assert result.stdout == ""


def test_a_database_file_that_is_not_sqlite_is_named(run_cli: RunCli, tmp_path: Path) -> None:
    not_a_database = tmp_path / "notadb.sqlite"
    not_a_database.write_text("these are my notes, not a database\n", encoding="utf-8")
    result = run_cli("serve", "--port", "0", "--db", str(not_a_database))
    assert result.returncode == 1
    line = assert_one_line_error(result.stderr)
    assert str(not_a_database) in line and "not a database" in line


def test_transcript_help_claims_no_embedded_default(run_cli: RunCli) -> None:
    result = run_cli("transcript", "--help")
    assert result.returncode == 0
    assert "embedded" not in result.stdout
    assert "--state" in result.stdout


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


def test_a_proxy_that_refuses_the_call_is_named_as_the_proxy(
    run_cli: RunCli, closed_port: int
) -> None:
    url = f"http://127.0.0.1:{closed_port}"
    refusal = Canned(407, b"<html>Proxy Authentication Required</html>", "text/html")
    with canned_server(refusal) as (proxy_url, hits):
        result = run_cli("demo", "--environment", url, env=cli_env(HTTP_PROXY=proxy_url))
    assert hits and result.returncode == 1
    line = assert_one_line_error(result.stderr)
    assert "proxy" in line and "407" in line and "cannot reach" not in line, line


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
