"""A command imports what it needs, not what the other commands need: each ``guestchat`` run is
a fresh interpreter, so whatever it imports is start-up time."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import BOUND, cli_env

LOADED_AFTER = """
import json, runpy, sys
sys.argv = ["guestchat", *sys.argv[1:]]
try:
    runpy.run_module("purecloud_guest_chat_client.cli", run_name="__main__", alter_sys=True)
except SystemExit:
    pass
print(json.dumps([name for name in sys.modules if name.startswith("purecloud_guest_chat_client.")]))
"""


def loaded_by(*args: str) -> set[str]:
    finished = subprocess.run(
        [sys.executable, "-c", LOADED_AFTER, *args],
        capture_output=True, text=True, timeout=BOUND, env=cli_env(), check=True,
    )  # fmt: skip
    return set(json.loads(finished.stdout.splitlines()[-1]))


CHATTING = {
    "purecloud_guest_chat_client.session",
    "purecloud_guest_chat_client.webmessaging",
    "purecloud_guest_chat_client.cli.chat",
    "purecloud_guest_chat_client.cli.demo",
    "purecloud_guest_chat_client.cli.load",
}


@pytest.mark.parametrize("args", [["serve", "--help"], ["--version"]])
def test_a_command_that_holds_no_chat_loads_no_chat_client(args: list[str]) -> None:
    assert not loaded_by(*args) & CHATTING


def test_the_root_help_loads_every_command_to_list_them() -> None:
    loaded = loaded_by("--help")
    for module in ("chat", "demo", "load", "serve", "transcript"):
        assert f"purecloud_guest_chat_client.cli.{module}" in loaded
