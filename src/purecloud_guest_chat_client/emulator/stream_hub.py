"""The event-stream hub: which guest streams are open, and fan-out of frames to them.

Every connection has its own outbound queue and sender task, so a slow client never holds up a
publisher and frames reach each client in the order they were published. The queue is bounded:
a client that does not read is closed rather than buffered for without end.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.websockets import WebSocket

logger = logging.getLogger(__name__)

CONVERSATION_ENDED = (1001, "The conversation is ended")
SERVICE_STOPPING = (1012, "The service is restarting")
TOKEN_EXPIRED = (1008, "The supplied credentials are expired and cannot be used.")
NOT_READ = (1008, "The stream's frames are not read fast enough")
# How long a client whose queue overflowed gets to read the close frame before it is cut.
_OVERFLOW_GRACE_SECONDS = 2.0


@dataclass(frozen=True)
class _Close:
    code: int
    reason: str


class StreamConnection:
    """One open guest WebSocket."""

    def __init__(
        self,
        websocket: WebSocket,
        abort_transport: Callable[[], None] | None,
        conversation_id: str,
        member_id: str,
        max_queued: int,
        send_now: Callable[[str], bool] | None = None,
    ) -> None:
        self.websocket = websocket
        self.conversation_id = conversation_id
        self.member_id = member_id
        self._abort_transport = abort_transport
        self._send_now = send_now
        self._outbox: asyncio.Queue[str | _Close] = asyncio.Queue()
        self._max_queued = max_queued
        self._overflowed = False
        # The sender waits for the next frame, having sent every one before it.
        self._sender_idle = False
        self.finished = asyncio.Event()
        self.close_code: int | None = None

    def push(self, text: str) -> None:
        if self.finished.is_set() or self._overflowed:
            return
        # Nothing queued and the sender idle: written at once, which costs a fraction of the
        # queue, the sender's wake-up and the ASGI send, and keeps the order of the frames.
        idle = self._sender_idle and self._outbox.empty()
        if idle and self._send_now is not None and self._send_now(text):
            return
        if self._outbox.qsize() < self._max_queued:
            self._outbox.put_nowait(text)
            return
        # The client does not read: what waits for it is dropped (it backfills after
        # reconnecting) and it is closed, then cut if even the close frame is not read.
        self._overflowed = True
        logger.warning(
            "event stream of conversation %s closed: %d frames not read",
            self.conversation_id,
            self._max_queued,
        )
        while not self._outbox.empty():
            self._outbox.get_nowait()
        self._outbox.put_nowait(_Close(*NOT_READ))
        asyncio.get_running_loop().call_later(_OVERFLOW_GRACE_SECONDS, self._cut_if_open)

    def _cut_if_open(self) -> None:
        if not self.finished.is_set():
            self.abort()

    def inject(self, text: str) -> None:
        """A frame of fault injection (``rawFrames``), sent as it is."""
        self.push(text)

    def close(self, code: int, reason: str) -> None:
        """Close after the frames already queued have been sent."""
        if not self.finished.is_set():
            self._outbox.put_nowait(_Close(code, reason))

    def abort(self) -> None:
        """Cut the connection with no close frame, as a network failure would (the client sees
        1006)."""
        self.close_code = 1006
        self.finished.set()
        if self._abort_transport is not None:
            self._abort_transport()

    async def run_sender(self) -> None:
        try:
            while not self.finished.is_set():
                self._sender_idle = True
                try:
                    item = await self._outbox.get()
                finally:
                    self._sender_idle = False
                if isinstance(item, _Close):
                    self.close_code = item.code
                    await self.websocket.close(item.code, item.reason)
                    break
                await self.websocket.send_text(item)
        except Exception as exc:  # the client went away mid-send; nothing more can reach it
            logger.debug("stream send stopped: %s", type(exc).__name__)
        finally:
            self.finished.set()


class StreamHub:
    """Open guest streams by conversation."""

    def __init__(self) -> None:
        self._by_conversation: dict[str, set[StreamConnection]] = {}

    def attach(self, connection: StreamConnection) -> None:
        self._by_conversation.setdefault(connection.conversation_id, set()).add(connection)

    def detach(self, connection: StreamConnection) -> None:
        connections = self._by_conversation.get(connection.conversation_id)
        if connections is not None:
            connections.discard(connection)
            if not connections:
                del self._by_conversation[connection.conversation_id]

    def count(self, conversation_id: str, member_id: str | None = None) -> int:
        connections = self._by_conversation.get(conversation_id, ())
        return sum(
            1
            for c in connections
            if not c.finished.is_set() and (member_id is None or c.member_id == member_id)
        )

    def publish(self, conversation_id: str, text: str) -> None:
        for connection in self._by_conversation.get(conversation_id, ()):
            connection.push(text)

    def inject(self, conversation_id: str, text: str) -> None:
        """Fault injection: ``text`` as it is to every stream of the conversation, of either
        API."""
        for connection in self._by_conversation.get(conversation_id, ()):
            connection.inject(text)

    def close_conversation(self, conversation_id: str, close: tuple[int, str]) -> None:
        for connection in self._by_conversation.get(conversation_id, ()):
            connection.close(*close)

    def drop(self, conversation_id: str | None) -> int:
        """Abort the open streams of one conversation (or all); returns how many."""
        targets = [
            connection
            for cid, connections in self._by_conversation.items()
            if conversation_id is None or cid == conversation_id
            for connection in connections
        ]
        for connection in targets:
            connection.abort()
        return len(targets)

    def close_all(self, close: tuple[int, str]) -> None:
        for connections in self._by_conversation.values():
            for connection in connections:
                connection.close(*close)


def frame_writer(send: Any) -> Callable[[str], bool] | None:
    """The server protocol's way to write a text frame at once, if it has one (the owner of
    ``send``; see ``connection_limits.LimitedWebSocketProtocol.send_text_now``)."""
    write = getattr(getattr(send, "__self__", None), "send_text_now", None)
    return write if callable(write) else None


def transport_aborter(send: Any) -> Callable[[], None] | None:
    """A way to cut the TCP connection under an ASGI WebSocket.

    ASGI only offers a clean close, but fault injection must look like a network failure; the
    server's protocol object (the owner of ``send``) holds the transport.
    """
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    abort = getattr(transport, "abort", None)
    if not callable(abort):
        return None

    def _abort() -> None:
        with contextlib.suppress(Exception):
            abort()

    return _abort
