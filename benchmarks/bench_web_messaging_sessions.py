"""Measures the Web Messaging client at scale: many concurrent sessions in one process, under drops.

The local service runs in its own process with no agent of its own (``--agent manual``) and no
rate limit; this process holds the guests (one ``WebMessagingClient`` each, every one with its
event loop task) and plays the agents through the control API. It reports:

- resident memory per session: this process's RSS once the sessions are up and their agents
  joined, minus its RSS before (after one session was opened and closed, so the code is in the
  baseline and the sessions are not), divided by the number of sessions;
- agent-to-guest latency: from the start of the agent's POST to the ``WebMessage`` in the
  guest's event loop, at a steady rate over all the sessions;
- messages lost and duplicated while 10% of the connections are dropped every 2 s. The service
  has no Web Messaging drop fault, so the drops are made on this side, as a network failure
  would: the client's socket is aborted, with no close frame. The client reconnects, configures
  the same token and backfills what it missed from the REST history.

    python benchmarks/bench_web_messaging_sessions.py [--sessions 1000] [--seconds 20]

Prints a table and writes benchmarks/results/web_messaging_sessions.json (or ``--results DIR``).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import random
import signal
import statistics
import sys
import tempfile
import threading
import time
import traceback
import tracemalloc
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench_service import ServerCpu, _loadavg
from bench_web_messaging_service import DEPLOYMENT, start_service

from purecloud_guest_chat_client.emulator import AsyncControlClient
from purecloud_guest_chat_client.models.web_messaging_protocol import Direction
from purecloud_guest_chat_client.webmessaging import (
    Reconnected,
    WebMessage,
    WebMessagingClient,
)

RESULTS = Path(__file__).parent / "results"
DROP_SHARE = 0.10
DROP_EVERY = 2.0
RATE = 200.0
"""Agent messages per second, over all the sessions."""
RSS_TARGET_KIB = 60.0
STARVED_AFTER = 30.0
"""Seconds without a turn of the event loop after which the run ends, saying where it is stuck."""
TRACE_FRAMES = 25
"""How deep tracemalloc's tracebacks go, to find the client's line behind each allocation."""


@dataclass
class Guest:
    """One session and what its event loop has seen."""

    client: WebMessagingClient
    number: int
    conversation_id: str = ""
    agent_id: str = ""
    received: list[str] = field(default_factory=list)
    reconnects: int = 0
    loop: asyncio.Task[None] | None = None
    # The agent's messages to one guest are posted one at a time, so their order is the order
    # they were sent in, which the guest must see.
    posting: asyncio.Lock = field(default_factory=asyncio.Lock)


class Watchdog:
    """Notices an event loop that stopped turning (a task that never yields starves every
    session of the process) and says where it is stuck, so the run ends with that instead of
    hanging: the figures measured so far are written, with the stack of the stuck code."""

    def __init__(self, bound: float, finish: Callable[[dict[str, Any]], None]) -> None:
        self.bound, self.finish = bound, finish
        self.beat = time.monotonic()
        self.figures: dict[str, Any] = {}
        self.main = threading.main_thread().ident
        self.stopped = False
        self.thread = threading.Thread(target=self._watch, daemon=True)

    async def heartbeat(self) -> None:
        self.thread.start()
        while True:
            self.beat = time.monotonic()
            await asyncio.sleep(0.5)

    def stop(self) -> None:
        """The loop it watched is done: what runs after (the memory profile, on a loop of its
        own with no heartbeat) is not a stuck loop."""
        self.stopped = True

    def _watch(self) -> None:
        while time.monotonic() - self.beat < self.bound:
            time.sleep(1.0)
            if self.stopped:
                return
        frame = sys._current_frames().get(self.main or 0)
        stack = traceback.format_stack(frame)[-12:] if frame is not None else []
        self.figures["starved"] = {
            "seconds_without_a_turn": self.bound,
            "stack": [line.strip() for line in stack],
        }
        self.finish(self.figures)


class Probe:
    """When each agent message was posted, to time its arrival."""

    def __init__(self) -> None:
        self.posted_at: dict[str, float] = {}
        self.latencies: list[float] = []
        self.measuring = False

    def arrived(self, text: str) -> None:
        posted = self.posted_at.get(text)
        if posted is not None and self.measuring:
            self.latencies.append(time.perf_counter() - posted)


async def guest_loop(guest: Guest, probe: Probe) -> None:
    async for event in guest.client.events():
        if isinstance(event, WebMessage):
            if event.direction == Direction.OUTBOUND and event.text:
                probe.arrived(event.text)
                guest.received.append(event.text)
        elif isinstance(event, Reconnected):
            guest.reconnects += 1


def progress(what: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {what}", file=sys.stderr, flush=True)


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def abort(guest: Guest) -> bool:
    """Drop the guest's socket as a network failure would: no close frame. The client keeps its
    connection private, so this reaches in, as the client's own tests do."""
    connection = guest.client._connection
    if connection is None:
        return False  # already away, reconnecting
    connection.ws.transport.abort()
    return True


