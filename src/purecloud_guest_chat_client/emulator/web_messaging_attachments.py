"""Web Messaging attachments: the guest asks for an upload URL (``onAttachment``), puts the bytes
there, sends a message that carries the attachment, and may later ask for a fresh download URL
(``getAttachment``) or delete it before sending (``deleteAttachment``).

The URLs are on the service itself (the vendor's are on its file storage), signed with an HMAC
and expiring. An attachment is kept in memory until its bytes arrive; from then on it is in the
database with its chat, bytes included, so it survives a restart like the chat's messages.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlencode

from ..models import format_timestamp
from ..models.web_messaging_protocol import (
    ATTACHMENT_PATH,
    ATTACHMENT_RETENTION_SECONDS,
    BLOCKED_EXTENSIONS,
    DOWNLOAD_URL_LIFETIME_SECONDS,
    INBOUND_FILE_TYPES,
    MAX_ATTACHMENT_KB,
    MAX_FILE_NAME_LENGTH,
    UPLOAD_TAGGING_HEADER,
    UPLOAD_URL_LIFETIME_SECONDS,
    URL_EXPIRES_PARAMETER,
    URL_SIGNATURE_PARAMETER,
    AttachmentMediaType,
    ContentType,
    ErrorCode,
    FrameClass,
)
from .api_error import ApiError
from .records import utc_now
from .store import (
    AttachmentRow,
    Store,
    web_messaging_attachment_deleted_op,
    web_messaging_attachment_op,
    web_messaging_attachment_sent_op,
)

logger = logging.getLogger(__name__)

MAX_ATTACHMENT_BYTES = MAX_ATTACHMENT_KB * 1000
"""The limit in bytes: the vendor's client counts a KB as 1,000 bytes."""

_ATTACHMENT_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
_MEDIA_TYPES = {
    "image": AttachmentMediaType.IMAGE,
    "video": AttachmentMediaType.VIDEO,
    "audio": AttachmentMediaType.AUDIO,
}
_URL_KEY_LABEL = b"web messaging attachment urls\n"


class AttachmentRefused(Exception):
    """A request about an attachment that is refused with ``code``. ``generate_url_error`` says
    whether the answer is a ``GenerateUrlError`` (the checks of ``onAttachment``) rather than a
    ``string`` error frame."""

    def __init__(
        self, code: int, text: str, attachment_id: str | None, *, generate_url_error: bool = False
    ) -> None:
        super().__init__(text)
        self.code = code
        self.text = text
        self.attachment_id = attachment_id
        self.generate_url_error = generate_url_error

    def body(self) -> dict[str, Any]:
        """The ``GenerateUrlError`` body."""
        return {
            "attachmentId": self.attachment_id,
            "errorCode": self.code,
            "errorMessage": self.text,
        }


@dataclass
class Attachment:
    id: str
    conversation_id: str
    file_name: str
    file_type: str
    # The service's base URL as the guest reached it, where the attachment's URLs point.
    base_url: str
    size: int | None = None
    uploaded_at: datetime | None = None
    message_id: str | None = None
    # Where the upload's outcome is pushed: the session's connections, while it waits.
    notify: Callable[[str, dict[str, Any]], None] | None = None

    @property
    def uploaded(self) -> bool:
        return self.uploaded_at is not None

    @property
    def media_type(self) -> AttachmentMediaType:
        return _MEDIA_TYPES.get(self.file_type.partition("/")[0], AttachmentMediaType.FILE)

    def expired(self, now: float) -> bool:
        at = self.uploaded_at
        return at is not None and now >= at.timestamp() + ATTACHMENT_RETENTION_SECONDS


def type_allowed(file_type: str) -> bool:
    """Whether a media type is one of ``INBOUND_FILE_TYPES`` (``type/*`` takes any subtype)."""
    wanted = file_type.strip().lower()
    main, _, sub = wanted.partition("/")
    if not main or not sub:
        return False
    return any(
        allowed == wanted or (allowed.endswith("/*") and allowed[:-2] == main)
        for allowed in INBOUND_FILE_TYPES
    )


