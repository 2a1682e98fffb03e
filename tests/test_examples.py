"""Every script in examples/ runs as it is, against an embedded local service and against a
default ``guestchat serve``, and says so; a failure is one line."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
BOUND = 120.0
"""Seconds an example may run before the test gives up; a bound, not a speed assertion."""

# What each example prints when it has done its job. An example not listed here must still exit 0
# and print something.
EXPECTED = {
    "creating_a_chat.py": "Agent says: You said: Hello from the Python guest",
    "logging_configuration.py": "The guest's JWT appears nowhere in the log.",
    "config_file.py": "file edited: log level is now trace",
    "environments.py": "eu_west_1 -> https://api.mypurecloud.ie",
    "making_requests.py": "Message sent:",
    "extended_responses.py": "call_extended: 200",
    "proxy.py": "proxied: POST /api/v2/webchat/guest/conversations -> 200",
    "error_responses.py": "NotFoundError: status 404",
    "bot_guest.py": "Chat ended (guest-left)",
    "resume_chat.py": "Missed while away: ",
}
ARGUMENTS: dict[str, list[str]] = {}
AGAINST_SERVE = {
    **EXPECTED,
    # The echo agent repeats the bot's question, which the bot cannot answer: it says goodbye.
    "bot_guest.py": "Bot: Sorry, I am a bot and cannot answer that. Goodbye!",
    # One step per run: the first saves the state, the second resumes (see below).
    "resume_chat.py": "State saved to ",
}


def _scripts() -> list[str]:
    return sorted(path.name for path in EXAMPLES.glob("*.py") if not path.name.startswith("_"))


def _environment(home: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("GUESTCHAT_")}
    # Keep the examples away from the user's own SDK configuration file.
    env.update({"HOME": str(home), "USERPROFILE": str(home), "NO_COLOR": "1"})
    return env


def _run(script: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        capture_output=True,
        text=True,
        timeout=BOUND,
        cwd=cwd,
        env=_environment(cwd),
        check=False,
    )


def _succeeded(script: str, result: subprocess.CompletedProcess[str], expected: str) -> None:
    assert result.returncode == 0, f"{script} failed:\n{result.stdout}\n{result.stderr}"
    assert expected in result.stdout, result.stdout
    assert "Traceback" not in result.stderr


def test_every_section_of_the_guide_has_an_example() -> None:
    assert set(EXPECTED) <= set(_scripts())


@pytest.mark.parametrize("script", _scripts())
def test_example_runs(script: str, tmp_path: Path) -> None:
    result = _run(script, *ARGUMENTS.get(script, []), cwd=tmp_path)
    assert result.stdout.strip(), f"{script} printed nothing"
    _succeeded(script, result, EXPECTED.get(script, ""))


@pytest.fixture(scope="module")
def default_serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``guestchat serve`` with its defaults (echo agent, 30 s heartbeat), on a free port."""
    home = tmp_path_factory.mktemp("serve")
    server = subprocess.Popen(
        [sys.executable, "-m", "purecloud_guest_chat_client.cli", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=_environment(home),
    )
    try:
        assert server.stdout is not None
        for line in server.stdout:
            found = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
            if found:
                yield found.group(1)
                break
        else:
            pytest.fail("guestchat serve never said where it listens")
    finally:
        server.terminate()
        server.wait(timeout=BOUND)


@pytest.mark.parametrize("script", _scripts())
def test_example_runs_against_a_default_serve(
    script: str, default_serve: str, tmp_path: Path
) -> None:
    result = _run(script, "--environment", default_serve, cwd=tmp_path)
    _succeeded(script, result, AGAINST_SERVE.get(script, ""))
    if script == "resume_chat.py":
        state = tmp_path / "guest-chat-state.json"
        assert f"State saved to {state}" in result.stdout
        assert state.stat().st_mode & 0o777 == 0o600
        resumed = _run(script, "--environment", default_serve, cwd=tmp_path)
        _succeeded(script, resumed, "Missed while away: nothing")
        assert "Agent: You said: I am back." in resumed.stdout
        assert not state.exists(), "the JWT-bearing state file was left behind"


@pytest.mark.parametrize("script", ["creating_a_chat.py", "bot_guest.py", "resume_chat.py"])
def test_an_unreachable_server_is_one_line(script: str, tmp_path: Path) -> None:
    with socket.socket() as probe:  # a free port, released: nothing listens there
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    result = _run(script, "--environment", url, cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert url in lines[0]
