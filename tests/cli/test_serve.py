"""``guestchat serve`` starts, prints its URL, answers, and stops cleanly on SIGTERM or Ctrl-C;
``python -m …emulator`` reads the same options from the same variables."""

from __future__ import annotations

import io
import signal
import sys
from pathlib import Path

import httpx2
import pexpect
import pytest

from .conftest import COMMAND, cli_env

BOUND = 60.0
HEARTBEAT_AND_RATE_LIMIT = ("--heartbeat", "1", "--rate-limit", "7")
CREATE = {
    "organizationId": "org",
    "deploymentId": "dep",
    "routingTarget": {"targetType": "QUEUE", "targetAddress": "Chat Queue"},
    "memberInfo": {"displayName": "Curl"},
}


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_serve_answers_and_stops_cleanly(stop_signal: signal.Signals, tmp_path: Path) -> None:
    database = tmp_path / "chats.sqlite"
    child = pexpect.spawn(
        COMMAND[0],
        [*COMMAND[1:], "serve", "--port", "0", "--db", str(database), *HEARTBEAT_AND_RATE_LIMIT],
        env=cli_env(),
        encoding="utf-8",
        timeout=BOUND,
    )
    output = io.StringIO()
    child.logfile_read = output
    try:
        child.expect(r"http://127\.0\.0\.1:(\d+)")
        base_url = f"http://127.0.0.1:{child.match.group(1)}"
        created = httpx2.post(
            f"{base_url}/api/v2/webchat/guest/conversations",
            json=CREATE,
            timeout=BOUND,
        )
        assert created.status_code == 200
        assert created.headers["inin-ratelimit-allowed"] == "7"
        assert created.json()["eventStreamUri"].startswith("ws://127.0.0.1:")
        assert httpx2.get(f"{base_url}/openapi.json", timeout=BOUND).status_code == 200
        child.kill(stop_signal)
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0, (child.exitstatus, child.signalstatus)
    printed = output.getvalue()
    assert "Traceback" not in printed
    # The service's own lines and its request log, not uvicorn's start-up narration.
    assert "GET /openapi.json 200" in printed
    assert "Started server process" not in printed
    assert "application startup" not in printed
    assert database.exists()


def test_python_dash_m_emulator_reads_the_same_variables() -> None:
    child = pexpect.spawn(
        sys.executable,
        ["-m", "purecloud_guest_chat_client.emulator"],
        env=cli_env(GUESTCHAT_PORT="0", GUESTCHAT_RATE_LIMIT="7", GUESTCHAT_LOG_LEVEL="warning"),
        encoding="utf-8",
        timeout=BOUND,
    )
    try:
        child.expect(r"http://127\.0\.0\.1:(\d+)")
        base_url = f"http://127.0.0.1:{child.match.group(1)}"
        created = httpx2.post(
            f"{base_url}/api/v2/webchat/guest/conversations", json=CREATE, timeout=BOUND
        )
        assert created.status_code == 200
        assert created.headers["inin-ratelimit-allowed"] == "7"
        child.kill(signal.SIGTERM)
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0, (child.exitstatus, child.signalstatus)
