"""Measures the local Guest Chat service: message throughput and POST-to-stream latency.

The service runs in its own process (so the load generator does not share its interpreter),
with 100 concurrent chats whose event streams are attached and a manual agent, so the only
traffic is the guests' messages and their fan-out to the streams.

    python benchmarks/bench_service.py [--chats 100] [--seconds 5]

Prints a table and writes benchmarks/results/service.json.
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
RESULTS = Path(__file__).parent / "results" / "service.json"
CREATE_BODY = {
    "organizationId": "bench-org",
    "deploymentId": "bench-deployment",
    "routingTarget": {"targetType": "QUEUE", "targetAddress": "Bench"},
    "memberInfo": {"displayName": "Bench Guest"},
}


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
        self.frames = 0
        self.id = self.member_id = self.jwt = ""
        self.ws: Any = None
        self.reader: asyncio.Task[None] | None = None

    async def open(self) -> None:
        status, data = await self.http.request("POST", API, CREATE_BODY)
        if status != 200:
            raise RuntimeError(f"create failed: {status} {data[:200]!r}")
        chat = json.loads(data)
        self.id, self.member_id, self.jwt = chat["id"], chat["member"]["id"], chat["jwt"]
        self.ws = await websockets.connect(chat["eventStreamUri"], max_queue=None)
        while True:  # attached once the guest's own member-join arrives
            frame = json.loads(await self.ws.recv())
            if frame.get("eventBody", {}).get("bodyType") == "member-join":
                break
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for text in self.ws:
                now = time.perf_counter()
                frame = json.loads(text)
                event = frame.get("eventBody", {})
                if event.get("bodyType") == "standard":
                    self.frames += 1
                    self.arrivals[event["body"]] = now
        except websockets.ConnectionClosed:
            pass

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


async def _throughput(chats: list[Chat], seconds: float) -> dict[str, Any]:
    accepted = 0
    stop_at = time.perf_counter() + seconds
    before = sum(c.frames for c in chats)

    async def sender(chat: Chat, index: int) -> None:
        nonlocal accepted
        n = 0
        while time.perf_counter() < stop_at:
            if await chat.send(f"t-{index}-{n}"):
                accepted += 1
            n += 1

    started = time.perf_counter()
    await asyncio.gather(*(sender(c, i) for i, c in enumerate(chats)))
    elapsed = time.perf_counter() - started
    fanned_in_window = sum(c.frames for c in chats) - before
    deadline = time.perf_counter() + 10
    while sum(c.frames for c in chats) - before < accepted and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    delivered = sum(c.frames for c in chats) - before
    return {
        "seconds": round(elapsed, 2),
        "accepted": accepted,
        "accepted_per_second": round(accepted / elapsed, 1),
        "fanned_out_per_second": round(fanned_in_window / elapsed, 1),
        "delivered": delivered,
        "lost": accepted - delivered,
    }


async def _latency(chats: list[Chat], rate: float, seconds: float) -> dict[str, Any]:
    """Open-loop: messages leave on a fixed schedule, whatever the responses do."""
    interval = len(chats) / rate
    sent_at: dict[str, float] = {}

    async def sender(chat: Chat, index: int) -> None:
        await asyncio.sleep(interval * index / len(chats))
        start = time.perf_counter()
        n = 0
        while (due := start + n * interval) < start + seconds:
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            body = f"l-{index}-{n}"
            sent_at[body] = time.perf_counter()
            await chat.send(body)
            n += 1

    await asyncio.gather(*(sender(c, i) for i, c in enumerate(chats)))
    deadline = time.perf_counter() + 10
    arrivals: dict[str, float] = {}
    while time.perf_counter() < deadline:
        arrivals = {k: v for c in chats for k, v in c.arrivals.items() if k in sent_at}
        if len(arrivals) >= len(sent_at):
            break
        await asyncio.sleep(0.05)
    latencies = sorted((arrivals[k] - sent_at[k]) * 1000 for k in arrivals)
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) >= 2 else [0.0] * 99
    return {
        "target_per_second": round(rate, 1),
        "sent": len(sent_at),
        "received": len(latencies),
        "p50_ms": round(cuts[49], 2),
        "p99_ms": round(cuts[98], 2),
        "max_ms": round(latencies[-1], 2) if latencies else None,
    }


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux); 0 where /proc is not available."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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


async def _run(host: str, port: int, chat_count: int, seconds: float) -> dict[str, Any]:
    chats = [Chat(host, port) for _ in range(chat_count)]
    for i in range(0, chat_count, 20):
        await asyncio.gather(*(c.open() for c in chats[i : i + 20]))
    try:
        await _throughput(chats[:10], 1.0)  # warm-up
        throughput = await _throughput(chats, seconds)
        latency = await _latency(chats, throughput["accepted_per_second"] / 2, seconds)
    finally:
        await asyncio.gather(*(c.close() for c in chats))
    return {"throughput": throughput, "latency_at_half_load": latency}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="guestchat-bench-") as tmp:
        process, host, port = _start_service(Path(tmp) / "bench.db")
        try:
            client_cpu = time.process_time()
            server_cpu = _cpu_seconds(process.pid)
            figures = asyncio.run(_run(host, port, args.chats, args.seconds))
            figures["server_cpu_seconds"] = round(_cpu_seconds(process.pid) - server_cpu, 2)
            figures["client_cpu_seconds"] = round(time.process_time() - client_cpu, 2)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(15)
    result = {
        "chats": args.chats,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "machine": platform.machine(),
        **figures,
    }
    t, lat = figures["throughput"], figures["latency_at_half_load"]
    rows = [
        ("concurrent chats (streams attached)", str(args.chats)),
        ("messages accepted /s", f"{t['accepted_per_second']:.0f}"),
        ("messages fanned out to streams /s", f"{t['fanned_out_per_second']:.0f}"),
        ("accepted but not delivered", str(t["lost"])),
        ("latency load /s", f"{lat['target_per_second']:.0f}"),
        ("POST -> frame p50 (ms)", f"{lat['p50_ms']:.2f}"),
        ("POST -> frame p99 (ms)", f"{lat['p99_ms']:.2f}"),
        ("service CPU seconds (whole run)", f"{figures['server_cpu_seconds']:.1f}"),
        ("load generator CPU seconds", f"{figures['client_cpu_seconds']:.1f}"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value:>10}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
