"""The service's state: conversations with their members, messages and media requests.

The records live in memory for fast reads, in two forms. The working state (``members``,
``media_requests``, ``status``) changes as soon as a change is decided, so the next decision sees
it. What readers are shown (``committed_members``, ``committed_media_requests``,
``committed_status`` and the message ``History``) changes only once ``store`` has committed the
change, so no reader sees something a crash could still erase.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, overload

from ..models import (
    BodyType,
    MemberRole,
    MemberState,
    WebChatConversation,
    WebChatGuestMediaRequest,
    WebChatMemberInfo,
    WebChatMessage,
    format_timestamp,
)
from ..models.protocol import GUEST_API_PREFIX

_VERSION_4 = 0x4000 << 64
_VARIANT_RFC_4122 = 0x8000 << 48
_VERSION_AND_VARIANT_BITS = (0xF000 << 64) | (0xC000 << 48)


def new_id() -> str:
    """A random (version 4) UUID. Ids need to be unique, not secret: this avoids a system call
    per id on the hot path, and formats the text directly rather than through ``uuid.UUID``."""
    bits = random.getrandbits(128) & ~_VERSION_AND_VARIANT_BITS | _VERSION_4 | _VARIANT_RFC_4122
    h = f"{bits:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def utc_now() -> datetime:
    return datetime.now(UTC)


class ConversationStatus(StrEnum):
    PENDING = "pending"  # created, the guest's event stream has not attached yet
    ACTIVE = "active"
    ENDED = "ended"


@dataclass
class Member:
    id: str
    conversation_id: str
    role: str
    state: str
    profile: dict[str, Any]  # displayName and the like, camelCase as on the wire
    join_date: datetime | None = None
    leave_date: datetime | None = None
    authenticated_guest: bool = False
    is_bot: bool = False

    @property
    def connected(self) -> bool:
        return self.state == MemberState.CONNECTED

    @property
    def is_agent(self) -> bool:
        return self.role == MemberRole.AGENT

    def to_model(self) -> WebChatMemberInfo:
        fields: dict[str, Any] = {**self.profile, "id": self.id, "role": self.role}
        fields["state"] = self.state
        if self.join_date is not None:
            fields["joinDate"] = self.join_date
        if self.leave_date is not None:
            fields["leaveDate"] = self.leave_date
        if self.role == MemberRole.CUSTOMER:
            fields["authenticatedGuest"] = self.authenticated_guest
        return WebChatMemberInfo.model_validate(fields)


@dataclass(slots=True)
class Message:
    id: str
    conversation_id: str
    sender_id: str
    sender_role: str
    body: str
    body_type: str
    timestamp: datetime
    # The wire form of the timestamp: the response, the frame and the database row all use it.
    timestamp_text: str = ""

    def __post_init__(self) -> None:
        if not self.timestamp_text:
            self.timestamp_text = format_timestamp(self.timestamp)

    def to_model(self) -> WebChatMessage:
        # Built from the service's own values on every send: no re-validation needed.
        return WebChatMessage.model_construct(
            id=self.id,
            conversation=WebChatConversation.model_construct(id=self.conversation_id),
            sender=WebChatMemberInfo.model_construct(id=self.sender_id, role=self.sender_role),
            body=self.body,
            body_type=self.body_type,
            timestamp=self.timestamp,
            self_uri=f"{GUEST_API_PREFIX}/{self.conversation_id}/messages/{self.id}",
        )


# A message as the history keeps it: id, sender id, sender role, body, body type, timestamp and
# its wire text. Plain strings only (no enum members), so the tuple holds nothing the garbage
# collector tracks.
_Row = tuple[str, str, str, str, str, datetime, str]


class History:
    """A conversation's messages in order, each findable by id.

    A chat service keeps every message for as long as it runs, and a full garbage collection
    scans every tracked object while the event loop waits: with one object per message, those
    pauses grew with the history and made the latency tail. So the history holds plain tuples
    of strings, which the collector stops tracking the first time it sees them, and builds a
    ``Message`` only when one is read.
    """

    __slots__ = ("_positions", "_rows", "conversation_id")

    def __init__(self, conversation_id: str) -> None:
        self.conversation_id = conversation_id
        self._rows: list[_Row] = []
        self._positions: dict[str, int] = {}

    def append(self, message: Message) -> None:
        m = message
        self._positions[m.id] = len(self._rows)
        self._rows.append(
            (
                str(m.id),
                str(m.sender_id),
                str(m.sender_role),
                str(m.body),
                str(m.body_type),
                m.timestamp,
                str(m.timestamp_text),
            )
        )

    def position(self, message_id: str) -> int | None:
        return self._positions.get(message_id)

    def _message(self, row: _Row) -> Message:
        mid, sender_id, sender_role, body, body_type, timestamp, timestamp_text = row
        return Message(
            mid,
            self.conversation_id,
            sender_id,
            sender_role,
            body,
            body_type,
            timestamp,
            timestamp_text,
        )

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> Message: ...

    @overload
    def __getitem__(self, index: slice) -> list[Message]: ...

    def __getitem__(self, index: int | slice) -> Message | list[Message]:
        if isinstance(index, slice):
            return [self._message(row) for row in self._rows[index]]
        return self._message(self._rows[index])

    def __iter__(self) -> Iterator[Message]:
        return (self._message(row) for row in self._rows)


@dataclass
class MediaRequest:
    id: str
    conversation_id: str
    types: list[str]
    state: str
    communication_id: str | None = None
    security_key: str | None = None

    def to_model(self) -> WebChatGuestMediaRequest:
        fields: dict[str, Any] = {
            "id": self.id,
            "types": self.types,
            "state": self.state,
            "self_uri": f"{GUEST_API_PREFIX}/{self.conversation_id}/mediarequests/{self.id}",
        }
        if self.communication_id is not None:
            fields["communication_id"] = self.communication_id
        if self.security_key is not None:
            fields["security_key"] = self.security_key
        return WebChatGuestMediaRequest(**fields)


@dataclass
class Conversation:
    id: str
    organization_id: str
    deployment_id: str
    queue: str
    guest_id: str
    status: str
    created: datetime
    members: dict[str, Member] = field(default_factory=dict)
    # Committed messages only: they are appended once committed, in commit order.
    messages: History = field(init=False)
    media_requests: dict[str, MediaRequest] = field(default_factory=dict)
    committed_status: str = ""
    committed_members: dict[str, Member] = field(default_factory=dict)
    committed_media_requests: dict[str, MediaRequest] = field(default_factory=dict)
    # The last guest message a bot agent answered (None before its first answer).
    bot_answered: str | None = None

    @property
    def guest(self) -> Member:
        return self.members[self.guest_id]

    @property
    def ended(self) -> bool:
        return self.status == ConversationStatus.ENDED

    def __post_init__(self) -> None:
        self.messages = History(self.id)
        self.committed_status = self.committed_status or self.status

    def add_message(self, message: Message) -> None:
        self.messages.append(message)

    def show_committed(self) -> None:
        """Shows readers the working state as it is: for state loaded from the database."""
        self.committed_status = self.status
        self.committed_members = {mid: replace(m) for mid, m in self.members.items()}
        self.committed_media_requests = {rid: replace(r) for rid, r in self.media_requests.items()}

    def unanswered_guest_messages(self) -> list[Message]:
        """The guest's messages after the last one a bot agent answered. A database written
        before answers were recorded counts from the bot's last message instead."""
        if self.bot_answered is not None:
            answered = self.messages.position(self.bot_answered)
            start = 0 if answered is None else answered + 1
        else:
            bots = {m.id for m in self.members.values() if m.is_bot}
            start = next(
                (
                    i + 1
                    for i in range(len(self.messages) - 1, -1, -1)
                    if self.messages[i].sender_id in bots
                    and self.messages[i].body_type == BodyType.STANDARD
                ),
                0,
            )
        return [
            m
            for m in self.messages[start:]
            if m.sender_id == self.guest_id and m.body_type == BodyType.STANDARD
        ]

    def connected_agents(self) -> list[Member]:
        return [m for m in self.members.values() if m.is_agent and m.connected]

    def alerting_agents(self) -> list[Member]:
        """Agents offered the chat that have not taken it yet."""
        return [m for m in self.members.values() if m.is_agent and m.state == MemberState.ALERTING]

    def connected_with_role(self, role: str) -> list[Member]:
        return [m for m in self.members.values() if m.role == role and m.connected]

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "organizationId": self.organization_id,
            "deploymentId": self.deployment_id,
            "queue": self.queue,
            "status": self.committed_status,
            "guestMemberId": self.guest_id,
            "createdDate": format_timestamp(self.created),
            "members": [
                m.to_model().to_dict(exclude_none=True) for m in self.committed_members.values()
            ],
            "messageCount": len(self.messages),
        }
