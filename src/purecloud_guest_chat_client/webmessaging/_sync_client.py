"""The blocking counterpart of :class:`~.WebMessagingClient`, for scripts: the async client run
on a private event loop thread, so that the connection keeps being read (pings answered,
reconnects made) between the caller's calls."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, Self

from ..stream._loop_thread import LoopFacade, LoopThread
from ._client import WebMessagingClient
from ._endpoints import Endpoints
from .events import AttachmentLink, SessionInfo, UploadSucceeded, WebMessage, WebMessagingEvent


class SyncWebMessagingClient(LoopFacade):
    """A :class:`WebMessagingClient` for blocking code: the same arguments, the same methods
    without ``await``. Use it as a context manager, or call :meth:`close`."""

    def __init__(self, deployment_id: str, *args: Any, **options: Any) -> None:
        loop, self._client = LoopThread.started_with(
            "guestchat-web-messaging", _build(deployment_id, args, options)
        )
        super().__init__(loop, self._client)

    @property
    def client(self) -> WebMessagingClient:
        """The async client this one runs (its properties are safe to read from any thread)."""
        return self._client

    @property
    def token(self) -> str:
        return self._client.token

    @property
    def deployment_id(self) -> str:
        return self._client.deployment_id

    @property
    def websocket_url(self) -> str:
        return self._client.websocket_url

    @property
    def endpoints(self) -> Endpoints:
        return self._client.endpoints

    @property
    def session(self) -> SessionInfo | None:
        return self._client.session

    @property
    def connected(self) -> bool:
        return self._client.connected

    @property
    def read_only(self) -> bool:
        return self._client.read_only

    @property
    def closed(self) -> bool:
        return self._client.closed

    def connect(self) -> SessionInfo:
        return self._loop.run(self._client.connect())

    def resume(self, token: str) -> SessionInfo:
        return self._loop.run(self._client.resume(token))

    def next_event(self, timeout: float | None = None) -> WebMessagingEvent | None:
        """The next event; ``None`` once the session has ended; ``TimeoutError`` after
        ``timeout`` seconds without one."""
        # The loop thread applies the timeout (and cancels the wait), as for the event stream.
        return self._loop.run(self._client.next_event(), timeout)

    def events(self) -> Iterator[WebMessagingEvent]:
        while (event := self.next_event()) is not None:
            yield event

    def send_text(
        self,
        text: str,
        *,
        custom_attributes: Mapping[str, str] | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> WebMessage:
        return self._loop.run(
            self._client.send_text(text, custom_attributes=custom_attributes, metadata=metadata)
        )

    def send_quick_reply(
        self, text: str, payload: str, *, originating_message_id: str | None = None
    ) -> WebMessage:
        return self._loop.run(
            self._client.send_quick_reply(
                text, payload, originating_message_id=originating_message_id
            )
        )

    def send_button_response(
        self, text: str, payload: str, *, originating_message_id: str | None = None
    ) -> WebMessage:
        return self._loop.run(
            self._client.send_button_response(
                text, payload, originating_message_id=originating_message_id
            )
        )

    def send_date_picker_answer(
        self, chosen: datetime | str, *, text: str = "", originating_message_id: str | None = None
    ) -> WebMessage:
        return self._loop.run(
            self._client.send_date_picker_answer(
                chosen, text=text, originating_message_id=originating_message_id
            )
        )

    def send_list_picker_answer(
        self,
        items: Mapping[str, str],
        *,
        originating_message_id: str | None = None,
        text: str = "",
    ) -> WebMessage:
        return self._loop.run(
            self._client.send_list_picker_answer(
                items, originating_message_id=originating_message_id, text=text
            )
        )

    def send_typing(self) -> bool:
        return self._loop.run(self._client.send_typing())

    def health_check(self) -> bool:
        return self._loop.run(self._client.health_check())

    def history(self) -> list[WebMessage]:
        return self._loop.run(self._client.history())

    def get_jwt(self) -> str:
        return self._loop.run(self._client.get_jwt())

    def clear(self) -> None:
        self._loop.run(self._client.clear())

    def close_session(self, close_all_connections: bool = True) -> SessionInfo:
        return self._loop.run(self._client.close_session(close_all_connections))

    def start_new(self) -> SessionInfo:
        return self._loop.run(self._client.start_new())

    def upload_attachment(
        self, file_name: str, data: bytes, *, content_type: str | None = None
    ) -> UploadSucceeded:
        return self._loop.run(
            self._client.upload_attachment(file_name, data, content_type=content_type)
        )

    def send_attachment(
        self,
        file_name: str,
        data: bytes,
        *,
        text: str = "",
        content_type: str | None = None,
        custom_attributes: Mapping[str, str] | None = None,
    ) -> WebMessage:
        return self._loop.run(
            self._client.send_attachment(
                file_name,
                data,
                text=text,
                content_type=content_type,
                custom_attributes=custom_attributes,
            )
        )

    def send_uploaded(
        self,
        attachment_id: str,
        *,
        text: str = "",
        custom_attributes: Mapping[str, str] | None = None,
    ) -> WebMessage:
        return self._loop.run(
            self._client.send_uploaded(
                attachment_id, text=text, custom_attributes=custom_attributes
            )
        )

    def get_attachment(self, attachment_id: str) -> AttachmentLink:
        return self._loop.run(self._client.get_attachment(attachment_id))

    def download_attachment(self, attachment_id: str) -> bytes:
        return self._loop.run(self._client.download_attachment(attachment_id))

    def delete_attachment(self, attachment_id: str) -> None:
        self._loop.run(self._client.delete_attachment(attachment_id))

    def authenticate(
        self, code: str, redirect_uri: str, *, code_verifier: str | None = None
    ) -> None:
        self._loop.run(self._client.authenticate(code, redirect_uri, code_verifier=code_verifier))

    def use_authentication(self, jwt: str, refresh_token: str | None = None) -> None:
        self._client.use_authentication(jwt, refresh_token)

    @property
    def authenticated(self) -> bool:
        return self._client.authenticated

    def refresh_authentication(self) -> None:
        self._loop.run(self._client.refresh_authentication())

    def logout(self) -> None:
        self._loop.run(self._client.logout())

    def deployment_config(self) -> dict[str, Any]:
        return self._loop.run(self._client.deployment_config())

    def __enter__(self) -> Self:
        self.connect()
        return self


async def _build(
    deployment_id: str, args: tuple[Any, ...], options: dict[str, Any]
) -> WebMessagingClient:
    # Made on the loop that will run it: its events and locks belong to that loop.
    return WebMessagingClient(deployment_id, *args, **options)