class UrlSigner:
    """Signs and checks the attachment URLs: an HMAC of the method, the attachment and the
    expiry, with a key derived from the service's JWT signing key (so a URL outlives a restart
    and nobody without the key file can make one)."""

    def __init__(self, private_pem: str) -> None:
        self._key = hashlib.sha256(_URL_KEY_LABEL + private_pem.encode()).digest()

    def _signature(self, method: str, attachment_id: str, expires: int) -> str:
        text = f"{method} {attachment_id} {expires}".encode()
        return hmac.new(self._key, text, hashlib.sha256).hexdigest()

    def url(self, base: str, method: str, attachment_id: str, lifetime: int) -> str:
        expires = int(time.time()) + lifetime
        query = urlencode(
            {
                URL_EXPIRES_PARAMETER: expires,
                URL_SIGNATURE_PARAMETER: self._signature(method, attachment_id, expires),
            }
        )
        return f"{base}{ATTACHMENT_PATH.format(attachment_id=attachment_id)}?{query}"

    def check(
        self, method: str, attachment_id: str, expires: str | None, signature: str | None
    ) -> None:
        """Raises a 403 ErrorBody unless the URL was signed here, for this, and is unexpired."""
        valid = (
            expires is not None
            and signature is not None
            and expires.isascii()
            and expires.isdigit()
            and len(expires) <= 12
            and hmac.compare_digest(
                signature.encode(), self._signature(method, attachment_id, int(expires)).encode()
            )
        )
        if not valid:
            raise ApiError(403, "attachment.url.invalid", "The attachment URL is not valid.")
        assert expires is not None
        if int(expires) <= time.time():
            raise ApiError(
                403,
                "attachment.url.expired",
                "The attachment URL has expired (4008): ask for a fresh one with getAttachment.",
            )


