"""``SyncGuestChat``: the blocking facade of :class:`GuestChat`, for scripts.

The async session runs on a private event loop thread, so the chat keeps being serviced
(heartbeats, reconnects, queued events) while the script does something else.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ..models import GuestMemberInfo, WebChatMessage
from ..stream._loop_thread import LoopFacade, LoopThread
from ..stream.events import Member, MessageEvent
from ._chat import GuestChat
from ._state import ChatState
from .events import ChatEvent


class SyncGuestChat(LoopFacade):
    """A :class:`GuestChat` for synchronous code. Create one with :meth:`start` or
    :meth:`resume`; the options are those of the async methods (without ``client``).
    Use it as a context manager, or call :meth:`close`: either closes the session without
    leaving the chat, so that it can be resumed."""

    def __init__(self, loop: LoopThread, chat: GuestChat) -> None:
        """Internal: use :meth:`start` or :meth:`resume`."""
        super().__init__(loop, chat)
        self._chat = chat

    @classmethod
    def start(
        cls,
        organization_id: str,
        deployment_id: str,
        queue: str,
        member_info: GuestMemberInfo | Mapping[str, Any] | str,
        **options: Any,
    ) -> SyncGuestChat:
        """Start a chat; see :meth:`GuestChat.start`."""
        if "client" in options:
            raise TypeError("SyncGuestChat makes its own client: pass environment=")
        return cls(
            *LoopThread.started_with(
                "guestchat-session",
                GuestChat.start(organization_id, deployment_id, queue, member_info, **options),
            )
        )

    @classmethod
    def resume(cls, state: ChatState | Mapping[str, Any] | str, **options: Any) -> SyncGuestChat:
        """Pick a saved chat up again; see :meth:`GuestChat.resume`."""
        if "client" in options:
            raise TypeError("SyncGuestChat makes its own client")
        return cls(
            *LoopThread.started_with("guestchat-session", GuestChat.resume(state, **options))
        )

    @property
    def chat(self) -> GuestChat:
        """The async session underneath (call its coroutines only on its own loop)."""
        return self._chat

    @property
    def conversation_id(self) -> str:
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

    def send(self, text: str) -> WebChatMessage:
        return self._loop.run(self._chat.send(text))

    def notice(self, text: str) -> WebChatMessage:
        return self._loop.run(self._chat.notice(text))

    def typing(self) -> bool:
        return self._loop.run(self._chat.typing())

    def next_event(self, timeout: float | None = None) -> ChatEvent | None:
        """The next event, ``None`` once the chat's events have ended; ``TimeoutError`` after
        ``timeout`` seconds without one."""
        return self._loop.run(self._chat.next_event(timeout))

    def events(self) -> Iterator[ChatEvent]:
        while (event := self.next_event()) is not None:
            yield event

    def history(self) -> list[MessageEvent]:
        return self._loop.run(self._chat.history())

    def members(self) -> list[Member]:
        return self._loop.run(self._chat.members())

    def transcript(self) -> str:
        return self._loop.run(self._chat.transcript())

    def state(self) -> ChatState:
        return self._chat.state()

    def leave(self) -> None:
        self._loop.run(self._chat.leave())
