"""Each sync class offers what its async twin offers, under the same names and parameters.

Parameters are compared by name, kind and default; their annotations differ by design (a sync
client where the async one takes an async client). Every other difference is listed below, with
the reason it is there, so that a new method on one side without the other fails here.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from purecloud_guest_chat_client import (
    ApiClient,
    AsyncApiClient,
    AsyncWebChatApi,
    EventStream,
    GuestChat,
    SyncEventStream,
    SyncGuestChat,
    WebChatApi,
)
from purecloud_guest_chat_client.emulator import AsyncControlClient, ControlClient

PAIRS: list[tuple[type[Any], type[Any]]] = [
    (WebChatApi, AsyncWebChatApi),
    (ApiClient, AsyncApiClient),
    (ControlClient, AsyncControlClient),
    (SyncEventStream, EventStream),
    (SyncGuestChat, GuestChat),
]

ASYNC_NAME = {
    "close": "aclose",
    "__enter__": "__aenter__",
    "__exit__": "__aexit__",
    "__iter__": "__aiter__",
}
"""Names that differ only because one side is async, as in the standard library."""

ONLY_ONE_SIDE: dict[tuple[type[Any], str], str] = {
    (ApiClient, "instance"): "the default client of the JS SDK, which is a sync client",
    (AsyncApiClient, "with_jwt"): (
        "the async session makes one client per guest from the caller's; the sync session runs "
        "on the async one"
    ),
    (EventStream, "__anext__"): "the sync stream iterates through a generator __iter__",
    (SyncEventStream, "stream"): "the async stream the sync one runs on a private loop",
    (SyncEventStream, "next_event"): "a blocking read with a timeout; async code uses wait_for",
    (SyncEventStream, "conversation_id"): "an attribute of the async stream, set in its __init__",
    (SyncEventStream, "member_id"): "an attribute of the async stream, set in its __init__",
    (SyncGuestChat, "chat"): "the async session the sync one runs on a private loop",
    (SyncGuestChat, "conversation_id"): "an attribute of the async session, set in its __init__",
    (GuestChat, "attached"): "the sync session is attached once start() or resume() returns",
}

SIGNATURES_DIFFER: dict[tuple[type[Any], str], str] = {
    (WebChatApi, "__init__"): (
        "the sync API falls back to ApiClient.instance, as in the JS SDK; an async API needs "
        "its client"
    ),
    (SyncGuestChat, "__init__"): "built by start() and resume() around a running async session",
}

FORWARDS_OPTIONS: dict[tuple[type[Any], str], set[str]] = {
    (SyncEventStream, "__init__"): {"environment"},
    (SyncGuestChat, "start"): set(),
    (SyncGuestChat, "resume"): set(),
}
"""Sync methods that take their own named parameters (those that the async side lacks are
listed) and hand every other keyword to the async method as ``**options``."""


PROTOCOL_NAMES = {"__init__", "__next__", "__anext__", *ASYNC_NAME, *ASYNC_NAME.values()}


def _public(cls: type[Any]) -> dict[str, Any]:
    return {
        name: inspect.getattr_static(cls, name)
        for name in dir(cls)
        if not name.startswith("_") or name in PROTOCOL_NAMES
    }


def _counterpart(name: str, async_members: dict[str, Any]) -> str:
    """The async side's name for the sync side's ``name`` (``close`` stays ``close`` where the
    async side awaits a ``close``)."""
    return name if name in async_members else ASYNC_NAME.get(name, name)


def _parameters(member: Any) -> list[tuple[str, Any, Any]]:
    function = member.__func__ if isinstance(member, classmethod | staticmethod) else member
    return [
        (parameter.name, parameter.kind, parameter.default)
        for parameter in inspect.signature(function).parameters.values()
    ]


@pytest.mark.parametrize(("sync", "async_"), PAIRS, ids=lambda cls: cls.__name__)
def test_both_sides_offer_the_same_names(sync: type[Any], async_: type[Any]) -> None:
    async_members = _public(async_)
    counterparts = {name: _counterpart(name, async_members) for name in _public(sync)}
    only_sync = {
        name
        for name, counterpart in counterparts.items()
        if counterpart not in async_members and (sync, name) not in ONLY_ONE_SIDE
    }
    only_async = {
        name
        for name in set(async_members) - set(counterparts.values())
        if (async_, name) not in ONLY_ONE_SIDE
    }
    assert (only_sync, only_async) == (set(), set())


@pytest.mark.parametrize(("sync", "async_"), PAIRS, ids=lambda cls: cls.__name__)
def test_shared_methods_take_the_same_parameters(sync: type[Any], async_: type[Any]) -> None:
    sync_members = _public(sync)
    async_members = _public(async_)
    for name, sync_member in sync_members.items():
        async_member = async_members.get(_counterpart(name, async_members))
        if async_member is None or (sync, name) in SIGNATURES_DIFFER:
            continue
        assert isinstance(sync_member, property) == isinstance(async_member, property), name
        assert isinstance(sync_member, classmethod) == isinstance(async_member, classmethod), name
        if isinstance(sync_member, property) or not callable(
            getattr(sync_member, "__func__", sync_member)
        ):
            continue
        sync_parameters = _parameters(sync_member)
        async_parameters = _parameters(async_member)
        extras = FORWARDS_OPTIONS.get((sync, name))
        if extras is None:
            assert sync_parameters == async_parameters, name
            continue
        *named, options = sync_parameters
        assert options[1] is inspect.Parameter.VAR_KEYWORD, name
        async_by_name = {parameter[0]: parameter for parameter in async_parameters}
        for parameter in named:
            if parameter[0] not in extras:
                assert async_by_name.get(parameter[0]) == parameter, (name, parameter[0])
        forwarded = [p for p in async_parameters if p[0] not in {n for n, _, _ in named}]
        assert all(kind is inspect.Parameter.KEYWORD_ONLY for _, kind, _ in forwarded), name


def test_the_lists_of_differences_name_real_members() -> None:
    # A stale entry would let a later difference through unnoticed.
    for cls, name in [*ONLY_ONE_SIDE, *SIGNATURES_DIFFER, *FORWARDS_OPTIONS]:
        assert name in _public(cls), (cls.__name__, name)
