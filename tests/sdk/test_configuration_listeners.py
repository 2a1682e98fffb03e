"""A Configuration's listeners: each file edit reaches every client that follows it."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from purecloud_guest_chat_client import AsyncApiClient, Configuration
from purecloud_guest_chat_client._config_file import parse_config_text

from .conftest import wait_for

Changes = list[dict[tuple[str, str], Any]]


class Recorder:
    def __init__(self) -> None:
        self.changes: Changes = []

    def hear(self, changed: Mapping[tuple[str, str], Any]) -> None:
        self.changes.append(dict(changed))

    def timeouts(self) -> list[Any]:
        return [change[("general", "timeout")] for change in self.changes]


def _active_configuration(path: Path, owner: Recorder) -> Configuration:
    config = Configuration()
    config.set_config_path(path)
    config.activate(owner.hear)
    return config


def test_an_edit_reaches_every_listener_until_it_unsubscribes(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("[general]\ntimeout = 5\n")
    owner, follower = Recorder(), Recorder()
    config = _active_configuration(path, owner)
    try:
        assert owner.timeouts() == [5]
        config.subscribe(follower.hear)
        path.write_text("[general]\ntimeout = 3\n")
        wait_for(lambda: follower.timeouts() == [3], "the edit to reach the follower")
        assert owner.timeouts() == [5, 3]
        config.unsubscribe(follower.hear)
        path.write_text("[general]\ntimeout = 4\n")
        wait_for(lambda: owner.timeouts() == [5, 3, 4], "the next edit to reach the owner")
        assert follower.timeouts() == [3]
    finally:
        config.close()
    config.apply_file_settings(parse_config_text("[general]\ntimeout = 6\n"))
    assert owner.timeouts() == [5, 3, 4], "a closed configuration tells no one"


def test_a_listener_is_not_kept_alive_by_the_configuration(tmp_path: Path) -> None:
    owner = Recorder()
    config = _active_configuration(tmp_path / "config", owner)
    try:
        dropped = Recorder()
        config.subscribe(dropped.hear)
        gone = weakref.ref(dropped)
        del dropped
        gc.collect()
        assert gone() is None
        config.apply_file_settings(parse_config_text("[general]\ntimeout = 2\n"))
        assert owner.timeouts() == [2]
    finally:
        config.close()


def test_listeners_may_come_and_go_on_other_threads_while_edits_apply(tmp_path: Path) -> None:
    owner = Recorder()
    config = _active_configuration(tmp_path / "config", owner)
    steady = Recorder()
    config.subscribe(steady.hear)
    failures: list[BaseException] = []

    def churn() -> None:
        try:
            for _ in range(300):
                passing = Recorder()
                config.subscribe(passing.hear)
                config.unsubscribe(passing.hear)
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=churn) for _ in range(4)]
    try:
        for thread in threads:
            thread.start()
        for timeout in range(1, 101):
            config.apply_file_settings(parse_config_text(f"[general]\ntimeout = {timeout}\n"))
        for thread in threads:
            thread.join()
    finally:
        config.close()
    assert failures == []
    assert owner.timeouts() == steady.timeouts() == list(range(1, 101))


async def test_a_client_made_with_jwt_follows_its_parents_configuration_until_it_closes(
    tmp_path: Path,
) -> None:
    path = tmp_path / "config"
    path.write_text("[general]\ntimeout = 5\n")
    parent = AsyncApiClient("http://127.0.0.1:9")
    parent.config.set_config_path(path)
    clone = parent.with_jwt(None)
    try:
        assert type(clone) is AsyncApiClient and clone.config is parent.config
        await clone.aclose()
        parent.config.apply_file_settings(parse_config_text("[general]\ntimeout = 2\n"))
        assert (parent.timeout, clone.timeout) == (2, 5)
    finally:
        await parent.aclose()
