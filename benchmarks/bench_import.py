"""Import cost: wall time and peak RSS of a fresh interpreter importing the package.

Beside it, in the same run: a bare interpreter, and the package's own dependencies imported bare
(what any client built on them pays), and, when they are installed, the vendor's peers: the
Python platform SDK (``PureCloudPlatformClientV2``) and, through node, the JS guest SDK
(``purecloud-guest-chat-client``) beside a bare node (found as ``vendor_peers.py`` says). A peer
that is not installed is reported as not installed.

The first real use, the import plus ``ApiClient()`` and ``WebChatApi(client)``, is measured too.
The cases run interleaved (one of each per round), so that a machine busy with something else
slows them all alike, and each figure is the median over the rounds. Every process starts with an
empty home directory, as a user without a configuration file has, and the package's bytecode is
compiled first, as installing it compiles it (and as the dependencies' is): with
``PYTHONDONTWRITEBYTECODE`` set, an editable checkout would otherwise be compiled on every run.

Run: ``python benchmarks/bench_import.py [--runs 15] [--results DIR]``. Prints a table and writes
``benchmarks/results/import.json``. Targets: the bare import within 0.15 s and 35 MiB, and the
first real use within 1.15x the bare dependencies, in wall time and in peak RSS.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from vendor_peers import (
    VENDOR_JS_PACKAGE,
    VENDOR_PYTHON_MODULE,
    locate,
    peer_environment,
    require_js_peer,
)

DEPENDENCIES = "bare dependencies (httpx2, websockets, pydantic)"
FIRST_USE = "first use: + ApiClient() and WebChatApi(client)"
PYTHON_CASES = {
    "python (baseline)": "pass",
    DEPENDENCIES: "import httpx2, websockets, pydantic",
    "import purecloud_guest_chat_client": "import purecloud_guest_chat_client",
    "+ ApiClient, WebChatApi": "from purecloud_guest_chat_client import ApiClient, WebChatApi",
    FIRST_USE: (
        "import purecloud_guest_chat_client as gc\n"
        "client = gc.ApiClient()\n"
        "api = gc.WebChatApi(client)\n"
        "client.close()"
    ),
}
VENDOR_PYTHON_CASE = f"vendor Python SDK: import {VENDOR_PYTHON_MODULE}"
TARGET_SECONDS = 0.15
TARGET_MIB = 35.0
TARGET_RATIO = 1.15


def measure(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS in MiB of one run of ``command``."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env)
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{command!r} failed with exit code {process.returncode}")
    peak_kib = usage.ru_maxrss  # KiB on Linux
    return elapsed, peak_kib / 1024


def cases(env: dict[str, str]) -> tuple[dict[str, list[str]], dict[str, str]]:
    """The commands to time, and what became of each optional peer."""
    commands = {name: [sys.executable, "-c", code] for name, code in PYTHON_CASES.items()}
    peers = locate(env)
    if peers.python:
        commands[VENDOR_PYTHON_CASE] = [sys.executable, "-c", f"import {VENDOR_PYTHON_MODULE}"]
    if peers.node is not None:
        commands["node (baseline)"] = [peers.node, "-e", ""]
        commands[f"vendor JS SDK: node require {VENDOR_JS_PACKAGE}"] = [
            peers.node,
            "-e",
            require_js_peer(),
        ]
    return commands, peers.status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--results", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()
    spec = importlib.util.find_spec("purecloud_guest_chat_client")
    assert spec is not None and spec.submodule_search_locations
    compileall.compile_dir(spec.submodule_search_locations[0], quiet=1)
    with tempfile.TemporaryDirectory() as home:
        env = peer_environment(home)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        commands, peers = cases(env)
        for command in commands.values():
            measure(command, env)  # warm the file cache
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():
                runs[name].append(measure(command, env))
    results: dict[str, dict[str, float]] = {
        name: {
            "median_seconds": statistics.median(s for s, _ in samples),
            "min_seconds": min(s for s, _ in samples),
            "max_seconds": max(s for s, _ in samples),
            "median_peak_rss_mib": statistics.median(m for _, m in samples),
        }
        for name, samples in runs.items()
    }
    print(f"{'case':52} {'median wall (s)':>16} {'median peak RSS (MiB)':>22}")
    for name, figures in results.items():
        print(f"{name:52} {figures['median_seconds']:16.3f} {figures['median_peak_rss_mib']:22.1f}")
    for peer, status in peers.items():
        print(f"{peer}: {status}")
    package = results["import purecloud_guest_chat_client"]
    verdict = (
        package["median_seconds"] <= TARGET_SECONDS and package["median_peak_rss_mib"] <= TARGET_MIB
    )
    print(f"target <= {TARGET_SECONDS} s and {TARGET_MIB} MiB: {'met' if verdict else 'MISSED'}")
    dependencies, first_use = results[DEPENDENCIES], results[FIRST_USE]
    ratios = {
        "wall": first_use["median_seconds"] / dependencies["median_seconds"],
        "peak_rss": first_use["median_peak_rss_mib"] / dependencies["median_peak_rss_mib"],
    }
    ratios_met = "met" if all(ratio <= TARGET_RATIO for ratio in ratios.values()) else "MISSED"
    print(
        f"first use / bare dependencies: wall {ratios['wall']:.2f}x, peak RSS "
        f"{ratios['peak_rss']:.2f}x (target <= {TARGET_RATIO}x: {ratios_met})"
    )
    out: Path = args.results
    out.mkdir(parents=True, exist_ok=True)
    payload = {
        "runs": args.runs,
        "python": sys.version.split()[0],
        "results": results,
        "first_use_over_dependencies": ratios,
        "peers": peers,
    }
    (out / "import.json").write_text(json.dumps(payload, indent=2))


if __name__ == "__main__":
    main()
