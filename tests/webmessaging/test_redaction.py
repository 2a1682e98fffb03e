"""The session token (the session's identity, a credential) never shows in what the client logs,
in its reprs or in its errors, the WebSocket library's frame-by-frame debug output included."""

from __future__ import annotations

import logging

import pytest

from purecloud_guest_chat_client.emulator import LocalService
from purecloud_guest_chat_client.webmessaging import (
    MessageTooLongError,
    SyncWebMessagingClient,
    WebMessagingClient,
)

from ..helpers import WAIT
from .conftest import DEPLOYMENT, agent_text, next_matching


def _pieces(secret: str, size: int = 12) -> list[str]:
    return [secret[start : start + size] for start in range(0, len(secret) - size + 1, 4)]


async def test_a_whole_chat_logs_no_piece_of_the_token(
    service: LocalService, caplog: pytest.LogCaptureFixture
) -> None:
    # Not uuid-shaped, so that only the client's own knowledge of it can hide it.
    token = "sessiontokenNotAUuid0123456789abcdefXYZ"
    caplog.set_level(logging.DEBUG, "purecloud_guest_chat_client.webmessaging")
    shown: list[str] = []
    async with WebMessagingClient(DEPLOYMENT, service.base_url, token=token) as client:
        echo = await client.send_text(f"my token is {token}")
        reply = await next_matching(client, agent_text(f"You said: my token is {token}"))
        with pytest.raises(MessageTooLongError) as refused:
            await client.send_text("x" * 5000)
        shown += [repr(client), str(client), repr(echo), repr(reply), str(refused.value)]
        await client.health_check()
    shown.append(caplog.text)
    everything = "\n".join(shown)
    assert "[REDACTED]" in everything
    leaks = [piece for piece in _pieces(token) if piece in everything]
    assert leaks == []
    assert client.token == token  # the caller can still read it, to persist it


def test_the_sync_client_repr_hides_the_token(service: LocalService) -> None:
    with SyncWebMessagingClient(DEPLOYMENT, service.base_url) as client:
        client.send_text("hello")
        event = client.next_event(timeout=WAIT)
        assert client.token not in repr(client) and client.token not in repr(event)
