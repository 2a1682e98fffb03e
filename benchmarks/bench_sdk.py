"""The SDK's overhead over raw httpx2, and beside the vendor's SDKs, on the same local service.

The service runs in its own process (so it does not share this interpreter's GIL). Rounds
alternate between the SDK, raw httpx2 doing the same POST and JSON decode, and, when they are
installed, the vendor's Python SDK (``PureCloudPlatformClientV2`` 263) and the vendor's JS guest
SDK through node (see ``vendor_peers.py``), each peer in its own process doing the same calls on
the same service. The medians are compared. Cases: sending a message one call after the other,
sending many at once (asyncio, and the JS SDK's promises; the vendor's Python SDK has no asyncio
API), and creating a chat. Targets: the SDK's time per call within 1.15x of raw httpx2,
sequential and async.

Run: ``python benchmarks/bench_sdk.py [--rounds 15] [--calls 200] [--concurrency 200]
[--creates 50]``. Writes ``benchmarks/results/sdk.json`` (or ``--results DIR``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Coroutine
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx2
from vendor_peers import JS_PEER, PYTHON_PEER, locate, peer_environment
from websockets.sync.client import ClientConnection, connect

from purecloud_guest_chat_client import (
    ApiClient,
    AsyncApiClient,
    AsyncWebChatApi,
    RetryPolicy,
    WebChatApi,
)

HERE = Path(__file__).resolve().parent
TARGET_RATIO = 1.15
NO_ASYNCIO = "not measured: it has no asyncio API"
LOOPBACK = ("127.0.0.1", "::1", "localhost")
CREATE_BODY = {
    "organizationId": "bench-org",
    "deploymentId": "bench-deployment",
    "routingTarget": {"targetType": "QUEUE", "targetAddress": "Bench"},
    "memberInfo": {"displayName": "Bench guest"},
}


def serve(pipe: Connection) -> None:
    from purecloud_guest_chat_client.emulator import LocalService

    with LocalService(port=0, agent="manual", rate_limit_per_minute=0) as service:
        pipe.send(service.base_url)
        pipe.recv()  # until the benchmark is done


def drain(socket: ClientConnection) -> None:
    try:
        for _frame in socket:
            pass
    except Exception:
        return


def open_chat(base_url: str) -> tuple[str, str, str, ClientConnection]:
    with ApiClient(base_url) as client:
        created = WebChatApi(client).post_webchat_guest_conversations(CREATE_BODY)
    assert created.id and created.jwt and created.member and created.member.id
    assert created.event_stream_uri
    socket = connect(created.event_stream_uri).__enter__()
    threading.Thread(target=drain, args=(socket,), daemon=True).start()
    url = f"{base_url}/api/v2/webchat/guest/conversations/{created.id}/members/"
    url += f"{created.member.id}/messages"
    # Sending works once the stream is attached and the guest is connected.
    with ApiClient(base_url, jwt=created.jwt) as client:
        api = WebChatApi(client)
        deadline = time.monotonic() + 10
        while True:
            try:
                api.post_webchat_guest_conversation_member_messages(
                    created.id, created.member.id, {"body": "warm-up"}
                )
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
    return created.id, created.member.id, created.jwt, socket


Times = tuple[float, float]
"""Wall seconds and this process's CPU seconds per call (the client's own cost)."""


def timed(run: Callable[[], None], calls: int) -> Times:
    started, cpu_started = time.perf_counter(), time.process_time()
    run()
    return (time.perf_counter() - started) / calls, (time.process_time() - cpu_started) / calls


class PeerFailed(Exception):
    pass


class Peer:
    """A vendor SDK in its own process, doing the calls it is asked for and timing them."""

    def __init__(self, name: str, command: list[str], env: dict[str, str]) -> None:
        self.name = name
        self.failure: str | None = None
        # What the peer writes besides its answers (the vendor's Python SDK warns that the
        # guest operations are deprecated on every call) goes to a log in its home, so that a
        # terminal's speed is not part of its figures.
        self.log = Path(env["HOME"]) / f"{name.replace(' ', '-')}.log"
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                env=env,
            )

    def timed(self, op: str, calls: int, chat: dict[str, str] | None = None) -> Times:
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            self.process.stdin.write(json.dumps({"op": op, "calls": calls, **(chat or {})}) + "\n")
            self.process.stdin.flush()
        except OSError as error:
            raise PeerFailed(f"its process ended ({error})") from error
        line = self.process.stdout.readline()
        if not line:
            said = self.log.read_text(errors="replace").strip().splitlines()[-1:]
            raise PeerFailed(f"exited with status {self.process.wait(10)}: {' '.join(said)}")
        answer = json.loads(line)
        if "error" in answer:
            raise PeerFailed(answer["error"])
        return float(answer["wall"]), float(answer["cpu"])

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_peers(base_url: str, env: dict[str, str]) -> tuple[list[Peer], dict[str, str]]:
    """The installed peers, started against ``base_url``, and every peer's status."""
    if urlsplit(base_url).hostname not in LOOPBACK:
        raise SystemExit(f"the peers run against a local service only, not {base_url}")
    found = locate(env)
    arguments = [base_url, json.dumps(CREATE_BODY)]
    peers = []
    if found.python:
        command = [sys.executable, str(HERE / "vendor_python_peer.py"), *arguments]
        peers.append(Peer(PYTHON_PEER, command, env))
    if found.node is not None:
        peers.append(Peer(JS_PEER, [found.node, str(HERE / "vendor_js_peer.js"), *arguments], env))
    return peers, dict(found.status)


