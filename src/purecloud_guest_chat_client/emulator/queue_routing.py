"""How a chat reaches an agent: the workflow's greeting, queueing with the ACD member, then, with
bot agents, an agent offered the chat for the join delay.

One routing task per conversation at most. It works through the chat's own operations
(:class:`RoutedChats`, which ``ChatService`` provides), so what it does is committed and shown
like anything else.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, Protocol

from ..models import BodyType, MemberRole, MemberState
from .api_error import ApiError
from .contact_centre import ContactCentre
from .records import Conversation, Member, Message
from .settings import ServiceSettings


class RoutedChats(Protocol):
    """The chat operations routing uses."""

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]: ...

    async def join_member(self, conversation: Conversation, role: str, name: str) -> Member: ...

    async def send(
        self, conversation: Conversation, member: Member, body: str, body_type: str
    ) -> Message: ...

    async def leave(self, conversation: Conversation, member: Member) -> None: ...

    async def alert_agent(
        self, conversation: Conversation, display_name: str, *, bot: bool
    ) -> Member: ...

    async def connect_agent(self, conversation: Conversation, agent: Member) -> Member: ...

    async def withdraw(self, conversation: Conversation, agent: Member) -> None: ...


class QueueRouting:
    """The routing tasks of the conversations being routed."""

    def __init__(
        self, chats: RoutedChats, settings: ServiceSettings, centre: ContactCentre
    ) -> None:
        self._chats = chats
        self._settings = settings
        self._centre = centre
        self._tasks: dict[str, asyncio.Task[Any]] = {}

    def route(self, conversation: Conversation) -> None:
        """Routes the chat, unless it is being routed already."""
        if conversation.id not in self._tasks:
            self._tasks[conversation.id] = self._chats.spawn(self._route(conversation))

    def resume(self, conversation: Conversation) -> None:
        """After a restart the agents that were alerted take the chat, rather than routing
        adding another; their invitation rang before the restart, so they answer at once."""
        if conversation.alerting_agents():
            self._tasks[conversation.id] = self._chats.spawn(self._resume(conversation))

    def cancel(self, conversation_id: str) -> None:
        """The chat ended: its routing stops (unless it is what ended the chat)."""
        routing = self._tasks.pop(conversation_id, None)
        if routing is not None and routing is not asyncio.current_task():
            routing.cancel()

    async def _route(self, conversation: Conversation) -> None:
        chats = self._chats
        try:
            greeting = self._settings.workflow_greeting
            members = conversation.members.values()
            if greeting and not any(m.role == MemberRole.WORKFLOW for m in members):
                workflow = await chats.join_member(conversation, MemberRole.WORKFLOW, "Workflow")
                await chats.send(conversation, workflow, greeting, BodyType.STANDARD)
                await chats.leave(conversation, workflow)
            if not conversation.connected_with_role(MemberRole.ACD) and not conversation.ended:
                await chats.join_member(conversation, MemberRole.ACD, conversation.queue)
            if self._settings.bot_agents and not conversation.connected_agents():
                name = self._centre.next_agent_name(conversation.queue)
                agent = await chats.alert_agent(conversation, name, bot=True)
                # The invitation rings for the join delay before the agent answers it.
                await asyncio.sleep(self._settings.agent_join_delay)
                await self._answer_or_withdraw(conversation, agent)
        except ApiError:
            pass  # the chat ended while it was being routed
        finally:
            self._done(conversation.id)

    async def _resume(self, conversation: Conversation) -> None:
        try:
            for agent in conversation.alerting_agents():
                await self._answer_or_withdraw(conversation, agent)
        except ApiError:
            pass  # the chat ended meanwhile
        finally:
            self._done(conversation.id)

    async def _answer_or_withdraw(self, conversation: Conversation, agent: Member) -> None:
        """Routing offers the chat to one agent at a time: an alerted agent is withdrawn when
        another agent took the chat meanwhile (through the control API)."""
        if agent.state != MemberState.ALERTING:
            return
        if conversation.connected_agents():
            await self._chats.withdraw(conversation, agent)
        else:
            await self._chats.connect_agent(conversation, agent)

    def _done(self, conversation_id: str) -> None:
        if self._tasks.get(conversation_id) is asyncio.current_task():
            del self._tasks[conversation_id]
