"""What the tests share: the request body that creates a chat, and a guest made from it that
speaks the wire protocol itself (REST over httpx2, the stream over websockets).

The stream tests' guest, made through the SDK, is ``SdkGuest`` in tests/stream/conftest.py.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx2
import websockets
from websockets.asyncio.client import ClientConnection

API = "/api/v2/webchat/guest/conversations"
WAIT = 5.0


def create_body(name: str = "Ada Guest", **overrides: Any) -> dict[str, Any]:
    """A create-conversation body for the local service's Support queue, from a guest called
    ``name``; ``overrides`` replace whole top-level fields."""
    body: dict[str, Any] = {
        "organizationId": "org-1",
        "deploymentId": "dep-1",
        "routingTarget": {"targetType": "QUEUE", "targetAddress": "Support"},
        "memberInfo": {"displayName": name, "profileImageUrl": "https://x.test/a.png"},
    }
    body.update(overrides)
    return body


def is_change(
    frame: dict[str, Any], member_id: str | None = None, state: str | None = None
) -> bool:
    if frame.get("metadata", {}).get("type") != "member-change":
        return False
    member = frame["eventBody"]["member"]
    return (member_id is None or member["id"] == member_id) and (
        state is None or member["state"] == state
    )


def is_message(
    frame: dict[str, Any],
    body_type: str | None = None,
    sender: str | None = None,
    body: str | None = None,
) -> bool:
    if frame.get("metadata", {}).get("type") != "message":
        return False
    event = frame["eventBody"]
    return (
        (body_type is None or event["bodyType"] == body_type)
        and (sender is None or event["sender"]["id"] == sender)
        and (body is None or body in event["body"])
    )


def is_typing(frame: dict[str, Any], sender: str | None = None) -> bool:
    if frame.get("metadata", {}).get("type") != "typing-indicator":
        return False
    return sender is None or frame["eventBody"]["sender"]["id"] == sender


def is_channel(frame: dict[str, Any], message: str) -> bool:
    return frame.get("topicName") == "channel.metadata" and frame["eventBody"]["message"] == message


class Stream:
    """A guest's event stream, keeping every frame it received."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.frames: list[dict[str, Any]] = []
        self.raw: list[str] = []

    async def next(self, timeout: float = WAIT) -> dict[str, Any]:
        text = await asyncio.wait_for(self.ws.recv(), timeout)
        assert isinstance(text, str)
        self.raw.append(text)
        frame = json.loads(text)
        self.frames.append(frame)
        return frame

    async def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = WAIT
    ) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            frame = await self.next(max(0.01, deadline - loop.time()))
            if predicate(frame):
                return frame

    async def closed(self, timeout: float = WAIT) -> int | None:
        """Reads until the server closes; returns the close code."""
        try:
            while True:
                await self.next(timeout)
        except websockets.ConnectionClosed:
            pass
        return self.ws.close_code

    async def close(self) -> None:
        await self.ws.close()


class Guest:
    """One guest chat, created over REST."""

    def __init__(self, http: httpx2.AsyncClient, chat: dict[str, Any]) -> None:
        self.http = http
        self.chat = chat
        self.id: str = chat["id"]
        self.member_id: str = chat["member"]["id"]
        self.jwt: str = chat["jwt"]
        self.stream_uri: str = chat["eventStreamUri"]
        self.headers = {"Authorization": f"Bearer {self.jwt}"}
        self.streams: list[Stream] = []

    def path(self, suffix: str = "") -> str:
        return f"{API}/{self.id}{suffix}"

    @property
    def member_path(self) -> str:
        return self.path(f"/members/{self.member_id}")

    async def request(self, method: str, suffix: str, **kwargs: Any) -> httpx2.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return await self.http.request(method, self.path(suffix), headers=headers, **kwargs)

    async def send(self, body: str, **extra: Any) -> httpx2.Response:
        return await self.http.post(
            self.member_path + "/messages", json={"body": body, **extra}, headers=self.headers
        )

    async def connect(self) -> Stream:
        stream = Stream(await websockets.connect(self.stream_uri))
        self.streams.append(stream)
        return stream

    async def routed(self, stream: Stream | None = None) -> tuple[Stream, str]:
        """Attach the stream (unless given) and wait until an agent has joined; returns the
        stream and the agent's member id. Only agents go ALERTING before CONNECTED."""
        stream = stream or await self.connect()
        alerting = await stream.wait_for(lambda f: is_change(f, state="ALERTING"))
        agent_id = str(alerting["eventBody"]["member"]["id"])
        await stream.wait_for(lambda f: is_message(f, "member-join", sender=agent_id))
        return stream, agent_id


async def create_guest(http: httpx2.AsyncClient, **overrides: Any) -> Guest:
    """A new chat, created over REST from :func:`create_body` with ``overrides``."""
    response = await http.post(API, json=create_body(**overrides))
    assert response.status_code == 200, response.text
    return Guest(http, response.json())


NewGuest = Callable[..., Awaitable[Guest]]
"""The ``new_guest`` fixture: :func:`create_guest` on the test's client, closing streams after."""