async def open_guests(base_url: str, probe: Probe, numbers: range) -> list[Guest]:
    guests = [
        Guest(WebMessagingClient(DEPLOYMENT, base_url, application="bench"), n) for n in numbers
    ]
    for start in range(0, len(guests), 50):
        batch = guests[start : start + 50]
        await asyncio.gather(*(g.client.connect() for g in batch))
        for guest in batch:
            guest.loop = asyncio.create_task(guest_loop(guest, probe))
        # A first message names each session: its conversation is found by it.
        await asyncio.gather(*(g.client.send_text(f"hello {g.number}") for g in batch))
    return guests


async def join_agents(control: AsyncControlClient, guests: list[Guest]) -> None:
    """An agent in every session's conversation, found by the session's first message."""
    by_hello = {f"hello {g.number}": g for g in guests}
    chats = [c for c in await control.conversations() if c.get("deploymentId") == DEPLOYMENT]
    for start in range(0, len(chats), 50):
        details = await asyncio.gather(
            *(control.conversation(c["id"]) for c in chats[start : start + 50])
        )
        for detail in details:
            for message in detail.get("messages", []):
                guest = by_hello.get(str(message.get("body")))
                if guest is not None:
                    guest.conversation_id = detail["id"]
    missing = [g.number for g in guests if not g.conversation_id]
    if missing:
        raise RuntimeError(f"no conversation found for sessions {missing[:10]}")
    for start in range(0, len(guests), 50):
        batch = guests[start : start + 50]
        agents = await asyncio.gather(
            *(control.join_agent(g.conversation_id, f"Agent {g.number}") for g in batch)
        )
        for guest, agent in zip(batch, agents, strict=True):
            guest.agent_id = agent["id"]


async def close_guests(guests: list[Guest]) -> None:
    await asyncio.gather(*(g.client.close() for g in guests), return_exceptions=True)
    loops = [g.loop for g in guests if g.loop is not None]
    for loop in loops:
        loop.cancel()
    await asyncio.gather(*loops, return_exceptions=True)


async def paced(
    control: AsyncControlClient,
    probe: Probe,
    guests: list[Guest],
    seconds: float,
    tag: str,
    sent: dict[int, list[str]],
) -> None:
    """Agent messages round-robin over the sessions at ``RATE`` per second."""
    interval = 1.0 / RATE
    started = time.perf_counter()
    pending: set[asyncio.Task[Any]] = set()
    number = 0

    async def post(guest: Guest, text: str) -> None:
        async with guest.posting:
            probe.posted_at[text] = time.perf_counter()
            await control.send(guest.conversation_id, guest.agent_id, text)

    while time.perf_counter() - started < seconds:
        index = number % len(guests)
        text = f"{tag}-{index}-{number}"
        sent.setdefault(index, []).append(text)
        task = asyncio.create_task(post(guests[index], text))
        pending.add(task)
        task.add_done_callback(pending.discard)
        number += 1
        delay = started + number * interval - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
    await asyncio.gather(*pending)


async def dropper(guests: list[Guest], stop: asyncio.Event) -> int:
    drops = 0
    while not stop.is_set():
        victims = random.sample(guests, max(1, int(len(guests) * DROP_SHARE)))
        drops += sum(abort(guest) for guest in victims)
        try:
            async with asyncio.timeout(DROP_EVERY):
                await stop.wait()
        except TimeoutError:
            pass
    return drops


async def wait_for_delivery(guests: list[Guest], sent: dict[int, list[str]], bound: float) -> None:
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        if all(set(sent.get(i, ())) <= set(guest.received) for i, guest in enumerate(guests)):
            return
        await asyncio.sleep(0.2)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


