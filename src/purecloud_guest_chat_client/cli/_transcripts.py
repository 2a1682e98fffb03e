"""A chat's messages as a transcript: Markdown, JSON, or a table on the terminal.

The ``transcript`` command, ``/transcript`` in ``chat`` and the end of ``demo`` all write the same
transcript, built from the API's messages and members.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..models import BodyType, WebChatMemberInfo, WebChatMessage
from ..models._base import format_timestamp
from ..stream.events import MessageEvent
from ._output import clock, role_style

JOIN, LEAVE = "member-join", "member-leave"


@dataclass(frozen=True)
class TranscriptEntry:
    message_id: str | None
    timestamp: datetime
    sender_id: str | None
    sender_name: str
    role: str | None
    body: str
    body_type: str

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.message_id,
            "timestamp": format_timestamp(self.timestamp),
            "sender": {"id": self.sender_id, "displayName": self.sender_name, "role": self.role},
            "bodyType": self.body_type,
            "body": self.body,
        }

    @property
    def text(self) -> str:
        """What the entry says, with joins and leaves spelled out."""
        if self.body_type == JOIN:
            return f"{self.sender_name} joined the chat"
        if self.body_type == LEAVE:
            return f"{self.sender_name} left the chat"
        return self.body


def entries_from_messages(
    messages: Iterable[WebChatMessage], members: Mapping[str, WebChatMemberInfo]
) -> list[TranscriptEntry]:
    """Entries from the API's messages, with names and roles from the members' records."""
    entries = []
    for message in messages:
        # The service may leave out what its swagger requires: read it as the event stream does.
        sender = message.sender or WebChatMemberInfo()
        sender_id = sender.id
        known = members.get(sender_id) if sender_id else None
        role = (known.role if known else None) or sender.role
        name = (known.display_name if known else None) or sender.display_name
        entries.append(
            TranscriptEntry(
                message_id=message.id,
                timestamp=message.timestamp or datetime.now(UTC),
                sender_id=sender_id,
                sender_name=_name(name, role, sender_id),
                role=str(role) if role else None,
                body=message.body or "",
                body_type=str(message.body_type or BodyType.STANDARD),
            )
        )
    return entries


def entries_from_events(events: Iterable[MessageEvent]) -> list[TranscriptEntry]:
    """Entries from a session's history, whose senders already carry names and roles."""
    return [
        TranscriptEntry(
            message_id=event.id,
            timestamp=event.timestamp,
            sender_id=event.sender.id,
            sender_name=_name(event.sender.display_name, event.sender.role, event.sender.id),
            role=str(event.sender.role) if event.sender.role else None,
            body=event.body,
            body_type=str(event.body_type),
        )
        for event in events
    ]


def _name(display_name: str | None, role: object, member_id: str | None) -> str:
    return display_name or (str(role).title() if role else None) or (member_id or "someone")[:8]


def to_markdown(conversation_id: str | None, entries: list[TranscriptEntry]) -> str:
    # Web Messaging does not tell the guest its conversation's id.
    title = f"# Chat transcript {conversation_id}" if conversation_id else "# Chat transcript"
    lines = [title, ""]
    if entries:
        first, last = entries[0].timestamp, entries[-1].timestamp
        lines += [
            f"{len(entries)} messages, {format_timestamp(first)} to {format_timestamp(last)}.",
            "",
        ]
    else:
        lines += ["No messages.", ""]
    for entry in entries:
        stamp = format_timestamp(entry.timestamp)
        if entry.body_type in (JOIN, LEAVE):
            lines.append(f"- `{stamp}` _{_escape(entry.text)}_")
        else:
            role = f" ({entry.role.lower()})" if entry.role else ""
            notice = " _(notice)_" if entry.body_type == "notice" else ""
            body = _escape(entry.body).replace("\n", "  \n  ")
            lines.append(f"- `{stamp}` **{_escape(entry.sender_name)}**{role}{notice}: {body}")
    return "\n".join(lines) + "\n"


def to_json(conversation_id: str | None, entries: list[TranscriptEntry]) -> str:
    document = {
        "conversationId": conversation_id,
        "messages": [entry.as_json() for entry in entries],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def print_table(console: Console, entries: list[TranscriptEntry]) -> None:
    table = Table(show_edge=False, box=None, pad_edge=False, header_style="bold")
    table.add_column("time", no_wrap=True, style="system")
    table.add_column("who", no_wrap=True)
    table.add_column("message", overflow="fold")
    for entry in entries:
        if entry.body_type in (JOIN, LEAVE):
            table.add_row(clock(entry.timestamp), "", f"[system]{escape(entry.text)}[/]")
        else:
            style = role_style(entry.role)
            table.add_row(
                clock(entry.timestamp),
                f"[{style}]{escape(entry.sender_name)}[/]",
                escape(entry.body),
            )
    console.print(table)


def render(conversation_id: str | None, entries: list[TranscriptEntry], output_format: str) -> str:
    if output_format == "json":
        return to_json(conversation_id, entries)
    return to_markdown(conversation_id, entries)


def _escape(text: str) -> str:
    # Keep a guest's "*" or "_" from turning the rest of a Markdown line bold or italic.
    return "".join(f"\\{char}" if char in "\\`*_[]<>#|" else char for char in text)
