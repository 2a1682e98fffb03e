"""Measures the local Guest Chat service: message throughput and POST-to-stream latency.

The service runs in its own process (so the load generator does not share its interpreter),
with 100 concurrent chats whose event streams are attached and a manual agent, so the only
traffic is the guests' messages and their fan-out to the streams.

    python benchmarks/bench_service.py [--chats 100] [--seconds 5] [--runs 3]
    python benchmarks/bench_service.py --baseline ../baseline-checkout   # before and after

Each phase runs ``--runs`` times and the table reports the medians (and the spread):

- throughput: every chat sends its next message as soon as the previous one is acknowledged;
  after the window closes the benchmark waits for the frames still in flight, then checks, body
  by body, that every acknowledged message reached its stream;
- latency: an open-loop sender paced at half the median throughput; the time from writing the
  POST to the message's frame arriving on the stream.

The service's CPU (user + system, from /proc) is reported per phase, as cores used and as
microseconds per message, which is far less sensitive to other load on the machine than rates.
Writes benchmarks/results/service.json (or into ``--results DIR``) and, when matplotlib is
installed (the ``[load]`` extra), benchmarks/results/service_latency.png.

``--baseline DIR`` measures the service of another checkout (its ``src``) beside this one, in
the same run: both services run at once, idle but for the phase being measured, and the runs
alternate, baseline then current, so whatever else loads the machine weighs on both alike. Each
is measured at half its own median throughput. The table shows both medians and their ratio;
the figures go to service-compare.json (service.json is left as it was).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gc
import json
import os
import platform
import re
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

API = "/api/v2/webchat/guest/conversations"
RESULTS = Path(__file__).parent / "results"
CREATE_BODY = {
    "organizationId": "bench-org",
    "deploymentId": "bench-deployment",
    "routingTarget": {"targetType": "QUEUE", "targetAddress": "Bench"},
    "memberInfo": {"displayName": "Bench Guest"},
}
DRAIN_SECONDS = 10.0


class HttpConnection(asyncio.Protocol):
    """A minimal keep-alive HTTP/1.1 client, one request at a time, parsing in
    ``data_received``: the load generator must cost far less CPU than the service it measures,
    which a full-featured client (or even asyncio streams) would not."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.host = ""

    @classmethod
    async def open(cls, host: str, port: int) -> HttpConnection:
        _, connection = await asyncio.get_running_loop().create_connection(cls, host, port)
        connection.host = f"{host}:{port}"
        return connection

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("the service closed the connection"))

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        head_end = self.buffer.find(b"\r\n\r\n")
        if head_end < 0:
            return
        head = bytes(self.buffer[:head_end]).lower()
        found = re.search(rb"\r\ncontent-length: *(\d+)", head)
        total = head_end + 4 + (int(found.group(1)) if found else 0)
        if len(self.buffer) < total:
            return
        body = bytes(self.buffer[head_end + 4 : total])
        del self.buffer[:total]
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result((int(head[9:12]), body))

    async def request(
        self, method: str, path: str, body: Any = None, token: str | None = None
    ) -> tuple[int, bytes]:
        assert self.transport is not None
        payload = b"" if body is None else json.dumps(body).encode()
        auth = f"Authorization: Bearer {token}\r\n" if token else ""
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n{auth}"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
        )
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(head.encode() + payload)
        return await self.waiter

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


