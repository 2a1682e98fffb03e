"""A plain install (no extras) tells which extra to install, in one line, and never crashes.

The extras are hidden from the import system (``sys.modules[name] = None`` makes importing them
fail as if they were not installed) in a fresh interpreter that then runs the real entry point.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import BOUND, cli_env
from .test_basics import assert_one_line_error

CLI_EXTRA = ("typer", "rich", "prompt_toolkit")
EMULATOR_EXTRA = ("starlette", "uvicorn", "jwt", "httptools")

RUN_HIDDEN = """
import runpy, sys
hidden, module, *argv = sys.argv[1:]
for name in hidden.split(","):
    sys.modules[name] = None
sys.argv = [module, *argv]
runpy.run_module(module, run_name="__main__", alter_sys=True)
"""


def run_without(
    hidden: tuple[str, ...], module: str, *args: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", RUN_HIDDEN, ",".join(hidden), module, *args],
        capture_output=True,
        text=True,
        timeout=BOUND,
        env=cli_env(),
        check=False,
    )


@pytest.mark.parametrize("hidden", [CLI_EXTRA, ("typer",), ("rich",)])
@pytest.mark.parametrize("command", [["demo"], ["chat"], ["serve"], ["--help"]])
def test_guestchat_without_the_cli_extra(hidden: tuple[str, ...], command: list[str]) -> None:
    result = run_without(hidden, "purecloud_guest_chat_client.cli", *command)
    assert result.returncode == 1
    line = assert_one_line_error(result.stderr)
    assert "pip install 'purecloud-guest-chat-client[cli]'" in line
    assert result.stdout == ""


@pytest.mark.parametrize("command", [["demo", "--pace", "0"], ["serve", "--port", "0"]])
def test_guestchat_without_the_emulator_extra(command: list[str]) -> None:
    result = run_without(EMULATOR_EXTRA, "purecloud_guest_chat_client.cli", *command)
    assert result.returncode == 1
    line = assert_one_line_error(result.stderr)
    assert "pip install 'purecloud-guest-chat-client[emulator]'" in line


def test_guestchat_against_a_server_needs_no_emulator_extra(closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}"
    result = run_without(EMULATOR_EXTRA, "purecloud_guest_chat_client.cli", "demo", "-e", url)
    assert assert_one_line_error(result.stderr) == f"error: cannot reach {url}: connection refused"


def test_python_dash_m_emulator_without_the_extra() -> None:
    result = run_without(EMULATOR_EXTRA, "purecloud_guest_chat_client.emulator", "--port", "0")
    assert result.returncode == 1
    line = assert_one_line_error(result.stderr)
    assert "pip install 'purecloud-guest-chat-client[emulator]'" in line


LOCAL_SERVICE_FROM_PYTHON = """
import sys
for name in sys.argv[1].split(","):
    sys.modules[name] = None
from purecloud_guest_chat_client.emulator import ControlClient, MissingExtraError
try:
    from purecloud_guest_chat_client.emulator import LocalService
except ImportError as exc:
    print(type(exc).__name__, isinstance(exc, MissingExtraError), exc)
"""


def test_local_service_from_python_raises_an_import_error_naming_the_extra() -> None:
    result = subprocess.run(
        [sys.executable, "-c", LOCAL_SERVICE_FROM_PYTHON, ",".join(EMULATOR_EXTRA)],
        capture_output=True,
        text=True,
        timeout=BOUND,
        env=cli_env(),
        check=True,
    )
    # The control client needs no extra; the service names the one it needs.
    assert result.stdout.startswith("MissingExtraError True ")
    assert "pip install 'purecloud-guest-chat-client[emulator]'" in result.stdout
