"""Telling a transfer from the end of a chat.

The service says neither. It only reports member states, and the two cases start alike: an
agent goes DISCONNECTED (with a ``member-leave``). What follows decides:

- **Transfer**: the guest stays CONNECTED and another agent then goes CONNECTED. The session
  emits :class:`AgentLeft` when the first agent leaves, then :class:`AgentJoined` and
  :class:`Transferred` (from the agent who left to the one who joined) when the next one
  arrives. If the new agent joined *before* the old one left, :class:`Transferred` comes with the
  old agent's :class:`AgentLeft`.
- **End**: the guest's own member goes DISCONNECTED (or the service closes the stream with
  1001). The session emits :class:`ChatEnded`, whose reason is ``guest-left`` when the guest
  asked to leave, ``agent-ended`` when an agent had left and nobody took over, and ``removed``
  otherwise (for instance the service dropped a guest that stayed away too long).

So between an :class:`AgentLeft` and what follows it, the chat is in between: a user interface
should say "the agent left" and wait for the next event.
"""

from __future__ import annotations

from datetime import datetime

from ..models import MemberState
from ..stream.events import Member
from .events import AgentJoined, AgentLeft, ChatEnded, EndReason, SessionEvent, Transferred


class ChatLifecycle:
    """Follows the members' states and says what they mean for the guest."""

    def __init__(self, guest_id: str) -> None:
        self._guest_id = guest_id
        self._agents: dict[str, Member] = {}
        self._gone: set[str] = set()
        self._departed: Member | None = None
        self._guest_leaving = False
        self._ended = False

    @property
    def agent(self) -> Member | None:
        """The agent who joined last among those still connected."""
        return next(reversed(self._agents.values()), None)

    @property
    def ended(self) -> bool:
        return self._ended

    def prime(self, members: list[Member]) -> None:
        """Start from the members as they are (on resume), without reporting them."""
        for member in members:
            if not member.is_agent:
                continue
            if member.state == MemberState.CONNECTED:
                self._agents[member.id] = member
            elif member.state == MemberState.DISCONNECTED:
                self._gone.add(member.id)

    @property
    def guest_leaving(self) -> bool:
        return self._guest_leaving

    def guest_is_leaving(self) -> None:
        self._guest_leaving = True

    def member_changed(self, member: Member, timestamp: datetime | None) -> list[SessionEvent]:
        """The session events a member's new state implies (``member`` carries its role)."""
        if self._ended:
            return []
        if member.id == self._guest_id:
            if member.state == MemberState.DISCONNECTED:
                return self.end(timestamp)
            return []
        if not member.is_agent:
            return []
        if member.state == MemberState.CONNECTED:
            return self._agent_connected(member, timestamp)
        if member.state == MemberState.DISCONNECTED:
            return self._agent_disconnected(member, timestamp)
        return []

    def end(
        self, timestamp: datetime | None = None, *, reason: EndReason | None = None
    ) -> list[SessionEvent]:
        """The chat is over for the guest (once). ``reason`` overrides the inferred one."""
        if self._ended:
            return []
        self._ended = True
        if reason is None:
            reason = self._inferred_end_reason()
        self._agents.clear()
        return [ChatEnded(reason=reason, timestamp=timestamp)]

    def _inferred_end_reason(self) -> EndReason:
        if self._guest_leaving:
            return EndReason.GUEST_LEFT
        if self._departed is not None:
            return EndReason.AGENT_ENDED
        return EndReason.REMOVED

    def _agent_connected(self, agent: Member, timestamp: datetime | None) -> list[SessionEvent]:
        if agent.id in self._agents:
            self._agents[agent.id] = agent
            return []
        self._agents[agent.id] = agent
        self._gone.discard(agent.id)
        events: list[SessionEvent] = [AgentJoined(agent=agent, timestamp=timestamp)]
        if self._departed is not None:
            events.append(
                Transferred(from_agent=self._departed, to_agent=agent, timestamp=timestamp)
            )
            self._departed = None
        return events

    def _agent_disconnected(self, agent: Member, timestamp: datetime | None) -> list[SessionEvent]:
        if agent.id in self._gone:
            return []
        self._gone.add(agent.id)
        self._agents.pop(agent.id, None)
        events: list[SessionEvent] = [AgentLeft(agent=agent, timestamp=timestamp)]
        successor = self.agent
        if successor is not None:
            events.append(Transferred(from_agent=agent, to_agent=successor, timestamp=timestamp))
        else:
            self._departed = agent
        return events
