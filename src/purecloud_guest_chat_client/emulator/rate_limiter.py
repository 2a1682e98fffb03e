"""Per-caller request limits in fixed one-minute windows, reported as the platform does."""

from __future__ import annotations

import math
import time

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
