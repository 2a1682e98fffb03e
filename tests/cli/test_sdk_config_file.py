"""The user's SDK configuration file does not reach the CLI's output.

The file (``~/.genesyscloudpython-guest/config``) is for the user's own programs: a request log
it turns on must not flood ``guestchat``; ``--log-level`` and ``--debug`` show it when asked. A
broken file is told in one line, once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import RunCli, cli_env

REQUEST_LOG_MARK = "post_webchat_guest_conversations"
LOUD_CONFIG = """\
[logging]
log_level = trace
log_to_console = true
log_request_body = true
log_response_body = true
"""


def home_with_config(tmp_path: Path, text: str) -> dict[str, str]:
    folder = tmp_path / ".genesyscloudpython-guest"
    folder.mkdir()
    (folder / "config").write_text(text, encoding="utf-8")
    return cli_env(HOME=str(tmp_path), USERPROFILE=str(tmp_path))


@pytest.mark.parametrize(
    "command",
    [["demo", "--pace", "0"], ["chat"]],
)
def test_a_loud_config_file_does_not_flood_the_cli(
    command: list[str], run_cli: RunCli, tmp_path: Path
) -> None:
    result = run_cli(*command, input="hello\n", env=home_with_config(tmp_path, LOUD_CONFIG))
    assert result.returncode == 0, result.stderr
    assert REQUEST_LOG_MARK not in result.stdout + result.stderr
    assert result.stderr == ""


def test_a_loud_config_file_leaves_a_transcript_failure_one_line(
    run_cli: RunCli, tmp_path: Path, closed_port: int
) -> None:
    url = f"http://127.0.0.1:{closed_port}"
    env = home_with_config(tmp_path, LOUD_CONFIG)
    result = run_cli("transcript", "-e", url, "-c", "some-chat", "--jwt", "x.y.z", env=env)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"error: cannot reach {url}: connection refused"]


@pytest.mark.parametrize("asked", [["demo", "--log-level", "debug"], ["--debug", "demo"]])
def test_the_request_log_shows_when_asked(
    asked: list[str], run_cli: RunCli, tmp_path: Path
) -> None:
    result = run_cli(*asked, "--pace", "0", env=home_with_config(tmp_path, "[logging]\n"))
    assert result.returncode == 0, result.stderr
    assert REQUEST_LOG_MARK in result.stderr
    assert REQUEST_LOG_MARK not in result.stdout


@pytest.mark.parametrize(
    "text",
    [
        "[logging\nlog_level = trace\n",
        "log_level = trace\n",
        "[logging]\nlog_level\n",
        "[logging]\nlog_level = loud\n",
        "[logging]\nlog_level = trace\nlog_level = none\n",
        '{"logging": [',
    ],
)
def test_a_broken_config_file_is_one_line_once(text: str, run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("demo", "--pace", "0", env=home_with_config(tmp_path, text))
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "config" in lines[0] and "not valid" in lines[0]
    assert "<string>" not in lines[0] and "\\n" not in lines[0]
