"""The chat lifecycle: the guest, the agents, messages and media requests, and how a chat ends.
How a chat reaches an agent is ``queue_routing``'s; what bot agents do is ``bot_agents``'.

Every change is made to the working state, which the next decision sees, then committed; only
once it is committed is it shown to readers, published to the guest's stream and acknowledged,
so nothing a client has seen can be lost by a crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from ..models import BodyType, MediaRequestState, MediaType, MemberRole, MemberState
from .agent_feed import AgentFeed
from .api_error import ApiError
from .bot_agents import BotAgents
from .bot_replies import Responder
from .contact_centre import ContactCentre
from .queue_routing import QueueRouting
from .records import (
    Conversation,
    ConversationStatus,
    MediaRequest,
    Member,
    Message,
    new_id,
    utc_now,
)
from .settings import ServiceSettings
from .store import (
    Operation,
    Store,
    bot_progress_op,
    conversation_op,
    media_request_op,
    member_op,
    message_content_op,
    message_op,
)
from .stream_hub import CONVERSATION_ENDED, StreamHub
from .structured_content import Content
from .token_authority import TokenAuthority
from .wire_frames import member_change_frame, message_frame, typing_frame

logger = logging.getLogger(__name__)

GUEST_PROFILE_FIELDS = (
    "displayName",
    "firstName",
    "lastName",
    "email",
    "phoneNumber",
    "avatarImageUrl",
    "customFields",
)
_GUEST_STATES = {
    MediaRequestState.PENDING: {MediaRequestState.ACCEPTED, MediaRequestState.DECLINED},
}


class ChatService:
    """All conversations and everything that happens in them. Used from the event loop only."""

    def __init__(
        self,
        settings: ServiceSettings,
        store: Store,
        conversations: dict[str, Conversation],
        tokens: TokenAuthority,
        hub: StreamHub,
        centre: ContactCentre,
        responder: Responder | None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.conversations = conversations
        self.tokens = tokens
        self.hub = hub
        self.feed = AgentFeed()
        self.routing = QueueRouting(self, settings, centre)
        self.bots = (
            BotAgents(self, responder, settings.agent_reply_delay)
            if responder is not None
            else None
        )
        self._tasks: set[asyncio.Task[Any]] = set()
        self._grace_timers: dict[str, asyncio.TimerHandle] = {}
        self._evictions: dict[str, asyncio.TimerHandle] = {}
        # Other doors to a conversation (Web Messaging) hear its committed messages here, so
        # the chat code never knows who serves its guest.
        self._listeners: dict[str, set[Callable[[Conversation, Sequence[Message]], None]]] = {}
        self._typing_listeners: dict[str, set[Callable[[Conversation, Member], None]]] = {}
        # The structured content of the few messages sent with some, by message id: the Web
        # Messaging door shows it; a Guest Chat guest reads the message's text.
        self.structured_content: dict[str, Content] = store.message_contents()

    # -- running -----------------------------------------------------------------------------

    def start(self) -> None:
        """After a restart no stream is attached: every live guest gets its grace period again,
        routing goes on with the agents it had alerted, and a bot agent answers what the guest
        said before the restart and it had not answered yet, so the chat goes on where it
        stopped. Ended chats leave memory once their retention time is over."""
        for conversation in self.conversations.values():
            if conversation.ended:
                self._schedule_eviction(conversation)
            else:
                self._arm_grace(conversation)
                self.routing.resume(conversation)
                if self.bots is not None:
                    for message in conversation.unanswered_guest_messages():
                        self.bots.asked(conversation, message)

    async def shutdown(self) -> None:
        self.feed.close_all()
        for timer in [*self._grace_timers.values(), *self._evictions.values()]:
            timer.cancel()
        self._grace_timers.clear()
        self._evictions.clear()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("background chat task failed", exc_info=task.exception())

    async def _commit(
        self,
        conversation: Conversation,
        *,
        status: bool = False,
        members: Sequence[Member] = (),
        messages: Sequence[Message] = (),
        media_requests: Sequence[MediaRequest] = (),
        also: Sequence[Operation] = (),
        frames: Sequence[str] = (),
    ) -> None:
        """Commits the conversation's ``status`` (when asked), these members, messages and media
        requests as they are now, and the ``also`` operations. Once they are committed, and in
        commit order, readers are shown them and the frames go to the conversation's streams;
        then the caller resumes."""
        ops = [conversation_op(conversation)] if status else []
        ops.extend(member_op(m) for m in members)
        ops.extend(message_op(m) for m in messages)
        ops.extend(media_request_op(r) for r in media_requests)
        ops.extend(also)
        status_now = conversation.status
        member_rows = [replace(m) for m in members]
        request_rows = [replace(r) for r in media_requests]

        def show() -> None:
            if status:
                conversation.committed_status = status_now
                # A new conversation is known (to the control API too) once its row is.
                self.conversations.setdefault(conversation.id, conversation)
            for member in member_rows:
                conversation.committed_members[member.id] = member
            for message in messages:
                conversation.add_message(message)
            for request in request_rows:
                conversation.committed_media_requests[request.id] = request
            for frame in frames:
                self.hub.publish(conversation.id, frame)
            self.feed.committed(conversation, messages)
            for listener in tuple(self._listeners.get(conversation.id, ())):
                listener(conversation, messages)

        await self.store.commit(*ops, on_commit=show)

    def listen(
        self, conversation_id: str, listener: Callable[[Conversation, Sequence[Message]], None]
    ) -> None:
        """Calls ``listener`` with the messages of every committed change of the conversation,
        in commit order, until the ended conversation is evicted."""
        self._listeners.setdefault(conversation_id, set()).add(listener)

    def listen_typing(
        self, conversation_id: str, listener: Callable[[Conversation, Member], None]
    ) -> None:
        """Calls ``listener`` with the member each time a member of the conversation types,
        until the ended conversation is evicted."""
        self._typing_listeners.setdefault(conversation_id, set()).add(listener)

    # -- lookups -----------------------------------------------------------------------------

    def conversation(self, conversation_id: str) -> Conversation:
        """A conversation in memory, or an ended one kept only in the database."""
        conversation = self.conversations.get(conversation_id)
        if conversation is None:
            conversation = self.store.load_conversation(conversation_id)
        if conversation is None:
            raise ApiError.not_found(f"The conversation {conversation_id} was not found.")
        return conversation

    @staticmethod
    def _require_active(conversation: Conversation) -> None:
        if conversation.status != ConversationStatus.ACTIVE:
            raise ApiError.conversation_state()

    @staticmethod
    def _require_connected(conversation: Conversation, member: Member) -> None:
        ChatService._require_active(conversation)
        if not member.connected:
            raise ApiError.member_state()

    # -- guest -------------------------------------------------------------------------------

    async def create(
        self,
        organization_id: str,
        deployment_id: str,
        queue: str,
        profile: dict[str, Any],
        authenticated: bool,
    ) -> tuple[Conversation, str]:
        now = utc_now()
        conversation = Conversation(
            id=new_id(),
            organization_id=organization_id,
            deployment_id=deployment_id,
            queue=queue,
            guest_id=new_id(),
            status=ConversationStatus.PENDING,
            created=now,
        )
        guest = Member(
            id=conversation.guest_id,
            conversation_id=conversation.id,
            role=MemberRole.CUSTOMER,
            state=MemberState.ALERTING,
            profile={k: profile[k] for k in GUEST_PROFILE_FIELDS if profile.get(k) is not None},
            authenticated_guest=authenticated,
        )
        conversation.members[guest.id] = guest
        await self._commit(conversation, status=True, members=[guest])
        self._arm_grace(conversation)
        token = self.tokens.issue(conversation.id, deployment_id, guest.id, organization_id)
        return conversation, token

    async def stream_attached(self, conversation: Conversation) -> None:
        """The guest's event stream is open: route the chat if it is not routed yet."""
        self._disarm_grace(conversation.id)
        if conversation.status == ConversationStatus.PENDING:
            conversation.status = ConversationStatus.ACTIVE
            guest = conversation.guest
            now = utc_now()
            guest.state = MemberState.CONNECTED
            guest.join_date = now
            joined = self._notice(conversation, guest, BodyType.MEMBER_JOIN, now)
            await self._commit(
                conversation,
                status=True,
                members=[guest],
                messages=[joined],
                frames=[member_change_frame(guest, now), message_frame(joined)],
            )
        if conversation.status == ConversationStatus.ACTIVE and not conversation.connected_agents():
            self.routing.route(conversation)

    def stream_detached(self, conversation: Conversation) -> None:
        if not conversation.ended and self.hub.count(conversation.id, conversation.guest_id) == 0:
            self._arm_grace(conversation)

    async def send(
        self,
        conversation: Conversation,
        member: Member,
        body: str,
        body_type: str,
        *,
        answering: Message | None = None,
        content: Content | None = None,
    ) -> Message:
        """Posts a message. ``answering`` is the guest message a bot's reply answers: the two
        facts are committed together, so a restart neither loses nor repeats the answer.
        ``content`` is structured content sent with the text, committed with it too."""
        self._require_connected(conversation, member)
        message = Message(
            new_id(), conversation.id, member.id, member.role, body, body_type, utc_now()
        )
        progress = []
        if answering is not None:
            conversation.bot_answered = answering.id
            progress.append(bot_progress_op(conversation.id, answering.id))
        if content:
            self.structured_content[message.id] = content
            progress.append(message_content_op(message.id, content))
        await self._commit(
            conversation, messages=[message], also=progress, frames=[message_frame(message)]
        )
        if (
            member.role == MemberRole.CUSTOMER
            and body_type == BodyType.STANDARD
            and self.bots is not None
        ):
            self.bots.asked(conversation, message)
        return message

    def typing(self, conversation: Conversation, member: Member) -> tuple[str, datetime]:
        self._require_connected(conversation, member)
        typing_id, now = new_id(), utc_now()
        self.hub.publish(conversation.id, typing_frame(conversation.id, typing_id, member.id, now))
        self.feed.typing(conversation.id, member.id, now)
        for listener in tuple(self._typing_listeners.get(conversation.id, ())):
            listener(conversation, member)
        return typing_id, now

    async def guest_leaves(self, conversation: Conversation, guest: Member) -> None:
        self._require_connected(conversation, guest)
        await self._end(conversation, guest_first=True)

    # -- agents ------------------------------------------------------------------------------

    async def join_agent(
        self, conversation: Conversation, display_name: str, *, bot: bool = False
    ) -> Member:
        agent = await self.alert_agent(conversation, display_name, bot=bot)
        return await self.connect_agent(conversation, agent)

    async def alert_agent(
        self, conversation: Conversation, display_name: str, *, bot: bool
    ) -> Member:
        self._require_active(conversation)
        agent = Member(
            id=new_id(),
            conversation_id=conversation.id,
            role=MemberRole.AGENT,
            state=MemberState.ALERTING,
            profile={"displayName": display_name},
            is_bot=bot,
        )
        conversation.members[agent.id] = agent
        now = utc_now()
        await self._commit(conversation, members=[agent], frames=[member_change_frame(agent, now)])
        return agent

    async def connect_agent(self, conversation: Conversation, agent: Member) -> Member:
        """An alerted agent takes the chat: CONNECTED with its member-join, and the ACD member
        leaves. If the chat has ended meanwhile, the agent is withdrawn instead."""
        if conversation.ended:
            await self.withdraw(conversation, agent)
            raise ApiError.conversation_state()
        now = utc_now()
        agent.state, agent.join_date = MemberState.CONNECTED, now
        joined = self._notice(conversation, agent, BodyType.MEMBER_JOIN, now)
        await self._commit(
            conversation,
            members=[agent],
            messages=[joined],
            frames=[member_change_frame(agent, now), message_frame(joined)],
        )
        for acd in conversation.connected_with_role(MemberRole.ACD):
            await self.leave(conversation, acd)
        await self._agents_changed(conversation.id)
        if self.bots is not None:
            await self.bots.joined(conversation, agent)
        return agent

    async def agent_leaves(self, conversation: Conversation, agent: Member, *, end: bool) -> None:
        if conversation.ended:
            raise ApiError.conversation_state()
        if agent.role == MemberRole.CUSTOMER:
            raise ApiError.bad_request("Use the guest API to make the guest leave.")
        if not agent.connected and not end:
            raise ApiError.member_state()
        if agent.connected:
            await self.leave(conversation, agent)
            await self._agents_changed(conversation.id)
        if end:
            await self._end(conversation, guest_first=False)

    async def transfer(self, conversation: Conversation, display_name: str) -> Member:
        self._require_active(conversation)
        previous = conversation.connected_agents()
        bot = any(agent.is_bot for agent in previous)
        for agent in previous:
            await self.leave(conversation, agent)
        return await self.join_agent(conversation, display_name, bot=bot)

    async def agent_send(
        self,
        conversation: Conversation,
        agent: Member,
        body: str,
        body_type: str,
        content: Content | None = None,
    ) -> Message:
        if agent.role == MemberRole.CUSTOMER:
            raise ApiError.bad_request("The control API sends as agents; the guest uses its API.")
        return await self.send(conversation, agent, body, body_type, content=content)

    # -- media requests ----------------------------------------------------------------------

    async def request_media(self, conversation: Conversation, types: list[str]) -> MediaRequest:
        self._require_active(conversation)
        agents = conversation.connected_agents()
        if not agents:
            raise ApiError.member_state()
        request = MediaRequest(new_id(), conversation.id, types, MediaRequestState.PENDING)
        conversation.media_requests[request.id] = request
        body = json.dumps(request.to_model().to_dict(exclude_none=True), separators=(",", ":"))
        notice = Message(
            new_id(),
            conversation.id,
            agents[0].id,
            agents[0].role,
            body,
            BodyType.MEDIA_REQUEST,
            utc_now(),
        )
        await self._commit(
            conversation,
            media_requests=[request],
            messages=[notice],
            frames=[message_frame(notice)],
        )
        return request

    async def update_media_request(
        self, conversation: Conversation, request: MediaRequest, state: str
    ) -> MediaRequest:
        self._require_active(conversation)
        allowed = _GUEST_STATES.get(MediaRequestState(request.state), set())
        if state not in allowed:
            permitted = ", ".join(sorted(allowed)) or "none (the request is settled)"
            raise ApiError.invalid_value("state", state, permitted)
        request.state = state
        if state == MediaRequestState.ACCEPTED:
            request.communication_id = new_id()
            request.security_key = secrets.token_hex(16)
        await self._commit(conversation, media_requests=[request])
        return request

    # -- the steps the operations above and routing are made of ------------------------------

    @staticmethod
    def _notice(
        conversation: Conversation, member: Member, body_type: str, at: datetime
    ) -> Message:
        return Message(new_id(), conversation.id, member.id, member.role, "", body_type, at)

    async def join_member(self, conversation: Conversation, role: str, name: str) -> Member:
        now = utc_now()
        member = Member(
            id=new_id(),
            conversation_id=conversation.id,
            role=role,
            state=MemberState.CONNECTED,
            profile={"displayName": name},
            join_date=now,
        )
        conversation.members[member.id] = member
        joined = self._notice(conversation, member, BodyType.MEMBER_JOIN, now)
        await self._commit(
            conversation,
            members=[member],
            messages=[joined],
            frames=[member_change_frame(member, now), message_frame(joined)],
        )
        return member

    async def leave(self, conversation: Conversation, member: Member) -> None:
        now = utc_now()
        member.state, member.leave_date = MemberState.DISCONNECTED, now
        left = self._notice(conversation, member, BodyType.MEMBER_LEAVE, now)
        await self._commit(
            conversation,
            members=[member],
            messages=[left],
            frames=[member_change_frame(member, now), message_frame(left)],
        )

    async def withdraw(self, conversation: Conversation, agent: Member) -> None:
        """An alerted agent that will not take the chat: DISCONNECTED, and no member-leave,
        since it never joined."""
        now = utc_now()
        agent.state, agent.leave_date = MemberState.DISCONNECTED, now
        await self._commit(conversation, members=[agent], frames=[member_change_frame(agent, now)])

    async def _end(self, conversation: Conversation, *, guest_first: bool) -> None:
        if conversation.ended:
            return
        conversation.status = ConversationStatus.ENDED
        self._disarm_grace(conversation.id)
        self.routing.cancel(conversation.id)
        for agent in conversation.alerting_agents():
            await self.withdraw(conversation, agent)
        guest = conversation.guest
        others = [m for m in conversation.members.values() if m.connected and m is not guest]
        if not guest_first:
            for member in others:
                await self.leave(conversation, member)
        now = utc_now()
        guest.state, guest.leave_date = MemberState.DISCONNECTED, now
        await self._commit(
            conversation, status=True, members=[guest], frames=[member_change_frame(guest, now)]
        )
        self.hub.close_conversation(conversation.id, CONVERSATION_ENDED)
        if guest_first:
            for member in others:
                await self.leave(conversation, member)
        await self._agents_changed(conversation.id)
        self._schedule_eviction(conversation)

    def _schedule_eviction(self, conversation: Conversation) -> None:
        """An ended chat stays in memory for ``ended_chat_retention_seconds`` after its guest
        left, then only in the database, where ``conversation()`` still finds it."""
        ended_at = conversation.guest.leave_date or utc_now()
        remaining = self.settings.ended_chat_retention_seconds - (
            (utc_now() - ended_at).total_seconds()
        )
        loop = asyncio.get_running_loop()
        self._evictions[conversation.id] = loop.call_later(
            max(0.0, remaining), self._evict, conversation.id
        )

    def _evict(self, conversation_id: str) -> None:
        self._evictions.pop(conversation_id, None)
        conversation = self.conversations.get(conversation_id)
        if conversation is None or not conversation.ended:
            return
        del self.conversations[conversation_id]
        self._listeners.pop(conversation_id, None)
        self._typing_listeners.pop(conversation_id, None)
        self.feed.removed(conversation_id)
        if self.bots is not None:
            self.bots.forget(conversation_id)

    async def _agents_changed(self, conversation_id: str) -> None:
        if self.bots is not None:
            await self.bots.agents_changed(conversation_id)

    def _arm_grace(self, conversation: Conversation) -> None:
        self._disarm_grace(conversation.id)
        loop = asyncio.get_running_loop()
        self._grace_timers[conversation.id] = loop.call_later(
            self.settings.guest_grace_seconds, self._grace_expired, conversation.id
        )

    def _disarm_grace(self, conversation_id: str) -> None:
        timer = self._grace_timers.pop(conversation_id, None)
        if timer is not None:
            timer.cancel()

    def _grace_expired(self, conversation_id: str) -> None:
        self._grace_timers.pop(conversation_id, None)
        conversation = self.conversations.get(conversation_id)
        if conversation is None or conversation.ended:
            return
        if self.hub.count(conversation_id, conversation.guest_id) == 0:
            logger.info("guest of conversation %s removed: no event stream", conversation_id)
            self.spawn(self._end(conversation, guest_first=True))


def valid_media_types(value: Any) -> list[str]:
    allowed = [t.value for t in MediaType]
    if not isinstance(value, list) or not value:
        raise ApiError.invalid_value("types", value, ", ".join(allowed))
    for item in value:
        if item not in allowed:
            raise ApiError.invalid_value("types", item, ", ".join(allowed))
    return list(dict.fromkeys(value))
