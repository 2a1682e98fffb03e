"""Abuse against the local service: what one abusive client costs an innocent guest, and whether
memory and connections stay bounded.

    python benchmarks/bench_abuse.py                # every part, full sizes
    python benchmarks/bench_abuse.py --quick        # reduced sizes
    python benchmarks/bench_abuse.py --part flood   # one part: flood, pings, churn, idle, growth

Each part prints one JSON line; all of them are written to benchmarks/results/abuse.json (or
``--results DIR``).

The service runs in its own process (``python -m purecloud_guest_chat_client.emulator``), the
abusive client in another, the innocent guest here, so that none of them shares an interpreter
with another.

- ``flood``: the innocent guest's latency (a message posted over REST until it comes back on its
  own event stream) without and with one client sending pings as fast as it can over its event
  stream (it reconnects whenever the service closes it; each abusive window starts 3 s after the
  abuser, once its interpreter has started). Baseline and abusive windows alternate; the report
  gives the medians over the rounds of each window's p50 and p99, and their ratio.
- ``pings``: a client that pings without reading; the service's RSS before and after.
- ``churn``: streams connecting and disconnecting in rounds; the service's RSS after each round.
- ``idle``: idle, slow-header and stalled-body connections (a third each); how long until the
  service has closed them all, and whether a guest is served meanwhile.
- ``growth``: a database of chats that ended two hours ago, written directly; the service's
  start-up time, RSS and first control-list page, with ended chats kept in memory (a retention
  longer than their age, as before there was one) and with the default retention.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
import websockets

from purecloud_guest_chat_client.emulator.records import Conversation, Member, Message
from purecloud_guest_chat_client.emulator.store import (
    Store,
    conversation_op,
    member_op,
    message_op,
)

RESULTS = Path(__file__).parent / "results"
API = "/api/v2/webchat/guest/conversations"
PING = json.dumps({"message": "ping"})
CREATE = {
    "organizationId": "org-1",
    "deploymentId": "dep-1",
    "routingTarget": {"targetType": "QUEUE", "targetAddress": "Support"},
    "memberInfo": {"displayName": "Bench Guest"},
}


# -- the service in its own process ---------------------------------------------------------


@contextlib.contextmanager
def service(*options: str) -> Iterator[tuple[str, int]]:
    """Yields the base URL and the process id of a service started with ``options``."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "purecloud_guest_chat_client.emulator",
            "--port",
            "0",
            "--agent",
            "manual",
            "--rate-limit",
            "0",
            "--log-level",
            "warning",
            *options,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert process.stdout is not None
        match = re.search(r"http://\S+", process.stdout.readline().decode())
        assert match, "the service did not start"
        yield match.group(0), process.pid
    finally:
        process.terminate()
        process.wait(15)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def new_chat(http: httpx2.AsyncClient) -> dict[str, Any]:
    response = await http.post(API, json=CREATE)
    response.raise_for_status()
    chat: dict[str, Any] = response.json()
    return chat


# -- the innocent guest ---------------------------------------------------------------------


class InnocentGuest:
    """Posts a message, waits for it on its own stream; the round trip is one sample."""

    def __init__(self, http: httpx2.AsyncClient, chat: dict[str, Any]) -> None:
        self.http = http
        self.chat = chat
        self.path = f"{API}/{chat['id']}/members/{chat['member']['id']}/messages"
        self.headers = {"Authorization": f"Bearer {chat['jwt']}"}

    @contextlib.asynccontextmanager
    async def connected(self) -> AsyncIterator[InnocentGuest]:
        async with websockets.connect(self.chat["eventStreamUri"], max_size=None) as ws:
            self.ws = ws
            yield self

    async def sample(self, body: str) -> float:
        started = time.perf_counter()
        response = await self.http.post(self.path, json={"body": body}, headers=self.headers)
        response.raise_for_status()
        while True:
            frame = json.loads(await self.ws.recv())
            if frame.get("eventBody", {}).get("body") == body:
                return (time.perf_counter() - started) * 1000

    async def window(self, samples: int) -> list[float]:
        return [await self.sample(f"m{time.perf_counter_ns()}") for _ in range(samples)]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# -- the abusive clients, each in its own process -------------------------------------------


