"""The Web Messaging benchmarks run, beside their baselines, at tiny sizes: each writes its figures
and the runner puts them in the report. No assertion on any time or rate."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

# Each test runs a benchmark in its own process, with its own service: on a loaded machine,
# longer than the suite's default bound.
pytestmark = pytest.mark.timeout(300)

ROOT = Path(__file__).resolve().parents[1]
WEB_MESSAGING_BENCHMARKS = ("wm-service", "wm-client", "wm-sessions")
"""The runner's names of the benchmarks here: each script runs at its own sizes, and the runner
runs wm-service with its quick arguments and reports the others from their scripts' figures."""


def _run(*arguments: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    finished = subprocess.run(
        [sys.executable, *arguments], cwd=ROOT, capture_output=True, text=True,
        timeout=timeout, check=False,
    )  # fmt: skip
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    return finished


def _report_only(results: Path, benchmark: str) -> list[str]:
    """The runner's report from ``benchmark``'s figures in ``results``: its rows."""
    docs = results / "docs"
    finished = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--report-only", "--results", str(results),
         "--docs", str(docs)],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    # The other benchmarks have no figures here: the runner says so and exits 1.
    assert finished.returncode in (0, 1), finished.stdout[-3000:] + finished.stderr[-3000:]
    assert f"{benchmark}: " not in finished.stderr, finished.stderr[-3000:]
    report = (docs / "benchmarks.md").read_text()
    return [line for line in report.splitlines() if line.startswith(f"| {benchmark} |")]


def _quick_service(results: Path) -> dict[str, Any]:
    _run(
        "benchmarks/bench_web_messaging_service.py", "--guests", "3", "--seconds", "0.3",
        "--runs", "2", "--results", str(results),
    )  # fmt: skip
    data: dict[str, Any] = json.loads((results / "web_messaging_service.json").read_text())
    return data


def test_the_service_benchmark_measures_both_apis_alike_and_loses_nothing(tmp_path: Path) -> None:
    data = _quick_service(tmp_path)
    assert set(data["summaries"]) == {"Guest Chat", "Web Messaging"}
    for api, runs in data["runs_by_api"].items():
        assert len(runs["throughput_runs"]) == 2 and len(runs["latency_runs"]) == 2, api
        for run in [*runs["throughput_runs"], *runs["latency_runs"]]:
            # Every text sent got its echo and the echo agent's reply.
            assert run["lost"] == 0, (api, run["lost_examples"])
            assert run["sent"] > 0
        for run in runs["throughput_runs"]:
            assert run["done"] == run["sent"]
            assert run["server_cpu_us_per_message"] > 0
    # Both APIs are measured at the same open-loop rate.
    rates = {s["latency_load_per_second"] for s in data["summaries"].values()}
    assert len(rates) == 1
    ratios = data["ratios_web_messaging_over_guest_chat"]
    for key in ("messages_per_second", "server_cpu_us_per_message", "echo_p50_ms"):
        assert ratios[key] is not None and ratios[key] > 0
    assert (tmp_path / "web_messaging_service_latency.png").read_bytes().startswith(b"\x89PNG")


def test_the_service_benchmark_refuses_sizes_that_measure_nothing(tmp_path: Path) -> None:
    finished = subprocess.run(
        [sys.executable, "benchmarks/bench_web_messaging_service.py", "--guests", "0",
         "--results", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert finished.returncode == 2
    assert "--guests" in finished.stderr
    assert not (tmp_path / "web_messaging_service.json").exists()


def test_the_runner_reports_web_messaging_beside_its_baselines(tmp_path: Path) -> None:
    results, docs = tmp_path / "results", tmp_path / "docs"
    finished = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--only", "wm-service",
         "--results", str(results), "--docs", str(docs)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    # The benchmarks left out have no earlier figures here, so the runner says they were not
    # run and exits 1; this one must not be among the failures.
    assert finished.returncode in (0, 1), finished.stdout[-3000:] + finished.stderr[-3000:]
    assert "wm-service: " not in finished.stderr, finished.stderr[-3000:]
    report = (docs / "benchmarks.md").read_text()
    assert "## Web Messaging" in report
    rows = [line for line in report.splitlines() if line.startswith("| wm-service |")]
    throughput = next(row for row in rows if "messages /s" in row)
    assert "| Guest Chat " in throughput and throughput.rstrip(" |").endswith("x")
    assert any("lost" in row and "| 0 / 0 |" in row for row in rows)
    plot = "web_messaging_service_latency.png"
    assert (docs / "benchmarks" / plot).read_bytes().startswith(b"\x89PNG")
    assert f"(benchmarks/{plot})" in report


def test_the_client_benchmark_sets_the_client_beside_raw_websockets(tmp_path: Path) -> None:
    _run(
        "benchmarks/bench_web_messaging_client.py", "--rounds", "2", "--messages", "6",
        "--concurrency", "3", "--profile", "--results", str(tmp_path),
    )  # fmt: skip
    data = json.loads((tmp_path / "web_messaging_client.json").read_text())
    assert data["target_ratio"] == 1.10
    for case in ("sequential", "concurrent"):
        figures = data["results"][case]
        # The rounds alternate: as many of one as of the other, each with a ratio.
        assert figures["rounds"] == 2 and len(figures["round_ratios"]) == 2
        for key in (
            "client_median_ms_per_message",
            "raw_median_ms_per_message",
            "ratio",
            "client_cpu_ms_per_message",
            "raw_cpu_ms_per_message",
        ):
            assert figures[key] > 0, (case, key)  # fmt: skip
    assert data["results"]["concurrent"]["sessions"] == 3
    profile = data["results"]["profile"]
    for side in ("client", "raw"):
        assert profile[side]["top_own_time"] and profile[side]["event_loop_turns_per_message"] > 0
    assert (tmp_path / profile["file"]).read_text().strip()
    rows = _report_only(tmp_path, "wm-client")
    assert any("raw websockets" in row and row.rstrip(" |").endswith("x") for row in rows), rows


def test_the_sessions_benchmark_measures_memory_latency_and_the_drops(tmp_path: Path) -> None:
    _run(
        "benchmarks/bench_web_messaging_sessions.py", "--sessions", "10", "--seconds", "3",
        "--memory-profile", "5", "--results", str(tmp_path),
    )  # fmt: skip
    data = json.loads((tmp_path / "web_messaging_sessions.json").read_text())
    assert data["sessions"] == 10 and data["rss_before_kib"] > 0 and data["rss_after_kib"] > 0
    assert data["calm"]["messages"] > 0 and data["calm"]["latency_p50_ms"] > 0
    rows = _report_only(tmp_path, "wm-sessions")
    assert any("10 WebMessagingClient sessions: RSS per session" in row for row in rows), rows
    drops = data["drops"]
    if "starved" in drops:
        # The clients' event loop stopped turning under the drops: the run says where, rather
        # than hanging; the memory and latency figures were measured before.
        assert any("webmessaging" in line for line in drops["starved"]["stack"])
        return
    # The first drop comes as the drop phase starts: at least one connection was cut, and
    # every message still arrived once, in order.
    assert drops["connections_dropped"] >= 1 and drops["messages"] > 0
    assert drops["lost"] == 0, drops["lost_examples"]
    assert drops["duplicated"] == 0
    assert drops["sessions_out_of_order"] == 0
    memory = data["memory_profile"]
    assert memory["sessions"] == 5 and memory["top_lines"]
