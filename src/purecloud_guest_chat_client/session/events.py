"""The events the session infers from the members' states, which the stream alone cannot tell:
an agent joined or left, the chat moved to another agent, the chat is over for the guest.

How they are inferred is :class:`~purecloud_guest_chat_client.session.ChatLifecycle`'s rule.
:data:`ChatEvent` is everything a session yields: these and the stream's own events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ..stream.events import Member, StreamEvent


@dataclass(frozen=True, slots=True)
class AgentJoined:
    agent: Member
    timestamp: datetime | None = None


@dataclass(frozen=True, slots=True)
class AgentLeft:
    """An agent left. Whether this is a transfer or the end of the chat is told by what follows:
    :class:`Transferred` or :class:`ChatEnded`."""

    agent: Member
    timestamp: datetime | None = None


@dataclass(frozen=True, slots=True)
class Transferred:
    """The chat moved to another agent while the guest stayed connected."""

    from_agent: Member | None
    to_agent: Member
    timestamp: datetime | None = None


class EndReason(StrEnum):
    AGENT_ENDED = "agent-ended"
    GUEST_LEFT = "guest-left"
    REMOVED = "removed"


@dataclass(frozen=True, slots=True)
class ChatEnded:
    """The chat is over for the guest. Nothing follows this event."""

    reason: EndReason
    timestamp: datetime | None = None


SessionEvent = AgentJoined | AgentLeft | Transferred | ChatEnded
ChatEvent = StreamEvent | SessionEvent
