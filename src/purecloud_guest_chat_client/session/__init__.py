"""The high-level chat session: ``GuestChat`` (async), ``SyncGuestChat``, ``ChatState`` and the
events the session infers (``AgentJoined``, ``AgentLeft``, ``Transferred``, ``ChatEnded``); and
``GuestSession``, the interface a guest program can hold a chat through on either guest API,
which ``WebMessagingChat`` and ``SyncWebMessagingChat`` implement over Web Messaging."""

from ._chat import TYPING_INTERVAL, GuestChat
from ._guest_session import GuestApi, GuestSession, SessionState, SyncGuestSession, state_api
from ._resume import resume_session
from ._state import ChatState
from ._sync_chat import SyncGuestChat
from ._sync_web_messaging_chat import SyncWebMessagingChat
from ._transfer_rules import ChatLifecycle
from ._web_messaging_chat import WebMessagingChat
from ._web_messaging_events import WebMessageEvent, WebMessagingChatEvent
from ._web_messaging_state import WebMessagingState
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
    "SyncWebMessagingChat",
    "Transferred",
    "WebMessageEvent",
    "WebMessagingChat",
    "WebMessagingChatEvent",
    "WebMessagingState",
    "resume_session",
    "state_api",
]
