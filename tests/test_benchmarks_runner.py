"""``python -m benchmarks --quick`` runs every benchmark beside its baseline and writes the
report; tiny sizes, and no assertion on any time."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


# Every benchmark runs, one after the other, each starting its own service: longer than the
# suite's default bound on a loaded machine; as long as the run itself is given.
@pytest.mark.timeout(420)
def test_the_quick_run_measures_everything_and_writes_the_report(tmp_path: Path) -> None:
    results, docs = tmp_path / "results", tmp_path / "docs"
    finished = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--results", str(results),
         "--docs", str(docs)],
        cwd=ROOT, capture_output=True, text=True, timeout=420, check=False,
    )  # fmt: skip
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    for name in ("import", "sdk", "service", "sessions", "load"):
        assert (results / f"{name}.json").is_file()
    report = (docs / "benchmarks.md").read_text()
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
