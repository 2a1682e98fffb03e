"""The package root: a cheap import, and every advertised name resolves."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import purecloud_guest_chat_client as package

PROBE = """
import json, sys, threading
import purecloud_guest_chat_client
print(json.dumps({"modules": sorted(sys.modules), "threads": threading.active_count()}))
"""


def test_import_loads_no_server_cli_watcher_or_network_code() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = json.loads(result.stdout)
    modules: list[str] = loaded["modules"]
    heavy = ("starlette", "uvicorn", "watchfiles", "typer", "rich", "httpx2", "websockets")
    own = ("purecloud_guest_chat_client.emulator", "purecloud_guest_chat_client.cli")
    assert not [name for name in modules if name.split(".")[0] in heavy]
    assert not [name for name in modules if name.startswith(own)]
    assert loaded["threads"] == 1


FIRST_USE_PROBE = """
import json, sys
import purecloud_guest_chat_client as gc
client = gc.ApiClient()
api = gc.WebChatApi(client)
loaded = sorted(sys.modules)
client.close()
print(json.dumps(loaded))
"""


def test_a_client_and_its_api_load_only_what_a_call_needs(tmp_path: Path) -> None:
    # The models and the asyncio machinery load on the first call that needs them; the file
    # watcher once there is a configuration directory to watch; the INI parser once there is
    # a file to read.
    env = {**os.environ, "HOME": str(tmp_path), "USERPROFILE": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", FIRST_USE_PROBE],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env=env,
    )
    modules: list[str] = json.loads(result.stdout)
    assert "purecloud_guest_chat_client.apis.web_chat_api" in modules
    assert not [name for name in modules if name.startswith("purecloud_guest_chat_client.models.")]
    assert not [name for name in modules if name.startswith("pydantic.main")]
    assert not [name for name in modules if name.split(".")[0] in ("asyncio", "configparser")]
    assert "watchfiles" not in modules


@pytest.mark.parametrize("name", package.__all__)
def test_every_exported_name_resolves(name: str) -> None:
    assert getattr(package, name) is not None


def test_unknown_attribute_names_itself() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        package.no_such_thing  # noqa: B018
