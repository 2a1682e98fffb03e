"""One line on the terminal for each chat event the guest should see."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Console
from rich.markup import escape

from ..models.web_messaging_protocol import OriginatingEntity
from ..session import WebMessageEvent
from ..session.events import AgentJoined, AgentLeft, ChatEnded, EndReason, Transferred
from ..stream.events import MediaRequestEvent, MessageEvent, Reconnected, Reconnecting, TypingEvent
from ..webmessaging import ErrorFrame, RateLimited, WebMessage
from ._output import clock, role_style

END_REASONS = {
    EndReason.AGENT_ENDED: "the agent ended the chat",
    EndReason.GUEST_LEFT: "you left the chat",
    EndReason.REMOVED: "the service removed you from the chat",
}


class EventPrinter:
    """Prints what other members say and do, and the connection's ups and downs.

    The guest's own messages are printed by whoever sends them, so the stream's echo of them is
    skipped. Typing is shown once per burst: again only after that member has spoken.
    """

    def __init__(self, console: Console, guest_id: str) -> None:
        self._console = console
        self._guest_id = guest_id
        self._typing_shown: set[str] = set()

    def guest_said(self, name: str, text: str) -> None:
        # Stamped now, as the agent's lines are stamped with their message's time.
        now = clock(datetime.now(UTC))
        self._console.print(f"[system]{now}[/] [guest]{escape(name)}[/]: {escape(text)}")

    def system(self, text: str) -> None:
        self._console.print(f"[system]{escape(text)}[/]")

    def show(self, event: object) -> None:
        if isinstance(event, MediaRequestEvent):
            self.system(f"{event.sender.label} asks to start a co-browse or screen share session")
        elif isinstance(event, MessageEvent):
            self._message(event)
        elif isinstance(event, TypingEvent):
            if event.sender_id != self._guest_id and event.sender_id not in self._typing_shown:
                self._typing_shown.add(event.sender_id)
                self.system(f"{event.sender.label} is typing…")
        elif isinstance(event, AgentJoined):
            self._console.print(f"[ok]→ {escape(event.agent.label)} joined the chat[/]")
        elif isinstance(event, AgentLeft):
            self._console.print(f"[warn]← {escape(event.agent.label)} left the chat[/]")
        elif isinstance(event, Transferred):
            origin = f" from {event.from_agent.label}" if event.from_agent else ""
            self._console.print(
                f"[warn]⇄ transferred{escape(origin)} to {escape(event.to_agent.label)}[/]"
            )
        elif isinstance(event, ChatEnded):
            self._console.print(
                f"[warn]■ chat ended: {END_REASONS.get(event.reason, event.reason)}[/]"
            )
        elif isinstance(event, Reconnecting):
            self._console.print(
                f"[warn]… connection lost ({escape(event.reason)}); reconnecting in "
                f"{event.delay:.1f} s (attempt {event.attempt})[/]"
            )
        elif isinstance(event, Reconnected):
            missed = f", {event.backfilled} missed messages reloaded" if event.backfilled else ""
            self._console.print(f"[ok]✓ reconnected{missed}[/]")
        elif isinstance(event, ErrorFrame):
            said = escape(event.text or "")
            self._console.print(f"[failure]the service refused a request: {event.code} {said}[/]")
        elif isinstance(event, RateLimited):
            self._console.print(f"[warn]… rate limited: sends resume in {event.retry_after:g} s[/]")

    def _message(self, event: MessageEvent) -> None:
        sender = event.sender
        if sender.id == self._guest_id or event.is_membership_notice:
            # Joins and leaves are told by AgentJoined / AgentLeft, which know the role.
            return
        self._typing_shown.discard(sender.id)
        style = role_style(str(sender.role) if sender.role else None)
        notice = " [system](notice)[/]" if event.is_notice else ""
        bot = " [system](bot)[/]" if event.originating_entity == OriginatingEntity.BOT else ""
        self._console.print(
            f"[system]{clock(event.timestamp)}[/] [{style}]{escape(sender.label)}[/]{bot}{notice}: "
            f"{escape(event.body)}"
        )
        if isinstance(event, WebMessageEvent) and event.web_message is not None:
            self._content(event.web_message)

    def _content(self, message: WebMessage) -> None:
        """What a Web Messaging message holds besides its text (never an attachment's URL:
        a presigned URL grants access to the file)."""
        offers = [reply.text or reply.payload or "?" for reply in message.quick_replies]
        if offers:
            self.system(f"  quick replies: {' | '.join(offers)}")
        for attachment in message.attachments:
            self.system(f"  attachment: {attachment.filename or attachment.id or 'a file'}")
