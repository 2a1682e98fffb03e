"""``python -m benchmarks --quick`` runs the benchmarks beside their baselines and writes the
report; tiny sizes, and no assertion on any time.

Every registered benchmark goes through the runner, with its quick arguments, once in the suite:
the Guest Chat ones and the abuse one here, in two runs that can go side by side, and the Web
Messaging ones in tests/test_web_messaging_benchmarks.py, which also runs each of their scripts
at its own sizes."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from .test_web_messaging_benchmarks import WEB_MESSAGING_BENCHMARKS

ROOT = Path(__file__).resolve().parents[1]
GUEST_CHAT_BENCHMARKS = ("import", "sdk", "service", "sessions", "load")


def _runner() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "benchmarks_runner", ROOT / "benchmarks" / "__main__.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


def quick_run(tmp_path: Path, *only: str) -> tuple[Path, Path, str]:
    """The quick run of ``only``: its results and docs directories, and its report."""
    results, docs = tmp_path / "results", tmp_path / "docs"
    selection = [argument for name in only for argument in ("--only", name)]
    finished = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", *selection, "--results", str(results),
         "--docs", str(docs)],
        cwd=ROOT, capture_output=True, text=True, timeout=420, check=False,
    )  # fmt: skip
    output = finished.stdout[-3000:] + finished.stderr[-3000:]
    # The benchmarks left out have no earlier figures here, so the runner says they were not
    # run and exits 1; none of those it ran may be among the failures.
    assert finished.returncode in (0, 1), output
    failed = [line for line in finished.stderr.splitlines() if line.split(": ")[0] in only]
    assert not failed, output
    return results, docs, (docs / "benchmarks.md").read_text()


def test_every_registered_benchmark_runs_in_the_suite_with_quick_arguments_its_script_takes() -> (
    None
):
    benchmarks = _runner().BENCHMARKS
    names = [benchmark.name for benchmark in benchmarks]
    assert sorted(names) == sorted([*GUEST_CHAT_BENCHMARKS, "abuse", *WEB_MESSAGING_BENCHMARKS])
    for benchmark in benchmarks:
        assert benchmark.quick, benchmark.name
        options = set(
            re.findall(r'"(--[a-z][a-z-]*)"', (ROOT / "benchmarks" / benchmark.script).read_text())
        )
        for argument in (*benchmark.quick, *benchmark.full):
            if argument.startswith("--"):
                assert argument in options, (benchmark.name, argument)


# Each benchmark starts its own service, one after the other: longer than the suite's default
# bound on a loaded machine; as long as the run itself is given.
@pytest.mark.timeout(420)
def test_the_quick_run_measures_everything_and_writes_the_report(tmp_path: Path) -> None:
    results, docs, report = quick_run(tmp_path, *GUEST_CHAT_BENCHMARKS)
    for name in GUEST_CHAT_BENCHMARKS:
        assert (results / f"{name}.json").is_file()
    assert "Quick mode" in report
    assert "| benchmark | measure | median | spread | baseline | ratio |" in report
    for expected in ("raw httpx2", "bare dependencies", "| service |", "| sessions |", "| load |"):
        assert expected in report
    # The vendor's SDKs are optional peers: measured when installed, said not to be otherwise.
    for benchmark in ("import", "sdk"):
        peers = json.loads((results / f"{benchmark}.json").read_text())["peers"]
        assert set(peers) == {"vendor Python SDK", "vendor JS SDK"}
        for peer, status in peers.items():
            line = next(line for line in report.splitlines() if line.startswith(f"- {peer}: "))
            assert status in line
            if status.startswith("not installed"):
                assert f"| sdk | {peer} send, sequential | {status} |" in report
            elif benchmark == "sdk" and status == "measured":
                assert f"| sdk | {peer} send, sequential: wall per call |" in report
                assert f"| sdk | {peer} create chat, sequential: wall per call |" in report
    for plot in ("sdk_vs_httpx2.png", "import.png", "service_latency.png"):
        assert (docs / "benchmarks" / plot).read_bytes().startswith(b"\x89PNG")
        assert f"(benchmarks/{plot})" in report
    # A quick run leaves the README's measured figures alone.
    assert "--quick" not in (ROOT / "README.md").read_text().split("## Performance")[1]


@pytest.mark.timeout(420)
def test_the_quick_run_measures_the_abuse_and_reports_it(tmp_path: Path) -> None:
    results, _, report = quick_run(tmp_path, "abuse")
    assert set(json.loads((results / "abuse.json").read_text())) == {
        "flood", "pings", "churn", "idle", "growth",
    }  # fmt: skip
    rows = [line for line in report.splitlines() if line.startswith("| abuse |")]
    assert any(
        "beside one flooding client" in row and row.rstrip(" |").endswith("x") for row in rows
    )
    assert any("streams opened and closed" in row for row in rows)
