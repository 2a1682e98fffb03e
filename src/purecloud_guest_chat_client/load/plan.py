"""What a load run does: how many guests, how they arrive, how long they chat and how they pace.

One :class:`LoadPlan` describes the workload whatever drives it (``guestchat load`` or a script),
and checks itself, so that a bad combination is refused before any guest starts.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

__all__ = ["LoadPlan", "ThinkTime", "default_timeout"]

BASE_TIMEOUT = 30.0
TIMEOUT_PER_GUEST = 0.01
"""The default wait for an agent or a reply grows with the guests chatting at once: a busy
service answers later, and a bound that suits 10 guests would fail 2,000 that are merely slow."""


def default_timeout(guests_at_once: int) -> float:
    """The default ``timeout``: 30 s plus 10 ms per guest chatting at once."""
    return BASE_TIMEOUT + TIMEOUT_PER_GUEST * guests_at_once


@dataclass(frozen=True)
class ThinkTime:
    """The pause between a reply and the guest's next message: fixed, or uniform in a range."""

    low: float = 0.0
    high: float = 0.0

    def __post_init__(self) -> None:
        for value in (self.low, self.high):
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"think time must be >= 0 seconds, not {value!r}")
        if self.high < self.low:
            raise ValueError(f"think time range {self.low:g}..{self.high:g} runs backwards")

    @classmethod
    def parse(cls, text: str) -> ThinkTime:
        """``"2"`` (always 2 s) or ``"1..3"`` (uniformly between 1 and 3 s)."""
        low_text, dots, high_text = text.strip().partition("..")
        try:
            low = float(low_text)
            high = float(high_text) if dots else low
        except ValueError:
            raise ValueError(
                f"think time must be seconds (2) or a range (1..3), not {text!r}"
            ) from None
        return cls(low, high)

    def draw(self) -> float:
        return self.low if self.high == self.low else random.uniform(self.low, self.high)

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    def __str__(self) -> str:
        return f"{self.low:g}" if self.low == self.high else f"{self.low:g}..{self.high:g}"


@dataclass(frozen=True)
class LoadPlan:
    """A workload.

    - ``guests``: how many guests chat in all.
    - ``concurrency`` (closed model: that many guests at once, a new one starting when one
      finishes) or ``arrival_rate`` (open model: new guests per second, however many are still
      chatting); exactly one of them.
    - ``ramp``: seconds over which the guests (closed) or the arrival rate (open) build up.
    - ``messages`` per guest, or ``duration``: seconds after which no guest sends any more and
      every guest leaves; exactly one of them.
    - ``think``: the pause between an answer and the next message.
    - ``timeout``: seconds a guest waits for an agent, or for the answer to one message.
    """

    guests: int
    concurrency: int | None = None
    arrival_rate: float | None = None
    ramp: float = 0.0
    messages: int | None = None
    duration: float | None = None
    think: ThinkTime = ThinkTime()
    timeout: float | None = None

    def __post_init__(self) -> None:
        if self.guests < 1:
            raise ValueError(f"guests must be at least 1, not {self.guests}")
        if self.concurrency is not None and self.arrival_rate is not None:
            raise ValueError("give either a concurrency or an arrival rate, not both")
        if self.concurrency is not None and self.concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, not {self.concurrency}")
        if self.arrival_rate is not None and not (
            math.isfinite(self.arrival_rate) and self.arrival_rate > 0
        ):
            raise ValueError(f"arrival rate must be > 0 guests/s, not {self.arrival_rate}")
        if self.messages is not None and self.duration is not None:
            raise ValueError("give either messages per guest or a duration, not both")
        if self.messages is None and self.duration is None:
            raise ValueError("give messages per guest or a duration")
        if self.messages is not None and self.messages < 0:
            raise ValueError(f"messages must be >= 0, not {self.messages}")
        if self.duration is not None and not (math.isfinite(self.duration) and self.duration > 0):
            raise ValueError(f"duration must be > 0 seconds, not {self.duration}")
        if not (math.isfinite(self.ramp) and self.ramp >= 0):
            raise ValueError(f"ramp must be >= 0 seconds, not {self.ramp}")
        if self.timeout is not None and not (math.isfinite(self.timeout) and self.timeout > 0):
            raise ValueError(f"timeout must be > 0 seconds, not {self.timeout}")

    @property
    def open_model(self) -> bool:
        return self.arrival_rate is not None

    @property
    def slots(self) -> int:
        """Guests chatting at once in the closed model (all of them when no bound is given)."""
        return min(self.guests, self.concurrency or self.guests)

    @property
    def guests_at_once(self) -> int:
        """The guests chatting at once: the slots, or in an open model an estimate of arrivals
        per second times how long each stays."""
        if self.open_model:
            assert self.arrival_rate is not None
            return min(self.guests, math.ceil(self.arrival_rate * (self.duration or 60.0)))
        return self.slots

    @property
    def wait_limit(self) -> float:
        """The timeout in force: the given one, else the default for the guests at once."""
        if self.timeout is not None:
            return self.timeout
        return default_timeout(self.guests_at_once)

    def arrival_offset(self, number: int) -> float:
        """Seconds after the start at which guest ``number`` (from 0) arrives, in the open
        model; the rate grows linearly from 0 to ``arrival_rate`` over ``ramp``."""
        assert self.arrival_rate is not None
        rate, ramp = self.arrival_rate, self.ramp
        arrived_during_ramp = rate * ramp / 2
        if ramp > 0 and number < arrived_during_ramp:
            return math.sqrt(2 * ramp * number / rate)
        return ramp + (number - arrived_during_ramp) / rate

    def slot_offset(self, slot: int) -> float:
        """Seconds after the start at which closed-model slot ``slot`` (from 0) opens."""
        return self.ramp * slot / self.slots

    def describe(self) -> str:
        who = (
            f"{self.guests} guests arriving at {self.arrival_rate:g}/s"
            if self.open_model
            else f"{self.guests} guests, {self.slots} at a time"
        )
        what = (
            f"{self.messages} messages each"
            if self.messages is not None
            else f"for {self.duration:g} s"
        )
        extra = [f"ramp {self.ramp:g} s"] if self.ramp else []
        if self.think.high:
            extra.append(f"think {self.think} s")
        extra.append(f"timeout {self.wait_limit:g} s")
        return f"{who}, {what} ({', '.join(extra)})"

    def to_dict(self) -> dict[str, object]:
        return {
            "guests": self.guests,
            "concurrency": self.concurrency if not self.open_model else None,
            "slots": None if self.open_model else self.slots,
            "arrivalRate": self.arrival_rate,
            "ramp": self.ramp,
            "messages": self.messages,
            "duration": self.duration,
            "think": str(self.think),
            "timeout": self.wait_limit,
        }
