"""A Web Messaging guest for the service's tests that speaks the wire itself: JSON frames over a
real WebSocket (websockets) and the REST parts over httpx2, so the tests see exactly what a
client would."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection

from purecloud_guest_chat_client.emulator import LocalService
from purecloud_guest_chat_client.models.web_messaging_protocol import WEBSOCKET_PATH

from ..helpers import WAIT

DEPLOYMENT = "00000000-0000-4000-8000-00000000d0e5"

Frame = dict[str, Any]


def socket_url(service: LocalService, deployment: str = DEPLOYMENT) -> str:
    base = service.base_url.replace("http://", "ws://", 1)
    return f"{base}{WEBSOCKET_PATH}?deploymentId={deployment}"


class SocketGuest:
    """One connection of a session: sends actions, and reads frames in order, keeping the
    ones a wait skipped so that a later wait can still find them."""

    def __init__(self, ws: ClientConnection, token: str | None = None) -> None:
        self.ws = ws
        self.token = token or str(uuid.uuid4())
        self.seen: list[Frame] = []
        self._unread: list[Frame] = []

    async def send(self, action: str, **fields: Any) -> None:
        await self.ws.send(json.dumps({"action": action, "token": self.token, **fields}))

    async def request(self, action: str, **fields: Any) -> Frame:
        """Sends an action with a fresh tracingId; returns the frame that answers it."""
        tracing_id = str(uuid.uuid4())
        await self.send(action, tracingId=tracing_id, **fields)
        return await self.wait_for(lambda f: f.get("tracingId") == tracing_id)

    async def configure(self, deployment: str = DEPLOYMENT, **fields: Any) -> Frame:
        return await self.request("configureSession", deploymentId=deployment, **fields)

    async def say(self, text: str, **message: Any) -> Frame:
        """Sends a text; returns its echo (or the frame refusing it)."""
        return await self.request("onMessage", message={"type": "Text", "text": text, **message})

    async def wait_for(self, match: Callable[[Frame], bool]) -> Frame:
        for index, frame in enumerate(self._unread):
            if match(frame):
                del self._unread[index]
                return frame

        async def read() -> Frame:
            while True:
                frame: Frame = json.loads(await self.ws.recv())
                self.seen.append(frame)
                if match(frame):
                    return frame
                self._unread.append(frame)

        return await asyncio.wait_for(read(), WAIT)


def is_class(name: str) -> Callable[[Frame], bool]:
    return lambda frame: frame.get("class") == name


def is_outbound_text(text: str) -> Callable[[Frame], bool]:
    def match(frame: Frame) -> bool:
        body = frame.get("body")
        return (
            frame.get("class") == "StructuredMessage"
            and isinstance(body, dict)
            and body.get("direction") == "Outbound"
            and body.get("text") == text
        )

    return match
