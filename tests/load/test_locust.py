"""The documented locustfile, run by Locust itself: one master and two workers, headless, on
loopback, against the local service."""

from __future__ import annotations

import csv
import importlib.util
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from purecloud_guest_chat_client.emulator import ControlClient, LocalService

# Importing locust monkey-patches this process for gevent, which would break every other test's
# threads: look for it without importing it.
if importlib.util.find_spec("locust") is None:
    pytest.skip("locust is not installed (the [load] extra)", allow_module_level=True)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
LOCUSTFILE = EXAMPLES / "locustfile.py"
WEB_MESSAGING_LOCUSTFILE = EXAMPLES / "web_messaging_locustfile.py"
LOCUST_BY_ITSELF = [sys.executable, "-m", "locust"]
BOUND = 90.0
STEPS = ("create", "attach", "agent join", "send", "reply", "leave")
WEB_MESSAGING_STEPS = ("configure", "send", "reply", "leave")

# The runs end on what they have done, not after a fixed time, which a busy machine would turn into
# a run too short to reach every step: Locust's master stops the test once the stats show enough
# (or after half the tests' bound, and the counts then say what was missing).
STOP_AFTER = """
from locust import LoadTestShape


class StopAfter(LoadTestShape):
    users = {users}
    wanted = {wanted}

    def tick(self):
        done = all(
            self.runner.stats.get(name, kind).num_requests >= count
            for (kind, name), count in self.wanted.items()
        )
        return None if done or self.get_run_time() > {bound} else (self.users, self.users)
"""


def _stop_after(tmp_path: Path, users: int, request_type: str = "guestchat", **wanted: int) -> Path:
    """A shape that stops the run once each step of ``wanted`` (of ``request_type``) was done
    that often."""
    counts = {(request_type, name.replace("_", " ")): count for name, count in wanted.items()}
    return _stop_after_each(tmp_path, users, counts)


