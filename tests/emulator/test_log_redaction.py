"""The service's log at debug level, the server libraries' own lines included (uvicorn's, the
WebSocket handshake and frame dumps), shows no credential: a Guest Chat stream URI carries the
JWT, a Web Messaging session its token and its REST history a bearer JWT."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from purecloud_guest_chat_client import AsyncApiClient
from purecloud_guest_chat_client._redact import REDACTED
from purecloud_guest_chat_client.emulator import LocalService
from purecloud_guest_chat_client.session import GuestChat, WebMessagingChat


def _pieces(secret: str, size: int = 12) -> list[str]:
    return [secret[start : start + size] for start in range(0, len(secret) - size + 1)]


async def test_the_service_logs_no_jwt_or_token_at_debug_level(
    service_factory: Callable[..., LocalService], caplog: pytest.LogCaptureFixture
) -> None:
    service = service_factory()
    caplog.set_level(logging.DEBUG)
    async with AsyncApiClient(service.base_url) as client:
        guest_chat = await GuestChat.start("org-1", "deployment-1", "Support", "Ann", client=client)
        async with guest_chat:
            await guest_chat.send("hello")
            jwt = guest_chat.state().jwt
            await guest_chat.leave()
    web_chat = await WebMessagingChat.start("deployment-1", environment=service.base_url)
    async with web_chat:
        await web_chat.send("hello")
        await web_chat.history()
        token = web_chat.state().token
    server_lines = [
        logging.Formatter("%(name)s %(message)s").format(record)
        for record in caplog.records
        if record.name.startswith(("uvicorn", "websockets", "purecloud_guest_chat_client.emulator"))
    ]
    for secret in (jwt, token):
        payload_and_signature = secret.split(".", 1)[-1]
        leaked = [
            line for line in server_lines if any(p in line for p in _pieces(payload_and_signature))
        ]
        assert not leaked, f"the service's log shows a credential: {leaked[:3]}"
    # The lines are there, with the credentials in them hidden.
    assert any(f"/token/{REDACTED}" in line for line in server_lines)
    assert any("configureSession" in line and REDACTED in line for line in server_lines)
