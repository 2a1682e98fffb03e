"""Who is who in a chat. Frames name members by id only, so roles and display names come from
``GET members/{id}``, asked once per member and cached; states follow the member changes."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from ..apis.web_chat_api import AsyncWebChatApi
from ..errors import ApiException, AuthenticationError
from ..models import MemberState, WebChatMemberInfo
from ..stream._log import stream_logger
from ..stream.events import Member

_PAGE_SIZE = 100


class MemberDirectory:
    """The members of one conversation, by id."""

    def __init__(self, api: AsyncWebChatApi, conversation_id: str) -> None:
        self._api = api
        self._conversation_id = conversation_id
        self._members: dict[str, Member] = {}
        self._lookups: dict[str, asyncio.Future[Member]] = {}

    def get(self, member_id: str) -> Member | None:
        return self._members.get(member_id)

    def all(self) -> list[Member]:
        return list(self._members.values())

    def remember(self, member: Member) -> Member:
        """Merge what ``member`` says into the cache, keeping what it does not say."""
        known = self._members.get(member.id)
        if known is not None:
            member = replace(
                known,
                role=member.role or known.role,
                display_name=member.display_name or known.display_name,
                state=member.state or known.state,
            )
        self._members[member.id] = member
        return member

    def remember_info(self, info: WebChatMemberInfo) -> Member:
        return self.remember(Member.from_info(info))

    def set_state(self, member_id: str, state: MemberState | str) -> None:
        known = self._members.get(member_id)
        if known is not None:
            self._members[member_id] = replace(known, state=state)

    async def resolve(self, member: Member) -> Member:
        """``member`` with its role and display name. Looked up once per member; a failed
        lookup leaves them unknown rather than failing the event (an expired token is the
        exception: it is raised)."""
        known = self._members.get(member.id)
        if known is not None and known.role is not None:
            return self.remember(member)
        lookup = self._lookups.get(member.id)
        if lookup is None:
            lookup = asyncio.ensure_future(self._look_up(member.id))
            self._lookups[member.id] = lookup
        try:
            found = await asyncio.shield(lookup)
        finally:
            if lookup.done():
                self._lookups.pop(member.id, None)
        return self.remember(replace(found, state=member.state or found.state))

    async def _look_up(self, member_id: str) -> Member:
        try:
            info = await self._api.get_webchat_guest_conversation_member(
                self._conversation_id, member_id
            )
        except AuthenticationError:
            raise
        except ApiException as exc:
            stream_logger.debug("could not look member %s up: %s", member_id, exc)
            return self._members.get(member_id) or Member(id=member_id)
        return self.remember_info(info)

    async def refresh(self) -> list[Member]:
        """Every member, fresh from the service (all pages)."""
        members: list[Member] = []
        page_number = 1
        while True:
            page = await self._api.get_webchat_guest_conversation_members(
                self._conversation_id,
                page_size=_PAGE_SIZE,
                page_number=page_number,
                exclude_disconnected_members=False,
            )
            members.extend(self.remember_info(info) for info in page.entities or () if info.id)
            if page_number >= (page.page_count or 1) or not page.entities:
                return members
            page_number += 1
