"""The SDK's overhead over raw httpx2, on the same local service in the same run.

The service runs in its own process (so it does not share this interpreter's GIL). Rounds
alternate between the SDK and raw httpx2 doing the same POST and JSON decode, and the medians are
compared. Targets: the SDK's time per call within 1.15x of raw httpx2, sequential and async.

Run: ``python benchmarks/bench_sdk.py [--rounds 15] [--calls 200] [--concurrency 200]``.
Writes ``benchmarks/results/sdk.json`` (or ``--results DIR``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import statistics
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx2
from websockets.sync.client import ClientConnection, connect

from purecloud_guest_chat_client import (
    ApiClient,
    AsyncApiClient,
    AsyncWebChatApi,
    RetryPolicy,
    WebChatApi,
)

TARGET_RATIO = 1.15
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


def timed(run: Callable[[], None], calls: int) -> tuple[float, float]:
    """Wall seconds and this process's CPU seconds per call (the client's own cost)."""
    started, cpu_started = time.perf_counter(), time.process_time()
    run()
    return (time.perf_counter() - started) / calls, (time.process_time() - cpu_started) / calls


def sequential(base_url: str, rounds: int, calls: int) -> dict[str, float]:
    cid, mid, jwt, socket = open_chat(base_url)
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

    sdk_run()
    raw_run()  # warm both pools
    sdk_times, raw_times = [], []
    for _ in range(rounds):
        sdk_times.append(timed(sdk_run, calls))
        raw_times.append(timed(raw_run, calls))
    client.close()
    raw.close()
    socket.close()
    return summary(sdk_times, raw_times)


def concurrent(base_url: str, rounds: int, concurrency: int) -> dict[str, float]:
    cid, mid, jwt, socket = open_chat(base_url)
    url = f"{base_url}/api/v2/webchat/guest/conversations/{cid}/members/{mid}/messages"
    headers = {
        "Authorization": f"Bearer {jwt}",
        "Content-Type": "application/json",
        "Accept": "application/json",
    }

    async def main() -> dict[str, float]:
        client = AsyncApiClient(base_url, jwt=jwt, retry=RetryPolicy.disabled())
        api = AsyncWebChatApi(client)
        raw = httpx2.AsyncClient(timeout=16.0)

        async def sdk_send(n: int) -> None:
            await api.post_webchat_guest_conversation_member_messages(
                cid, mid, {"body": f"sdk {n}"}
            )

        async def raw_send(n: int) -> None:
            body = json.dumps({"body": f"raw {n}"}).encode()
            response = await raw.post(url, content=body, headers=headers)
            response.raise_for_status()
            response.json()

        async def batch(send: Callable[[int], Any]) -> tuple[float, float]:
            started, cpu_started = time.perf_counter(), time.process_time()
            await asyncio.gather(*(send(n) for n in range(concurrency)))
            wall = (time.perf_counter() - started) / concurrency
            return wall, (time.process_time() - cpu_started) / concurrency

        await batch(sdk_send)
        await batch(raw_send)
        sdk_times, raw_times = [], []
        for _ in range(rounds):
            sdk_times.append(await batch(sdk_send))
            raw_times.append(await batch(raw_send))
        await client.aclose()
        await raw.aclose()
        return summary(sdk_times, raw_times)

    try:
        return asyncio.run(main())
    finally:
        socket.close()


def summary(
    sdk_times: list[tuple[float, float]], raw_times: list[tuple[float, float]]
) -> dict[str, float]:
    sdk = statistics.median(wall for wall, _ in sdk_times)
    raw = statistics.median(wall for wall, _ in raw_times)
    sdk_cpu = statistics.median(cpu for _, cpu in sdk_times)
    raw_cpu = statistics.median(cpu for _, cpu in raw_times)
    return {
        "sdk_median_ms_per_call": sdk * 1000,
        "raw_median_ms_per_call": raw * 1000,
        "ratio": sdk / raw,
        "sdk_calls_per_second": 1 / sdk,
        "raw_calls_per_second": 1 / raw,
        "sdk_client_cpu_ms_per_call": sdk_cpu * 1000,
        "raw_client_cpu_ms_per_call": raw_cpu * 1000,
        "client_cpu_ratio": sdk_cpu / raw_cpu,
        "sdk_ms_per_call_range": [
            min(w for w, _ in sdk_times) * 1000,
            max(w for w, _ in sdk_times) * 1000,
        ],
        "raw_ms_per_call_range": [
            min(w for w, _ in raw_times) * 1000,
            max(w for w, _ in raw_times) * 1000,
        ],
        "rounds": len(sdk_times),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--results", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()

    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    server = context.Process(target=serve, args=(theirs,), daemon=True)
    server.start()
    try:
        base_url = ours.recv()
        results = {
            "sequential": sequential(base_url, args.rounds, args.calls),
            "async_concurrent": concurrent(base_url, args.rounds, args.concurrency),
        }
    finally:
        ours.send("stop")
        server.join(10)
    print(
        f"{'case':18} {'SDK ms/call':>12} {'raw ms/call':>12} {'ratio':>7} "
        f"{'SDK cpu ms':>11} {'raw cpu ms':>11} {'cpu ratio':>10}"
    )
    for name, figures in results.items():
        print(
            f"{name:18} {figures['sdk_median_ms_per_call']:12.3f} "
            f"{figures['raw_median_ms_per_call']:12.3f} {figures['ratio']:7.3f} "
            f"{figures['sdk_client_cpu_ms_per_call']:11.3f} "
            f"{figures['raw_client_cpu_ms_per_call']:11.3f} {figures['client_cpu_ratio']:10.3f}"
        )
    met = all(figures["ratio"] <= TARGET_RATIO for figures in results.values())
    print(f"target ratio <= {TARGET_RATIO}: {'met' if met else 'MISSED'}")
    out = args.results
    out.mkdir(parents=True, exist_ok=True)
    arguments = {
        key: str(value) if isinstance(value, Path) else value for key, value in vars(args).items()
    }
    payload = {"python": sys.version.split()[0], "arguments": arguments, "results": results}
    (out / "sdk.json").write_text(json.dumps(payload, indent=2))


if __name__ == "__main__":
    main()
