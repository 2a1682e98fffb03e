"""Bot agents at work: a bot that joins a chat sends its greeting, and each message the guest sends
is answered (what it answers comes from ``bot_replies``) once an agent has the chat and if that
agent is a bot.

The answers of one conversation are given one at a time, in the order of the questions. Each
answer is committed together with the question it answers (see ``ChatService.send``), so that
after a restart the bot answers what it had not answered yet, and nothing twice.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from datetime import datetime
from typing import Any, Protocol

from ..models import BodyType
from ..models.protocol import MAX_MESSAGE_LENGTH
from .api_error import ApiError
from .bot_replies import Responder
from .records import Conversation, Member, Message
from .structured_content import Content


class BotChats(Protocol):
    """The chat operations bot agents use."""

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]: ...

    def typing(self, conversation: Conversation, member: Member) -> tuple[str, datetime]: ...

    async def send(
        self,
        conversation: Conversation,
        member: Member,
        body: str,
        body_type: str,
        *,
        answering: Message | None = None,
        content: Content | None = None,
    ) -> Message: ...


class BotAgents:
    """What the bot agents of every conversation do. Used from the event loop only."""

    def __init__(self, chats: BotChats, responder: Responder, reply_delay: float) -> None:
        self._chats = chats
        self._responder = responder
        self._reply_delay = reply_delay
        self._agent_changes: dict[str, asyncio.Condition] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def joined(self, conversation: Conversation, agent: Member) -> None:
        """An agent took the chat: a bot greets the guest."""
        greeting = self._responder.greeting
        if agent.is_bot and greeting and agent.connected and not conversation.ended:
            await self._chats.send(conversation, agent, greeting, BodyType.STANDARD)

    def asked(self, conversation: Conversation, question: Message) -> None:
        """The guest said something a bot agent answers, now or once an agent has the chat."""
        self._chats.spawn(self._answer(conversation, question))

    async def agents_changed(self, conversation_id: str) -> None:
        """The chat's agents changed: answers waiting for an agent look again."""
        condition = self._condition(conversation_id)
        async with condition:
            condition.notify_all()

    def forget(self, conversation_id: str) -> None:
        """The conversation left memory."""
        self._agent_changes.pop(conversation_id, None)
        self._locks.pop(conversation_id, None)

    def _condition(self, conversation_id: str) -> asyncio.Condition:
        condition = self._agent_changes.get(conversation_id)
        if condition is None:
            condition = self._agent_changes[conversation_id] = asyncio.Condition()
        return condition

    async def _answer(self, conversation: Conversation, question: Message) -> None:
        lock = self._locks.setdefault(conversation.id, asyncio.Lock())
        async with lock:
            condition = self._condition(conversation.id)

            def settled() -> bool:
                return conversation.ended or bool(conversation.connected_agents())

            async with condition:
                await condition.wait_for(settled)
            agents = conversation.connected_agents()
            if conversation.ended or not agents or not agents[0].is_bot:
                return
            reply = self._responder.reply_to(question.body)
            if reply is None:
                return
            agent = agents[0]
            with contextlib.suppress(ApiError):
                self._chats.typing(conversation, agent)
                await asyncio.sleep(self._reply_delay)
                await self._chats.send(
                    conversation,
                    agent,
                    reply.text[:MAX_MESSAGE_LENGTH],
                    BodyType.STANDARD,
                    answering=question,
                    content=reply.content,
                )