class EventStream(asyncio.Protocol):
    """A minimal WebSocket client that only reads text frames (and answers pings): the arrival
    time of each message is taken as soon as its bytes arrive."""

    def __init__(self, arrivals: dict[str, float]) -> None:
        self.arrivals = arrivals
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.upgraded = asyncio.get_running_loop().create_future()
        self.attached = asyncio.get_running_loop().create_future()
        self.error: str | None = None

    @classmethod
    async def open(cls, uri: str, arrivals: dict[str, float]) -> EventStream:
        found = re.fullmatch(r"ws://([^/:]+):(\d+)(/.*)", uri)
        assert found is not None, "the service hands out ws://host:port/... stream URIs"
        host, port, path = found.group(1), int(found.group(2)), found.group(3)
        loop = asyncio.get_running_loop()
        _, stream = await loop.create_connection(lambda: cls(arrivals), host, port)
        key = base64.b64encode(os.urandom(16)).decode()
        assert stream.transport is not None
        stream.transport.write(
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        await stream.upgraded
        await stream.attached
        return stream

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.error = self.error or f"stream closed: {exc or 'by the service'}"
        for waiter in (self.upgraded, self.attached):
            if not waiter.done():
                waiter.set_exception(ConnectionError(self.error))

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        self.buffer += data
        if not self.upgraded.done():
            head_end = self.buffer.find(b"\r\n\r\n")
            if head_end < 0:
                return
            if not self.buffer.startswith(b"HTTP/1.1 101"):
                self.upgraded.set_exception(ConnectionError(bytes(self.buffer[:200]).decode()))
                return
            del self.buffer[: head_end + 4]
            self.upgraded.set_result(None)
        while (frame := self._next_frame()) is not None:
            opcode, payload = frame
            if opcode == 0x1:
                self._text(payload, now)
            elif opcode == 0x9:
                self._send(0xA, payload)
            elif opcode == 0x8:
                self.error = f"stream closed by the service: {payload[:2].hex()}"

    def _next_frame(self) -> tuple[int, bytes] | None:
        buffer = self.buffer
        if len(buffer) < 2:
            return None
        length, offset = buffer[1] & 0x7F, 2
        if length == 126:
            if len(buffer) < 4:
                return None
            length, offset = struct.unpack_from("!H", buffer, 2)[0], 4
        elif length == 127:
            if len(buffer) < 10:
                return None
            length, offset = struct.unpack_from("!Q", buffer, 2)[0], 10
        if len(buffer) < offset + length:
            return None
        opcode, payload = buffer[0] & 0x0F, bytes(buffer[offset : offset + length])
        del buffer[: offset + length]
        return opcode, payload

    def _text(self, payload: bytes, now: float) -> None:
        event = json.loads(payload).get("eventBody", {})
        body_type = event.get("bodyType")
        if body_type == "standard":
            self.arrivals[event["body"]] = now
        elif body_type == "member-join" and not self.attached.done():
            self.attached.set_result(None)  # the guest's own join: the chat is routed

    def _send(self, opcode: int, payload: bytes) -> None:
        # Client frames are masked; payloads here are control frames, under 126 bytes.
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked)

    def close(self) -> None:
        self._send(0x8, struct.pack("!H", 1000))
        if self.transport is not None:
            self.transport.close()


class Chat:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.arrivals: dict[str, float] = {}
        self.id = self.member_id = self.jwt = ""
        self.http: HttpConnection | None = None
        self.stream: EventStream | None = None

    @property
    def stream_error(self) -> str | None:
        return None if self.stream is None else self.stream.error

    async def open(self) -> None:
        self.http = await HttpConnection.open(self.host, self.port)
        status, data = await self.http.request("POST", API, CREATE_BODY)
        if status != 200:
            raise RuntimeError(f"create failed: {status} {data[:200]!r}")
        chat = json.loads(data)
        self.id, self.member_id, self.jwt = chat["id"], chat["member"]["id"], chat["jwt"]
        self.path = f"{API}/{self.id}/members/{self.member_id}/messages"
        self.stream = await asyncio.wait_for(
            EventStream.open(chat["eventStreamUri"], self.arrivals), 30
        )

    async def send(self, body: str) -> bool:
        assert self.http is not None
        status, _ = await self.http.request("POST", self.path, {"body": body}, self.jwt)
        return status == 200

    async def close(self) -> None:
        if self.stream is not None:
            self.stream.close()
        if self.http is not None:
            self.http.close()


class ServerCpu:
    """User + system CPU seconds of the service process (Linux /proc; 0 elsewhere)."""

    def __init__(self, pid: int) -> None:
        self.path = Path(f"/proc/{pid}/stat")
        self.tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def seconds(self) -> float:
        try:
            fields = self.path.read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / self.tick


