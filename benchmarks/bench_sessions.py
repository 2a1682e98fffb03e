"""Measures GuestChat at scale: many concurrent sessions in one process, under stream drops.

The local service runs in its own process with a manual agent; this process holds the guests
(every session shares one AsyncApiClient's connection pool) and plays the agents through the
control API. It reports:

- resident memory per session (RSS after the sessions are up and their agents joined, minus RSS
  before, divided by the number of sessions);
- CPU seconds of this process and of the service;
- end-to-end latency from the start of the agent's POST to the event in the guest's loop;
- messages lost and duplicated while 10% of the streams are dropped every few seconds.

    python benchmarks/bench_sessions.py [--sessions 500] [--seconds 20]

Prints a table and writes benchmarks/results/sessions.json (or ``--results DIR``).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from purecloud_guest_chat_client.api_client import AsyncApiClient
from purecloud_guest_chat_client.emulator import AsyncControlClient
from purecloud_guest_chat_client.models import BodyType
from purecloud_guest_chat_client.session import AgentJoined, GuestChat
from purecloud_guest_chat_client.stream import MessageEvent, Reconnected

RESULTS = Path(__file__).parent / "results"
HEARTBEAT = 5.0
DROP_SHARE = 0.10
DROP_EVERY = 2.0


@dataclass
class Guest:
    """One session and what its loop has seen."""

    chat: GuestChat
    agent_id: str = ""
    joined: asyncio.Event = field(default_factory=asyncio.Event)
    received: list[str] = field(default_factory=list)
    reconnects: int = 0


class Probe:
    """Where each agent message was posted from, and when, to time its arrival."""

    def __init__(self) -> None:
        self.posted_at: dict[str, float] = {}
        self.latencies: list[float] = []
        self.measuring = False

    def arrived(self, body: str) -> None:
        posted = self.posted_at.get(body)
        if posted is not None and self.measuring:
            self.latencies.append(time.perf_counter() - posted)


async def guest_loop(guest: Guest, probe: Probe) -> None:
    async for event in guest.chat.events():
        if isinstance(event, MessageEvent):
            if event.sender.is_agent and event.body_type == BodyType.STANDARD:
                probe.arrived(event.body)
                guest.received.append(event.body)
        elif isinstance(event, AgentJoined):
            guest.joined.set()
        elif isinstance(event, Reconnected):
            guest.reconnects += 1


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_service(db: Path) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    command = [
        sys.executable, "-m", "purecloud_guest_chat_client.emulator",
        "--port", str(port), "--db", str(db), "--agent", "manual",
        "--rate-limit", "0", "--heartbeat", str(HEARTBEAT), "--log-level", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    if not re.search(r"http://\S+", line):
        process.kill()
        raise RuntimeError(f"the service did not start: {line!r}")
    return process, f"http://127.0.0.1:{port}"


async def open_guest(
    shared: AsyncApiClient, control: AsyncControlClient, probe: Probe, number: int
) -> tuple[Guest, asyncio.Task[None]]:
    chat = await GuestChat.start(
        "bench-org",
        "bench-deployment",
        "Bench",
        f"Guest {number}",
        client=shared,
        heartbeat_interval=HEARTBEAT,
    )
    guest = Guest(chat)
    loop_task = asyncio.create_task(guest_loop(guest, probe))
    agent = await control.join_agent(chat.conversation_id, f"Agent {number}")
    guest.agent_id = agent["id"]
    return guest, loop_task


async def post(control: AsyncControlClient, probe: Probe, guest: Guest, body: str) -> None:
    probe.posted_at[body] = time.perf_counter()
    await control.send(guest.chat.conversation_id, guest.agent_id, body)


async def paced(
    control: AsyncControlClient,
    probe: Probe,
    guests: list[Guest],
    rate: float,
    seconds: float,
    tag: str,
    sent: dict[int, list[str]],
) -> None:
    """Agent messages round-robin over the sessions at ``rate`` per second."""
    interval = 1.0 / rate
    started = time.perf_counter()
    pending: set[asyncio.Task[None]] = set()
    number = 0
    while time.perf_counter() - started < seconds:
        index = number % len(guests)
        body = f"{tag}-{index}-{number}"
        sent.setdefault(index, []).append(body)
        task = asyncio.create_task(post(control, probe, guests[index], body))
        pending.add(task)
        task.add_done_callback(pending.discard)
        number += 1
        delay = started + number * interval - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
    await asyncio.gather(*pending)


async def dropper(control: AsyncControlClient, guests: list[Guest], stop: asyncio.Event) -> int:
    drops = 0
    while not stop.is_set():
        victims = random.sample(guests, max(1, int(len(guests) * DROP_SHARE)))
        await asyncio.gather(
            *(
                control.set_faults(dropStreams={"conversationId": g.chat.conversation_id})
                for g in victims
            )
        )
        drops += len(victims)
        try:
            async with asyncio.timeout(DROP_EVERY):
                await stop.wait()
        except TimeoutError:
            pass
    return drops


async def wait_for_delivery(guests: list[Guest], sent: dict[int, list[str]], bound: float) -> None:
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        if all(
            set(sent.get(index, ())) <= set(guest.received) for index, guest in enumerate(guests)
        ):
            return
        await asyncio.sleep(0.2)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


async def run(base_url: str, sessions: int, seconds: float, service_pid: int) -> dict[str, Any]:
    probe = Probe()
    async with (
        AsyncApiClient(base_url) as shared,
        AsyncControlClient(f"{base_url}/emulator/v1") as control,
    ):
        # Warm up every code path once, so the baseline includes the code and not the sessions.
        warm, warm_loop = await open_guest(shared, control, probe, -1)
        await asyncio.wait_for(warm.joined.wait(), 30)
        await warm.chat.leave()
        await warm.chat.close()
        await warm_loop
        gc.collect()
        rss_before = rss_kib()

        guests: list[Guest] = []
        loops: list[asyncio.Task[None]] = []
        for start in range(0, sessions, 50):
            opened = await asyncio.gather(
                *(open_guest(shared, control, probe, n) for n in range(start, start + 50))
            )
            for guest, loop_task in opened:
                guests.append(guest)
                loops.append(loop_task)
        async with asyncio.timeout(60):
            await asyncio.gather(*(guest.joined.wait() for guest in guests))
        gc.collect()
        rss_after = rss_kib()

        cpu_client, cpu_service = time.process_time(), cpu_seconds(service_pid)
        sent: dict[int, list[str]] = {}
        probe.measuring = True
        await paced(control, probe, guests, rate=200, seconds=seconds / 2, tag="calm", sent=sent)
        await wait_for_delivery(guests, sent, 30)
        probe.measuring = False
        calm_latencies = list(probe.latencies)
        calm_cpu_client = time.process_time() - cpu_client
        calm_cpu_service = cpu_seconds(service_pid) - cpu_service
        calm_messages = sum(len(bodies) for bodies in sent.values())

        stop = asyncio.Event()
        dropping = asyncio.create_task(dropper(control, guests, stop))
        await paced(control, probe, guests, rate=200, seconds=seconds, tag="drops", sent=sent)
        stop.set()
        drops = await dropping
        await wait_for_delivery(guests, sent, 60)

        lost = duplicated = out_of_order = 0
        for index, guest in enumerate(guests):
            expected = sent.get(index, [])
            counts = Counter(guest.received)
            lost += sum(1 for body in expected if counts[body] == 0)
            duplicated += sum(count - 1 for count in counts.values() if count > 1)
            delivered = list(counts)  # first arrivals, in arrival order
            if delivered != [body for body in expected if body in counts]:
                out_of_order += 1
        reconnects = sum(guest.reconnects for guest in guests)

        await asyncio.gather(*(guest.chat.close() for guest in guests))
        for loop_task in loops:
            loop_task.cancel()
        await asyncio.gather(*loops, return_exceptions=True)

    return {
        "sessions": sessions,
        "rss_before_kib": rss_before,
        "rss_after_kib": rss_after,
        "rss_per_session_kib": round((rss_after - rss_before) / sessions, 1),
        "calm": {
            "messages": calm_messages,
            "rate_per_second": 200,
            "latency_p50_ms": round(statistics.median(calm_latencies) * 1000, 2),
            "latency_p99_ms": round(percentile(calm_latencies, 0.99) * 1000, 2),
            "client_cpu_seconds": round(calm_cpu_client, 2),
            "service_cpu_seconds": round(calm_cpu_service, 2),
        },
        "drops": {
            "messages": sum(len(bodies) for bodies in sent.values()) - calm_messages,
            "streams_dropped": drops,
            "reconnects": reconnects,
            "lost": lost,
            "duplicated": duplicated,
            "sessions_out_of_order": out_of_order,
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--results", type=Path, default=RESULTS, help="where to write")
    args = parser.parse_args()
    if args.sessions < 1 or args.seconds <= 0:
        parser.error("--sessions and --seconds must be positive")
    with tempfile.TemporaryDirectory(prefix="guestchat-bench-") as folder:
        process, base_url = start_service(Path(folder) / "bench.db")
        try:
            client_cpu, service_cpu = time.process_time(), cpu_seconds(process.pid)
            figures = asyncio.run(run(base_url, args.sessions, args.seconds, process.pid))
            figures["client_cpu_seconds_total"] = round(time.process_time() - client_cpu, 2)
            figures["service_cpu_seconds_total"] = round(cpu_seconds(process.pid) - service_cpu, 2)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(15)
    result = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "sessions": args.sessions,
        "seconds": args.seconds,
        **figures,
    }
    calm, drops = figures["calm"], figures["drops"]
    rows = [
        ("concurrent GuestChat sessions", str(args.sessions)),
        ("RSS per session (KiB)", f"{figures['rss_per_session_kib']:.1f}"),
        ("agent POST -> guest event p50 (ms)", f"{calm['latency_p50_ms']:.2f}"),
        ("agent POST -> guest event p99 (ms)", f"{calm['latency_p99_ms']:.2f}"),
        ("messages timed (200/s)", str(calm["messages"])),
        ("guest process CPU s, timed phase", f"{calm['client_cpu_seconds']:.2f}"),
        ("service CPU s, timed phase", f"{calm['service_cpu_seconds']:.2f}"),
        ("messages under drops", str(drops["messages"])),
        ("streams dropped (10% every 2 s)", str(drops["streams_dropped"])),
        ("reconnects", str(drops["reconnects"])),
        ("lost", str(drops["lost"])),
        ("duplicated", str(drops["duplicated"])),
        ("sessions with messages out of order", str(drops["sessions_out_of_order"])),
        ("guest process CPU s, whole run", f"{figures['client_cpu_seconds_total']:.1f}"),
        ("service CPU s, whole run", f"{figures['service_cpu_seconds_total']:.1f}"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value:>10}")
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "sessions.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {args.results / 'sessions.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
