"""Measures the local Guest Chat service: message throughput and POST-to-stream latency.

The service runs in its own process (so the load generator does not share its interpreter),
with 100 concurrent chats whose event streams are attached and a manual agent, so the only
traffic is the guests' messages and their fan-out to the streams.

    python benchmarks/bench_service.py [--chats 100] [--seconds 5] [--runs 3]

Each phase runs ``--runs`` times and the table reports the medians (and the spread):

- throughput: every chat sends its next message as soon as the previous one is acknowledged;
  after the window closes the benchmark waits for the frames still in flight, then checks, body
  by body, that every acknowledged message reached its stream;
- latency: an open-loop sender paced at half the median throughput; the time from writing the
  POST to the message's frame arriving on the stream.

The service's CPU (user + system, from /proc) is reported per phase, as cores used and as
microseconds per message, which is far less sensitive to other load on the machine than rates.
Writes benchmarks/results/service.json and, when matplotlib is installed (it is not a dependency
of the project), benchmarks/results/service_latency.png.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import websockets

API = "/api/v2/webchat/guest/conversations"
RESULTS = Path(__file__).parent / "results"
CREATE_BODY = {
    "organizationId": "bench-org",
    "deploymentId": "bench-deployment",
    "routingTarget": {"targetType": "QUEUE", "targetAddress": "Bench"},
    "memberInfo": {"displayName": "Bench Guest"},
}
DRAIN_SECONDS = 10.0


class HttpConnection:
    """A minimal keep-alive HTTP/1.1 client: the load generator must cost far less CPU than the
    service it measures, which a full-featured client would not."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, body: Any = None, token: str | None = None
    ) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        payload = b"" if body is None else json.dumps(body).encode()
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        if token:
            head.append(f"Authorization: Bearer {token}")
        head += ["Content-Type: application/json", f"Content-Length: {len(payload)}", "", ""]
        self.writer.write("\r\n".join(head).encode() + payload)
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        data = await self.reader.readexactly(length) if length else b""
        return status, data

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


class Chat:
    def __init__(self, host: str, port: int) -> None:
        self.http = HttpConnection(host, port)
        self.arrivals: dict[str, float] = {}
        self.id = self.member_id = self.jwt = ""
        self.ws: Any = None
        self.reader: asyncio.Task[None] | None = None
        self.stream_error: str | None = None

    async def open(self) -> None:
        status, data = await self.http.request("POST", API, CREATE_BODY)
        if status != 200:
            raise RuntimeError(f"create failed: {status} {data[:200]!r}")
        chat = json.loads(data)
        self.id, self.member_id, self.jwt = chat["id"], chat["member"]["id"], chat["jwt"]
        self.ws = await websockets.connect(
            chat["eventStreamUri"], max_queue=None, ping_interval=None, compression=None
        )
        while True:  # attached once the guest's own member-join arrives
            frame = json.loads(await self.ws.recv())
            if frame.get("eventBody", {}).get("bodyType") == "member-join":
                break
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for text in self.ws:
                now = time.perf_counter()
                event = json.loads(text).get("eventBody", {})
                if event.get("bodyType") == "standard":
                    self.arrivals[event["body"]] = now
        except websockets.ConnectionClosed as exc:
            self.stream_error = f"stream closed: {exc}"
        except Exception as exc:  # reported with the figures: a dead reader would look like loss
            self.stream_error = f"stream reader failed: {exc!r}"

    async def send(self, body: str) -> bool:
        path = f"{API}/{self.id}/members/{self.member_id}/messages"
        status, _ = await self.http.request("POST", path, {"body": body}, self.jwt)
        return status == 200

    async def close(self) -> None:
        if self.reader is not None:
            self.reader.cancel()
        if self.ws is not None:
            await self.ws.close()
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

    cpu_before, started = cpu.seconds(), time.perf_counter()
    await asyncio.gather(*(sender(c, i) for i, c in enumerate(chats)))
    elapsed = time.perf_counter() - started
    cpu_used = cpu.seconds() - cpu_before
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

    cpu_before, first = cpu.seconds(), time.perf_counter()
    await asyncio.gather(*(sender(c, i) for i, c in enumerate(chats)))
    elapsed = time.perf_counter() - first
    cpu_used = cpu.seconds() - cpu_before
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
        "latencies_ms": [round(v, 3) for v in latencies],
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_service(db: Path) -> tuple[subprocess.Popen[str], str, int]:
    port = _free_port()
    command = [
        sys.executable, *os.environ.get("BENCH_PYTHON_ARGS", "").split(), "-m",
        "purecloud_guest_chat_client.emulator",
        "--port", str(port), "--db", str(db), "--agent", "manual",
        "--rate-limit", "0", "--log-level", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
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


async def _run(
    host: str, port: int, cpu: ServerCpu, chat_count: int, seconds: float, runs: int
) -> dict[str, Any]:
    chats = [Chat(host, port) for _ in range(chat_count)]
    for i in range(0, chat_count, 20):
        await asyncio.gather(*(c.open() for c in chats[i : i + 20]))
    try:
        await _throughput(chats[:10], 1.0, cpu, "warm")
        throughput = [await _throughput(chats, seconds, cpu, f"t{r}") for r in range(runs)]
        rate = statistics.median(t["accepted_per_second"] for t in throughput) / 2
        latency = [await _latency(chats, rate, seconds, cpu, f"l{r}") for r in range(runs)]
    finally:
        await asyncio.gather(*(c.close() for c in chats))
    return {"throughput_runs": throughput, "latency_runs": latency}


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    load_before = _loadavg()
    with tempfile.TemporaryDirectory(prefix="guestchat-bench-") as tmp:
        process, host, port = _start_service(Path(tmp) / "bench.db")
        try:
            cpu = ServerCpu(process.pid)
            client_cpu = time.process_time()
            figures = asyncio.run(_run(host, port, cpu, args.chats, args.seconds, args.runs))
            figures["client_cpu_seconds"] = round(time.process_time() - client_cpu, 2)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(15)
    t_runs, l_runs = figures["throughput_runs"], figures["latency_runs"]
    summary = {
        "accepted_per_second": _median(t_runs, "accepted_per_second"),
        "fanned_out_per_second": _median(t_runs, "fanned_out_per_second"),
        "lost": sum(r["lost"] for r in t_runs) + sum(r["lost"] for r in l_runs),
        "server_cores_at_full_load": _median(t_runs, "server_cores"),
        "server_cpu_us_per_message": _median(t_runs, "server_cpu_us_per_message"),
        "latency_load_per_second": l_runs[0]["target_per_second"],
        "p50_ms": _median(l_runs, "p50_ms"),
        "p99_ms": _median(l_runs, "p99_ms"),
        "server_cores_at_half_load": _median(l_runs, "server_cores"),
    }
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
        "client_cpu_seconds": figures["client_cpu_seconds"],
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
        ("load generator CPU seconds (whole run)", f"{figures['client_cpu_seconds']:.1f}", ""),
        ("load average before / after", load_before, result["loadavg_after"]),
    ]  # fmt: skip
    width = max(len(name) for name, _, _ in rows)
    print(f"{'':<{width}}  {'median':>10}  spread of {args.runs} runs")
    for name, value, spread in rows:
        print(f"{name:<{width}}  {value:>10}  {spread}")
    for run in (*t_runs, *l_runs):
        if run["lost_examples"]:
            print("not delivered:", run["lost_examples"])
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "service.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {RESULTS / 'service.json'}")
    if _plot(l_runs, RESULTS / "service_latency.png"):
        print(f"latency plot in {RESULTS / 'service_latency.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