async def _drain(chats: list[Chat], accepted: dict[Chat, list[str]]) -> list[str]:
    """Waits for the frames of every accepted message; returns the bodies that never came."""
    deadline = time.perf_counter() + DRAIN_SECONDS
    while True:
        missing = [b for c, bodies in accepted.items() for b in bodies if b not in c.arrivals]
        if not missing or time.perf_counter() > deadline:
            return missing
        await asyncio.sleep(0.02)


def _missing_report(chats: list[Chat], missing: list[str]) -> list[str]:
    errors = sorted({c.stream_error for c in chats if c.stream_error})
    return missing[:10] + errors


async def _throughput(
    chats: list[Chat], seconds: float, cpu: ServerCpu, tag: str
) -> dict[str, Any]:
    accepted: dict[Chat, list[str]] = {c: [] for c in chats}
    failed = 0
    stop_at = time.perf_counter() + seconds

    async def sender(chat: Chat, index: int) -> None:
        nonlocal failed
        n = 0
        while time.perf_counter() < stop_at:
            body = f"{tag}-{index}-{n}"
            if await chat.send(body):
                accepted[chat].append(body)
            else:
                failed += 1
            n += 1

    cpu_before, client_before, started = cpu.seconds(), time.process_time(), time.perf_counter()
    await asyncio.gather(*(sender(c, i) for i, c in enumerate(chats)))
    elapsed = time.perf_counter() - started
    cpu_used, client_used = cpu.seconds() - cpu_before, time.process_time() - client_before
    in_window = sum(
        1
        for c, bodies in accepted.items()
        for b in bodies
        if c.arrivals.get(b, 1e30) <= started + elapsed
    )
    missing = await _drain(chats, accepted)
    count = sum(len(bodies) for bodies in accepted.values())
    return {
        "seconds": round(elapsed, 2),
        "accepted": count,
        "failed": failed,
        "accepted_per_second": round(count / elapsed, 1),
        "fanned_out_per_second": round(in_window / elapsed, 1),
        "delivered": count - len(missing),
        "lost": len(missing),
        "lost_examples": _missing_report(chats, missing),
        "server_cores": round(cpu_used / elapsed, 2),
        "server_cpu_us_per_message": round(cpu_used / max(count, 1) * 1e6, 1),
        "client_cores": round(client_used / elapsed, 2),
    }


