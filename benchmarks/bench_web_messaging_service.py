"""Measures the local service's Web Messaging door beside its Guest Chat API, in the same run.

One service process, with the echo agent answering at once (``--agent echo``, no join or reply
delay, no request rate limit), serves both APIs at the same time. The same number of guests
talks to it over each API, and the runs alternate between the APIs (the order swapped every
run), so whatever else loads the machine weighs on both alike:

- a Guest Chat guest POSTs its text (a keep-alive HTTP/1.1 connection) and reads its event stream
  (``websockets``): its own message comes back on the stream (the echo), then the agent's reply;
- a Web Messaging guest sends ``onMessage`` over its WebSocket (raw ``websockets``): the service
  echoes the message as Inbound, then pushes the agent's reply, ``You said: <text>``, Outbound.

A message is done when both its echo and its reply have arrived. Each phase runs ``--runs``
times per API and the table reports the medians (and the spread):

- throughput: every guest sends its next text as soon as the previous one is done; messages per
  second, and the service's CPU per message (user + system, from /proc), which moves far less
  with other load on the machine than the rate does;
- latency: an open-loop sender, the same rate for both APIs (half the lower of their median
  throughputs); send to echo, and send to reply, p50 and p99.

A message whose echo or reply never comes (within 10 s of the end of its phase) is lost; lost
messages are counted, never retried. A ``TooManyRequestsErrorMessage`` answer is counted and the
text sent again after its ``retryAfter``.

    python benchmarks/bench_web_messaging_service.py [--guests 100] [--seconds 5] [--runs 3]

Writes benchmarks/results/web_messaging_service.json (or into ``--results DIR``) and, when
matplotlib is installed (the ``[load]`` extra), web_messaging_service_latency.png beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import websockets
from bench_service import CREATE_BODY, HttpConnection, ServerCpu, _free_port, _loadavg
from websockets.asyncio.client import ClientConnection

from purecloud_guest_chat_client.models.web_messaging_protocol import (
    DEPLOYMENT_ID_PARAMETER,
    WEBSOCKET_PATH,
    Action,
    Direction,
    FrameClass,
    MessageType,
)

API = "/api/v2/webchat/guest/conversations"
RESULTS = Path(__file__).parent / "results"
DEPLOYMENT = "bench-deployment"
REPLY_PREFIX = "You said: "
"""The echo agent's convention, on both APIs."""
DRAIN_SECONDS = 10.0
ROUND_TIMEOUT = 10.0
GUEST_CHAT, WEB_MESSAGING = "Guest Chat", "Web Messaging"


class RateLimited(Exception):
    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limited for {retry_after} s")
        self.retry_after = retry_after


class Arrivals:
    """When each text's echo and reply arrived, and the futures of the texts awaited."""

    def __init__(self) -> None:
        self.echoes: dict[str, float] = {}
        self.replies: dict[str, float] = {}
        self.waiting: dict[str, asyncio.Future[None]] = {}
        self.error: str | None = None

    def expect(self, text: str) -> asyncio.Future[None]:
        future = asyncio.get_running_loop().create_future()
        self.waiting[text] = future
        return future

    def echo(self, text: str, now: float) -> None:
        self.echoes.setdefault(text, now)
        self._settle(text)

    def reply(self, reply: str, now: float) -> None:
        if reply.startswith(REPLY_PREFIX):
            text = reply[len(REPLY_PREFIX) :]
            self.replies.setdefault(text, now)
            self._settle(text)

    def refuse(self, text: str, error: Exception) -> None:
        future = self.waiting.pop(text, None)
        if future is not None and not future.done():
            future.set_exception(error)

    def _settle(self, text: str) -> None:
        if text in self.echoes and text in self.replies:
            future = self.waiting.pop(text, None)
            if future is not None and not future.done():
                future.set_result(None)


