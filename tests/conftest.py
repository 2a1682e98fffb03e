"""Shared fixtures: the local Guest Chat service on a free loopback port, temporary database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from purecloud_guest_chat_client.emulator import ControlClient, LocalService

FAST_TIMINGS: dict[str, Any] = {
    "port": 0,
    "heartbeat_seconds": 1.0,
    "agent_join_delay": 0.05,
    "agent_reply_delay": 0.05,
    "guest_grace_seconds": 30.0,
}


@pytest.fixture
def service_factory() -> Iterator[Callable[..., LocalService]]:
    """Starts a LocalService with fast timings and the given overrides; stops them all after."""
    started: list[LocalService] = []

    def start(**overrides: Any) -> LocalService:
        service = LocalService(**{**FAST_TIMINGS, **overrides})
        service.start()
        started.append(service)
        return service

    yield start
    for service in reversed(started):
        service.stop()


@pytest.fixture
def service(service_factory: Callable[..., LocalService]) -> LocalService:
    """A started service with the echo agent, fast timings, a 1 s heartbeat and a temp database."""
    return service_factory()


@pytest.fixture
def control(service: LocalService) -> Iterator[ControlClient]:
    """A control API client for ``service``."""
    with ControlClient(service.control_url, token=service.settings.control_token) as client:
        yield client
