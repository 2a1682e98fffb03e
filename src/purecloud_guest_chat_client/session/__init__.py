"""The high-level chat session: ``GuestChat`` (async), ``SyncGuestChat``, ``ChatState`` and the
events the session infers (``AgentJoined``, ``AgentLeft``, ``Transferred``, ``ChatEnded``)."""

from ._chat import TYPING_INTERVAL, GuestChat
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
    "GuestChat",
    "SessionEvent",
    "SyncGuestChat",
    "Transferred",
]
