"""The configuration file and its live reload: in-place writes, atomic saves, bad files."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from purecloud_guest_chat_client import (
    ApiClient,
    AsyncApiClient,
    LDebug,
    LError,
    LTrace,
    _live_reload,
)
from purecloud_guest_chat_client._config_file import ConfigFileError, parse_config_text

from .conftest import wait_for

INI = """
[logging]
log_level = trace
log_format = json
log_to_console = false
log_file_path = {log}
log_response_body = false
log_request_body = false

[general]
live_reload_config = true
host = https://api.mypurecloud.ie
timeout = 5

[retry]
max_retries = 1
backoff_initial = 0.1
statuses = 429, 503
"""


def test_default_path_is_read_at_creation(isolated_home: Path, tmp_path: Path) -> None:
    config_dir = isolated_home / ".genesyscloudpython-guest"
    config_dir.mkdir()
    (config_dir / "config").write_text(INI.format(log=tmp_path / "x.log"))
    with ApiClient() as client:
        assert client.config.config_path == config_dir / "config"
        assert client.base_path == "https://api.mypurecloud.ie"
        assert client.timeout == 5
        assert client.retry.max_retries == 1 and client.retry.statuses == {429, 503}
        assert client.config.logger.log_level is LTrace
    with ApiClient("http://127.0.0.1:8080", timeout=2) as explicit:
        assert explicit.base_path == "http://127.0.0.1:8080" and explicit.timeout == 2


def test_json_file_with_the_seed_keys(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    data = {
        "logging": {"log_level": "debug", "log_format": "text", "log_to_console": False},
        "general": {"live_reload_config": False, "host": "http://127.0.0.1:9"},
    }
    path.write_text(json.dumps(data))
    with ApiClient() as client:
        client.config.set_config_path(path)
        assert client.config.logger.log_level is LDebug
        assert client.base_path == "http://127.0.0.1:9"
        assert client.config.live_reload_config is False
        assert path not in _live_reload.watching()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[logging]\nlog_level = loud\n", "log_level"),
        ("[general]\ntimeout = -1\n", "timeout"),
        ("[general]\nhost = not a host\n", "host"),
        ("[retry]\nmax_retries = -2\n", "max_retries"),
        ("[logging]\nlog_colour = red\n", "log_colour"),
        ("[logging\n", "INI"),
        ('{"logging": [1]}', "JSON"),
        ('{"logging": ', "JSON"),
    ],
)
def test_bad_content_names_the_problem(text: str, problem: str) -> None:
    with pytest.raises(ConfigFileError, match=problem):
        parse_config_text(text)


def test_set_config_path_validates() -> None:
    with ApiClient() as client:
        with pytest.raises(TypeError):
            client.config.set_config_path(3)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="directory"):
            client.config.set_config_path(Path.cwd())


def atomic_write(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def test_live_reload_follows_every_kind_of_save(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "later"
    path = folder / "config"
    client = ApiClient("http://127.0.0.1:9")
    client.config.set_config_path(path)
    logger = client.config.logger
    try:
        folder.mkdir()  # the directory and the file appear after the client started
        path.write_text("[logging]\nlog_level = debug\n")
        wait_for(lambda: logger.log_level is LDebug, "a file created after start")

        path.write_text("[logging]\nlog_level = trace\n[general]\ntimeout = 3\n")
        wait_for(lambda: logger.log_level is LTrace and client.timeout == 3, "an in-place write")

        atomic_write(path, '{"logging": {"log_level": "error"}, "retry": {"enabled": false}}')
        wait_for(lambda: logger.log_level is LError and not client.retry.enabled, "atomic save")

        path.unlink()
        path.write_text("[logging]\nlog_level = debug\n")
        wait_for(lambda: logger.log_level is LDebug, "a deleted and recreated file")

        with caplog.at_level(logging.WARNING, logger="purecloud_guest_chat_client"):
            path.write_text("[logging]\nlog_level = trace\n[general\n")
            wait_for(lambda: caplog.records, "the warning about the bad file")
            path.write_text("[general]\nhost = http://127.0.0.1:7\n")
            wait_for(lambda: client.base_path == "http://127.0.0.1:7", "the next good file")
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 1
        assert str(path) in warnings[0].getMessage() and "INI" in warnings[0].getMessage()
        assert logger.log_level is LDebug  # the bad file changed nothing
    finally:
        client.close()
    wait_for(lambda: path not in _live_reload.watching(), "the watcher to stop")


async def test_watcher_stops_with_the_last_client_and_when_disabled(tmp_path: Path) -> None:
    path = tmp_path / "config"
    first, second = AsyncApiClient(), AsyncApiClient()
    first.config.set_config_path(path)
    second.config.set_config_path(path)
    assert path in _live_reload.watching()
    await first.aclose()
    assert path in _live_reload.watching()
    second.config.live_reload_config = False
    wait_for(lambda: path not in _live_reload.watching(), "the watcher to stop")
    second.config.live_reload_config = True
    assert path in _live_reload.watching()
    await second.aclose()
    wait_for(lambda: path not in _live_reload.watching(), "the watcher to stop")


async def test_clients_made_with_jwt_share_the_configuration_and_its_edits(
    tmp_path: Path,
) -> None:
    path = tmp_path / "config"
    path.write_text("[general]\ntimeout = 5\n")
    parent = AsyncApiClient("http://127.0.0.1:9")
    parent.config.set_config_path(path)
    clone = parent.with_jwt("header.payload.signature")
    grandchild = clone.with_jwt(None)
    try:
        assert clone.config is parent.config and grandchild.config is parent.config
        assert clone.timeout == grandchild.timeout == 5
        path.write_text("[general]\ntimeout = 3\n[logging]\nlog_level = debug\n")
        wait_for(
            lambda: parent.timeout == clone.timeout == grandchild.timeout == 3,
            "the edit to reach every client",
        )
        assert clone.config.logger.log_level is LDebug
        await clone.aclose()
        await grandchild.aclose()
        assert path in _live_reload.watching(), "closing a clone leaves the parent's file watched"
        path.write_text("[general]\ntimeout = 4\n")
        wait_for(lambda: parent.timeout == 4, "the next edit")
        assert clone.timeout == 3
    finally:
        await parent.aclose()
    wait_for(lambda: path not in _live_reload.watching(), "the watcher to stop")


def test_import_is_cheap() -> None:
    code = (
        "import sys, threading, purecloud_guest_chat_client as p\n"
        "p.ApiClient; p.WebChatApi; p.LTrace\n"
        "bad = [m for m in sys.modules if m.startswith(('watchfiles', 'uvicorn', 'starlette'))"
        " or m.startswith(('purecloud_guest_chat_client.emulator',"
        " 'purecloud_guest_chat_client.cli'))]\n"
        "assert not bad, bad\n"
        "assert threading.active_count() == 1\n"
        "import httpx2\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    lazy = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, purecloud_guest_chat_client; print('httpx2' in sys.modules)",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    assert lazy.stdout.strip() == "False"