def _stop_after_each(tmp_path: Path, users: int, counts: dict[tuple[str, str], int]) -> Path:
    shape = tmp_path / "stop_after.py"
    shape.write_text(STOP_AFTER.format(users=users, wanted=counts, bound=BOUND / 2))
    return shape


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_a_master_and_two_workers_run_the_guest_without_a_failure(
    service: LocalService, tmp_path: Path
) -> None:
    port = _free_port()
    stats = tmp_path / "run"
    locustfiles = f"{LOCUSTFILE},{_stop_after(tmp_path, 4, reply=8)}"
    master = subprocess.Popen(
        [
            *LOCUST_BY_ITSELF,
            "-f",
            locustfiles,
            "--master",
            "--headless",
            "--master-bind-host",
            "127.0.0.1",
            "--master-bind-port",
            str(port),
            "--expect-workers",
            "2",
            "--host",
            service.base_url,
            "--csv",
            str(stats),
            "--only-summary",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    workers = [
        subprocess.Popen(
            [
                *LOCUST_BY_ITSELF,
                "-f",
                locustfiles,
                "--worker",
                "--master-host",
                "127.0.0.1",
                "--master-port",
                str(port),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        output, _ = master.communicate(timeout=BOUND)
        for worker in workers:
            worker.communicate(timeout=BOUND)
    finally:
        for process in (master, *workers):
            if process.poll() is None:
                process.kill()
                process.communicate()
    assert master.returncode == 0, output
    with (tmp_path / "run_stats.csv").open() as file:
        rows = {row["Name"]: row for row in csv.DictReader(file)}
    for step in STEPS:
        assert int(rows[step]["Request Count"]) > 0, (step, output)
    assert int(rows["Aggregated"]["Failure Count"]) == 0, output
    assert "lost" not in rows and "duplicated" not in rows
    assert int(rows["send"]["Request Count"]) == int(rows["reply"]["Request Count"])


FAST_GUEST = """
from locust import constant

from purecloud_guest_chat_client.load.locust import GuestChatUser


class Guest(GuestChatUser):
    wait_time = constant(0.1)
    messages_per_chat = 1000
"""


def _stats(path: Path) -> dict[str, dict[str, str]]:
    with path.open() as file:
        return {row["Name"]: row for row in csv.DictReader(file)}


def _headless(locustfiles: str, service: LocalService, stats: Path) -> subprocess.Popen[str]:
    """Locust alone, headless, against ``service``, its stats written under ``stats``."""
    return subprocess.Popen(
        [
            *LOCUST_BY_ITSELF,
            "-f",
            locustfiles,
            "--headless",
            "--host",
            service.base_url,
            "--csv",
            str(stats),
            "--only-summary",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_dropped_streams_are_reconnected_and_nothing_is_lost(
    service: LocalService, tmp_path: Path
) -> None:
    locustfile = tmp_path / "fast_guest.py"
    locustfile.write_text(FAST_GUEST)
    stats = tmp_path / "drops"
    runner = _headless(
        f"{locustfile},{_stop_after(tmp_path, 3, reconnect=3, reply=10)}", service, stats
    )
    try:
        with ControlClient(service.control_url) as control:
            deadline = time.monotonic() + BOUND
            dropped = 0
            while dropped < 3:
                if runner.poll() is not None:
                    pytest.fail(f"Locust stopped after {dropped} drops:\n{runner.communicate()[0]}")
                assert time.monotonic() < deadline, f"only {dropped} drops in {BOUND} s"
                time.sleep(0.5)
                dropped = control.set_faults(dropStreams={})["droppedStreams"]
        output, _ = runner.communicate(timeout=BOUND)
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.communicate()
    assert runner.returncode == 0, output
    rows = _stats(tmp_path / "drops_stats.csv")
    assert int(rows["reconnect"]["Request Count"]) >= 3, output
    assert int(rows["Aggregated"]["Failure Count"]) == 0, output
    assert int(rows["reply"]["Request Count"]) > 0
    assert "lost" not in rows and "duplicated" not in rows


PATIENT_GUEST = """
from locust import constant

from purecloud_guest_chat_client.load.locust import GuestChatUser


class Guest(GuestChatUser):
    wait_time = constant(0.1)
    timeout = 10.0
"""


def test_an_agent_who_joined_while_the_stream_was_away_is_seen(
    service_factory: Callable[..., LocalService], tmp_path: Path
) -> None:
    """The agent is alerted as the stream attaches; the guest looks up the agent's role (slowed
    by injected latency), its stream drops meanwhile, and the agent connects while no stream is
    attached. Only the member list can tell the guest, once it is back, that the agent is there."""
    service = service_factory(agent_join_delay=1.5)
    locustfile = tmp_path / "patient_guest.py"
    locustfile.write_text(PATIENT_GUEST)
    with ControlClient(service.control_url) as control:
        control.set_faults(latencyMs=3000)
        runner = _headless(
            f"{locustfile},{_stop_after(tmp_path, 1, reply=2)}", service, tmp_path / "away"
        )
        try:
            deadline = time.monotonic() + BOUND
            while not any(
                member.get("role") == "AGENT" and member.get("state") == "ALERTING"
                for conversation in control.conversations()
                for member in conversation["members"]
            ):
                assert runner.poll() is None, runner.communicate()[0]
                assert time.monotonic() < deadline, "no agent was alerted"
                time.sleep(0.05)
            assert control.set_faults(dropStreams={}, latencyMs=0)["droppedStreams"] == 1
            output, _ = runner.communicate(timeout=BOUND)
        finally:
            if runner.poll() is None:
                runner.kill()
                runner.communicate()
    assert runner.returncode == 0, output
    rows = _stats(tmp_path / "away_stats.csv")
    assert int(rows["agent join"]["Failure Count"]) == 0, output
    assert int(rows["reply"]["Request Count"]) >= 2, output


def _stats_by_type(path: Path) -> dict[tuple[str, str], dict[str, str]]:
    with path.open() as file:
        return {(row["Type"], row["Name"]): row for row in csv.DictReader(file)}


BOTH_APIS = """
from locust import constant

from purecloud_guest_chat_client.load.locust import GuestChatUser, WebMessagingUser


class Guest(GuestChatUser):
    wait_time = constant(0.1)
    messages_per_chat = 2


class Messenger(WebMessagingUser):
    messages_per_chat = 2
"""


def test_both_apis_run_side_by_side_without_a_failure(
    service: LocalService, tmp_path: Path
) -> None:
    """Guest Chat guests and Web Messaging guests in one Locust run, each message answered
    once, each conversation left and a new one started."""
    locustfile = tmp_path / "both_apis.py"
    locustfile.write_text(BOTH_APIS)
    wanted = {
        (kind, step): count
        for kind in ("guestchat", "webmessaging")
        for step, count in (("reply", 6), ("leave", 2))
    }
    shape = _stop_after_each(tmp_path, 4, wanted)
    runner = _headless(f"{locustfile},{shape}", service, tmp_path / "both")
    output, _ = runner.communicate(timeout=BOUND)
    assert runner.returncode == 0, output
    rows = _stats_by_type(tmp_path / "both_stats.csv")
    for step in STEPS:
        assert int(rows[("guestchat", step)]["Request Count"]) > 0, (step, output)
    for step in WEB_MESSAGING_STEPS:
        assert int(rows[("webmessaging", step)]["Request Count"]) > 0, (step, output)
    assert int(rows[("", "Aggregated")]["Failure Count"]) == 0, output
    names = {name for _, name in rows}
    assert "lost" not in names and "duplicated" not in names


FAST_MESSENGER = """
from purecloud_guest_chat_client.load.locust import WebMessagingUser


class Messenger(WebMessagingUser):
    messages_per_chat = 1000
"""


def test_web_messaging_connections_dropped_are_reopened_and_nothing_is_lost(
    service: LocalService, tmp_path: Path
) -> None:
    locustfile = tmp_path / "fast_messenger.py"
    locustfile.write_text(FAST_MESSENGER)
    shape = _stop_after(tmp_path, 3, "webmessaging", reconnect=3, reply=10)
    runner = _headless(f"{locustfile},{shape}", service, tmp_path / "drops")
    try:
        with ControlClient(service.control_url) as control:
            deadline = time.monotonic() + BOUND
            dropped = 0
            while dropped < 3:
                if runner.poll() is not None:
                    pytest.fail(f"Locust stopped after {dropped} drops:\n{runner.communicate()[0]}")
                assert time.monotonic() < deadline, f"only {dropped} drops in {BOUND} s"
                time.sleep(0.5)
                dropped = control.set_faults(dropStreams={})["droppedStreams"]
        output, _ = runner.communicate(timeout=BOUND)
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.communicate()
    assert runner.returncode == 0, output
    rows = _stats(tmp_path / "drops_stats.csv")
    assert int(rows["reconnect"]["Request Count"]) >= 3, output
    assert int(rows["Aggregated"]["Failure Count"]) == 0, output
    assert int(rows["reply"]["Request Count"]) > 0
    assert "lost" not in rows and "duplicated" not in rows
