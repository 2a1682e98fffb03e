"""The Web Messaging client's cost per message beside raw ``websockets`` doing the same work.

The local service runs in its own process (so it does not share this interpreter), with no
agent (``--agent manual``) and no rate limit, so the only traffic is the guest's messages and
their echoes. Both sides open a session on the same service and, per message, send ``onMessage``
with a text, wait for its echo (the Inbound message carrying the request's ``tracingId``) and
parse it:

- the client: ``await WebMessagingClient.send_text(text)``, which returns the echo as a
  ``WebMessage`` (the client's limits checked, its request matched by ``tracingId``, the frame
  parsed into typed events);
- raw: ``websockets`` with the same connection options (no compression), ``json.dumps`` of the
  request, ``recv`` until the frame with that ``tracingId``, ``json.loads`` of it and its
  body's id, text and time read.

Rounds alternate between the two (the order swapped every round, one round of each to warm up),
and the medians are compared. Cases: one session sending one message after the other; and
``--concurrency`` sessions each doing that at the same time, where the client's CPU per message
shows more than the wall time does. Target: the client's median time per message within 1.10x of
raw ``websockets``'.

    python benchmarks/bench_web_messaging_client.py [--rounds 15] [--messages 200]
        [--concurrency 50] [--profile]

``--profile`` runs the sequential case of each side once more under cProfile and writes the
functions that cost the most beside the results (web_messaging_client_profile.txt), with the
turns of the event loop each message takes. Writes
benchmarks/results/web_messaging_client.json (or into ``--results DIR``).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import platform
import pstats
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import websockets
from bench_service import _loadavg
from bench_web_messaging_service import DEPLOYMENT, start_service, websocket_url
from websockets.asyncio.client import ClientConnection

from purecloud_guest_chat_client.models.web_messaging_protocol import (
    WEBSOCKET_PATH,
    Action,
    FrameClass,
    MessageType,
)
from purecloud_guest_chat_client.webmessaging import WebMessagingClient

RESULTS = Path(__file__).parent / "results"
TARGET_RATIO = 1.10
Times = tuple[float, float]
"""Wall seconds and this process's CPU seconds per message."""


