"""``guestchat load --api web-messaging``: the same run, the same checks, over Web Messaging."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import RunCli


def test_a_brief_web_messaging_run_counts_every_message(run_cli: RunCli, tmp_path: Path) -> None:
    out = tmp_path / "results"
    result = run_cli(
        "load", "--api", "web-messaging", "-n", "4", "-c", "2", "-m", "3", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    assert "over Web Messaging" in result.stdout
    assert "guests: 4 of 4 completed, 0 failed" in result.stdout
    assert "messages: 12 sent, 12 answered, 0 lost, 0 duplicated" in result.stdout
    figures = json.loads((out / "results.json").read_text())
    assert figures["messages"]["lost"] == figures["messages"]["duplicated"] == 0
    assert figures["latency"]["reply"]["count"] == 12
    assert figures["latency"]["create"]["count"] == 4
    # Web Messaging announces no agent before its answer: there is no join to time.
    assert not figures["latency"]["agent_join"]


def test_web_messaging_guests_that_cannot_connect_fail_the_run(
    run_cli: RunCli, closed_port: int
) -> None:
    result = run_cli(
        "load",
        "--api",
        "web-messaging",
        "-e",
        f"http://127.0.0.1:{closed_port}",
        "-n",
        "2",
        "-c",
        "2",
        "--timeout",
        "5",
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "guests: 0 of 2 completed, 2 failed" in result.stdout
    assert "Traceback" not in result.stderr