def interleaved(runs: dict[str, Callable[[], Times]], rounds: int) -> dict[str, list[Times] | str]:
    """One round of each run to warm up, then ``rounds`` rounds of one of each; a peer that fails
    is left out of the rounds after, with why."""
    times: dict[str, list[Times] | str] = {name: [] for name in runs}
    for round_ in range(rounds + 1):
        for name, run in runs.items():
            samples = times[name]
            if isinstance(samples, str):
                continue
            try:
                measured = run()
            except PeerFailed as error:
                times[name] = f"failed: {error}"
                continue
            if round_:
                samples.append(measured)
    return times


def chat_of(opened: tuple[str, str, str, ClientConnection]) -> dict[str, str]:
    cid, mid, jwt, _socket = opened
    return {"conversationId": cid, "memberId": mid, "jwt": jwt}


def peer_runs(
    peers: list[Peer], op: str, calls: int, chat: dict[str, str] | None = None
) -> dict[str, Callable[[], Times]]:
    return {peer.name: partial(peer.timed, op, calls, chat) for peer in peers if not peer.failure}


def sequential(base_url: str, rounds: int, calls: int, peers: list[Peer]) -> dict[str, Any]:
    opened = open_chat(base_url)
    cid, mid, jwt, socket = opened
    client = ApiClient(base_url, jwt=jwt, retry=RetryPolicy.disabled())
    api = WebChatApi(client)
    raw = httpx2.Client(timeout=16.0)
    url = f"{base_url}/api/v2/webchat/guest/conversations/{cid}/members/{mid}/messages"
    headers = {
        "Authorization": f"Bearer {jwt}",
        "Content-Type": "application/json",
        "Accept": "application/json",
    }

    def sdk_run() -> None:
        for n in range(calls):
            api.post_webchat_guest_conversation_member_messages(cid, mid, {"body": f"sdk {n}"})

    def raw_run() -> None:
        for n in range(calls):
            body = json.dumps({"body": f"raw {n}"}).encode()
            response = raw.post(url, content=body, headers=headers)
            response.raise_for_status()
            response.json()

    runs = {"sdk": lambda: timed(sdk_run, calls), "raw": lambda: timed(raw_run, calls)}
    times = interleaved({**runs, **peer_runs(peers, "send", calls, chat_of(opened))}, rounds)
    client.close()
    raw.close()
    socket.close()
    return summary(times, peers)


