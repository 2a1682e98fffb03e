"""The machine a run happens on, and how busy the load generator itself is.

A load generator that is out of CPU reports its own delays as the service's latency. The sampler
below measures the process's CPU (a share of one core: Python runs one thread at a time) and the
lateness of its own timer, and :func:`generator_limited` says when the figures describe the
generator rather than the service.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

from .metrics import Recorder, percentile

__all__ = ["GeneratorSampler", "describe_machine", "generator_limited"]

SAMPLE_EVERY = 0.5
BUSY_SHARE = 0.85
"""Above this share of one core the generator is the bottleneck: its timers fire late, and every
latency it measures grows by its own queueing."""
MIN_SAMPLES = 4
"""Fewer samples (a run of under two seconds) say more about start-up than about a steady load."""
STARVED_SHARE = 0.5
"""Timers late while the generator uses less than this share of a core: the machine, not the
generator, is short of CPU."""
LATE_TIMER = 0.1
"""A p99 timer lateness above this many seconds means guests wait for the generator's scheduler,
not for the service."""


def describe_machine() -> dict[str, Any]:
    """What the figures were measured on."""
    description: dict[str, Any] = {
        "system": f"{platform.system()} {platform.release()}",
        "machine": platform.machine(),
        "processor": _cpu_model() or platform.processor() or None,
        "cpus": os.cpu_count(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "executable": sys.executable,
    }
    try:
        description["loadAverage"] = [round(value, 2) for value in os.getloadavg()]
    except OSError:
        description["loadAverage"] = None
    memory = _memory_mib()
    if memory is not None:
        description["memoryMiB"] = memory
    return description


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def _memory_mib() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


class GeneratorSampler:
    """Takes one CPU and timer-lateness sample per call to :meth:`tick`, which is called every
    ``SAMPLE_EVERY`` seconds by the loop that drives the guests."""

    def __init__(self, recorder: Recorder) -> None:
        self._recorder = recorder
        self._cpu = time.process_time()
        self._wall = time.perf_counter()
        self._due = self._wall + SAMPLE_EVERY

    def tick(self) -> None:
        cpu, wall = time.process_time(), time.perf_counter()
        if wall > self._wall:
            self._recorder.cpu.append(
                (self._recorder.now(), (cpu - self._cpu) / (wall - self._wall))
            )
        self._recorder.loop_lag.append(max(0.0, wall - self._due))
        self._cpu, self._wall, self._due = cpu, wall, wall + SAMPLE_EVERY

    def latest_share(self) -> float:
        return self._recorder.cpu[-1][1] if self._recorder.cpu else 0.0


def generator_limited(recorder: Recorder) -> str | None:
    """Why the figures describe the load generator (or its machine) rather than the service,
    or None."""
    shares = sorted(share for _moment, share in recorder.cpu)
    lag = sorted(recorder.loop_lag)
    if len(shares) < MIN_SAMPLES:
        return None
    busy = percentile(shares, 0.5)
    late = percentile(lag, 0.99) if lag else 0.0
    if busy < STARVED_SHARE and late >= LATE_TIMER:
        try:
            load = f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        except OSError:
            load = "other processes"
        return (
            f"this machine is short of CPU: the load generator's timers fired up to "
            f"{late * 1000:.0f} ms late (p99) while it used only {busy:.0%} of a core (median), "
            f"so other processes had the CPU ({load}); the latencies include that wait"
        )
    reasons = []
    if busy >= BUSY_SHARE:
        reasons.append(f"it used {busy:.0%} of a core (median)")
    if late >= LATE_TIMER:
        reasons.append(f"its timers fired up to {late * 1000:.0f} ms late (p99)")
    if not reasons:
        return None
    return (
        "the load generator, not the service, limits these figures: "
        + " and ".join(reasons)
        + "; use fewer guests per process, or spread them over machines (Locust)"
    )
