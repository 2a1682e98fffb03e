"""``SyncWebMessagingChat``: the blocking facade of :class:`WebMessagingChat`, for scripts.

The async session runs on a private event loop thread, as ``SyncGuestChat``'s does, so the
connection keeps being serviced (pings, reconnects, queued events) between the script's calls.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ..stream._loop_thread import LoopFacade, LoopThread
from ..stream.events import Member, MessageEvent
from ..webmessaging import WebMessage
from ._web_messaging_chat import WebMessagingChat
from ._web_messaging_events import WebMessagingChatEvent
from ._web_messaging_state import WebMessagingState


class SyncWebMessagingChat(LoopFacade):
    """A :class:`WebMessagingChat` for synchronous code. Create one with :meth:`start` or
    :meth:`resume`; the options are those of the async methods. Use it as a context manager,
    or call :meth:`close`: either closes the session without ending the chat, so that it can be
    resumed. Quick replies have a method here; the client's other extras are on
    ``chat.client``, whose coroutines run on this object's own loop only."""

    def __init__(self, loop: LoopThread, chat: WebMessagingChat) -> None:
        """Internal: use :meth:`start` or :meth:`resume`."""
        super().__init__(loop, chat)
        self._chat = chat

    @classmethod
    def start(cls, deployment_id: str, **options: Any) -> SyncWebMessagingChat:
        """Open a new session; see :meth:`WebMessagingChat.start`."""
        return cls(
            *LoopThread.started_with(
                "guestchat-web-messaging", WebMessagingChat.start(deployment_id, **options)
            )
        )

    @classmethod
    def resume(
        cls, state: WebMessagingState | Mapping[str, Any] | str, **options: Any
    ) -> SyncWebMessagingChat:
        """Pick a saved chat up again; see :meth:`WebMessagingChat.resume`."""
        return cls(
            *LoopThread.started_with(
                "guestchat-web-messaging", WebMessagingChat.resume(state, **options)
            )
        )

    @property
    def chat(self) -> WebMessagingChat:
        """The async session underneath (call its coroutines only on its own loop)."""
        return self._chat

    @property
    def conversation_id(self) -> str | None:
        return self._chat.conversation_id

    @property
    def member_id(self) -> str:
        return self._chat.member_id

    @property
    def agent(self) -> Member | None:
        return self._chat.agent

    @property
    def ended(self) -> bool:
        return self._chat.ended

    def send(self, text: str) -> WebMessage:
        return self._loop.run(self._chat.send(text))

    def typing(self) -> bool:
        return self._loop.run(self._chat.typing())

    def send_quick_reply(self, text: str, payload: str) -> WebMessage:
        """Answer a quick reply the agent offered (``WebMessagingClient.send_quick_reply``)."""
        return self._loop.run(self._chat.client.send_quick_reply(text, payload))

    def next_event(self, timeout: float | None = None) -> WebMessagingChatEvent | None:
        """The next event, ``None`` once the chat's events have ended; ``TimeoutError`` after
        ``timeout`` seconds without one."""
        return self._loop.run(self._chat.next_event(timeout))

    def events(self) -> Iterator[WebMessagingChatEvent]:
        while (event := self.next_event()) is not None:
            yield event

    def history(self) -> list[MessageEvent]:
        return self._loop.run(self._chat.history())

    def state(self) -> WebMessagingState:
        return self._chat.state()

    def leave(self) -> None:
        self._loop.run(self._chat.leave())
