"""One guest's account of its messages: what it sent, what came back, and what never did.

Every body a guest sends is unique within its chat, so the check is exact and body by body:

- the service must deliver each accepted message back on the guest's own stream once;
- the agent must answer each once. The local service's echo agent answers ``You said: <body>``,
  which names the message; any other answer is matched to the oldest unanswered message.

A message delivered or answered twice is *duplicated*. A message whose echo or answer never
arrived before the guest left is *lost*, unless the guest was cut short (Ctrl-C) while waiting
for that answer: then it is *abandoned*, which says nothing about the service.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

__all__ = ["ECHO_PREFIX", "Answer", "MessageLedger"]

ECHO_PREFIX = "You said: "
"""How the local service's echo agent begins its answer to a guest's text."""


@dataclass(frozen=True)
class Answer:
    """What one agent message meant for the ledger."""

    body: str | None
    """The guest message it answers, or None when no message was waiting for an answer."""
    waited: float | None
    """Seconds from that message's send to this answer; None for a repeated answer."""
    duplicate: bool


@dataclass
class MessageLedger:
    guest: str
    """The guest's name, for the examples in a report."""
    _sent_at: dict[str, float] = field(default_factory=dict)
    _unanswered: dict[str, float] = field(default_factory=dict)
    _delivered: Counter[str] = field(default_factory=Counter)
    _answered: Counter[str] = field(default_factory=Counter)

    def body(self, number: int) -> str:
        """The text of the guest's message ``number`` (from 1): unique within the chat."""
        return f"{self.guest} message {number}"

    def sent(self, body: str, at: float) -> None:
        """The service accepted ``body``, sent at ``at`` (any monotonic clock)."""
        self._sent_at[body] = at
        self._unanswered[body] = at

    def delivered(self, body: str) -> bool:
        """The guest's own message came back on its stream; false when it already had."""
        self._delivered[body] += 1
        return self._delivered[body] == 1

    def answered(self, text: str, at: float) -> Answer:
        """An agent message arrived at ``at``."""
        if text.startswith(ECHO_PREFIX) and text[len(ECHO_PREFIX) :] in self._sent_at:
            body: str | None = text[len(ECHO_PREFIX) :]
        else:
            body = next(iter(self._unanswered), None)
        if body is None:
            return Answer(None, None, duplicate=False)
        self._answered[body] += 1
        if self._answered[body] > 1:
            return Answer(body, None, duplicate=True)
        sent_at = self._unanswered.pop(body, self._sent_at[body])
        return Answer(body, at - sent_at, duplicate=False)

    def waiting_for(self, body: str) -> bool:
        return body in self._unanswered

    @property
    def unanswered(self) -> list[str]:
        return list(self._unanswered)

    def duplicated(self) -> list[str]:
        """One line per extra copy delivered or answered."""
        lines = [
            f"{body!r} came back {count} times"
            for body, count in self._delivered.items()
            if count > 1
        ]
        lines += [
            f"{body!r} was answered {count} times"
            for body, count in self._answered.items()
            if count > 1
        ]
        return lines

    def duplicate_count(self) -> int:
        return sum(
            count - 1
            for count in (*self._delivered.values(), *self._answered.values())
            if count > 1
        )

    def lost(self, abandoned: frozenset[str] = frozenset()) -> list[str]:
        """One line per accepted message whose echo or answer never came; a message in
        ``abandoned`` (the guest stopped waiting for it) is not lost for lack of an answer."""
        lines = [
            f"{body!r} never came back on the guest's stream"
            for body in self._sent_at
            if not self._delivered[body]
        ]
        lines += [
            f"{body!r} was never answered" for body in self._unanswered if body not in abandoned
        ]
        return lines
