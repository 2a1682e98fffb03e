"""Reading whole lists over REST: the messages after a given one, and every member."""

from __future__ import annotations

from collections.abc import AsyncIterator

from ..apis.web_chat_api import AsyncWebChatApi
from ..models import SortOrder, WebChatMemberInfo, WebChatMessage

PAGE_SIZE = 100


async def messages_after(
    api: AsyncWebChatApi, conversation_id: str, after: str | None
) -> AsyncIterator[WebChatMessage]:
    """The conversation's messages after ``after`` (from the first when ``None``), oldest first,
    across as many pages as there are."""
    while True:
        page = await api.get_webchat_guest_conversation_messages(
            conversation_id, after=after, sort_order=SortOrder.ASCENDING, max_results=PAGE_SIZE
        )
        entities = [message for message in page.entities or () if message.id]
        for message in entities:
            yield message
        if not entities or not (page.next or len(entities) >= PAGE_SIZE):
            return
        after = entities[-1].id


async def all_members(api: AsyncWebChatApi, conversation_id: str) -> list[WebChatMemberInfo]:
    """Every member of the conversation, the disconnected ones included, across all pages."""
    members: list[WebChatMemberInfo] = []
    page_number = 1
    while True:
        page = await api.get_webchat_guest_conversation_members(
            conversation_id,
            page_size=PAGE_SIZE,
            page_number=page_number,
            exclude_disconnected_members=False,
        )
        members.extend(info for info in page.entities or () if info.id)
        if not page.entities or page_number >= (page.page_count or 1):
            return members
        page_number += 1
