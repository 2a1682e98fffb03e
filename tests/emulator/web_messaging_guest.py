"""A bare Web Messaging guest over a real WebSocket, for the tests of the local service's door:
raw frames in and out, so the tests see exactly what the service sends."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection

from purecloud_guest_chat_client.emulator import AsyncControlClient, LocalService
from purecloud_guest_chat_client.models.web_messaging_protocol import WEBSOCKET_PATH

from ..helpers import WAIT

DEPLOYMENT = "00000000-0000-4000-8000-0000000de911"

Frame = dict[str, Any]


def url(base_url: str, deployment: str = DEPLOYMENT) -> str:
    base = base_url.replace("http://", "ws://", 1)
    return f"{base}{WEBSOCKET_PATH}?deploymentId={deployment}"


def is_outbound_text(frame: Frame) -> bool:
    """An agent's message (not one of its events, such as typing)."""
    body = frame.get("body")
    return (
        frame.get("class") == "StructuredMessage"
        and isinstance(body, dict)
        and body.get("direction") == "Outbound"
        and body.get("type") != "Event"
    )


def is_outbound_event(event_type: str, kind: str) -> Callable[[Frame], bool]:
    """An agent-side event such as ``("Typing", "On")`` or ``("Presence", "Disconnect")``."""

    def match(frame: Frame) -> bool:
        body = frame.get("body")
        if frame.get("class") != "StructuredMessage" or not isinstance(body, dict):
            return False
        if body.get("direction") != "Outbound" or body.get("type") != "Event":
            return False
        key = event_type[0].lower() + event_type[1:]
        return any(
            e.get("eventType") == event_type and e.get(key, {}).get("type") == kind
            for e in body.get("events", [])
        )

    return match


def of_class(name: str) -> Callable[[Frame], bool]:
    return lambda frame: frame.get("class") == name


class WebGuest:
    """One connection of a session: a token, and every frame the service sent on it."""

    def __init__(self, ws: ClientConnection, token: str, deployment: str) -> None:
        self.ws = ws
        self.token = token
        self.deployment = deployment
        self.seen: list[Frame] = []
        """Every frame read, in order."""

    async def send(self, action: str, **fields: Any) -> None:
        await self.ws.send(json.dumps({"action": action, "token": self.token, **fields}))

    async def next(self) -> Frame:
        frame: Frame = json.loads(await asyncio.wait_for(self.ws.recv(), WAIT))
        self.seen.append(frame)
        return frame

    async def wait_for(self, match: Callable[[Frame], bool]) -> Frame:
        async def read() -> Frame:
            while True:
                frame = await self.next()
                if match(frame):
                    return frame

        return await asyncio.wait_for(read(), WAIT)

    async def configure(self, **fields: Any) -> Frame:
        await self.send("configureSession", deploymentId=self.deployment, **fields)
        return await self.wait_for(lambda f: f.get("type") == "response")

    async def say(self, text: str, tracing_id: str | None = None, **message: Any) -> None:
        extra = {"tracingId": tracing_id} if tracing_id is not None else {}
        await self.send("onMessage", message={"type": "Text", "text": text, **message}, **extra)

    async def event(self, event: dict[str, Any], tracing_id: str | None = None) -> None:
        extra = {"tracingId": tracing_id} if tracing_id is not None else {}
        await self.send("onMessage", message={"type": "Event", "events": [event]}, **extra)

    async def closed(self) -> None:
        """Reads (and drops) frames until the connection is closed or cut."""

        async def drain() -> None:
            with contextlib.suppress(websockets.ConnectionClosed):
                async for text in self.ws:
                    self.seen.append(json.loads(text))

        await asyncio.wait_for(drain(), WAIT)


@asynccontextmanager
async def web_guest(
    service: LocalService | str,
    token: str | None = None,
    deployment: str = DEPLOYMENT,
    *,
    configure: bool = True,
    origin: str | None = None,
) -> AsyncIterator[WebGuest]:
    """A connection, configured (with a new token unless given one) unless told not to."""
    base = service if isinstance(service, str) else service.base_url
    headers = {"Origin": origin} if origin is not None else None
    async with websockets.connect(url(base, deployment), additional_headers=headers) as ws:
        guest = WebGuest(ws, token or str(uuid.uuid4()), deployment)
        if configure:
            answer = await guest.configure()
            assert answer["class"] == "SessionResponse", answer
        yield guest


async def conversations_of(control: AsyncControlClient, deployment: str) -> list[dict[str, Any]]:
    """The deployment's conversations, oldest first."""
    found = [c for c in await control.conversations() if c["deploymentId"] == deployment]
    return sorted(found, key=lambda c: c["createdDate"])


async def until(check: Callable[[], Any], what: str, every: float = 0.1) -> Any:
    """Polls ``check`` (sync or async) every ``every`` seconds until it returns something
    truthy, within the tests' deadline. (A check that sends frames must stay well under the
    service's frames-per-second limit of a connection.)"""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(every)
