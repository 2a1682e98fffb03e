"""``guestchat load`` run as a user runs it: counts, files, bad options, failures and Ctrl-C."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from purecloud_guest_chat_client.emulator import ControlClient, LocalService

from .conftest import BOUND, COMMAND, RunCli, cli_env

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_a_brief_run_counts_every_message_and_writes_the_files(
    run_cli: RunCli, tmp_path: Path
) -> None:
    out = tmp_path / "results"
    result = run_cli("load", "-n", "4", "-c", "2", "-m", "3", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "guests: 4 of 4 completed, 0 failed" in result.stdout
    assert "messages: 12 sent, 12 answered, 0 lost, 0 duplicated" in result.stdout
    assert "retries: 0, reconnects: 0" in result.stdout
    for label in ("chat creation", "agent join", "reply", "p99"):
        assert label in result.stdout
    figures = json.loads((out / "results.json").read_text())
    assert figures["parameters"]["guests"] == 4
    assert figures["parameters"]["concurrency"] == 2
    assert figures["messages"]["sent"] == figures["messages"]["answered"] == 12
    assert figures["messages"]["lost"] == figures["messages"]["duplicated"] == 0
    assert figures["latency"]["reply"]["count"] == 12
    assert figures["latency"]["create"]["count"] == 4
    assert figures["machine"]["cpus"] >= 1
    for name in ("latency_over_time.png", "throughput_over_time.png", "latency_histogram.png"):
        assert (out / name).read_bytes().startswith(PNG_MAGIC)


def test_an_open_model_run_with_a_duration(run_cli: RunCli, service: LocalService) -> None:
    result = run_cli(
        "load",
        "-e",
        service.base_url,
        "--arrival-rate",
        "20",
        "-n",
        "6",
        "--duration",
        "1.5",
        "--think",
        "0.1..0.2",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 guests arriving at 20/s" in result.stdout
    assert "guests: 6 of 6 completed, 0 failed" in result.stdout
    assert ", 0 lost, 0 duplicated" in result.stdout


@pytest.mark.parametrize(
    ("options", "complaint"),
    [
        (["--concurrency", "2", "--arrival-rate", "3"], "--concurrency or --arrival-rate"),
        (["--messages", "2", "--duration", "3"], "--messages or --duration"),
        (["--think", "soon"], "think time must be seconds"),
        (["--think", "3..1"], "runs backwards"),
        (["--guests", "0"], "--guests"),
        (["--timeout", "-1"], "--timeout"),
    ],
)
def test_bad_options_are_refused_in_one_line(
    run_cli: RunCli, options: list[str], complaint: str
) -> None:
    result = run_cli("load", *options)
    assert result.returncode == 2
    assert complaint in result.stderr
    assert "Traceback" not in result.stderr
    assert "guests," not in result.stdout  # nothing ran


def test_guests_that_cannot_reach_the_service_fail_the_run(
    run_cli: RunCli, closed_port: int
) -> None:
    result = run_cli(
        "load", "--environment", f"http://127.0.0.1:{closed_port}", "--guests", "2", "-m", "1"
    )
    assert result.returncode == 1
    assert "guests: 0 of 2 completed, 2 failed" in result.stdout
    assert "errors: connection failed (2)" in result.stdout
    assert "Traceback" not in result.stderr


def test_ctrl_c_makes_every_guest_leave_and_prints_a_partial_summary(
    service: LocalService, tmp_path: Path
) -> None:
    out = tmp_path / "partial"
    process = subprocess.Popen(
        [
            *COMMAND,
            "load",
            "-e",
            service.base_url,
            "-n",
            "3",
            "-c",
            "3",
            "--duration",
            "60",
            "--think",
            "0.2",
            "--out",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(),
    )
    with ControlClient(service.control_url) as control:
        deadline = time.monotonic() + BOUND
        while len(_connected_guests(control)) < 3:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.1)
        time.sleep(0.5)  # a few messages go back and forth
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=BOUND)
        assert process.returncode == 130, stdout + stderr
        assert "stopping: every guest leaves its chat" in stdout
        assert "interrupted: partial figures" in stdout
        assert "3 interrupted" in stdout
        assert ", 0 lost, 0 duplicated" in stdout
        assert "Traceback" not in stderr
        assert _connected_guests(control) == []
        assert len(control.conversations()) == 3
    figures = json.loads((out / "results.json").read_text())
    assert figures["interrupted"] is True
    assert figures["messages"]["sent"] > 0


def _connected_guests(control: ControlClient) -> list[str]:
    return [
        member["id"]
        for conversation in control.conversations()
        for member in conversation["members"]
        if member["role"] == "CUSTOMER" and member["state"] == "CONNECTED"
    ]
