"""The package root: a cheap import, and every advertised name resolves."""

from __future__ import annotations

import ast
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import purecloud_guest_chat_client as package
from purecloud_guest_chat_client import emulator, models

LAZY_PACKAGES = [package, emulator, models]

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
    # Of the models only the wire facts, plain constants that the redaction and the operations
    # are written with, load before a call.
    models = [name for name in modules if name.startswith("purecloud_guest_chat_client.models.")]
    assert models == ["purecloud_guest_chat_client.models.protocol"]
    assert not [name for name in modules if name.startswith("pydantic.main")]
    assert not [name for name in modules if name.split(".")[0] in ("asyncio", "configparser")]
    assert "watchfiles" not in modules


def _type_checking_names(module: ModuleType) -> set[str]:
    """The names the module imports under ``if TYPE_CHECKING:``, which the type checker sees."""
    tree = ast.parse(inspect.getsource(module))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for statement in node.body:
                assert isinstance(statement, ast.ImportFrom), ast.unparse(statement)
                for alias in statement.names:
                    # `X as X` is what marks a name as re-exported under mypy --strict.
                    assert alias.asname == alias.name, ast.unparse(statement)
                    names.add(alias.name)
    return names


@pytest.mark.parametrize("module", LAZY_PACKAGES, ids=lambda module: module.__name__)
def test_type_checking_names_lazy_table_and_all_agree(module: ModuleType) -> None:
    lazy_table = set(module._LAZY.table)
    assert _type_checking_names(module) == lazy_table
    defined_here = set(module.__all__) - lazy_table
    assert all(name in vars(module) for name in defined_here), defined_here
    assert sorted(module.__all__) == sorted(lazy_table | defined_here)
    assert len(module.__all__) == len(set(module.__all__))


@pytest.mark.parametrize(
    ("module", "name"),
    [(module, name) for module in LAZY_PACKAGES for name in module.__all__],
    ids=lambda value: value.__name__ if isinstance(value, ModuleType) else value,
)
def test_every_exported_name_resolves(module: ModuleType, name: str) -> None:
    value = getattr(module, name)
    assert value is not None
    home = module._LAZY.table.get(name)
    if home == name:
        assert isinstance(value, ModuleType)
        assert value.__name__ == f"{module.__name__}.{name}"
    elif home is not None and not hasattr(value, "__origin__"):  # a type alias has typing's name
        assert getattr(value, "__name__", name) == name
    assert name in dir(module)


@pytest.mark.parametrize("module", LAZY_PACKAGES, ids=lambda module: module.__name__)
def test_unknown_attribute_names_itself(module: ModuleType) -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        module.no_such_thing  # noqa: B018
