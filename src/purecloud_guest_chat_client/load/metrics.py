"""What a load run measures: latencies with their times, counters, and the figures made of them.

Every latency is kept (as a float, with the moment it ended), so the percentiles are exact rather
than estimated from buckets, and the plots can show them over time.
"""

from __future__ import annotations

import math
import time
from array import array
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

__all__ = ["LATENCY_KINDS", "LatencyStats", "Recorder", "percentile"]

LATENCY_KINDS = {
    "create": "chat creation",
    "agent_join": "agent join",
    "send": "send (POST)",
    "reply": "reply",
}
"""The timed steps, with their names in reports: creating the chat and attaching its stream;
waiting for an agent; the POST of one message; and a message's round trip, from the send to its
answer arriving on the guest's stream."""


def percentile(ordered: list[float], share: float) -> float:
    """The nearest-rank percentile of an already sorted, non-empty list."""
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass(frozen=True)
class LatencyStats:
    count: int
    mean: float
    min: float
    p50: float
    p90: float
    p99: float
    max: float

    @classmethod
    def of(cls, values: list[float] | array[float]) -> LatencyStats | None:
        if not values:
            return None
        ordered = sorted(values)
        return cls(
            count=len(ordered),
            mean=math.fsum(ordered) / len(ordered),
            min=ordered[0],
            p50=percentile(ordered, 0.50),
            p90=percentile(ordered, 0.90),
            p99=percentile(ordered, 0.99),
            max=ordered[-1],
        )

    def to_dict(self) -> dict[str, float]:
        """In milliseconds, as the reports show them."""
        figures = {
            name: round(getattr(self, name) * 1000, 3)
            for name in ("mean", "min", "p50", "p90", "p99", "max")
        }
        return {"count": self.count, **{f"{name}Ms": value for name, value in figures.items()}}


@dataclass
class _Series:
    ended_at: array[float] = field(default_factory=lambda: array("d"))
    seconds: array[float] = field(default_factory=lambda: array("d"))


