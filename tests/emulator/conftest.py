"""Fixtures for the service's tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest

from purecloud_guest_chat_client.emulator import AsyncControlClient, LocalService

from ..helpers import WAIT, Guest, NewGuest, create_guest


@pytest.fixture
async def http(service: LocalService) -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(base_url=service.base_url, timeout=WAIT) as client:
        yield client


@pytest.fixture
async def acontrol(service: LocalService) -> AsyncIterator[AsyncControlClient]:
    async with AsyncControlClient(service.control_url) as client:
        yield client


@pytest.fixture
async def new_guest(http: httpx2.AsyncClient) -> AsyncIterator[NewGuest]:
    guests: list[Guest] = []

    async def create(**overrides: Any) -> Guest:
        guest = await create_guest(http, **overrides)
        guests.append(guest)
        return guest

    yield create
    for guest in guests:
        for stream in guest.streams:
            await stream.close()
