"""The high-level chat session: ``GuestChat`` (async), ``SyncGuestChat`` and ``ChatState``."""

from ._chat import TYPING_INTERVAL, GuestChat
from ._state import ChatState
from ._sync_chat import SyncGuestChat
from ._transfer_rules import ChatLifecycle

__all__ = ["TYPING_INTERVAL", "ChatLifecycle", "ChatState", "GuestChat", "SyncGuestChat"]