class WebMessagingAttachments:
    """Every attachment the service knows, by id."""

    def __init__(self, store: Store, signer: UrlSigner) -> None:
        self._store = store
        self.signer = signer
        self._attachments: dict[str, Attachment] = {
            row.id: _from_row(row) for row in store.web_messaging_attachments()
        }
        self._by_message: dict[str, list[Attachment]] = {}
        for attachment in self._attachments.values():
            if attachment.message_id is not None:
                self._by_message.setdefault(attachment.message_id, []).append(attachment)

    # -- onAttachment and the upload ------------------------------------------------------------

    def request_upload(
        self,
        conversation_id: str,
        request: dict[str, Any],
        base_url: str,
        notify: Callable[[str, dict[str, Any]], None],
    ) -> dict[str, Any]:
        """The ``PresignedUrlResponse`` body for an ``onAttachment``; raises
        :class:`AttachmentRefused` when the file may not be sent (nothing is kept then)."""
        attachment_id = request.get("attachmentId")
        if attachment_id is None:
            # Not new_id(): an attachment's id is its key in the database, and must never repeat.
            attachment_id = str(uuid.uuid4())
        elif not isinstance(attachment_id, str) or not _ATTACHMENT_ID.fullmatch(attachment_id):
            raise AttachmentRefused(
                ErrorCode.BAD_REQUEST,
                "attachmentId must be 1 to 128 letters, digits, '-' or '_'.",
                None,
            )
        known = self._attachments.get(attachment_id)
        if known is not None and (known.conversation_id != conversation_id or known.uploaded):
            raise AttachmentRefused(
                ErrorCode.BAD_REQUEST, "The attachmentId is already in use.", attachment_id
            )
        file_name, file_type = _checked_file(request, attachment_id)
        self._attachments[attachment_id] = Attachment(
            attachment_id, conversation_id, file_name, file_type, base_url, notify=notify
        )
        return {
            "attachmentId": attachment_id,
            "headers": {UPLOAD_TAGGING_HEADER: upload_tagging(attachment_id)},
            "url": self.signer.url(base_url, "PUT", attachment_id, UPLOAD_URL_LIFETIME_SECONDS),
        }

    def waiting_upload(self, attachment_id: str) -> Attachment:
        """The attachment an upload URL names, still waiting for its bytes; else an ErrorBody."""
        attachment = self._attachments.get(attachment_id)
        if attachment is None:
            raise ApiError.not_found(f"The attachment {attachment_id} was not found.")
        if attachment.uploaded:
            raise ApiError(409, "attachment.uploaded", "The attachment is uploaded already.")
        return attachment

    def upload_failed(self, attachment: Attachment, code: int, text: str) -> None:
        """Tells the session the upload failed (``UploadFailureEvent``); the guest may try
        again with the same URL."""
        if attachment.notify is not None:
            body = {
                "attachmentId": attachment.id,
                "errorCode": code,
                "errorMessage": text,
                "timestamp": format_timestamp(utc_now()),
            }
            attachment.notify(FrameClass.UPLOAD_FAILURE_EVENT, body)

    async def uploaded(self, attachment: Attachment, data: bytes) -> None:
        """Stores the bytes with the chat, then tells the session (``UploadSuccessEvent``)."""
        now = utc_now()
        await self._store.commit(
            web_messaging_attachment_op(
                AttachmentRow(
                    attachment.id,
                    attachment.conversation_id,
                    attachment.file_name,
                    attachment.file_type,
                    attachment.base_url,
                    len(data),
                    format_timestamp(now),
                    None,
                ),
                data,
            )
        )
        attachment.size, attachment.uploaded_at = len(data), now
        logger.info(
            "attachment uploaded: conversation %s, %d bytes", attachment.conversation_id, len(data)
        )
        if attachment.notify is not None:
            body = {
                "attachmentId": attachment.id,
                "downloadUrl": self.download_url(attachment),
                "timestamp": format_timestamp(now),
            }
            attachment.notify(FrameClass.UPLOAD_SUCCESS_EVENT, body)
            attachment.notify = None

    # -- the uploaded attachment ---------------------------------------------------------------

    def download_url(
        self,
        attachment: Attachment,
        lifetime: int = DOWNLOAD_URL_LIFETIME_SECONDS,
        base_url: str | None = None,
    ) -> str:
        """A signed download URL on ``base_url`` (where the asking client reached the service),
        else where the attachment's guest reached it."""
        return self.signer.url(base_url or attachment.base_url, "GET", attachment.id, lifetime)

    def of_session(self, conversation_id: str, request: dict[str, Any]) -> Attachment:
        """The attachment a request names, if it is this conversation's; else refused (4009)."""
        attachment_id = request.get("attachmentId")
        if not isinstance(attachment_id, str) or not attachment_id:
            raise AttachmentRefused(ErrorCode.BAD_REQUEST, "The request has no attachmentId.", None)
        attachment = self._attachments.get(attachment_id)
        if attachment is None or attachment.conversation_id != conversation_id:
            raise AttachmentRefused(
                ErrorCode.ATTACHMENT_NOT_FOUND, "The attachment was not found.", attachment_id
            )
        return attachment

    def download(
        self, conversation_id: str, request: dict[str, Any], base_url: str
    ) -> dict[str, Any]:
        """The ``PresignedUrlResponse`` body of a ``getAttachment``: a fresh download URL."""
        attachment = self.of_session(conversation_id, request)
        if not attachment.uploaded:
            raise AttachmentRefused(
                ErrorCode.ATTACHMENT_NOT_UPLOADED,
                "The attachment was not uploaded successfully.",
                attachment.id,
            )
        if attachment.expired(time.time()):
            raise AttachmentRefused(
                ErrorCode.ATTACHMENT_EXPIRED, "The attachment has expired.", attachment.id
            )
        return {
            "attachmentId": attachment.id,
            "headers": {},
            "url": self.download_url(attachment, base_url=base_url),
            "fileName": attachment.file_name,
            "fileSize": attachment.size,
            "fileType": attachment.file_type,
        }

    def stored(self, attachment_id: str) -> tuple[Attachment, bytes]:
        """An uploaded attachment and its bytes, for a signed download URL; else an ErrorBody."""
        attachment = self._attachments.get(attachment_id)
        data = self._store.web_messaging_attachment_data(attachment_id) if attachment else None
        if attachment is None or data is None:
            raise ApiError.not_found(f"The attachment {attachment_id} was not found.")
        if attachment.expired(time.time()):
            raise ApiError(403, "attachment.expired", "The attachment has expired (4008).")
        return attachment, data

    async def delete(self, conversation_id: str, request: dict[str, Any]) -> dict[str, Any]:
        """The ``AttachmentDeletedResponse`` body of a ``deleteAttachment``. An attachment that a
        sent message carries stays: the message is the conversation's."""
        attachment = self.of_session(conversation_id, request)
        if attachment.message_id is not None:
            raise AttachmentRefused(
                ErrorCode.BAD_REQUEST,
                "The attachment is in a sent message and cannot be deleted.",
                attachment.id,
            )
        if attachment.uploaded:
            await self._store.commit(web_messaging_attachment_deleted_op(attachment.id))
        logger.info("attachment deleted: conversation %s", conversation_id)
        self._attachments.pop(attachment.id, None)
        return {"attachmentId": attachment.id}

    # -- messages that carry attachments ---------------------------------------------------------

    def checked(self, conversation_id: str, item: dict[str, Any]) -> Attachment:
        """The uploaded attachment an ``Attachment`` content item of a guest's message names;
        refused with 4009 for one the session does not have, 4010 for one not uploaded."""
        named = item.get("attachment")
        attachment_id = named.get("id") if isinstance(named, dict) else None
        if not isinstance(attachment_id, str):
            raise AttachmentRefused(
                ErrorCode.BAD_REQUEST, "An Attachment item needs attachment.id.", None
            )
        attachment = self.of_session(conversation_id, {"attachmentId": attachment_id})
        if not attachment.uploaded:
            raise AttachmentRefused(
                ErrorCode.ATTACHMENT_NOT_UPLOADED,
                "The attachment was not uploaded successfully.",
                attachment_id,
            )
        return attachment

    async def sent(self, content: list[dict[str, Any]], message_id: str) -> None:
        """Records which message carries the attachments of its content (for the history)."""
        attachments = self._carried(content)
        if not attachments:
            return
        for attachment in attachments:
            attachment.message_id = message_id
        self._by_message[message_id] = attachments
        await self._store.commit(
            *(web_messaging_attachment_sent_op(a.id, message_id) for a in attachments)
        )

    def of_message(self, message_id: str) -> list[Attachment]:
        return self._by_message.get(message_id, [])

    def with_notes(self, text: str, content: list[dict[str, Any]]) -> str:
        """The text of a message as agents (the control API, the console) see it: the guest's
        text, then one line per attachment of its ``content`` with the attachment's name, size
        and a download URL that lasts as long as the attachment does."""
        notes = []
        for attachment in self._carried(content):
            url = self.download_url(attachment, ATTACHMENT_RETENTION_SECONDS)
            notes.append(f"[Attachment: {attachment.file_name} ({attachment.size} bytes) {url}]")
        return "\n".join([text, *notes] if text else notes)

    def _carried(self, content: list[dict[str, Any]]) -> list[Attachment]:
        """The attachments of a message's (checked) content items."""
        ids = [
            item["attachment"]["id"]
            for item in content
            if item.get("contentType") == ContentType.ATTACHMENT
        ]
        return [self._attachments[i] for i in ids if i in self._attachments]

    def content(self, attachment: Attachment, base_url: str | None = None) -> dict[str, Any]:
        """The ``content[]`` item of a message that carries the attachment."""
        return {
            "contentType": ContentType.ATTACHMENT,
            "attachment": {
                "id": attachment.id,
                "url": self.download_url(attachment, base_url=base_url),
                "filename": attachment.file_name,
                "fileSize": attachment.size,
                "mediaType": attachment.media_type,
                "mime": attachment.file_type,
            },
        }


