"""Request limits: per caller in fixed one-minute windows, reported as the platform does (the
REST API), and sliding windows for the Web Messaging WebSocket's limits."""

from __future__ import annotations

import math
import time
from collections import deque

from .api_error import ApiError

WINDOW_SECONDS = 60.0
_SWEEP_EVERY = 10_000


class RateLimiter:
    """Counts requests per key (a guest member, or a client address before it has a token)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._windows: dict[str, tuple[float, int]] = {}
        self._hits = 0

    def check(self, key: str) -> dict[str, str]:
        """Counts one request. Returns the ``inin-ratelimit-*`` headers, or raises a 429."""
        if self.per_minute <= 0:
            return {}
        now = time.monotonic()
        self._hits += 1
        if self._hits % _SWEEP_EVERY == 0:
            self._sweep(now)
        started, count = self._windows.get(key, (now, 0))
        if now - started >= WINDOW_SECONDS:
            started, count = now, 0
        count += 1
        self._windows[key] = (started, count)
        reset = max(1, math.ceil(started + WINDOW_SECONDS - now))
        headers = {
            "inin-ratelimit-count": str(count),
            "inin-ratelimit-allowed": str(self.per_minute),
            "inin-ratelimit-reset": str(reset),
        }
        if count > self.per_minute:
            raise ApiError.rate_limited(reset, headers)
        return headers

    def _sweep(self, now: float) -> None:
        expired = [
            k for k, (started, _) in self._windows.items() if now - started >= WINDOW_SECONDS
        ]
        for key in expired:
            del self._windows[key]


class SlidingWindow:
    """At most ``limit`` events in any ``window_seconds``, for one connection or session.

    A sliding window rather than fixed ones: a burst that straddles the edge of two fixed windows
    would get twice the limit through. Refused events are not counted, so a client that waits
    the ``retryAfter`` it was given is served then."""

    def __init__(self, limit: int, window_seconds: float) -> None:
        if limit < 1 or window_seconds <= 0:
            raise ValueError(f"a sliding window needs a limit >= 1 and a length > 0, got {limit}")
        self._limit = limit
        self._window = window_seconds
        self._times: deque[float] = deque(maxlen=limit)

    def retry_after(self, now: float) -> int | None:
        """Counts one event at ``now`` (monotonic seconds): ``None`` when it may go, else the
        whole seconds (at least 1) after which the oldest counted event has left the window."""
        times = self._times
        if len(times) >= self._limit and now - times[0] < self._window:
            return max(1, math.ceil(times[0] + self._window - now))
        times.append(now)
        return None
