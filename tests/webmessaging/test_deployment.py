"""What the deployment decides, as the client meets it: the Origin checked on the upgrade, and
features the deployment turns off."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from purecloud_guest_chat_client.emulator import LocalService
from purecloud_guest_chat_client.webmessaging import (
    ErrorFrame,
    WebMessagingClient,
    WebMessagingConnectionError,
    WebMessagingError,
)

from .conftest import DEPLOYMENT, next_matching

SHOP = "https://shop.example.com"


@pytest.fixture
def strict_service(service_factory: Callable[..., LocalService], tmp_path: Path) -> LocalService:
    centre = {
        "deployments": [
            {
                "id": DEPLOYMENT,
                "allowedOrigins": [SHOP],
                "showUserTypingIndicator": False,
                "conversationClear": False,
            }
        ]
    }
    path = tmp_path / "centre.json"
    path.write_text(json.dumps(centre), encoding="utf-8")
    return service_factory(agent="manual", config_file=str(path))


async def test_the_origin_is_sent_and_a_refused_one_is_a_403(strict_service: LocalService) -> None:
    async with WebMessagingClient(DEPLOYMENT, strict_service.base_url, origin=SHOP) as client:
        assert client.connected
    refused = WebMessagingClient(
        DEPLOYMENT, strict_service.base_url, origin="https://elsewhere.example.com"
    )
    with pytest.raises(WebMessagingConnectionError, match="HTTP 403") as denied:
        await refused.connect()
    assert denied.value.status == 403
    await refused.close()


async def test_features_the_deployment_turns_off_are_refused_with_403(
    strict_service: LocalService,
) -> None:
    async with WebMessagingClient(DEPLOYMENT, strict_service.base_url, origin=SHOP) as client:
        assert await client.send_typing() is True
        refusal = await next_matching(client, lambda e: isinstance(e, ErrorFrame))
        assert isinstance(refusal, ErrorFrame) and refusal.code == 403
        with pytest.raises(WebMessagingError, match="403") as clear_refused:
            await client.clear()
        assert clear_refused.value.code == 403
        echo = await client.send_text("still here")
        assert echo.text == "still here"
