"""The high-level chat session: ``GuestChat`` (async), ``SyncGuestChat``, ``ChatState`` and the
events the session infers (``AgentJoined``, ``AgentLeft``, ``Transferred``, ``ChatEnded``); and
``GuestSession``, the interface a guest program can hold a chat through on either guest API."""

from ._chat import TYPING_INTERVAL, GuestChat
from ._guest_session import (
    GuestApi,
    GuestSession,
    SessionState,
    SyncGuestSession,
    resume_session,
    state_api,
)
from ._state import ChatState
from ._sync_chat import SyncGuestChat
from ._transfer_rules import ChatLifecycle
from .events import (
    AgentJoined,
    AgentLeft,
    ChatEnded,
    ChatEvent,
    EndReason,
    SessionEvent,
    Transferred,
)

__all__ = [
    "TYPING_INTERVAL",
    "AgentJoined",
    "AgentLeft",
    "ChatEnded",
    "ChatEvent",
    "ChatLifecycle",
    "ChatState",
    "EndReason",
    "GuestApi",
    "GuestChat",
    "GuestSession",
    "SessionEvent",
    "SessionState",
    "SyncGuestChat",
    "SyncGuestSession",
    "Transferred",
    "resume_session",
    "state_api",
]
