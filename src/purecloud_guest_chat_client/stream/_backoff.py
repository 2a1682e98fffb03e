"""Reconnect delays: exponential backoff with jitter, the first retry well within half a second."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Backoff:
    """Delay before reconnect attempt ``n`` (0-based): ``min(maximum, initial * factor**n)``,
    scaled by a random factor in ``[1 - jitter, 1]`` so that many clients dropped together do
    not come back together.

    ``give_up_after`` bounds the time spent reconnecting without success (the service forgets a
    guest whose stream stays away for about two minutes anyway).
    """

    initial: float = 0.4
    factor: float = 2.0
    maximum: float = 10.0
    jitter: float = 0.5
    give_up_after: float = 150.0

    def __post_init__(self) -> None:
        if self.initial <= 0 or self.maximum < self.initial:
            raise ValueError("Backoff needs 0 < initial <= maximum")
        if self.factor < 1:
            raise ValueError("Backoff.factor must be at least 1")
        if not 0 <= self.jitter <= 1:
            raise ValueError("Backoff.jitter must be between 0 and 1")
        if self.give_up_after <= 0:
            raise ValueError("Backoff.give_up_after must be positive")

    def delay(self, attempt: int) -> float:
        if attempt < 0:
            raise ValueError("attempt must not be negative")
        base = min(self.maximum, self.initial * self.factor ** min(attempt, 64))
        return base * (1.0 - self.jitter * random.random())
