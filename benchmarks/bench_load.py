"""Capacity: ``guestchat load`` in one process against the local service in another.

The service runs as ``python -m purecloud_guest_chat_client.emulator`` with an instant echo agent,
no rate limit and room for every guest's connections; ``guestchat load`` holds the guests, each
sending a message every ``--think`` seconds after the previous answer, and checks every message.
The service's CPU is sampled from /proc beside the load generator's own figures, so the report
tells which side ran out first.

    python benchmarks/bench_load.py [--guests 2000] [--ramp 30] [--duration 90] [--think 5]

Writes benchmarks/results/load.json (``guestchat load``'s results.json plus the service's CPU)
and its plots under benchmarks/results/load/.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _start_service(db: Path, guests: int) -> tuple[subprocess.Popen[str], str]:
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable, "-m", "purecloud_guest_chat_client.emulator", "--port", str(port),
            "--db", str(db), "--agent-join-delay", "0", "--agent-reply-delay", "0",
            "--rate-limit", "0", "--max-connections", str(2 * guests + 100),
            "--log-level", "warning",
        ],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process, base_url
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the service did not start: {process.communicate()[0]}") from None
            time.sleep(0.1)


class _ServiceCpu(threading.Thread):
    """Samples the service's CPU once a second while the load runs."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.shares: list[float] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        last, at = _cpu_seconds(self.pid), time.monotonic()
        while not self.stopping.wait(1.0):
            now, moment = _cpu_seconds(self.pid), time.monotonic()
            self.shares.append((now - last) / (moment - at))
            last, at = now, moment


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guests", type=int, default=2000)
    parser.add_argument("--ramp", type=float, default=30.0)
    parser.add_argument("--duration", type=float, default=90.0)
    parser.add_argument("--think", default="5")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where to write")
    args = parser.parse_args()
    out: Path = args.results / "load"
    with tempfile.TemporaryDirectory(prefix="guestchat-bench-") as folder:
        service, base_url = _start_service(Path(folder) / "load.db", args.guests)
        sampler = _ServiceCpu(service.pid)
        sampler.start()
        try:
            load = subprocess.run(
                [
                    sys.executable, "-m", "purecloud_guest_chat_client.cli", "load",
                    "--environment", base_url, "--guests", str(args.guests),
                    "--concurrency", str(args.guests), "--ramp", str(args.ramp),
                    "--duration", str(args.duration), "--think", args.think, "--out", str(out),
                ],
                capture_output=True, text=True, check=False,
                env={**os.environ, "NO_COLOR": "1", "COLUMNS": "120"},
                timeout=args.ramp + args.duration + 600,
            )  # fmt: skip
        finally:
            sampler.stopping.set()
            sampler.join()
            service.send_signal(signal.SIGTERM)
            service.wait(15)
    print(load.stdout)
    if load.returncode not in (0, 1) or not (out / "results.json").is_file():
        print(load.stderr, file=sys.stderr)
        return 1
    figures: dict[str, Any] = json.loads((out / "results.json").read_text())
    shares = sorted(sampler.shares)
    figures["service"] = {
        "cpuMeanShareOfOneCore": round(sum(shares) / len(shares), 3) if shares else None,
        "cpuMaxShareOfOneCore": round(shares[-1], 3) if shares else None,
    }
    figures["loadExitStatus"] = load.returncode
    # Steady state: from the end of the ramp to the moment the guests stop sending.
    steady = [
        row["received"]
        for row in figures.pop("perSecond")
        if args.ramp <= row["second"] < args.duration - 1
    ]
    # The mean, not the median: a guest's answers come in clumps, so single seconds spread both
    # ways around the rate offered, and the mean is what the service kept up with.
    figures["steadyAnswersPerSecond"] = round(sum(steady) / len(steady), 1) if steady else None
    think_low, _, think_high = args.think.partition("..")
    mean_think = (float(think_low) + float(think_high or think_low)) / 2
    figures["offeredPerSecond"] = round(args.guests / mean_think, 1) if mean_think else None
    (args.results / "load.json").write_text(json.dumps(figures, indent=2) + "\n")
    service_cpu = figures["service"]["cpuMeanShareOfOneCore"]
    print(f"service CPU: {service_cpu:.0%} of a core on average" if shares else "")
    print(f"written to {args.results / 'load.json'}")
    return 0 if re.search(r"\b0 lost, 0 duplicated\b", load.stdout) else 1


if __name__ == "__main__":
    sys.exit(main())