def text_without_notes(text: str, attachments: list[Attachment]) -> str:
    """The guest's own text of a message that carries ``attachments`` (see ``with_notes``)."""
    if not attachments:
        return text
    return "\n".join(text.split("\n")[: -len(attachments)])


def upload_tagging(attachment_id: str) -> str:
    """The value of the header the upload must carry."""
    return f"attachmentId={attachment_id}"


def _checked_file(request: dict[str, Any], attachment_id: str) -> tuple[str, str]:
    """The file's name and type, or refused with its GenerateUrlError code (4001-4005)."""

    def refuse(code: int, text: str) -> AttachmentRefused:
        return AttachmentRefused(code, text, attachment_id, generate_url_error=True)

    file_name = request.get("fileName")
    if not isinstance(file_name, str) or not file_name.strip():
        raise refuse(ErrorCode.FILE_NAME_INVALID, "The file has no name.")
    if len(file_name) >= MAX_FILE_NAME_LENGTH:
        raise refuse(
            ErrorCode.FILE_NAME_TOO_LONG,
            f"The file name is {len(file_name)} characters; it must be shorter than "
            f"{MAX_FILE_NAME_LENGTH}.",
        )
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in file_name):
        raise refuse(ErrorCode.FILE_NAME_INVALID, "The file name holds control characters.")
    extension = PurePosixPath(file_name.replace("\\", "/")).suffix.lower()
    if not extension or extension == ".":
        raise refuse(ErrorCode.FILE_NAME_INVALID, "The file name has no extension.")
    if extension in BLOCKED_EXTENSIONS:
        raise refuse(ErrorCode.FILE_TYPE_INVALID, f"Files of type {extension} are not allowed.")
    file_type = request.get("fileType")
    if not isinstance(file_type, str) or not type_allowed(file_type):
        shown = str(file_type)[:100] if file_type is not None else "(none)"
        raise refuse(ErrorCode.FILE_TYPE_INVALID, f"The file type {shown} is not allowed.")
    size = request.get("fileSize")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
        raise refuse(ErrorCode.FILE_SIZE_INVALID, "fileSize must be a whole number of bytes.")
    if size is not None and size > MAX_ATTACHMENT_BYTES:
        raise refuse(
            ErrorCode.FILE_SIZE_INVALID,
            f"The file is {size} bytes; at most {MAX_ATTACHMENT_KB} KB are allowed.",
        )
    return file_name, file_type.strip().lower()


def _from_row(row: AttachmentRow) -> Attachment:
    return Attachment(
        row.id,
        row.conversation_id,
        row.file_name,
        row.file_type,
        row.base_url,
        row.size,
        datetime.fromisoformat(row.uploaded_at),
        row.message_id,
    )
