"""What the contact centre's deployments decide for the Web Messaging door: allowed origins (403
on the upgrade), unknown and disabled deployments, and the typing, Clear and Disconnect
features."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import websockets

from purecloud_guest_chat_client.emulator import AsyncControlClient, LocalService
from purecloud_guest_chat_client.models.web_messaging_protocol import (
    BLOCKED_EXTENSIONS,
    CLEAR_DISABLED_MESSAGE,
    MAX_CUSTOM_DATA_BYTES,
    TYPING_DISABLED_MESSAGE,
    ErrorCode,
)

from .web_messaging_guest import (
    conversations_of,
    is_outbound_event,
    of_class,
    until,
    url,
    web_guest,
)

SHOP = "dep-shop"
QUIET = "dep-quiet"
SEND = "dep-send"
OFF = "dep-off"
CONFIG = f"""
[[deployments]]
id = "{SHOP}"
allowedOrigins = ["https://shop.example", "webmessaging.mypurecloud.com"]

[[deployments]]
id = "{QUIET}"
showUserTypingIndicator = false
conversationClear = false

[[deployments]]
id = "{SEND}"
conversationDisconnect = "Send"

[[deployments]]
id = "{OFF}"
enabled = false
"""


@pytest.fixture
def service(service_factory: Callable[..., LocalService], tmp_path: Path) -> LocalService:
    config = tmp_path / "centre.toml"
    config.write_text(CONFIG, encoding="utf-8")
    return service_factory(agent="manual", config_file=config)


@pytest.fixture
async def control(service: LocalService) -> AsyncIterator[AsyncControlClient]:
    async with AsyncControlClient(service.control_url) as client:
        yield client


@pytest.mark.parametrize("origin", [None, "https://evil.example", "https://shop.example.evil"])
async def test_an_origin_the_deployment_does_not_allow_is_refused_on_the_upgrade(
    service: LocalService, origin: str | None
) -> None:
    headers = {"Origin": origin} if origin is not None else None
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with websockets.connect(url(service.base_url, SHOP), additional_headers=headers):
            pass
    assert refused.value.response.status_code == 403


@pytest.mark.parametrize(
    "origin", ["https://shop.example", "HTTPS://Shop.Example/", "webmessaging.mypurecloud.com"]
)
async def test_an_allowed_origin_opens_a_session(service: LocalService, origin: str) -> None:
    async with web_guest(service, deployment=SHOP, origin=origin) as guest:
        await guest.say("hello", "t")
        assert (await guest.wait_for(of_class("StructuredMessage")))["tracingId"] == "t"


@pytest.mark.parametrize("deployment", ["dep-unknown", OFF])
async def test_an_unknown_or_disabled_deployment_refuses_the_configure(
    service: LocalService, deployment: str
) -> None:
    async with web_guest(service, deployment=deployment, configure=False) as guest:
        refused = await guest.configure()
        assert refused["class"] == "string" and refused["code"] == ErrorCode.FORBIDDEN


async def test_typing_and_clear_refused_where_the_deployment_turns_them_off(
    service: LocalService, control: AsyncControlClient
) -> None:
    async with web_guest(service, deployment=QUIET) as guest:
        await guest.event({"eventType": "Typing", "typing": {"type": "On"}}, "typing")
        refused = await guest.next()
        assert refused["code"] == ErrorCode.FORBIDDEN and refused["tracingId"] == "typing"
        assert refused["body"] == TYPING_DISABLED_MESSAGE
        await guest.event({"eventType": "Presence", "presence": {"type": "Clear"}}, "clear")
        refused = await guest.next()
        assert refused["code"] == ErrorCode.FORBIDDEN and refused["body"] == CLEAR_DISABLED_MESSAGE
        await guest.say("still a session", "t")
        assert (await guest.next())["tracingId"] == "t"
    assert [c["status"] for c in await conversations_of(control, QUIET)] == ["active"]


async def test_disconnect_type_send_lets_the_guest_start_again_by_writing(
    service: LocalService, control: AsyncControlClient
) -> None:
    async with web_guest(service, deployment=SEND) as guest:
        chats = await until(lambda: conversations_of(control, SEND), "the conversation")
        agent = await control.join_agent(chats[0]["id"], "Alice")
        await control.leave(chats[0]["id"], agent["id"], end=True)
        disconnect = await guest.wait_for(is_outbound_event("Presence", "Disconnect"))
        assert "metadata" not in disconnect["body"]
        assert (await guest.configure())["body"]["readOnly"] is False
        await guest.say("one more thing", "again")
        echo = await guest.wait_for(of_class("StructuredMessage"))
        assert echo["tracingId"] == "again"
    statuses = sorted(c["status"] for c in await conversations_of(control, SEND))
    assert statuses == ["active", "ended"]


async def test_get_configuration(service: LocalService) -> None:
    async with web_guest(service, deployment=QUIET) as guest:
        await guest.send("getConfiguration", deploymentId=QUIET, tracingId="conf")
        answer = await guest.next()
        assert answer["type"] == "response" and answer["class"] == "GetConfigurationResponse"
        assert answer["tracingId"] == "conf" and answer["code"] == 200
        body = answer["body"]
        assert body["maxCustomDataBytes"] == MAX_CUSTOM_DATA_BYTES
        assert body["blockedExtensions"] == list(BLOCKED_EXTENSIONS)
        assert body["messageRoutingEnabled"] is True
        assert body["sessionDurationSeconds"] == 259_200
        assert body["allowedMedia"]["inbound"]["maxFileSizeKB"] > 0


def test_a_bad_disconnect_type_is_refused_when_the_service_starts(
    service_factory: Callable[..., LocalService], tmp_path: Path
) -> None:
    config = tmp_path / "centre.toml"
    config.write_text('[[deployments]]\nid = "d"\nconversationDisconnect = "Vanish"\n')
    with pytest.raises(ValueError, match="conversationDisconnect"):
        service_factory(config_file=config)
