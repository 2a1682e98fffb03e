"""``resume_session``: a saved chat picked up again over the API it was held on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._chat import GuestChat
from ._guest_session import GuestApi, GuestSession, SessionState, state_api
from ._web_messaging_chat import WebMessagingChat


async def resume_session(
    state: SessionState | Mapping[str, Any] | str, **options: Any
) -> GuestSession:
    """Pick a saved chat up again from its ``state()`` (the object, its dict or its JSON), over
    the API it was held on. ``options`` go to that session class's ``resume``."""
    api = state_api(state)
    saved = state if isinstance(state, Mapping | str) else state.to_dict()
    if api == GuestApi.WEB_MESSAGING:
        return await WebMessagingChat.resume(saved, **options)
    return await GuestChat.resume(saved, **options)
