"""The blocking counterpart of :class:`~.EventStream`, for scripts."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Self

from ..models import MemberState
from ._event_stream import EventStream, StreamEnd
from ._loop_thread import LoopFacade, LoopThread
from ._token import token_from_uri
from .events import StreamEvent

if TYPE_CHECKING:
    from ..api_client import AsyncApiClient


class SyncEventStream(LoopFacade):
    """An :class:`EventStream` run on a private event loop thread.

    ``environment`` (a region domain or a base URL such as ``http://127.0.0.1:8080``) lets the
    stream backfill over REST with the JWT the URI carries; the other keyword arguments are
    those of :class:`EventStream`. Iterate with ``for event in stream`` or call
    :meth:`next_event` with a timeout. Use it as a context manager, or call :meth:`close`.
    """

    def __init__(
        self, event_stream_uri: str, *, environment: str | None = None, **options: Any
    ) -> None:
        if "api" in options:
            raise TypeError("SyncEventStream builds its own API client: pass environment=")
        loop, (self._stream, client) = LoopThread.started_with(
            "guestchat-event-stream", _build(event_stream_uri, environment, options)
        )
        super().__init__(loop, self._stream, *([] if client is None else [client.aclose]))

    @property
    def stream(self) -> EventStream:
        """The underlying async stream (its attributes are safe to read from any thread)."""
        return self._stream

    @property
    def uri(self) -> str:
        """The event-stream URI with its token redacted."""
        return self._stream.uri

    @property
    def conversation_id(self) -> str | None:
        return self._stream.conversation_id

    @property
    def member_id(self) -> str | None:
        return self._stream.member_id

    @property
    def last_message_id(self) -> str | None:
        return self._stream.last_message_id

    @property
    def connected(self) -> bool:
        return self._stream.connected

    @property
    def heartbeat_interval(self) -> float:
        """The service's heartbeat cadence in seconds, as :attr:`EventStream.heartbeat_interval`."""
        return self._stream.heartbeat_interval

    @property
    def heartbeat_measured(self) -> bool:
        return self._stream.heartbeat_measured

    @property
    def end_reason(self) -> StreamEnd | None:
        return self._stream.end_reason

    @property
    def member_states(self) -> Mapping[str, MemberState | str]:
        """The latest state seen for each member: a copy, since the stream's own changes on its
        loop thread."""
        return dict(self._stream.member_states)

    def connect(self) -> None:
        self._loop.run(self._stream.connect())

    def next_event(self, timeout: float | None = None) -> StreamEvent | None:
        """The next event; ``None`` once the stream has ended. ``TimeoutError`` after
        ``timeout`` seconds without one."""
        try:
            return self._loop.run(self._stream.__anext__(), timeout)
        except StopAsyncIteration:
            return None

    def __iter__(self) -> Iterator[StreamEvent]:
        while (event := self.next_event()) is not None:
            yield event

    def __enter__(self) -> Self:
        self.connect()
        return self


async def _build(
    event_stream_uri: str, environment: str | None, options: dict[str, Any]
) -> tuple[EventStream, AsyncApiClient | None]:
    from ..api_client import AsyncApiClient
    from ..apis.web_chat_api import AsyncWebChatApi

    client: AsyncApiClient | None = None
    if environment is not None:
        client = AsyncApiClient(environment, jwt=token_from_uri(event_stream_uri))
        options["api"] = AsyncWebChatApi(client)
    return EventStream(event_stream_uri, **options), client
