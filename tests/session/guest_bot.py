"""A guest bot written once against ``GuestSession``: the tests run it, unchanged, over Guest Chat
and over Web Messaging."""

from __future__ import annotations

from dataclasses import dataclass, field

from purecloud_guest_chat_client.models import BodyType
from purecloud_guest_chat_client.session import AgentJoined, ChatEnded, EndReason, GuestSession
from purecloud_guest_chat_client.stream import MessageEvent, TypingEvent

LINES = ("Where is my parcel?", "It is order 4711.", "Thank you!")


@dataclass
class BotRun:
    agent_name: str | None = None
    replies: list[str] = field(default_factory=list)
    origins: list[str | None] = field(default_factory=list)
    own_messages: list[str] = field(default_factory=list)
    agent_typed: bool = False
    typing_sent: int = 0
    end_reason: EndReason | None = None
    events_after_end: int = 0


async def run_bot(session: GuestSession, lines: tuple[str, ...] = LINES) -> BotRun:
    """Say each line and wait for the agent's answer to it; then leave."""
    run = BotRun()
    pending = list(lines)

    async def say_next() -> None:
        if not pending:
            await session.leave()
            return
        if await session.typing():
            run.typing_sent += 1
        await session.send(pending.pop(0))

    # Web Messaging tells of an agent only with its first answer, so the guest speaks first; on
    # Guest Chat the line waits for the agent.
    if session.agent is not None:
        run.agent_name = session.agent.label
    await say_next()
    async for event in session.events():
        if run.end_reason is not None:
            run.events_after_end += 1
        elif isinstance(event, AgentJoined):
            run.agent_name = event.agent.label
        elif not isinstance(event, MessageEvent) or event.body_type != BodyType.STANDARD:
            if isinstance(event, TypingEvent) and event.sender.is_agent:
                run.agent_typed = True
            elif isinstance(event, ChatEnded):
                run.end_reason = event.reason
        elif event.sender.id == session.member_id:
            run.own_messages.append(event.body)
        elif event.sender.is_agent and event.body.startswith("You said:"):
            run.replies.append(event.body)
            run.origins.append(event.originating_entity)
            await say_next()
    return run