class Recorder:
    """The counters and samples of one run. One event loop (or one gevent hub) writes them, so
    they take no lock."""

    def __init__(self) -> None:
        self.started_at = time.perf_counter()
        self.wall_started = time.time()
        self.ended_at: float | None = None
        self._latencies = {kind: _Series() for kind in LATENCY_KINDS}
        self.guests_started = 0
        self.guests_active = 0
        self.guests_completed = 0
        self.guests_failed = 0
        self.guests_interrupted = 0
        self.sent = 0
        self.sent_at: array[float] = array("d")
        self.received = 0
        self.received_at: array[float] = array("d")
        self.errors: Counter[str] = Counter()
        self.retries = 0
        self.reconnects = 0
        self.lost = 0
        self.duplicated = 0
        self.lost_examples: list[str] = []
        self.duplicated_examples: list[str] = []
        self.cpu: list[tuple[float, float]] = []
        """(seconds since the start, share of one core the process used since the last one)"""
        self.loop_lag: list[float] = []
        """How late the generator's own timer fired, in seconds: its scheduler's backlog."""

    def now(self) -> float:
        """Seconds since the run started."""
        return time.perf_counter() - self.started_at

    def latency(self, kind: str, seconds: float) -> None:
        series = self._latencies[kind]
        series.ended_at.append(self.now())
        series.seconds.append(seconds)

    def message_sent(self) -> None:
        self.sent += 1
        self.sent_at.append(self.now())

    def answer_received(self) -> None:
        self.received += 1
        self.received_at.append(self.now())

    def error(self, code: str) -> None:
        self.errors[code] += 1

    def lost_message(self, description: str) -> None:
        self.lost += 1
        if len(self.lost_examples) < 10:
            self.lost_examples.append(description)

    def duplicated_message(self, description: str) -> None:
        self.duplicated += 1
        if len(self.duplicated_examples) < 10:
            self.duplicated_examples.append(description)

    def finish(self) -> None:
        if self.ended_at is None:
            self.ended_at = self.now()

    @property
    def elapsed(self) -> float:
        return self.ended_at if self.ended_at is not None else self.now()

    def samples(self, kind: str) -> tuple[array[float], array[float]]:
        """(when each ended, in seconds since the start; how long it took)."""
        series = self._latencies[kind]
        return series.ended_at, series.seconds

    def stats(self, kind: str) -> LatencyStats | None:
        return LatencyStats.of(self._latencies[kind].seconds)

    def throughput(self) -> float:
        """Answers received per second over the whole run."""
        return self.received / self.elapsed if self.elapsed > 0 else 0.0

    def recent_rate(self, window: float = 5.0) -> float:
        """Answers received per second over the last ``window`` seconds."""
        now = self.now()
        since = now - window
        count = 0
        for moment in reversed(self.received_at):
            if moment < since:
                break
            count += 1
        return count / min(window, now) if now > 0 else 0.0

    def cpu_share(self) -> tuple[float, float]:
        """(mean, highest) share of one core the generator used, over the samples taken."""
        if not self.cpu:
            return (0.0, 0.0)
        shares = [share for _moment, share in self.cpu]
        return (math.fsum(shares) / len(shares), max(shares))

    def per_second(self) -> list[dict[str, Any]]:
        """The run second by second: messages sent, answers received, reply percentiles, CPU."""
        seconds = max(1, math.ceil(self.elapsed))
        sent = [0] * seconds
        received = [0] * seconds
        for moment in self.sent_at:
            sent[min(int(moment), seconds - 1)] += 1
        for moment in self.received_at:
            received[min(int(moment), seconds - 1)] += 1
        replies: list[list[float]] = [[] for _ in range(seconds)]
        ended_at, durations = self.samples("reply")
        for moment, duration in zip(ended_at, durations, strict=True):
            replies[min(int(moment), seconds - 1)].append(duration)
        cpu: list[float | None] = [None] * seconds
        for moment, share in self.cpu:
            cpu[min(int(moment), seconds - 1)] = share
        rows: list[dict[str, Any]] = []
        for second in range(seconds):
            row: dict[str, Any] = {
                "second": second,
                "sent": sent[second],
                "received": received[second],
                "cpu": None if cpu[second] is None else round(cpu[second] or 0.0, 3),
            }
            stats = LatencyStats.of(replies[second])
            if stats is not None:
                row.update(
                    replyP50Ms=round(stats.p50 * 1000, 3),
                    replyP90Ms=round(stats.p90 * 1000, 3),
                    replyP99Ms=round(stats.p99 * 1000, 3),
                )
            rows.append(row)
        return rows

    def figures(self) -> dict[str, Any]:
        """Every figure of the run, JSON-ready."""
        cpu_mean, cpu_max = self.cpu_share()
        lag = sorted(self.loop_lag)
        return {
            "elapsedSeconds": round(self.elapsed, 3),
            "guests": {
                "started": self.guests_started,
                "completed": self.guests_completed,
                "failed": self.guests_failed,
                "interrupted": self.guests_interrupted,
            },
            "messages": {
                "sent": self.sent,
                "answered": self.received,
                "lost": self.lost,
                "duplicated": self.duplicated,
                "lostExamples": self.lost_examples,
                "duplicatedExamples": self.duplicated_examples,
            },
            "throughputPerSecond": round(self.throughput(), 3),
            "latency": {
                kind: (stats.to_dict() if (stats := self.stats(kind)) is not None else None)
                for kind in LATENCY_KINDS
            },
            "errors": dict(self.errors.most_common()),
            "retries": self.retries,
            "reconnects": self.reconnects,
            "generator": {
                "cpuMeanShareOfOneCore": round(cpu_mean, 3),
                "cpuMaxShareOfOneCore": round(cpu_max, 3),
                "loopLagP99Ms": round(percentile(lag, 0.99) * 1000, 3) if lag else None,
                "loopLagMaxMs": round(lag[-1] * 1000, 3) if lag else None,
            },
        }
