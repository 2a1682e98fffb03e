"""When to retry a request, and how long to wait first.

Only failures that leave the request safe to repeat are retried. A POST is not idempotent here
(sending a message twice shows it twice), so it is repeated only when the service certainly did
not process it: a 429 or a 503 (both refuse before processing), or a connection that never
opened (refused, or timed out while connecting or waiting for a pooled connection). A 500, 502 or
504, or a read that broke mid-way, may hide a processed POST, so those are retried only for the
other methods: for those a single transient server error must not fail the call.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

__all__ = ["IDEMPOTENT_METHODS", "RetryPolicy"]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE", "PUT"})
_UNPROCESSED_STATUSES = frozenset({429, 503})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How a client retries failed calls. ``RetryPolicy.disabled()`` turns retries off.

    - ``max_retries``: retries after the first attempt (0 = none).
    - ``statuses``: the HTTP statuses that may be retried.
    - ``retry_connect_errors``: retry, whatever the method, when no connection was had: it was
      refused, or timed out while connecting or while waiting for a free pooled connection.
    - ``backoff_initial`` / ``backoff_max``: the exponential backoff (with jitter) used when
      the service gives no ``Retry-After``.
    - ``retry_after_cap``: the longest ``Retry-After`` honoured; a longer hint is not waited for.
    - ``total_budget``: retries stop once waiting again would pass this many seconds since the
      call began.
    """

    max_retries: int = 3
    statuses: frozenset[int] = field(default=frozenset({429, 500, 502, 503, 504}))
    retry_connect_errors: bool = True
    backoff_initial: float = 0.5
    backoff_max: float = 8.0
    retry_after_cap: float = 30.0
    total_budget: float = 60.0

    def __post_init__(self) -> None:
        if isinstance(self.max_retries, bool) or not isinstance(self.max_retries, int):
            raise TypeError(f"max_retries must be an int, not {self.max_retries!r}")
        if self.max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, not {self.max_retries}")
        for name in ("backoff_initial", "backoff_max", "retry_after_cap", "total_budget"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"{name} must be a number >= 0, not {value!r}")
        if not isinstance(self.statuses, frozenset):
            object.__setattr__(self, "statuses", frozenset(self.statuses))

    @classmethod
    def disabled(cls) -> RetryPolicy:
        return cls(max_retries=0)

    @property
    def enabled(self) -> bool:
        return self.max_retries > 0

    def status_is_retryable(self, method: str, status: int) -> bool:
        if status not in self.statuses:
            return False
        return method in IDEMPOTENT_METHODS or status in _UNPROCESSED_STATUSES

    def connect_error_is_retryable(self) -> bool:
        return self.retry_connect_errors

    def delay(self, retries_done: int, retry_after: float | None, elapsed: float) -> float | None:
        """Seconds to wait before the next attempt, or None when retrying must stop.

        ``retries_done`` counts the retries already made; ``elapsed`` is the time since the
        call began.
        """
        if retries_done >= self.max_retries:
            return None
        if retry_after is not None:
            if retry_after > self.retry_after_cap:
                return None
            wait = retry_after
        else:
            ceiling = min(self.backoff_max, self.backoff_initial * (2**retries_done))
            wait = random.uniform(ceiling / 2, ceiling)
        if elapsed + wait > self.total_budget:
            return None
        return wait


def parse_retry_after(value: str | None) -> float | None:
    """The ``Retry-After`` header in seconds (delta-seconds form), or None."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
