"""Running ``guestchat`` the way a user does: in a subprocess, with the real entry point."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable

import pytest

COMMAND = [sys.executable, "-m", "purecloud_guest_chat_client.cli"]
BOUND = 90.0
"""Seconds a subprocess may take before the test gives up; a bound, not a speed assertion."""


def cli_env(**extra: str) -> dict[str, str]:
    """The environment for a subprocess: no colour, no GUESTCHAT_* leaking in from outside."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("GUESTCHAT_")}
    env.update({"NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "200", **extra})
    return env


def sigint_as_at_a_terminal() -> None:
    """For ``preexec_fn``: Ctrl-C reaches the child even when the test runner ignores SIGINT
    (as parallel test workers do), since a Python started with SIGINT ignored keeps ignoring it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


RunCli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run_cli() -> RunCli:
    def run(
        *args: str, input: str | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*COMMAND, *args],
            input=input if input is not None else "",
            capture_output=True,
            text=True,
            timeout=BOUND,
            env=env or cli_env(),
            check=False,
        )

    return run


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on: bound once to get a free number, then released."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port