async def run(
    base_url: str, sessions: int, seconds: float, service: ServerCpu, watchdog: Watchdog
) -> dict[str, Any]:
    probe = Probe()
    figures = watchdog.figures
    beating = asyncio.create_task(watchdog.heartbeat())
    async with AsyncControlClient(f"{base_url}/emulator/v1") as control:
        # Warm up every code path once, so the baseline holds the code and not the sessions.
        warm = await open_guests(base_url, probe, range(-1, 0))
        await join_agents(control, warm)
        await control.send(warm[0].conversation_id, warm[0].agent_id, "warm")
        await wait_for_delivery(warm, {0: ["warm"]}, 30)
        await close_guests(warm)
        del warm
        gc.collect()
        rss_before = rss_kib()

        progress(f"opening {sessions} sessions")
        guests = await open_guests(base_url, probe, range(sessions))
        progress("joining their agents")
        await join_agents(control, guests)
        gc.collect()
        rss_after = rss_kib()
        figures.update({
            "sessions": sessions,
            "rss_before_kib": rss_before,
            "rss_after_kib": rss_after,
            "rss_per_session_kib": round((rss_after - rss_before) / sessions, 1),
            "rss_target_kib": RSS_TARGET_KIB,
        })  # fmt: skip
        progress("timing agent messages")

        cpu_client, cpu_service = time.process_time(), service.seconds()
        sent: dict[int, list[str]] = {}
        probe.measuring = True
        await paced(control, probe, guests, seconds / 2, "calm", sent)
        await wait_for_delivery(guests, sent, 30)
        probe.measuring = False
        calm_latencies = list(probe.latencies)
        calm_cpu_client = time.process_time() - cpu_client
        calm_cpu_service = service.seconds() - cpu_service
        calm_messages = sum(len(texts) for texts in sent.values())

        figures["calm"] = {
            "messages": calm_messages,
            "rate_per_second": RATE,
            "latency_p50_ms": round(statistics.median(calm_latencies) * 1000, 2),
            "latency_p99_ms": round(percentile(calm_latencies, 0.99) * 1000, 2),
            "client_cpu_seconds": round(calm_cpu_client, 2),
            "service_cpu_seconds": round(calm_cpu_service, 2),
        }
        progress("dropping connections")
        stop = asyncio.Event()
        dropping = asyncio.create_task(dropper(guests, stop))
        await paced(control, probe, guests, seconds, "drops", sent)
        stop.set()
        drops = await dropping
        progress("waiting for the last deliveries")
        await wait_for_delivery(guests, sent, 60)

        lost = duplicated = out_of_order = 0
        lost_examples: list[str] = []
        for index, guest in enumerate(guests):
            expected = sent.get(index, [])
            counts = Counter(guest.received)
            missing = [text for text in expected if counts[text] == 0]
            lost += len(missing)
            lost_examples += missing[: max(0, 10 - len(lost_examples))]
            duplicated += sum(count - 1 for count in counts.values() if count > 1)
            delivered = list(counts)  # first arrivals, in arrival order
            if delivered != [text for text in expected if text in counts]:
                out_of_order += 1
        reconnects = sum(guest.reconnects for guest in guests)
        # What the sessions hold once they have a conversation behind them (the ids kept to
        # drop duplicates grow with it).
        gc.collect()
        rss_end = rss_kib()
        await close_guests(guests)

    beating.cancel()
    figures.update({
        "rss_end_kib": rss_end,
        "rss_per_session_at_end_kib": round((rss_end - rss_before) / sessions, 1),
        "messages_per_session_at_end": round(sum(len(t) for t in sent.values()) / sessions, 1),
        "drops": {
            "messages": sum(len(texts) for texts in sent.values()) - calm_messages,
            "connections_dropped": drops,
            "reconnects": reconnects,
            "lost": lost,
            "lost_examples": lost_examples,
            "duplicated": duplicated,
            "sessions_out_of_order": out_of_order,
        },
    })  # fmt: skip
    return figures


