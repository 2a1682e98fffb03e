"""The sync client offers what the async one offers, under the same names and parameters."""

from __future__ import annotations

import inspect
from typing import Any

from purecloud_guest_chat_client.webmessaging import SyncWebMessagingClient, WebMessagingClient

ONLY_SYNC = {"client": "the async client the sync one runs on a private loop"}
RENAMED = {"__enter__": "__aenter__", "__exit__": "__aexit__"}


def _public(cls: type[Any]) -> dict[str, Any]:
    return {
        name: inspect.getattr_static(cls, name)
        for name in dir(cls)
        if not name.startswith("_") or name in RENAMED or name in RENAMED.values()
    }


def test_the_same_names() -> None:
    sync_names = {RENAMED.get(name, name) for name in _public(SyncWebMessagingClient)}
    assert sync_names - set(ONLY_SYNC) == set(_public(WebMessagingClient))


def test_the_same_parameters() -> None:
    async_members = _public(WebMessagingClient)
    for name, member in _public(SyncWebMessagingClient).items():
        if name in ONLY_SYNC or isinstance(member, property):
            assert name in ONLY_SYNC or isinstance(async_members[name], property), name
            continue
        twin = async_members[RENAMED.get(name, name)]
        assert list(inspect.signature(member).parameters) == list(
            inspect.signature(twin).parameters
        ), name
