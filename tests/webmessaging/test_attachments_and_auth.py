"""Attachments (checked before upload, uploaded to the presigned URL, sent, downloaded, deleted),
authenticated sessions (code exchange, refresh, logout) and the deployment configuration,
against the local service."""

from __future__ import annotations

import asyncio

import pytest

from purecloud_guest_chat_client.emulator import LocalService
from purecloud_guest_chat_client.webmessaging import (
    Attachment,
    AttachmentRefusedError,
    LoggedOut,
    SyncWebMessagingClient,
    WebMessagingAuthError,
    WebMessagingClient,
    WebMessagingError,
)

from ..helpers import WAIT
from .conftest import DEPLOYMENT

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


async def test_an_attachment_is_uploaded_sent_and_downloaded(service: LocalService) -> None:
    async with WebMessagingClient(DEPLOYMENT, service.base_url) as client:
        echo = await client.send_attachment("receipt.png", PNG, text="my receipt")
        assert echo.text == "my receipt" and echo.direction == "Inbound"
        [attachment] = echo.attachments
        assert isinstance(attachment, Attachment)
        assert attachment.id and attachment.filename == "receipt.png"
        assert attachment.media_type == "Image"
        assert attachment.id is not None
        assert await client.download_attachment(attachment.id) == PNG
        link = await client.get_attachment(attachment.id)
        assert link.url and link.file_size == len(PNG)
        assert link.url.partition("?")[2] not in repr(link)


async def test_an_upload_not_sent_can_be_deleted(service: LocalService) -> None:
    async with WebMessagingClient(DEPLOYMENT, service.base_url) as client:
        uploaded = await client.upload_attachment("draft.png", PNG)
        assert uploaded.attachment_id and uploaded.download_url
        await client.delete_attachment(uploaded.attachment_id)
        with pytest.raises(AttachmentRefusedError) as gone:
            await client.send_uploaded(uploaded.attachment_id)
        assert gone.value.code is not None and gone.value.code >= 4000
        with pytest.raises(AttachmentRefusedError):
            await client.get_attachment("no-such-attachment")


async def test_attachments_refused_before_upload(service: LocalService) -> None:
    async with WebMessagingClient(DEPLOYMENT, service.base_url) as client:
        assert client.session is not None
        limit = (client.session.max_file_size_kb or 0) * 1000
        refusals = [
            ("setup.exe", b"MZ", 4001),
            ("empty.png", b"", 4102),
            ("huge.png", bytes(limit + 1), 4002),
            ("noextension", b"x", 4004),
        ]
        for name, data, code in refusals:
            with pytest.raises(AttachmentRefusedError) as refused:
                await client.send_attachment(name, data)
            assert refused.value.code == code, name
        # Nothing of them reached the conversation.
        echo = await client.send_text("after the refusals")
        assert echo.text == "after the refusals"


async def test_a_signed_in_guest_configures_refreshes_and_logs_out(
    service: LocalService,
) -> None:
    client = WebMessagingClient(DEPLOYMENT, service.base_url)
    try:
        await client.authenticate("a-good-code", "https://shop.example.com/back")
        assert client.authenticated
        info = await client.connect()
        assert info.connected
        echo = await client.send_text("signed in")
        assert echo.text == "signed in"
        await client.refresh_authentication()
        await client.logout()

        async def logged_out() -> None:
            while True:
                event = await client.next_event()
                assert event is not None, "the events ended before LogoutEvent"
                if isinstance(event, LoggedOut):
                    return

        await asyncio.wait_for(logged_out(), WAIT)
        assert await asyncio.wait_for(client.next_event(), WAIT) is None
    finally:
        await client.close()


async def test_a_refused_code_and_a_missing_refresh_token(service: LocalService) -> None:
    async with WebMessagingClient(DEPLOYMENT, service.base_url) as client:
        with pytest.raises(WebMessagingError) as refused:
            await client.authenticate("bad-code", "https://shop.example.com/back")
        assert refused.value.code == 400 and not client.authenticated
        with pytest.raises(WebMessagingAuthError, match="refresh token"):
            await client.refresh_authentication()
        with pytest.raises(WebMessagingAuthError, match="not authenticated"):
            await client.logout()


async def test_the_deployment_configuration(service: LocalService) -> None:
    async with WebMessagingClient(DEPLOYMENT, service.base_url) as client:
        config = await client.deployment_config()
    assert config["id"] == DEPLOYMENT


def test_the_sync_client_sends_and_downloads_an_attachment(service: LocalService) -> None:
    with SyncWebMessagingClient(DEPLOYMENT, service.base_url) as client:
        echo = client.send_attachment("photo.png", PNG)
        [attachment] = echo.attachments
        assert attachment.id is not None
        assert client.download_attachment(attachment.id) == PNG
        assert client.deployment_config()["id"] == DEPLOYMENT
