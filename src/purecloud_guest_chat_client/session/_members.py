"""Who is who in a chat. Frames name members by id only, so roles and display names come from
``GET members/{id}``, asked once per member and cached; states follow the member changes."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from ..apis.web_chat_api import AsyncWebChatApi
from ..errors import ApiException, AuthenticationError
from ..models import WebChatMemberInfo
from ..stream._log import stream_logger
from ..stream._paging import all_members
from ..stream.events import Member


class MemberDirectory:
    """The members of one conversation, by id."""

    def __init__(self, api: AsyncWebChatApi, conversation_id: str) -> None:
        self._api = api
        self._conversation_id = conversation_id
        self._members: dict[str, Member] = {}
        self._lookups: dict[str, asyncio.Future[Member]] = {}

    def get(self, member_id: str) -> Member | None:
        return self._members.get(member_id)

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
        return [
            self.remember_info(info) for info in await all_members(self._api, self._conversation_id)
        ]
