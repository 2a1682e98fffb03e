"""The configuration file, as in the JS README: INI or JSON, read at start and live-reloaded.

The SDK reads ``~/.genesyscloudpython-guest/config`` by default, or the file given to
``client.config.set_config_path()``. This example writes its own file in a temporary folder: INI
first, pointing the client at the server; then it edits the file the way editors save (a new file
renamed over the old one) and watches the change arrive; then it switches to the JSON form.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _target import CREATE_CHAT_BODY, environment, parse_args, run

import purecloud_guest_chat_client as platform_client

RELOAD_BOUND = 15.0
"""Seconds to wait for a live reload before giving up; a bound, not an expected delay."""

INI = """\
[logging]
log_level = {level}
log_format = text
log_to_console = false
log_file_path = {log_file}
log_response_body = false
log_request_body = false

[general]
live_reload_config = true
host = {host}
"""


def save_atomically(path: Path, text: str) -> None:
    """Write a new file and rename it over the old one, as most editors do."""
    scratch = path.with_name(path.name + ".tmp")
    scratch.write_text(text, encoding="utf-8")
    os.replace(scratch, path)


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + RELOAD_BOUND
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"the live reload did not apply {what}")
        time.sleep(0.05)


def main() -> None:
    args = parse_args(__doc__ or "")
    with tempfile.TemporaryDirectory() as folder, environment(args.environment) as env:
        config = Path(folder) / "config"
        log_file = Path(folder) / "guestsdk.log"
        save_atomically(config, INI.format(level="none", log_file=log_file, host=env))

        client = platform_client.ApiClient()
        client.config.set_config_path(config)
        print(f"INI read: host {client.base_path}, log level {client.config.logger.log_level}")
        web_chat_api = platform_client.WebChatApi(client)
        chat_info = web_chat_api.post_webchat_guest_conversations(CREATE_CHAT_BODY)
        print(f"created chat {chat_info.id} at the configured host")

        # Live reload: turn request logging on by editing the file while the client runs.
        save_atomically(config, INI.format(level="trace", log_file=log_file, host=env))
        wait_until(lambda: client.config.logger.log_level == "trace", "log_level = trace")
        print(f"file edited: log level is now {client.config.logger.log_level}")
        client.set_jwt(chat_info.jwt)
        web_chat_api.get_webchat_guest_conversation_members(chat_info.id)
        logged = log_file.read_text(encoding="utf-8").splitlines()
        print(f"the request went to the log file: {logged[-1][:100]}")

        # The same settings as JSON.
        json_config = Path(folder) / "config.json"
        json_config.write_text(
            json.dumps(
                {
                    "logging": {"log_level": "error", "log_to_console": False},
                    "general": {"live_reload_config": False, "host": env},
                }
            ),
            encoding="utf-8",
        )
        client.config.set_config_path(json_config)
        print(
            f"JSON read: log level {client.config.logger.log_level}, "
            f"live reload {client.config.live_reload_config}"
        )
        client.close()


if __name__ == "__main__":
    run(main)