async def ping_flood(uri: str) -> None:
    """Pings as fast as the connection takes them; reconnects whenever it is closed."""
    while True:
        try:
            async with websockets.connect(uri, max_queue=None) as ws:
                while True:
                    await ws.send(PING)
        except (websockets.ConnectionClosed, OSError, websockets.InvalidStatus):
            await asyncio.sleep(0)


async def ping_without_reading(uri: str, count: int) -> None:
    """Sends ``count`` pings (reconnecting when closed) and never reads a pong."""
    sent = 0
    while sent < count:
        try:
            async with websockets.connect(uri, max_queue=1) as ws:
                while sent < count:
                    await ws.send(PING)
                    sent += 1
        except (websockets.ConnectionClosed, OSError, websockets.InvalidStatus):
            await asyncio.sleep(0)


def abuser(kind: str, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, __file__, "--abuser", kind, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


# -- the parts --------------------------------------------------------------------------------


async def flood(rounds: int, samples: int) -> dict[str, Any]:
    with service() as (base_url, _):
        async with httpx2.AsyncClient(base_url=base_url, timeout=30) as http:
            guest = InnocentGuest(http, await new_chat(http))
            abusive_chat = await new_chat(http)
            async with guest.connected():
                await guest.window(50)  # warm up
                windows: dict[str, list[tuple[float, float]]] = {"baseline": [], "abusive": []}
                for _ in range(rounds):
                    base = await guest.window(samples)
                    windows["baseline"].append((percentile(base, 0.5), percentile(base, 0.99)))
                    process = abuser("flood", abusive_chat["eventStreamUri"])
                    try:
                        await asyncio.sleep(3.0)  # the abuser has started and floods
                        hit = await guest.window(samples)
                    finally:
                        process.kill()
                        process.wait()
                    windows["abusive"].append((percentile(hit, 0.5), percentile(hit, 0.99)))
    report: dict[str, Any] = {}
    for name, values in windows.items():
        report[name] = {
            "p50_ms": round(statistics.median(v[0] for v in values), 2),
            "p99_ms": round(statistics.median(v[1] for v in values), 2),
        }
    report["ratio_p50"] = round(report["abusive"]["p50_ms"] / report["baseline"]["p50_ms"], 2)
    report["ratio_p99"] = round(report["abusive"]["p99_ms"] / report["baseline"]["p99_ms"], 2)
    return report


async def pings(count: int) -> dict[str, Any]:
    with service() as (base_url, pid):
        async with httpx2.AsyncClient(base_url=base_url, timeout=30) as http:
            chat = await new_chat(http)
        before = rss_mib(pid)
        started = time.perf_counter()
        await ping_without_reading(chat["eventStreamUri"], count)
        await asyncio.sleep(1.0)
        return {
            "pings": count,
            "seconds": round(time.perf_counter() - started, 1),
            "rss_before_mib": round(before, 1),
            "rss_after_mib": round(rss_mib(pid), 1),
        }


async def churn(streams: int, rounds: int) -> dict[str, Any]:
    with service("--max-streams-per-guest", str(streams)) as (base_url, pid):
        async with httpx2.AsyncClient(base_url=base_url, timeout=30) as http:
            chats = [await new_chat(http) for _ in range(max(1, streams // 10))]
        uris = [chats[i % len(chats)]["eventStreamUri"] for i in range(streams)]
        before = rss_mib(pid)
        after_round = []
        for _ in range(rounds):
            opened = await asyncio.gather(*(websockets.connect(u, open_timeout=60) for u in uris))
            await asyncio.gather(*(ws.close() for ws in opened))
            await asyncio.sleep(0.5)
            after_round.append(round(rss_mib(pid), 1))
        return {
            "streams_per_round": streams,
            "rss_before_mib": round(before, 1),
            "rss_after_each_round_mib": after_round,
        }


async def idle(connections: int, timeout: float) -> dict[str, Any]:
    options = (
        *("--idle-timeout", str(timeout)),
        *("--header-timeout", str(timeout)),
        *("--body-timeout", str(timeout)),
    )
    stalled_body = (
        f"POST {API} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: 500\r\n\r\n{"
    ).encode()
    with service(*options) as (base_url, _):
        host, port = base_url.removeprefix("http://").split(":")
        held = []
        for index in range(connections):
            reader, writer = await asyncio.open_connection(host, int(port))
            if index % 3 == 1:
                writer.write(b"GET /openapi.json HTTP/1.1\r\nHost: x\r\nX-Slow: a")
            elif index % 3 == 2:
                writer.write(stalled_body)
            held.append((reader, writer))
        started = time.perf_counter()
        async with httpx2.AsyncClient(base_url=base_url, timeout=30) as http:
            served = (await http.post(API, json=CREATE)).status_code == 200
        served_after = time.perf_counter() - started
        await asyncio.gather(*(reader.read() for reader, _ in held))
        reaped_after = time.perf_counter() - started
        for _, writer in held:
            writer.close()
        return {
            "connections": connections,
            "timeout_s": timeout,
            "guest_served": served,
            "guest_served_after_s": round(served_after, 3),
            "all_closed_after_s": round(reaped_after, 2),
        }


def write_ended_chats(path: Path, count: int) -> None:
    """``count`` chats, each with a guest, an agent and four messages, ended two hours ago."""
    Store(path).close()  # the schema
    ended = datetime.now(UTC) - timedelta(hours=2)
    ops = []
    for index in range(count):
        cid, guest_id, agent_id = f"c{index}", f"g{index}", f"a{index}"
        ops.append(
            conversation_op(Conversation(cid, "org", "dep", "Support", guest_id, "ended", ended))
        )
        for mid, role, name in ((guest_id, "CUSTOMER", "Guest"), (agent_id, "AGENT", "Agent")):
            member = Member(mid, cid, role, "DISCONNECTED", {"displayName": name})
            member.join_date, member.leave_date = ended, ended
            ops.append(member_op(member))
        for n, (sender, role, body) in enumerate(
            [(guest_id, "CUSTOMER", "hello"), (agent_id, "AGENT", "You said: hello")] * 2
        ):
            ops.append(
                message_op(Message(f"m{index}-{n}", cid, sender, role, body, "standard", ended))
            )
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        for op in ops:
            conn.execute(op.sql, op.params)


async def growth(count: int) -> dict[str, Any]:
    report: dict[str, Any] = {"ended_chats": count}
    with tempfile.TemporaryDirectory() as directory:
        db = Path(directory) / "chats.db"
        write_ended_chats(db, count)
        for name, retention in (("kept", "86400"), ("default_retention", "3600")):
            started = time.perf_counter()
            with service("--db", str(db), "--ended-chat-retention", retention) as (url, pid):
                start_s = time.perf_counter() - started
                async with httpx2.AsyncClient(base_url=url, timeout=60) as http:
                    timings = []
                    for _ in range(5):
                        listed = time.perf_counter()
                        page = await http.get("/emulator/v1/conversations")
                        timings.append((time.perf_counter() - listed) * 1000)
                    list_ms = statistics.median(timings)
                report[name] = {
                    "start_s": round(start_s, 2),
                    "rss_mib": round(rss_mib(pid), 1),
                    "listed": page.json()["total"],
                    "first_page_kib": round(len(page.content) / 1024, 1),
                    "first_page_ms_median": round(list_ms, 1),
                }
    return report


async def main(args: argparse.Namespace) -> None:
    quick = args.quick
    parts = {
        "flood": lambda: flood(rounds=3 if quick else 7, samples=100 if quick else 500),
        "pings": lambda: pings(20_000 if quick else 200_000),
        "churn": lambda: churn(200 if quick else 1000, rounds=4 if quick else 8),
        "idle": lambda: idle(200 if quick else 1000, timeout=2.0 if quick else 5.0),
        "growth": lambda: growth(2_000 if quick else 20_000),
    }
    results: dict[str, Any] = {}
    for name, run in parts.items():
        if args.part in (None, name):
            results[name] = await run()
            print(json.dumps({name: results[name]}), flush=True)
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "abuse.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="reduced sizes")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where to write")
    parser.add_argument("--part", choices=["flood", "pings", "churn", "idle", "growth"])
    parser.add_argument("--abuser", nargs="+", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.abuser:
        kind, *rest = arguments.abuser
        if kind == "flood":
            asyncio.run(ping_flood(rest[0]))
        sys.exit(0)
    asyncio.run(main(arguments))