class RawSession:
    """A Web Messaging session over bare ``websockets``: what the client's work is compared to."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.token = str(uuid.uuid4())
        self.ws: ClientConnection | None = None

    async def open(self) -> None:
        # The client's own connection options, so that only the work per message differs.
        self.ws = await websockets.connect(self.url, compression=None, max_queue=64)
        request = {"action": Action.CONFIGURE_SESSION, "token": self.token,
                   "deploymentId": DEPLOYMENT}  # fmt: skip
        await self.ws.send(json.dumps(request))
        while json.loads(await self.ws.recv()).get("class") != FrameClass.SESSION_RESPONSE:
            pass

    async def send_text(self, text: str) -> dict[str, Any]:
        assert self.ws is not None
        tracing_id = str(uuid.uuid4())
        request = {
            "action": Action.ON_MESSAGE,
            "token": self.token,
            "tracingId": tracing_id,
            "message": {"type": MessageType.TEXT, "text": text},
        }
        await self.ws.send(json.dumps(request))
        while True:
            frame = json.loads(await self.ws.recv())
            if frame.get("tracingId") == tracing_id:
                if frame.get("class") != FrameClass.STRUCTURED_MESSAGE:
                    raise RuntimeError(f"refused: {str(frame)[:200]}")
                body = frame["body"]
                return {"id": body.get("id"), "text": body.get("text"),
                        "time": (body.get("channel") or {}).get("time")}  # fmt: skip

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()


async def _timed(run: Callable[[], Awaitable[None]], messages: int) -> Times:
    started, cpu_started = time.perf_counter(), time.process_time()
    await run()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return wall / messages, cpu / messages


async def _interleaved(
    runs: dict[str, Callable[[], Awaitable[Times]]], rounds: int
) -> dict[str, list[Times]]:
    """One round of each to warm up, then ``rounds`` rounds of one of each, the order swapped
    every round."""
    times: dict[str, list[Times]] = {name: [] for name in runs}
    names = list(runs)
    for round_ in range(rounds + 1):
        for name in names if round_ % 2 else names[::-1]:
            measured = await runs[name]()
            if round_:
                times[name].append(measured)
    return times


def _summary(times: dict[str, list[Times]]) -> dict[str, Any]:
    client, raw = times["client"], times["raw"]
    client_wall = statistics.median(w for w, _ in client)
    raw_wall = statistics.median(w for w, _ in raw)
    client_cpu = statistics.median(c for _, c in client)
    raw_cpu = statistics.median(c for _, c in raw)
    return {
        "client_median_ms_per_message": client_wall * 1000,
        "raw_median_ms_per_message": raw_wall * 1000,
        "ratio": client_wall / raw_wall,
        "client_ms_per_message_range": [min(w for w, _ in client) * 1000,
                                        max(w for w, _ in client) * 1000],
        "raw_ms_per_message_range": [min(w for w, _ in raw) * 1000,
                                     max(w for w, _ in raw) * 1000],
        "client_cpu_ms_per_message": client_cpu * 1000,
        "raw_cpu_ms_per_message": raw_cpu * 1000,
        "client_cpu_ratio": client_cpu / raw_cpu,
        "rounds": len(client),
        "round_ratios": [c / r for (c, _), (r, _) in zip(client, raw, strict=True)],
    }  # fmt: skip


def _client(url: str) -> WebMessagingClient:
    # The service's base URL; the client adds the path and the query. No reconnect: a drop here
    # is a failure of the benchmark, not something to ride out.
    return WebMessagingClient(DEPLOYMENT, url.split(WEBSOCKET_PATH, 1)[0], reconnect=False)


async def _sequential(url: str, rounds: int, messages: int) -> dict[str, Any]:
    client, raw = _client(url), RawSession(url)
    await client.connect()
    await raw.open()

    async def client_run() -> None:
        for n in range(messages):
            await client.send_text(f"client {n}")

    async def raw_run() -> None:
        for n in range(messages):
            await raw.send_text(f"raw {n}")

    try:
        times = await _interleaved(
            {"client": lambda: _timed(client_run, messages),
             "raw": lambda: _timed(raw_run, messages)},
            rounds,
        )  # fmt: skip
    finally:
        await client.close()
        await raw.close()
    return _summary(times)


async def _concurrent(url: str, rounds: int, messages: int, concurrency: int) -> dict[str, Any]:
    clients = [_client(url) for _ in range(concurrency)]
    raws = [RawSession(url) for _ in range(concurrency)]
    await asyncio.gather(*(c.connect() for c in clients), *(r.open() for r in raws))
    per_session = max(1, messages // concurrency)
    total = per_session * concurrency

    async def client_run() -> None:
        async def one(client: WebMessagingClient, index: int) -> None:
            for n in range(per_session):
                await client.send_text(f"client {index} {n}")

        await asyncio.gather(*(one(c, i) for i, c in enumerate(clients)))

    async def raw_run() -> None:
        async def one(raw: RawSession, index: int) -> None:
            for n in range(per_session):
                await raw.send_text(f"raw {index} {n}")

        await asyncio.gather(*(one(r, i) for i, r in enumerate(raws)))

    try:
        times = await _interleaved(
            {
                "client": lambda: _timed(client_run, total),
                "raw": lambda: _timed(raw_run, total),
            },
            rounds,
        )
    finally:
        await asyncio.gather(*(c.close() for c in clients), *(r.close() for r in raws))
    return {**_summary(times), "sessions": concurrency, "messages_per_round": total}


def _profiled_rows(stats: pstats.Stats, messages: int) -> list[dict[str, Any]]:
    """The functions with the most own time, per message; waiting in ``epoll`` left out."""
    rows = []
    entries = stats.stats.items()  # type: ignore[attr-defined]
    for (file, line, function), (_, calls, own, cumulative, _) in sorted(
        entries, key=lambda item: item[1][2], reverse=True
    ):
        if function == "<method 'poll' of 'select.epoll' objects>":
            continue
        rows.append({
            "function": f"{Path(file).name}:{line}:{function}",
            "calls_per_message": round(calls / messages, 2),
            "own_us_per_message": round(own / messages * 1e6, 1),
            "cumulative_us_per_message": round(cumulative / messages * 1e6, 1),
        })  # fmt: skip
        if len(rows) == 15:
            break
    return rows


async def _profile(url: str, messages: int, path: Path) -> dict[str, Any]:
    """The sequential case of each side under cProfile: where the time per message goes, and
    how many turns of the event loop each message takes."""
    client, raw = _client(url), RawSession(url)
    await client.connect()
    await raw.open()
    sides: dict[str, Callable[[int], Awaitable[Any]]] = {
        "client": lambda n: client.send_text(f"profiled {n}"),
        "raw": lambda n: raw.send_text(f"profiled {n}"),
    }
    report, figures = io.StringIO(), {}
    for name, send in sides.items():
        for n in range(50):
            await send(n)
        profiler = cProfile.Profile()
        profiler.enable()
        for n in range(messages):
            await send(n)
        profiler.disable()
        stats = pstats.Stats(profiler, stream=report)
        print(f"== {name}: {messages} messages, one after the other", file=report)
        stats.sort_stats("tottime").print_stats(30)
        stats.sort_stats("cumulative").print_stats(40)
        turns = sum(
            calls
            for (_, _, function), (_, calls, _, _, _) in stats.stats.items()  # type: ignore[attr-defined]
            if function == "_run_once"
        )
        figures[name] = {
            "event_loop_turns_per_message": round(turns / messages, 2),
            "top_own_time": _profiled_rows(stats, messages),
        }
    await client.close()
    await raw.close()
    path.write_text(report.getvalue())
    return {"file": path.name, **figures}


async def _measure(args: argparse.Namespace, url: str) -> dict[str, Any]:
    results: dict[str, Any] = {
        "sequential": await _sequential(url, args.rounds, args.messages),
        "concurrent": await _concurrent(url, args.rounds, args.messages, args.concurrency),
    }
    if args.profile:
        path = args.results / "web_messaging_client_profile.txt"
        results["profile"] = await _profile(url, args.messages, path)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--messages", type=int, default=200, help="messages per round")
    parser.add_argument("--concurrency", type=int, default=50, help="sessions at once")
    parser.add_argument("--profile", action="store_true", help="profile both sides once more")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where to write")
    args = parser.parse_args()
    if args.rounds < 1 or args.messages < 1 or args.concurrency < 1:
        parser.error("--rounds, --messages and --concurrency must be positive")
    args.results.mkdir(parents=True, exist_ok=True)
    load_before = _loadavg()
    with tempfile.TemporaryDirectory(prefix="guestchat-bench-") as folder:
        process, port = start_service(Path(folder) / "bench.db", agent="manual")
        try:
            results = asyncio.run(_measure(args, websocket_url("127.0.0.1", port)))
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(15)
    met = all(results[case]["ratio"] <= TARGET_RATIO for case in ("sequential", "concurrent"))
    result = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "loadavg_before": load_before,
        "loadavg_after": _loadavg(),
        "arguments": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "target_ratio": TARGET_RATIO,
        "target_met": met,
        "results": results,
    }
    print(f"{'case':12} {'who':22} {'ms/message':>10} {'cpu ms':>8}  ratio (cpu ratio)")
    for case in ("sequential", "concurrent"):
        figures = results[case]
        print(
            f"{case:12} {'WebMessagingClient':22} {figures['client_median_ms_per_message']:10.3f} "
            f"{figures['client_cpu_ms_per_message']:8.3f}  {figures['ratio']:.3f} "
            f"({figures['client_cpu_ratio']:.3f})"
        )
        print(
            f"{'':12} {'raw websockets':22} {figures['raw_median_ms_per_message']:10.3f} "
            f"{figures['raw_cpu_ms_per_message']:8.3f}"
        )
    print(f"target ratio <= {TARGET_RATIO}: {'met' if met else 'MISSED'}")
    profile = results.get("profile", {})
    for side in ("client", "raw"):
        if side not in profile:
            continue
        turns = profile[side]["event_loop_turns_per_message"]
        print(f"profile, {side}: {turns} event loop turns per message; most own time:")
        for row in profile[side]["top_own_time"][:10]:
            print(
                f"  {row['own_us_per_message']:8.1f} us own, "
                f"{row['cumulative_us_per_message']:8.1f} us with callees, "
                f"{row['calls_per_message']:5.2f} calls/msg  {row['function']}"
            )
    print(f"load average before / after: {load_before} / {result['loadavg_after']}")
    out = args.results / "web_messaging_client.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
