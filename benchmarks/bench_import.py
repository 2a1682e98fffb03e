"""Import cost: wall time and peak RSS of a fresh interpreter importing the package.

Run: ``python benchmarks/bench_import.py [--runs 15]``. Prints a table and writes
``benchmarks/results/import.json``. Targets: the bare import within 0.15 s and 35 MiB.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

CASES = {
    "python (baseline)": "pass",
    "import purecloud_guest_chat_client": "import purecloud_guest_chat_client",
    "+ ApiClient, WebChatApi": "from purecloud_guest_chat_client import ApiClient, WebChatApi",
}
TARGET_SECONDS = 0.15
TARGET_MIB = 35.0


def measure(code: str) -> tuple[float, float]:
    """Wall seconds and peak RSS in MiB of one ``python -c code``."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", code])
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{code!r} failed with exit code {process.returncode}")
    peak_kib = usage.ru_maxrss  # KiB on Linux
    return elapsed, peak_kib / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    for name, code in CASES.items():
        measure(code)  # warm the file cache
        samples = [measure(code) for _ in range(args.runs)]
        results[name] = {
            "median_seconds": statistics.median(s for s, _ in samples),
            "median_peak_rss_mib": statistics.median(m for _, m in samples),
        }
    print(f"{'case':40} {'median wall (s)':>16} {'median peak RSS (MiB)':>22}")
    for name, figures in results.items():
        print(f"{name:40} {figures['median_seconds']:16.3f} {figures['median_peak_rss_mib']:22.1f}")
    package = results["import purecloud_guest_chat_client"]
    verdict = (
        package["median_seconds"] <= TARGET_SECONDS and package["median_peak_rss_mib"] <= TARGET_MIB
    )
    print(f"target <= {TARGET_SECONDS} s and {TARGET_MIB} MiB: {'met' if verdict else 'MISSED'}")
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    payload = {"runs": args.runs, "python": sys.version.split()[0], "results": results}
    (out / "import.json").write_text(json.dumps(payload, indent=2))


if __name__ == "__main__":
    main()