def creating(base_url: str, rounds: int, calls: int, peers: list[Peer]) -> dict[str, Any]:
    client = ApiClient(base_url, retry=RetryPolicy.disabled())
    api = WebChatApi(client)
    raw = httpx2.Client(timeout=16.0)
    url = f"{base_url}/api/v2/webchat/guest/conversations"
    headers = {"Content-Type": "application/json", "Accept": "application/json"}

    def sdk_run() -> None:
        for _ in range(calls):
            api.post_webchat_guest_conversations(CREATE_BODY)

    def raw_run() -> None:
        for _ in range(calls):
            response = raw.post(url, content=json.dumps(CREATE_BODY).encode(), headers=headers)
            response.raise_for_status()
            response.json()

    runs = {"sdk": lambda: timed(sdk_run, calls), "raw": lambda: timed(raw_run, calls)}
    times = interleaved({**runs, **peer_runs(peers, "create", calls)}, rounds)
    client.close()
    raw.close()
    return summary(times, peers)


def concurrent(base_url: str, rounds: int, concurrency: int, peers: list[Peer]) -> dict[str, Any]:
    opened = open_chat(base_url)
    cid, mid, jwt, socket = opened
    url = f"{base_url}/api/v2/webchat/guest/conversations/{cid}/members/{mid}/messages"
    headers = {
        "Authorization": f"Bearer {jwt}",
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    loop = asyncio.new_event_loop()

    async def make() -> tuple[AsyncApiClient, httpx2.AsyncClient]:
        return (
            AsyncApiClient(base_url, jwt=jwt, retry=RetryPolicy.disabled()),
            httpx2.AsyncClient(timeout=16.0),
        )

    client, raw = loop.run_until_complete(make())
    api = AsyncWebChatApi(client)

    async def sdk_send(n: int) -> None:
        await api.post_webchat_guest_conversation_member_messages(cid, mid, {"body": f"sdk {n}"})

    async def raw_send(n: int) -> None:
        body = json.dumps({"body": f"raw {n}"}).encode()
        response = await raw.post(url, content=body, headers=headers)
        response.raise_for_status()
        response.json()

    def batch(send: Callable[[int], Coroutine[Any, Any, None]]) -> Times:
        async def all_at_once() -> None:
            await asyncio.gather(*(send(n) for n in range(concurrency)))

        return timed(lambda: loop.run_until_complete(all_at_once()), concurrency)

    js = [peer for peer in peers if peer.name == JS_PEER]
    runs = {"sdk": lambda: batch(sdk_send), "raw": lambda: batch(raw_send)}
    chat = chat_of(opened)
    try:
        times = interleaved({**runs, **peer_runs(js, "send_concurrent", concurrency, chat)}, rounds)
        loop.run_until_complete(client.aclose())
        loop.run_until_complete(raw.aclose())
    finally:
        loop.close()
        socket.close()
    return summary(times, peers, {PYTHON_PEER: NO_ASYNCIO})


def spread(samples: list[Times]) -> list[float]:
    return [min(w for w, _ in samples) * 1000, max(w for w, _ in samples) * 1000]


def summary(
    times: dict[str, list[Times] | str], peers: list[Peer], skipped: dict[str, str] | None = None
) -> dict[str, Any]:
    sdk_times, raw_times = times["sdk"], times["raw"]
    assert isinstance(sdk_times, list) and isinstance(raw_times, list)
    sdk = statistics.median(wall for wall, _ in sdk_times)
    raw = statistics.median(wall for wall, _ in raw_times)
    sdk_cpu = statistics.median(cpu for _, cpu in sdk_times)
    raw_cpu = statistics.median(cpu for _, cpu in raw_times)
    measured: dict[str, Any] = {}
    for peer in peers:
        samples = times.get(peer.name, (skipped or {}).get(peer.name, peer.failure))
        if isinstance(samples, str):
            if samples.startswith("failed"):
                peer.failure = samples
            measured[peer.name] = {"status": samples}
        elif samples:
            wall = statistics.median(w for w, _ in samples)
            cpu = statistics.median(c for _, c in samples)
            measured[peer.name] = {
                "median_ms_per_call": wall * 1000,
                "ms_per_call_range": spread(samples),
                "client_cpu_ms_per_call": cpu * 1000,
                "ratio_to_sdk": wall / sdk,
                "client_cpu_ratio_to_sdk": cpu / sdk_cpu,
            }
    return {
        "sdk_median_ms_per_call": sdk * 1000,
        "raw_median_ms_per_call": raw * 1000,
        "ratio": sdk / raw,
        "sdk_calls_per_second": 1 / sdk,
        "raw_calls_per_second": 1 / raw,
        "sdk_client_cpu_ms_per_call": sdk_cpu * 1000,
        "raw_client_cpu_ms_per_call": raw_cpu * 1000,
        "client_cpu_ratio": sdk_cpu / raw_cpu,
        "sdk_ms_per_call_range": spread(sdk_times),
        "raw_ms_per_call_range": spread(raw_times),
        "rounds": len(sdk_times),
        "peers": measured,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--creates", type=int, default=50, help="chats created per round")
    parser.add_argument("--results", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()

    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    server = context.Process(target=serve, args=(theirs,), daemon=True)
    server.start()
    peers: list[Peer] = []
    try:
        base_url = ours.recv()
        with tempfile.TemporaryDirectory() as home:
            peers, status = start_peers(base_url, peer_environment(home))
            results = {
                "sequential": sequential(base_url, args.rounds, args.calls, peers),
                "async_concurrent": concurrent(base_url, args.rounds, args.concurrency, peers),
                "create_sequential": creating(base_url, args.rounds, args.creates, peers),
            }
            for peer in peers:
                peer.close()
    finally:
        for peer in peers:
            if peer.process.poll() is None:
                peer.process.kill()
        ours.send("stop")
        server.join(10)
    for peer in peers:
        if peer.failure:
            status[peer.name] = peer.failure
    print(
        f"{'case':18} {'client':18} {'ms/call':>9} {'cpu ms':>8}  ratio to raw httpx2 / to the SDK"
    )
    for case, figures in results.items():
        print(
            f"{case:18} {'SDK':18} {figures['sdk_median_ms_per_call']:9.3f} "
            f"{figures['sdk_client_cpu_ms_per_call']:8.3f}  {figures['ratio']:.3f} (cpu "
            f"{figures['client_cpu_ratio']:.3f})"
        )
        print(
            f"{'':18} {'raw httpx2':18} {figures['raw_median_ms_per_call']:9.3f} "
            f"{figures['raw_client_cpu_ms_per_call']:8.3f}"
        )
        for name, peer in figures["peers"].items():
            if "status" in peer:
                print(f"{'':18} {name:18} {peer['status']}")
                continue
            print(
                f"{'':18} {name:18} {peer['median_ms_per_call']:9.3f} "
                f"{peer['client_cpu_ms_per_call']:8.3f}  {peer['ratio_to_sdk']:.3f} (cpu "
                f"{peer['client_cpu_ratio_to_sdk']:.3f}) the SDK's"
            )
    for name, state in status.items():
        print(f"{name}: {state}")
    sends = (results["sequential"], results["async_concurrent"])
    met = all(figures["ratio"] <= TARGET_RATIO for figures in sends)
    print(f"target ratio <= {TARGET_RATIO}: {'met' if met else 'MISSED'}")
    out = args.results
    out.mkdir(parents=True, exist_ok=True)
    arguments = {
        key: str(value) if isinstance(value, Path) else value for key, value in vars(args).items()
    }
    payload = {
        "python": sys.version.split()[0],
        "arguments": arguments,
        "results": results,
        "peers": status,
    }
    (out / "sdk.json").write_text(json.dumps(payload, indent=2))


if __name__ == "__main__":
    main()