async def _latency(
    chats: list[Chat], rate: float, seconds: float, cpu: ServerCpu, tag: str
) -> dict[str, Any]:
    """Open-loop: messages are due on a fixed schedule, whatever the responses do."""
    interval = len(chats) / rate
    sent_at: dict[str, float] = {}
    accepted: dict[Chat, list[str]] = {c: [] for c in chats}
    lag = 0.0

    async def sender(chat: Chat, index: int) -> None:
        nonlocal lag
        start = first + interval * index / len(chats)
        n = 0
        while (due := start + n * interval) < first + seconds:
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            body = f"{tag}-{index}-{n}"
            sent_at[body] = now = time.perf_counter()
            lag = max(lag, now - due)
            if await chat.send(body):
                accepted[chat].append(body)
            n += 1

    cpu_before, client_before, first = cpu.seconds(), time.process_time(), time.perf_counter()
    await asyncio.gather(*(sender(c, i) for i, c in enumerate(chats)))
    elapsed = time.perf_counter() - first
    cpu_used, client_used = cpu.seconds() - cpu_before, time.process_time() - client_before
    missing = await _drain(chats, accepted)
    latencies = sorted(
        (c.arrivals[b] - sent_at[b]) * 1000
        for c, bodies in accepted.items()
        for b in bodies
        if b in c.arrivals
    )
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) >= 2 else [0.0] * 99
    return {
        "target_per_second": round(rate, 1),
        "sent": len(sent_at),
        "received": len(latencies),
        "lost": len(missing),
        "lost_examples": _missing_report(chats, missing),
        "max_send_lag_ms": round(lag * 1000, 2),
        "p50_ms": round(cuts[49], 2),
        "p90_ms": round(cuts[89], 2),
        "p99_ms": round(cuts[98], 2),
        "max_ms": round(latencies[-1], 2) if latencies else None,
        "server_cores": round(cpu_used / elapsed, 2),
        "client_cores": round(client_used / elapsed, 2),
        "latencies_ms": [round(v, 3) for v in latencies],
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_service(db: Path, source: Path | None = None) -> tuple[subprocess.Popen[str], str, int]:
    """The service in its own process: this checkout's, or the one under ``source/src``."""
    port = _free_port()
    command = [
        sys.executable, *os.environ.get("BENCH_PYTHON_ARGS", "").split(), "-m",
        "purecloud_guest_chat_client.emulator",
        "--port", str(port), "--db", str(db), "--agent", "manual",
        "--rate-limit", "0", "--log-level", "warning",
        # The chats of one service sit idle while another is measured: kept open, not closed.
        "--idle-timeout", "3600",
    ]  # fmt: skip
    env = None
    if source is not None:
        # Ahead of the installed (editable) package on the child's path.
        paths = [str(source / "src"), os.environ.get("PYTHONPATH", "")]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    assert process.stdout is not None
    line = process.stdout.readline()
    if not re.search(r"http://\S+", line):
        process.kill()
        raise RuntimeError(f"the service did not start: {line!r}")
    return process, "127.0.0.1", port


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


class Target:
    """One service under measurement, with its chats once they are open."""

    def __init__(self, label: str, host: str, port: int, cpu: ServerCpu) -> None:
        self.label, self.cpu = label, cpu
        self.chats: list[Chat] = []
        self.host, self.port = host, port
        self.throughput: list[dict[str, Any]] = []
        self.latency: list[dict[str, Any]] = []

    async def open(self, chat_count: int) -> None:
        self.chats = [Chat(self.host, self.port) for _ in range(chat_count)]
        for i in range(0, chat_count, 20):
            await asyncio.gather(*(c.open() for c in self.chats[i : i + 20]))

    async def close(self) -> None:
        await asyncio.gather(*(c.close() for c in self.chats))


async def _run(targets: list[Target], chat_count: int, seconds: float, runs: int) -> None:
    """Every phase runs ``runs`` times on each target, the targets taking turns."""
    for target in targets:
        await target.open(chat_count)
    # The load generator's own garbage-collector pauses would show up as service latency.
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        for target in targets:
            await _throughput(target.chats[:10], 1.0, target.cpu, "warm")
        for r in range(runs):
            for target in targets:
                figures = await _throughput(target.chats, seconds, target.cpu, f"t{r}")
                target.throughput.append(figures)
        rates = {
            t.label: statistics.median(f["accepted_per_second"] for f in t.throughput) / 2
            for t in targets
        }
        for r in range(runs):
            for target in targets:
                figures = await _latency(
                    target.chats, rates[target.label], seconds, target.cpu, f"l{r}"
                )
                target.latency.append(figures)
    finally:
        gc.enable()
        for target in targets:
            await target.close()


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(r[key] for r in runs))


def _spread(runs: list[dict[str, Any]], key: str, fmt: str) -> str:
    values = sorted(r[key] for r in runs)
    return f"{format(values[0], fmt)}..{format(values[-1], fmt)}"