class Guest(Protocol):
    arrivals: Arrivals
    rate_limited: int

    async def open(self) -> None: ...

    async def send(self, text: str) -> None: ...

    async def close(self) -> None: ...


async def _read_frames(
    ws: ClientConnection, arrivals: Arrivals, handle: Callable[[dict[str, Any], float], None]
) -> None:
    try:
        async for raw in ws:
            now = time.perf_counter()
            handle(json.loads(raw), now)
    except websockets.ConnectionClosed as closed:
        arrivals.error = f"closed: {closed}"
    finally:
        arrivals.error = arrivals.error or "closed by the service"
        for text in list(arrivals.waiting):
            arrivals.refuse(text, ConnectionError(arrivals.error))


class GuestChatGuest:
    """A Guest Chat chat: its HTTP connection for the POSTs and its event stream."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.arrivals = Arrivals()
        self.rate_limited = 0
        self.http: HttpConnection | None = None
        self.stream: ClientConnection | None = None
        self.reader: asyncio.Task[None] | None = None
        self.path = self.jwt = ""
        # One request at a time on the keep-alive connection, as a browser's would be.
        self.posting = asyncio.Lock()

    async def open(self) -> None:
        self.http = await HttpConnection.open(self.host, self.port)
        status, data = await self.http.request("POST", API, CREATE_BODY)
        if status != 200:
            raise RuntimeError(f"create failed: {status} {data[:200]!r}")
        chat = json.loads(data)
        self.path = f"{API}/{chat['id']}/members/{chat['member']['id']}/messages"
        self.jwt = chat["jwt"]
        self.stream = await websockets.connect(chat["eventStreamUri"], max_queue=None)
        self.reader = asyncio.create_task(_read_frames(self.stream, self.arrivals, self._frame))

    def _frame(self, frame: dict[str, Any], now: float) -> None:
        event = frame.get("eventBody") or {}
        if event.get("bodyType") != "standard":
            return
        # The texts sent never start with the reply's prefix: whatever does is the agent's.
        body = event.get("body", "")
        if body.startswith(REPLY_PREFIX):
            self.arrivals.reply(body, now)
        else:
            self.arrivals.echo(body, now)

    async def send(self, text: str) -> None:
        assert self.http is not None
        async with self.posting:
            status, data = await self.http.request("POST", self.path, {"body": text}, self.jwt)
        if status == 429:
            self.rate_limited += 1
            self.arrivals.refuse(text, RateLimited(1.0))
        elif status != 200:
            self.arrivals.refuse(text, RuntimeError(f"send: {status} {data[:200]!r}"))

    async def close(self) -> None:
        if self.stream is not None:
            await self.stream.close()
        if self.reader is not None:
            await self.reader
        if self.http is not None:
            self.http.close()


class WebMessagingGuest:
    """A Web Messaging session over one WebSocket, driven by raw ``websockets``."""

    def __init__(self, host: str, port: int) -> None:
        self.url = websocket_url(host, port)
        self.token = str(uuid.uuid4())
        self.arrivals = Arrivals()
        self.rate_limited = 0
        self.ws: ClientConnection | None = None
        self.reader: asyncio.Task[None] | None = None
        self.configured: asyncio.Future[None] | None = None
        self.tracing: dict[str, str] = {}

    async def open(self) -> None:
        self.ws = await websockets.connect(self.url, max_queue=None)
        self.configured = asyncio.get_running_loop().create_future()
        self.reader = asyncio.create_task(_read_frames(self.ws, self.arrivals, self._frame))
        await self.ws.send(
            json.dumps(
                {
                    "action": Action.CONFIGURE_SESSION,
                    "token": self.token,
                    "deploymentId": DEPLOYMENT,
                }
            )
        )
        await asyncio.wait_for(self.configured, ROUND_TIMEOUT)

    def _frame(self, frame: dict[str, Any], now: float) -> None:
        frame_class, body = frame.get("class"), frame.get("body")
        if frame_class == FrameClass.STRUCTURED_MESSAGE and isinstance(body, dict):
            text = body.get("text", "")
            if body.get("direction") == Direction.OUTBOUND:
                self.arrivals.reply(text, now)
            else:
                self.arrivals.echo(text, now)
        elif frame_class == FrameClass.SESSION_RESPONSE:
            if self.configured is not None and not self.configured.done():
                self.configured.set_result(None)
        elif frame_class == FrameClass.TOO_MANY_REQUESTS_ERROR_MESSAGE:
            self.rate_limited += 1
            text = self.tracing.get(str(frame.get("tracingId")), "")
            retry = body.get("retryAfter", 1) if isinstance(body, dict) else 1
            self.arrivals.refuse(text, RateLimited(float(retry)))
        elif frame.get("code", 200) >= 400:
            text = self.tracing.get(str(frame.get("tracingId")), "")
            self.arrivals.refuse(text, RuntimeError(f"refused: {str(body)[:200]}"))

    async def send(self, text: str) -> None:
        assert self.ws is not None
        tracing_id = str(uuid.uuid4())
        self.tracing[tracing_id] = text
        request = {
            "action": Action.ON_MESSAGE,
            "token": self.token,
            "tracingId": tracing_id,
            "message": {"type": MessageType.TEXT, "text": text},
        }
        await self.ws.send(json.dumps(request))

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            await self.reader


async def _exchange(guest: Guest, text: str, timeout: float) -> bool:
    """Sends ``text`` until it is not rate limited; True when its echo and reply came."""
    while True:
        done = guest.arrivals.expect(text)
        try:
            async with asyncio.timeout(timeout):
                await guest.send(text)
                await done
            return True
        except RateLimited as limited:
            await asyncio.sleep(limited.retry_after)
        except (TimeoutError, ConnectionError, RuntimeError, websockets.ConnectionClosed):
            return False


class Target:
    """The guests of one API and their figures."""

    def __init__(self, api: str, guests: list[Guest]) -> None:
        self.api, self.guests = api, guests
        self.throughput: list[dict[str, Any]] = []
        self.latency: list[dict[str, Any]] = []

    async def open(self) -> None:
        for start in range(0, len(self.guests), 20):
            await asyncio.gather(*(g.open() for g in self.guests[start : start + 20]))
        # A first exchange each: the agent has joined every chat before anything is measured.
        await asyncio.gather(*(_exchange(g, f"warm-{i}", 30.0) for i, g in enumerate(self.guests)))

    async def close(self) -> None:
        await asyncio.gather(*(g.close() for g in self.guests), return_exceptions=True)


async def _drain(sent: list[tuple[Guest, str]]) -> list[tuple[Guest, str]]:
    """Waits for the echoes and replies of every text sent; returns those that never came."""
    deadline = time.perf_counter() + DRAIN_SECONDS
    while True:
        missing = [
            (g, t) for g, t in sent if t not in g.arrivals.echoes or t not in g.arrivals.replies
        ]
        if not missing or time.perf_counter() > deadline:
            return missing
        await asyncio.sleep(0.02)


def _lost(target: Target, missing: list[tuple[Guest, str]]) -> dict[str, Any]:
    return {
        "lost": len(missing),
        "lost_echoes": sum(1 for g, t in missing if t not in g.arrivals.echoes),
        "lost_replies": sum(1 for g, t in missing if t not in g.arrivals.replies),
        "lost_examples": [t for _, t in missing[:5]]
        + sorted({g.arrivals.error for g in target.guests if g.arrivals.error}),
    }


async def _throughput(target: Target, seconds: float, cpu: ServerCpu, tag: str) -> dict[str, Any]:
    sent: list[tuple[Guest, str]] = []
    limited_before = sum(g.rate_limited for g in target.guests)
    stop_at = time.perf_counter() + seconds

    async def loop(guest: Guest, index: int) -> None:
        n = 0
        while time.perf_counter() < stop_at:
            text = f"{tag}-{index}-{n}"
            sent.append((guest, text))
            await _exchange(guest, text, ROUND_TIMEOUT)
            n += 1

    cpu_before, client_before, started = cpu.seconds(), time.process_time(), time.perf_counter()
    await asyncio.gather(*(loop(g, i) for i, g in enumerate(target.guests)))
    elapsed = time.perf_counter() - started
    cpu_used, client_used = cpu.seconds() - cpu_before, time.process_time() - client_before
    missing = await _drain(sent)
    done = len(sent) - len(missing)
    return {
        "seconds": round(elapsed, 2),
        "sent": len(sent),
        "done": done,
        "messages_per_second": round(done / elapsed, 1),
        **_lost(target, missing),
        "rate_limited": sum(g.rate_limited for g in target.guests) - limited_before,
        "server_cores": round(cpu_used / elapsed, 2),
        "server_cpu_us_per_message": round(cpu_used / max(done, 1) * 1e6, 1),
        "client_cores": round(client_used / elapsed, 2),
        "client_cpu_us_per_message": round(client_used / max(done, 1) * 1e6, 1),
    }


def _cuts(values: list[float]) -> list[float]:
    return statistics.quantiles(values, n=100) if len(values) >= 2 else [0.0] * 99


async def _latency(
    target: Target, rate: float, seconds: float, cpu: ServerCpu, tag: str
) -> dict[str, Any]:
    """Open-loop: texts are due on a fixed schedule, whatever the answers do."""
    guests = target.guests
    interval = len(guests) / rate
    sent_at: dict[tuple[int, str], float] = {}
    sent: list[tuple[Guest, str]] = []
    pending: set[asyncio.Task[bool]] = set()

    async def sender(guest: Guest, index: int) -> None:
        start = first + interval * index / len(guests)
        n = 0
        while (due := start + n * interval) < first + seconds:
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            text = f"{tag}-{index}-{n}"
            sent_at[(index, text)] = time.perf_counter()
            sent.append((guest, text))
            task = asyncio.create_task(_exchange(guest, text, ROUND_TIMEOUT + seconds))
            pending.add(task)
            task.add_done_callback(pending.discard)
            n += 1

    cpu_before, first = cpu.seconds(), time.perf_counter()
    await asyncio.gather(*(sender(g, i) for i, g in enumerate(guests)))
    elapsed = time.perf_counter() - first
    cpu_used = cpu.seconds() - cpu_before
    await asyncio.gather(*pending)
    missing = await _drain(sent)
    echoes, replies = [], []
    for (index, text), at in sent_at.items():
        arrivals = guests[index].arrivals
        if text in arrivals.echoes and text in arrivals.replies:
            echoes.append((arrivals.echoes[text] - at) * 1000)
            replies.append((arrivals.replies[text] - at) * 1000)
    echoes.sort()
    replies.sort()
    echo_cuts, reply_cuts = _cuts(echoes), _cuts(replies)
    return {
        "target_per_second": round(rate, 1),
        "sent": len(sent),
        **_lost(target, missing),
        "echo_p50_ms": round(echo_cuts[49], 2),
        "echo_p99_ms": round(echo_cuts[98], 2),
        "reply_p50_ms": round(reply_cuts[49], 2),
        "reply_p99_ms": round(reply_cuts[98], 2),
        "server_cores": round(cpu_used / elapsed, 2),
        "echo_latencies_ms": [round(v, 3) for v in echoes],
    }


async def _run(
    host: str, port: int, guests: int, seconds: float, runs: int, cpu: ServerCpu
) -> list[Target]:
    targets = [
        Target(GUEST_CHAT, [GuestChatGuest(host, port) for _ in range(guests)]),
        Target(WEB_MESSAGING, [WebMessagingGuest(host, port) for _ in range(guests)]),
    ]
    for target in targets:
        await target.open()
    # The load generator's own garbage-collector pauses would show up as service latency.
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        for target in targets:
            await _throughput(target, min(0.5, seconds), cpu, "warm")
        for r in range(runs):
            for target in targets if r % 2 == 0 else targets[::-1]:
                target.throughput.append(await _throughput(target, seconds, cpu, f"t{r}"))
        rate = min(_median(t.throughput, "messages_per_second") for t in targets) / 2
        for r in range(runs):
            for target in targets if r % 2 == 0 else targets[::-1]:
                target.latency.append(await _latency(target, rate, seconds, cpu, f"l{r}"))
    finally:
        gc.enable()
        for target in targets:
            await target.close()
    return targets


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(r[key] for r in runs))


def _summary(target: Target) -> dict[str, Any]:
    t_runs, l_runs = target.throughput, target.latency
    summary: dict[str, Any] = {
        key: _median(t_runs, key)
        for key in (
            "messages_per_second",
            "server_cpu_us_per_message",
            "server_cores",
            "client_cpu_us_per_message",
        )
    }
    summary.update(
        {key: _median(l_runs, key) for key in ("echo_p50_ms", "echo_p99_ms", "reply_p50_ms",
                                                "reply_p99_ms")}
    )  # fmt: skip
    summary["latency_load_per_second"] = l_runs[0]["target_per_second"]
    summary["lost"] = sum(r["lost"] for r in [*t_runs, *l_runs])
    summary["rate_limited"] = sum(r["rate_limited"] for r in t_runs)
    for key in ("messages_per_second", "server_cpu_us_per_message"):
        values = [r[key] for r in t_runs]
        summary[f"{key}_range"] = [min(values), max(values)]
    for key in ("echo_p50_ms", "echo_p99_ms"):
        values = [r[key] for r in l_runs]
        summary[f"{key}_range"] = [min(values), max(values)]
    return summary


def websocket_url(host: str, port: int) -> str:
    """The Web Messaging WebSocket of the service at ``host:port``, for the bench deployment."""
    return (
        f"ws://{host}:{port}{WEBSOCKET_PATH}?{DEPLOYMENT_ID_PARAMETER}={DEPLOYMENT}"
        "&application=bench"
    )


def start_service(db: Path, agent: str = "echo") -> tuple[subprocess.Popen[str], int]:
    """The service in its own process, serving both APIs: ``agent`` answers at once."""
    port = _free_port()
    command = [
        sys.executable, "-m", "purecloud_guest_chat_client.emulator",
        "--port", str(port), "--db", str(db), "--agent", agent,
        "--agent-join-delay", "0", "--agent-reply-delay", "0",
        "--rate-limit", "0", "--log-level", "warning",
        # The guests of one API sit idle while the other is measured: kept open, not closed.
        "--idle-timeout", "3600",
        # A closed-loop guest sends far more than a person: the per-connection frame limit,
        # a guard against abuse, would close its WebSocket.
        "--stream-max-frames-per-second", "100000",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    if not re.search(r"http://\S+", line):
        process.kill()
        raise RuntimeError(f"the service did not start: {line!r}")
    return process, port


def _plot(targets: list[Target], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib.figure import Figure
    except ImportError:
        return False
    figure = Figure(figsize=(6.4, 3.6), dpi=100, layout="constrained")
    axis = figure.add_subplot()
    for colour, target in enumerate(targets):
        for i, run in enumerate(target.latency):
            values = run["echo_latencies_ms"]
            if not values:
                continue
            fractions = [(k + 1) / len(values) for k in range(len(values))]
            axis.plot(
                values,
                fractions,
                color=f"C{colour}",
                alpha=0.9,
                label=f"{target.api}" if i == 0 else None,
            )
    axis.axhline(0.99, color="grey", linestyle=":", linewidth=1)
    axis.set_xscale("log")
    axis.set_xlabel("send -> the guest's own message back (ms)")
    axis.set_ylabel("fraction of messages")
    rate = targets[0].latency[0]["target_per_second"]
    axis.set_title(f"Send to echo at {rate:.0f} messages/s, one service, runs alternating")
    axis.legend(fontsize=8, loc="lower right")
    axis.grid(True, which="both", alpha=0.3)
    figure.savefig(path)
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guests", type=int, default=100, help="guests per API")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each run")
    parser.add_argument("--runs", type=int, default=3, help="runs per phase and API")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where to write")
    args = parser.parse_args()
    if args.guests < 1 or args.seconds <= 0 or args.runs < 1:
        parser.error("--guests, --seconds and --runs must be positive")
    load_before = _loadavg()
    with tempfile.TemporaryDirectory(prefix="guestchat-bench-") as folder:
        process, port = start_service(Path(folder) / "bench.db")
        try:
            cpu = ServerCpu(process.pid)
            targets = asyncio.run(
                _run("127.0.0.1", port, args.guests, args.seconds, args.runs, cpu)
            )
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(15)
    summaries = {t.api: _summary(t) for t in targets}
    gc_summary, wm_summary = summaries[GUEST_CHAT], summaries[WEB_MESSAGING]
    ratios = {
        key: round(wm_summary[key] / gc_summary[key], 2) if gc_summary[key] else None
        for key in ("messages_per_second", "server_cpu_us_per_message", "echo_p50_ms",
                    "echo_p99_ms", "reply_p50_ms", "reply_p99_ms")
    }  # fmt: skip
    result = {
        "guests": args.guests,
        "seconds_per_run": args.seconds,
        "runs": args.runs,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "loadavg_before": load_before,
        "loadavg_after": _loadavg(),
        "summaries": summaries,
        "ratios_web_messaging_over_guest_chat": ratios,
        "runs_by_api": {
            t.api: {
                "throughput_runs": t.throughput,
                "latency_runs": [
                    {k: v for k, v in r.items() if k != "echo_latencies_ms"} for r in t.latency
                ],
            }
            for t in targets
        },
    }
    rows = [
        ("messages done /s (echo and reply)", "messages_per_second", ".0f"),
        ("service CPU per message (us)", "server_cpu_us_per_message", ".0f"),
        ("service cores at full load", "server_cores", ".2f"),
        ("load generator CPU per message (us)", "client_cpu_us_per_message", ".0f"),
        ("latency load /s", "latency_load_per_second", ".0f"),
        ("send -> echo p50 (ms)", "echo_p50_ms", ".2f"),
        ("send -> echo p99 (ms)", "echo_p99_ms", ".2f"),
        ("send -> reply p50 (ms)", "reply_p50_ms", ".2f"),
        ("send -> reply p99 (ms)", "reply_p99_ms", ".2f"),
        ("lost (all runs)", "lost", "d"),
        ("rate-limited answers (all runs)", "rate_limited", "d"),
    ]
    width = max(len(name) for name, _, _ in rows)
    print(f"{args.guests} guests per API, {args.runs} runs of {args.seconds:g} s, alternating")
    print(f"{'':<{width}}  {GUEST_CHAT:>12}  {WEB_MESSAGING:>14}  ratio")
    for name, key, fmt in rows:
        ratio = ratios.get(key)
        print(
            f"{name:<{width}}  {format(gc_summary[key], fmt):>12}  "
            f"{format(wm_summary[key], fmt):>14}  {'' if ratio is None else f'{ratio:.2f}x'}"
        )
    print(f"load average before / after: {load_before} / {result['loadavg_after']}")
    args.results.mkdir(parents=True, exist_ok=True)
    out = args.results / "web_messaging_service.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {out}")
    if _plot(targets, args.results / "web_messaging_service_latency.png"):
        print(f"latency plot in {args.results / 'web_messaging_service_latency.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
