"""Web Messaging attachments against the real service: onAttachment, the upload to the signed
URL, UploadSuccessEvent, the message that carries the attachment, getAttachment, the download
and deleteAttachment, with every refusal and its code."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx2
import pytest
import websockets

from purecloud_guest_chat_client.emulator import AsyncControlClient, LocalService
from purecloud_guest_chat_client.emulator.token_authority import key_path
from purecloud_guest_chat_client.emulator.web_messaging_attachments import (
    MAX_ATTACHMENT_BYTES,
    UrlSigner,
)
from purecloud_guest_chat_client.models.web_messaging_protocol import (
    HISTORY_PATH,
    MAX_FILE_NAME_LENGTH,
    ErrorCode,
)

from ..helpers import WAIT
from .web_messaging_requests import Frame, SocketGuest, is_class, socket_url

PDF = b"%PDF-1.4 a small test file\n"


@pytest.fixture
async def http(service: LocalService) -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(base_url=service.base_url, timeout=WAIT) as client:
        yield client


@pytest.fixture
async def guest(service: LocalService) -> AsyncIterator[SocketGuest]:
    async with websockets.connect(socket_url(service)) as ws:
        guest = SocketGuest(ws)
        assert (await guest.configure())["class"] == "SessionResponse"
        yield guest


async def _ask_upload(guest: SocketGuest, name: str = "report.pdf", **fields: Any) -> Frame:
    request = {"fileName": name, "fileType": "application/pdf", "fileSize": len(PDF)}
    request.update(fields)
    return await guest.request("onAttachment", errorsAsJson=True, **request)


async def _upload(
    http: httpx2.AsyncClient, presigned: dict[str, Any], data: bytes = PDF
) -> httpx2.Response:
    headers = {**presigned["headers"], "Content-Type": "application/pdf"}
    return await http.put(presigned["url"], content=data, headers=headers)


async def _uploaded(guest: SocketGuest, http: httpx2.AsyncClient, **fields: Any) -> Frame:
    """Asks for an upload URL, uploads, and returns the UploadSuccessEvent."""
    presigned = (await _ask_upload(guest, **fields))["body"]
    assert (await _upload(http, presigned)).status_code == 200
    success = await guest.wait_for(is_class("UploadSuccessEvent"))
    assert success["body"]["attachmentId"] == presigned["attachmentId"]
    return success


def _is_error_body(response: httpx2.Response, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == status and body["code"] and body["message"]
    if code is not None:
        assert body["code"] == code


async def test_the_whole_flow_from_upload_url_to_message_and_download(
    service: LocalService, guest: SocketGuest, http: httpx2.AsyncClient
) -> None:
    attachment_id = str(uuid.uuid4())
    answer = await _ask_upload(guest, attachmentId=attachment_id)
    assert answer["type"] == "response" and answer["class"] == "PresignedUrlResponse"
    assert answer["code"] == 200
    presigned = answer["body"]
    assert presigned["attachmentId"] == attachment_id and presigned["headers"]
    assert presigned["url"].startswith(service.base_url + "/")
    async with websockets.connect(socket_url(service)) as ws:
        other = SocketGuest(ws, guest.token)  # a second connection of the session
        await other.configure()
        assert (await _upload(http, presigned)).status_code == 200
        for connection in (guest, other):
            success = await connection.wait_for(is_class("UploadSuccessEvent"))
            assert success["type"] == "message" and success["code"] == 200
            body = success["body"]
            assert body["attachmentId"] == attachment_id and body["timestamp"].endswith("Z")
    downloaded = await http.get(body["downloadUrl"])
    assert downloaded.status_code == 200 and downloaded.content == PDF
    assert downloaded.headers["content-type"].startswith("application/pdf")
    assert "report.pdf" in downloaded.headers["content-disposition"]

    content = [{"contentType": "Attachment", "attachment": {"id": attachment_id}}]
    echo = await guest.say("Here is the report", content=content)
    assert echo["class"] == "StructuredMessage", echo
    assert echo["body"]["text"] == "Here is the report"
    (item,) = echo["body"]["content"]
    assert item["contentType"] == "Attachment"
    attachment = item["attachment"]
    assert attachment["id"] == attachment_id and attachment["filename"] == "report.pdf"
    assert attachment["fileSize"] == len(PDF) and attachment["mime"] == "application/pdf"
    assert attachment["mediaType"] == "File"
    assert (await http.get(attachment["url"])).content == PDF

    # The agent sees the attachment's name and a link that downloads it.
    async with AsyncControlClient(service.control_url) as control:
        (chat,) = [c for c in await control.conversations() if c["status"] == "active"]
        messages = (await control.conversation(chat["id"]))["messages"]
    (said,) = [m for m in messages if m["id"] == echo["body"]["id"]]
    assert said["body"].startswith("Here is the report\n[Attachment: report.pdf")
    link = said["body"].split()[-1].rstrip("]")
    assert (await http.get(link)).content == PDF

    # The history shows the message as the echo did, attachment and all.
    jwt = (await guest.request("getJwt"))["body"]["jwt"]
    page = await http.get(HISTORY_PATH, headers={"Authorization": f"bearer {jwt}"})
    (entity,) = [e for e in page.json()["entities"] if e["id"] == echo["body"]["id"]]
    assert entity["text"] == "Here is the report"
    assert entity["content"][0]["attachment"]["filename"] == "report.pdf"
    assert entity["channel"] == echo["body"]["channel"]


async def test_an_attachment_alone_is_echoed_without_text(
    guest: SocketGuest, http: httpx2.AsyncClient
) -> None:
    success = await _uploaded(guest, http, name="photo.png", fileType="image/png")
    attachment_id = success["body"]["attachmentId"]
    content = [{"contentType": "Attachment", "attachment": {"id": attachment_id}}]
    await guest.send("onMessage", tracingId="alone", message={"type": "Text", "content": content})
    echo = await guest.wait_for(lambda f: f.get("tracingId") == "alone")
    assert echo["class"] == "StructuredMessage" and "text" not in echo["body"]
    assert echo["body"]["type"] == "Text"
    assert echo["body"]["content"][0]["attachment"]["mediaType"] == "Image"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"name": "setup.exe", "fileType": "application/pdf"}, ErrorCode.FILE_TYPE_INVALID),
        ({"name": "tool.JS", "fileType": "text/plain"}, ErrorCode.FILE_TYPE_INVALID),
        ({"fileType": "application/x-msdownload"}, ErrorCode.FILE_TYPE_INVALID),
        ({"fileType": None}, ErrorCode.FILE_TYPE_INVALID),
        ({"fileSize": MAX_ATTACHMENT_BYTES + 1}, ErrorCode.FILE_SIZE_INVALID),
        ({"fileSize": -1}, ErrorCode.FILE_SIZE_INVALID),
        ({"name": "README"}, ErrorCode.FILE_NAME_INVALID),
        ({"name": ""}, ErrorCode.FILE_NAME_INVALID),
        ({"name": None}, ErrorCode.FILE_NAME_INVALID),
        ({"name": "two\nlines.pdf"}, ErrorCode.FILE_NAME_INVALID),
        ({"name": "a" * MAX_FILE_NAME_LENGTH + ".pdf"}, ErrorCode.FILE_NAME_TOO_LONG),
    ],
    ids=[
        "blocked-extension",
        "blocked-extension-any-case",
        "type-not-allowed",
        "no-type",
        "too-big",
        "negative-size",
        "no-extension",
        "empty-name",
        "no-name",
        "control-character",
        "name-too-long",
    ],
)
async def test_files_that_may_not_be_sent_get_a_generate_url_error(
    guest: SocketGuest, fields: dict[str, Any], code: int
) -> None:
    name = fields.pop("name", "report.pdf")
    request: dict[str, Any] = {"fileType": "application/pdf", **fields}
    if name is not None:
        request["fileName"] = name
    attachment_id = str(uuid.uuid4())
    refused = await guest.request(
        "onAttachment", attachmentId=attachment_id, errorsAsJson=True, **request
    )
    assert refused["type"] == "message" and refused["class"] == "GenerateUrlError"
    body = refused["body"]
    assert body["attachmentId"] == attachment_id and body["errorCode"] == code
    assert isinstance(body["errorMessage"], str) and body["errorMessage"]
    # Nothing was kept: the id names no attachment.
    gone = await guest.request("getAttachment", attachmentId=attachment_id)
    assert gone["code"] == ErrorCode.ATTACHMENT_NOT_FOUND


@pytest.mark.parametrize("errors_as_json", [False, None], ids=["false", "absent"])
async def test_without_errors_as_json_a_refused_file_gets_a_string_error_of_its_code(
    guest: SocketGuest, errors_as_json: bool | None
) -> None:
    attachment_id = str(uuid.uuid4())
    request: dict[str, Any] = {"fileName": "setup.exe", "fileType": "application/pdf"}
    if errors_as_json is not None:
        request["errorsAsJson"] = errors_as_json
    refused = await guest.request("onAttachment", attachmentId=attachment_id, **request)
    assert refused["type"] == "response" and refused["class"] == "string"
    assert refused["code"] == ErrorCode.FILE_TYPE_INVALID
    assert isinstance(refused["body"], str) and ".exe" in refused["body"]
    gone = await guest.request("getAttachment", attachmentId=attachment_id)
    assert gone["code"] == ErrorCode.ATTACHMENT_NOT_FOUND
    # errorsAsJson changes only how a refusal is written: a good file gets its URL either way.
    request = {"fileName": "report.pdf", "fileType": "application/pdf", "fileSize": len(PDF)}
    granted = await guest.request("onAttachment", **request)
    assert granted["class"] == "PresignedUrlResponse" and granted["body"]["headers"]


async def test_errors_as_json_must_be_a_boolean(guest: SocketGuest) -> None:
    refused = await guest.request(
        "onAttachment", fileName="report.pdf", fileType="application/pdf", errorsAsJson="yes"
    )
    assert refused["class"] == "string" and refused["code"] == ErrorCode.BAD_REQUEST
    assert "errorsAsJson" in refused["body"]


async def test_an_upload_over_the_limit_is_refused_and_the_session_told(
    service: LocalService, guest: SocketGuest
) -> None:
    presigned = (await _ask_upload(guest))["body"]
    url = urlsplit(presigned["url"])
    # A raw request: the service refuses it on the declared length, before any byte of the body.
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    headers = "".join(f"{k}: {v}\r\n" for k, v in presigned["headers"].items())
    writer.write(
        f"PUT {url.path}?{url.query} HTTP/1.1\r\nHost: {url.netloc}\r\n{headers}"
        f"Content-Length: {MAX_ATTACHMENT_BYTES + 1}\r\n\r\n".encode()
    )
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), WAIT)
    writer.close()
    assert b" 413 " in status_line
    failure = await guest.wait_for(is_class("UploadFailureEvent"))
    body = failure["body"]
    assert body["attachmentId"] == presigned["attachmentId"]
    assert body["errorCode"] == ErrorCode.FILE_SIZE_INVALID and body["errorMessage"]
    assert body["timestamp"].endswith("Z")


async def test_an_upload_of_exactly_the_limit_is_taken(
    guest: SocketGuest, http: httpx2.AsyncClient
) -> None:
    presigned = (await _ask_upload(guest, fileSize=MAX_ATTACHMENT_BYTES))["body"]
    data = bytes(range(256)) * (MAX_ATTACHMENT_BYTES // 256) + b"x" * (MAX_ATTACHMENT_BYTES % 256)
    assert len(data) == MAX_ATTACHMENT_BYTES
    assert (await _upload(http, presigned, data)).status_code == 200
    success = await guest.wait_for(is_class("UploadSuccessEvent"))
    assert (await http.get(success["body"]["downloadUrl"])).content == data


async def test_an_empty_upload_is_refused_with_4102(
    guest: SocketGuest, http: httpx2.AsyncClient
) -> None:
    presigned = (await _ask_upload(guest))["body"]
    _is_error_body(await _upload(http, presigned, b""), 400, "file.size.zero")
    failure = await guest.wait_for(is_class("UploadFailureEvent"))
    assert failure["body"]["errorCode"] == ErrorCode.FILE_SIZE_ZERO
    # The URL still takes a good upload.
    assert (await _upload(http, presigned)).status_code == 200
    await guest.wait_for(is_class("UploadSuccessEvent"))


async def test_uploads_without_the_headers_or_the_signature_are_refused(
    service: LocalService, guest: SocketGuest, http: httpx2.AsyncClient
) -> None:
    presigned = (await _ask_upload(guest))["body"]
    url = presigned["url"]
    _is_error_body(await http.put(url, content=PDF), 403, "not.authorized")
    forged = url[:-4] + ("0000" if not url.endswith("0000") else "1111")
    headers = presigned["headers"]
    _is_error_body(
        await http.put(forged, content=PDF, headers=headers), 403, "attachment.url.invalid"
    )
    unsigned = url.split("?")[0]
    _is_error_body(
        await http.put(unsigned, content=PDF, headers=headers), 403, "attachment.url.invalid"
    )
    # A download URL does not upload, and an upload URL does not download.
    signer = UrlSigner(key_path(service.db_path).read_text(encoding="ascii"))
    attachment_id = presigned["attachmentId"]
    download = signer.url(service.base_url, "GET", attachment_id, 60)
    _is_error_body(
        await http.put(download, content=PDF, headers=headers), 403, "attachment.url.invalid"
    )
    _is_error_body(await http.get(url), 403, "attachment.url.invalid")
    expired = signer.url(service.base_url, "PUT", attachment_id, -1)
    _is_error_body(
        await http.put(expired, content=PDF, headers=headers), 403, "attachment.url.expired"
    )


async def test_an_expired_download_url_is_403_and_get_attachment_gives_a_fresh_one(
    service: LocalService, guest: SocketGuest, http: httpx2.AsyncClient
) -> None:
    success = await _uploaded(guest, http)
    attachment_id = success["body"]["attachmentId"]
    signer = UrlSigner(key_path(service.db_path).read_text(encoding="ascii"))
    expired = signer.url(service.base_url, "GET", attachment_id, -1)
    _is_error_body(await http.get(expired), 403, "attachment.url.expired")
    fresh = await guest.request("getAttachment", attachmentId=attachment_id)
    assert fresh["type"] == "response" and fresh["class"] == "PresignedUrlResponse"
    body = fresh["body"]
    assert body["attachmentId"] == attachment_id and body["headers"] == {}
    assert body["fileName"] == "report.pdf" and body["fileSize"] == len(PDF)
    assert body["fileType"] == "application/pdf"
    assert (await http.get(body["url"])).content == PDF


async def test_messages_and_requests_naming_unknown_or_pending_attachments_are_refused(
    service: LocalService, guest: SocketGuest
) -> None:
    pending = (await _ask_upload(guest))["body"]["attachmentId"]
    for attachment_id, code in (
        ("no-such-attachment", ErrorCode.ATTACHMENT_NOT_FOUND),
        (pending, ErrorCode.ATTACHMENT_NOT_UPLOADED),
    ):
        content = [{"contentType": "Attachment", "attachment": {"id": attachment_id}}]
        refused = await guest.say("see attached", content=content)
        assert refused["class"] == "string" and refused["code"] == code
        fetched = await guest.request("getAttachment", attachmentId=attachment_id)
        assert fetched["class"] == "string" and fetched["code"] == code
    # Another session does not see this one's attachment.
    async with websockets.connect(socket_url(service)) as ws:
        stranger = SocketGuest(ws)
        await stranger.configure()
        for action in ("getAttachment", "deleteAttachment"):
            refused = await stranger.request(action, attachmentId=pending)
            assert refused["code"] == ErrorCode.ATTACHMENT_NOT_FOUND
    malformed = await guest.request("getAttachment")
    assert malformed["class"] == "string" and malformed["code"] == 400


async def test_delete_attachment_before_sending(
    guest: SocketGuest, http: httpx2.AsyncClient
) -> None:
    success = await _uploaded(guest, http)
    attachment_id = success["body"]["attachmentId"]
    deleted = await guest.request("deleteAttachment", attachmentId=attachment_id)
    assert deleted["type"] == "message" and deleted["class"] == "AttachmentDeletedResponse"
    assert deleted["body"] == {"attachmentId": attachment_id}
    gone = await guest.request("getAttachment", attachmentId=attachment_id)
    assert gone["code"] == ErrorCode.ATTACHMENT_NOT_FOUND
    _is_error_body(await http.get(success["body"]["downloadUrl"]), 404, "not.found")
    again = await guest.request("deleteAttachment", attachmentId=attachment_id)
    assert again["code"] == ErrorCode.ATTACHMENT_NOT_FOUND


async def test_a_sent_attachment_cannot_be_deleted(
    guest: SocketGuest, http: httpx2.AsyncClient
) -> None:
    attachment_id = (await _uploaded(guest, http))["body"]["attachmentId"]
    content = [{"contentType": "Attachment", "attachment": {"id": attachment_id}}]
    assert (await guest.say("sent", content=content))["class"] == "StructuredMessage"
    refused = await guest.request("deleteAttachment", attachmentId=attachment_id)
    assert refused["class"] == "string" and refused["code"] == 400


async def test_an_uploaded_attachment_survives_a_restart(
    service_factory: Callable[..., LocalService], tmp_path: Path
) -> None:
    db = tmp_path / "chats.db"
    service = service_factory(db_path=db)
    async with (
        websockets.connect(socket_url(service)) as ws,
        httpx2.AsyncClient(timeout=WAIT) as http,
    ):
        guest = SocketGuest(ws)
        await guest.configure()
        attachment_id = (await _uploaded(guest, http))["body"]["attachmentId"]
    service.stop()
    again = service_factory(db_path=db)
    async with (
        websockets.connect(socket_url(again)) as ws,
        httpx2.AsyncClient(timeout=WAIT) as http,
    ):
        guest = SocketGuest(ws, guest.token)
        await guest.configure()
        fetched = await guest.request("getAttachment", attachmentId=attachment_id)
        assert fetched["class"] == "PresignedUrlResponse", fetched
        assert (await http.get(fetched["body"]["url"])).content == PDF
