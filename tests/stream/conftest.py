"""Helpers for the stream tests: a guest chat created through the SDK, and bounded waits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest

from purecloud_guest_chat_client.api_client import AsyncApiClient
from purecloud_guest_chat_client.apis.web_chat_api import AsyncWebChatApi
from purecloud_guest_chat_client.emulator import AsyncControlClient, LocalService
from purecloud_guest_chat_client.stream import EventStream, StreamEvent

from ..helpers import create_body

HEARTBEAT = 0.3


@dataclass
class SdkGuest:
    service: LocalService
    api: AsyncWebChatApi
    conversation_id: str
    member_id: str
    jwt: str
    event_stream_uri: str
    control: AsyncControlClient

    def stream(self, **options: object) -> EventStream:
        options.setdefault("api", self.api)
        options.setdefault("heartbeat_interval", HEARTBEAT)
        return EventStream(self.event_stream_uri, **options)  # type: ignore[arg-type]


async def open_sdk_guest(service: LocalService) -> AsyncIterator[SdkGuest]:
    async with (
        AsyncApiClient(service.base_url) as client,
        AsyncControlClient(service.control_url) as control,
    ):
        api = AsyncWebChatApi(client)
        created = await api.post_webchat_guest_conversations(create_body("Ann"))
        assert created.id and created.jwt and created.event_stream_uri and created.member
        assert created.member.id
        client.set_jwt(created.jwt)
        yield SdkGuest(
            service=service,
            api=api,
            conversation_id=created.id,
            member_id=created.member.id,
            jwt=created.jwt,
            event_stream_uri=created.event_stream_uri,
            control=control,
        )


@pytest.fixture
def manual_service(service_factory: Callable[..., LocalService]) -> LocalService:
    return service_factory(agent="manual", heartbeat_seconds=HEARTBEAT)


@pytest.fixture
async def guest(manual_service: LocalService) -> AsyncIterator[SdkGuest]:
    async for created in open_sdk_guest(manual_service):
        yield created


async def next_matching(
    stream: EventStream, predicate: Callable[[StreamEvent], bool], timeout: float = 10.0
) -> tuple[StreamEvent, list[StreamEvent]]:
    """The first event ``predicate`` accepts, and every event read before it."""
    seen: list[StreamEvent] = []
    async with asyncio.timeout(timeout):
        async for event in stream:
            if predicate(event):
                return event, seen
            seen.append(event)
    raise AssertionError(f"the stream ended before the expected event; saw {seen}")