def _plot(latency_runs: list[dict[str, Any]], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    figure, axis = plt.subplots(figsize=(6.4, 3.6), dpi=100)
    for i, run in enumerate(latency_runs, 1):
        values = run["latencies_ms"]
        if not values:
            continue
        fractions = [(k + 1) / len(values) for k in range(len(values))]
        axis.plot(values, fractions, label=f"run {i}: p50 {run['p50_ms']} / p99 {run['p99_ms']} ms")
    axis.axvline(25, color="grey", linestyle="--", linewidth=1, label="p99 target 25 ms")
    axis.axhline(0.99, color="grey", linestyle=":", linewidth=1)
    axis.set_xscale("log")
    axis.set_xlabel("POST -> frame on stream (ms)")
    axis.set_ylabel("fraction of messages")
    rate = latency_runs[0]["target_per_second"]
    axis.set_title(f"Latency at {rate:.0f} messages/s (half the measured throughput)")
    axis.legend(fontsize=8, loc="lower right")
    axis.grid(True, which="both", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return True


def _summary(t_runs: list[dict[str, Any]], l_runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "accepted_per_second": _median(t_runs, "accepted_per_second"),
        "fanned_out_per_second": _median(t_runs, "fanned_out_per_second"),
        "lost": sum(r["lost"] for r in t_runs) + sum(r["lost"] for r in l_runs),
        "server_cores_at_full_load": _median(t_runs, "server_cores"),
        "server_cpu_us_per_message": _median(t_runs, "server_cpu_us_per_message"),
        "latency_load_per_second": l_runs[0]["target_per_second"],
        "p50_ms": _median(l_runs, "p50_ms"),
        "p99_ms": _median(l_runs, "p99_ms"),
        "server_cores_at_half_load": _median(l_runs, "server_cores"),
        "client_cores_at_full_load": _median(t_runs, "client_cores"),
        "client_cores_at_half_load": _median(l_runs, "client_cores"),
    }


def _measure(
    sources: list[tuple[str, Path | None]], chats: int, seconds: float, runs: int
) -> tuple[list[Target], float]:
    """Starts a service per source, measures them all; returns them and the client's CPU."""
    with tempfile.TemporaryDirectory(prefix="guestchat-bench-") as tmp:
        processes: list[subprocess.Popen[str]] = []
        try:
            targets = []
            for label, source in sources:
                process, host, port = _start_service(Path(tmp) / f"{label}.db", source)
                processes.append(process)
                targets.append(Target(label, host, port, ServerCpu(process.pid)))
            client_cpu = time.process_time()
            asyncio.run(_run(targets, chats, seconds, runs))
            return targets, round(time.process_time() - client_cpu, 2)
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                process.wait(15)


def _print_lost(runs: list[dict[str, Any]]) -> None:
    for run in runs:
        if run["lost_examples"]:
            print("not delivered:", run["lost_examples"])


_COMPARED = (
    ("messages accepted /s", "accepted_per_second", ".0f"),
    ("service CPU per message (us)", "server_cpu_us_per_message", ".0f"),
    ("service cores used at full load", "server_cores_at_full_load", ".2f"),
    ("latency load /s (half of its own throughput)", "latency_load_per_second", ".0f"),
    ("POST -> frame p50 (ms)", "p50_ms", ".2f"),
    ("POST -> frame p99 (ms)", "p99_ms", ".2f"),
    ("accepted but not delivered (all runs)", "lost", "d"),
)
_RUN_KEYS = {
    "accepted_per_second": ("throughput", "accepted_per_second"),
    "server_cpu_us_per_message": ("throughput", "server_cpu_us_per_message"),
    "server_cores_at_full_load": ("throughput", "server_cores"),
    "p50_ms": ("latency", "p50_ms"),
    "p99_ms": ("latency", "p99_ms"),
}


def _compare(args: argparse.Namespace, results_dir: Path) -> int:
    load_before = _loadavg()
    sources: list[tuple[str, Path | None]] = [("baseline", args.baseline), ("current", None)]
    targets, client_cpu = _measure(sources, args.chats, args.seconds, args.runs)
    summaries = {t.label: _summary(t.throughput, t.latency) for t in targets}
    base, current = summaries["baseline"], summaries["current"]
    print(f"baseline: {args.baseline}; {args.runs} runs each, alternating")
    width = max(len(name) for name, _, _ in _COMPARED)
    print(f"{'':<{width}}  {'baseline':>10}  {'current':>10}  {'ratio':>6}  spreads")
    for name, key, fmt in _COMPARED:
        ratio = f"{current[key] / base[key]:.2f}" if base[key] else ""
        spreads = ""
        if key in _RUN_KEYS:
            phase, run_key = _RUN_KEYS[key]
            spreads = "  ".join(_spread(getattr(t, phase), run_key, fmt) for t in targets)
        line = f"{name:<{width}}  {format(base[key], fmt):>10}  {format(current[key], fmt):>10}"
        print(f"{line}  {ratio:>6}  {spreads}")
    print(f"load average before / after: {load_before} / {_loadavg()}")
    for target in targets:
        _print_lost([*target.throughput, *target.latency])
    result = {
        "baseline": str(args.baseline),
        "chats": args.chats,
        "seconds_per_run": args.seconds,
        "runs": args.runs,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "loadavg_before": load_before,
        "loadavg_after": _loadavg(),
        "client_cpu_seconds": client_cpu,
        "summaries": summaries,
        "runs_by_service": {
            t.label: {
                "throughput_runs": t.throughput,
                "latency_runs": [
                    {k: v for k, v in r.items() if k != "latencies_ms"} for r in t.latency
                ],
            }
            for t in targets
        },
    }
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / "service-compare.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {results_dir / 'service-compare.json'}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--results", type=Path, default=RESULTS, help="where to write")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="another checkout whose service is measured beside this one's, runs alternating",
    )
    args = parser.parse_args()
    results_dir: Path = args.results
    if args.baseline is not None:
        if not (args.baseline / "src" / "purecloud_guest_chat_client").is_dir():
            parser.error(f"--baseline: no src/purecloud_guest_chat_client under {args.baseline}")
        return _compare(args, results_dir)
    load_before = _loadavg()
    targets, client_cpu = _measure([("service", None)], args.chats, args.seconds, args.runs)
    t_runs, l_runs = targets[0].throughput, targets[0].latency
    summary = _summary(t_runs, l_runs)
    result = {
        "chats": args.chats,
        "seconds_per_run": args.seconds,
        "runs": args.runs,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "loadavg_before": load_before,
        "loadavg_after": _loadavg(),
        "summary": summary,
        "client_cpu_seconds": client_cpu,
        "throughput_runs": t_runs,
        "latency_runs": [{k: v for k, v in r.items() if k != "latencies_ms"} for r in l_runs],
    }
    rows = [
        ("concurrent chats (streams attached)", str(args.chats), ""),
        ("messages accepted /s", f"{summary['accepted_per_second']:.0f}",
         _spread(t_runs, "accepted_per_second", ".0f")),
        ("messages fanned out to streams /s", f"{summary['fanned_out_per_second']:.0f}",
         _spread(t_runs, "fanned_out_per_second", ".0f")),
        ("accepted but not delivered (all runs)", str(summary["lost"]), ""),
        ("service CPU per message (us)", f"{summary['server_cpu_us_per_message']:.0f}",
         _spread(t_runs, "server_cpu_us_per_message", ".0f")),
        ("service cores used at full load", f"{summary['server_cores_at_full_load']:.2f}",
         _spread(t_runs, "server_cores", ".2f")),
        ("latency load /s", f"{summary['latency_load_per_second']:.0f}", ""),
        ("POST -> frame p50 (ms)", f"{summary['p50_ms']:.2f}", _spread(l_runs, "p50_ms", ".2f")),
        ("POST -> frame p99 (ms)", f"{summary['p99_ms']:.2f}", _spread(l_runs, "p99_ms", ".2f")),
        ("service cores used at half load", f"{summary['server_cores_at_half_load']:.2f}",
         _spread(l_runs, "server_cores", ".2f")),
        ("load generator cores used at full / half load",
         f"{summary['client_cores_at_full_load']:.2f}",
         f"{summary['client_cores_at_half_load']:.2f}"),
        ("load average before / after", load_before, result["loadavg_after"]),
    ]  # fmt: skip
    width = max(len(name) for name, _, _ in rows)
    print(f"{'':<{width}}  {'median':>10}  spread of {args.runs} runs")
    for name, value, spread in rows:
        print(f"{name:<{width}}  {value:>10}  {spread}")
    _print_lost([*t_runs, *l_runs])
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / "service.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {results_dir / 'service.json'}")
    if _plot(l_runs, results_dir / "service_latency.png"):
        print(f"latency plot in {results_dir / 'service_latency.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