async def memory_profile(base_url: str, sessions: int) -> dict[str, Any]:
    """Where a session's memory goes: Python allocations (tracemalloc) of opening ``sessions``
    sessions with their agents, by the line that made them, per session. tracemalloc's own
    bookkeeping would weigh on the RSS figure, so this is a run of its own, after it."""
    probe = Probe()
    async with AsyncControlClient(f"{base_url}/emulator/v1") as control:
        warm = await open_guests(base_url, probe, range(-2, -1))
        await join_agents(control, warm)
        await close_guests(warm)
        gc.collect()
        tracemalloc.start(TRACE_FRAMES)
        before = tracemalloc.take_snapshot()
        guests = await open_guests(base_url, probe, range(10_000, 10_000 + sessions))
        await join_agents(control, guests)
        gc.collect()
        after = tracemalloc.take_snapshot()
        tracemalloc.stop()
        await close_guests(guests)
    # Each allocation is put down to the innermost line of the client (or of websockets) that
    # led to it: a json.loads deep in the stack is the client's, keeping the frame it parsed.
    owners: Counter[str] = Counter()
    blocks: Counter[str] = Counter()
    for stat in after.compare_to(before, "traceback"):
        frames = list(stat.traceback)  # the oldest frame first, the allocating one last
        owner = next(
            (f for f in reversed(frames) if "webmessaging" in f.filename),
            next((f for f in reversed(frames) if "websockets" in f.filename), frames[-1]),
        )
        name = owner.filename.split("site-packages/")[-1].split("src/")[-1]
        owners[f"{name}:{owner.lineno}"] += stat.size_diff
        blocks[f"{name}:{owner.lineno}"] += stat.count_diff
    total = sum(owners.values())
    return {
        "sessions": sessions,
        "python_kib_per_session": round(total / sessions / 1024, 1),
        "top_lines": [
            {
                "line": line,
                "kib_per_session": round(size / sessions / 1024, 2),
                "blocks_per_session": round(blocks[line] / sessions, 1),
            }
            for line, size in owners.most_common(20)
        ],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument(
        "--memory-profile",
        type=int,
        default=0,
        metavar="SESSIONS",
        help="then open this many sessions under tracemalloc: where their memory goes",
    )
    parser.add_argument("--results", type=Path, default=RESULTS, help="where to write")
    args = parser.parse_args()
    if args.sessions < 1 or args.seconds <= 0 or args.memory_profile < 0:
        parser.error("--sessions and --seconds must be positive")
    load_before = _loadavg()
    with tempfile.TemporaryDirectory(prefix="guestchat-bench-") as folder:
        process, port = start_service(Path(folder) / "bench.db", agent="manual")
        base_url = f"http://127.0.0.1:{port}"

        def starved(figures: dict[str, Any]) -> None:
            # The event loop is stuck for good: the figures so far, and where it is stuck.
            figures["drops"] = {"starved": figures.pop("starved")}
            report(args, figures, load_before)
            process.kill()
            os._exit(0)

        watchdog = Watchdog(STARVED_AFTER, starved)
        try:
            service = ServerCpu(process.pid)
            client_cpu, service_cpu = time.process_time(), service.seconds()
            figures = asyncio.run(run(base_url, args.sessions, args.seconds, service, watchdog))
            watchdog.stop()
            figures["client_cpu_seconds_total"] = round(time.process_time() - client_cpu, 2)
            figures["service_cpu_seconds_total"] = round(service.seconds() - service_cpu, 2)
            if args.memory_profile:
                figures["memory_profile"] = asyncio.run(
                    memory_profile(base_url, args.memory_profile)
                )
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(15)
    report(args, figures, load_before)
    return 0


def report(args: argparse.Namespace, figures: dict[str, Any], load_before: str) -> None:
    """Prints the table and writes the JSON, with whatever was measured."""
    result = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "loadavg_before": load_before,
        "loadavg_after": _loadavg(),
        "sessions": args.sessions,
        "seconds": args.seconds,
        **figures,
    }
    calm, drops = figures.get("calm", {}), figures.get("drops", {})
    rows = [
        ("concurrent WebMessagingClient sessions", str(args.sessions)),
        ("RSS per session (KiB)", f"{figures.get('rss_per_session_kib', 0):.1f}"),
        ("agent POST -> guest event p50 (ms)", f"{calm.get('latency_p50_ms', 0):.2f}"),
        ("agent POST -> guest event p99 (ms)", f"{calm.get('latency_p99_ms', 0):.2f}"),
        (f"messages timed ({RATE:.0f}/s)", str(calm.get("messages"))),
        (
            "guest process CPU s, timed phase",
            f"{calm.get('client_cpu_seconds', 0):.2f}",
        ),
        ("service CPU s, timed phase", f"{calm.get('service_cpu_seconds', 0):.2f}"),
    ]
    if "starved" in drops:
        rows.append(("under drops", "the event loop stopped turning, in:"))
    else:
        rows += [
            (f"RSS per session at the end, {figures['messages_per_session_at_end']:g} "
             "messages each (KiB)", f"{figures['rss_per_session_at_end_kib']:.1f}"),
            ("messages under drops", str(drops["messages"])),
            ("connections dropped (10% every 2 s)", str(drops["connections_dropped"])),
            ("reconnects", str(drops["reconnects"])),
            ("lost", str(drops["lost"])),
            ("duplicated", str(drops["duplicated"])),
            ("sessions with messages out of order", str(drops["sessions_out_of_order"])),
            ("guest process CPU s, whole run", f"{figures['client_cpu_seconds_total']:.1f}"),
            ("service CPU s, whole run", f"{figures['service_cpu_seconds_total']:.1f}"),
        ]  # fmt: skip
    rows.append(("load average before / after", f"{load_before} / {result['loadavg_after']}"))
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value:>10}")
    if "starved" in drops:
        print("\n".join(drops["starved"]["stack"]))
    elif drops["lost_examples"]:
        print("lost:", drops["lost_examples"])
    if "memory_profile" in figures:
        memory = figures["memory_profile"]
        print(
            f"Python allocations of {memory['sessions']} more sessions: "
            f"{memory['python_kib_per_session']} KiB each; the lines that made the most:"
        )
        for line in memory["top_lines"][:12]:
            print(
                f"  {line['kib_per_session']:7.2f} KiB {line['blocks_per_session']:6.1f} blocks"
                f"  {line['line']}"
            )
    args.results.mkdir(parents=True, exist_ok=True)
    out = args.results / "web_messaging_sessions.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {out}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
