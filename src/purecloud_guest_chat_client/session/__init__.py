"""The high-level chat session: ``GuestChat`` (async), ``SyncGuestChat`` and ``ChatState``."""

from .chat import TYPING_INTERVAL, GuestChat
from .lifecycle import ChatLifecycle
from .state import ChatState
from .sync_chat import SyncGuestChat

__all__ = ["TYPING_INTERVAL", "ChatLifecycle", "ChatState", "GuestChat", "SyncGuestChat"]
