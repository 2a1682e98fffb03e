"""``guestchat serve`` starts, prints its URL, answers, and stops cleanly on SIGTERM or Ctrl-C."""

from __future__ import annotations

import io
import signal
from pathlib import Path

import httpx2
import pexpect
import pytest

from .conftest import COMMAND, cli_env

BOUND = 60.0


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_serve_answers_and_stops_cleanly(stop_signal: signal.Signals, tmp_path: Path) -> None:
    database = tmp_path / "chats.sqlite"
    child = pexpect.spawn(
        COMMAND[0],
        [*COMMAND[1:], "serve", "--port", "0", "--db", str(database), "--heartbeat", "1"],
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
            json={
                "organizationId": "org",
                "deploymentId": "dep",
                "routingTarget": {"targetType": "QUEUE", "targetAddress": "Chat Queue"},
                "memberInfo": {"displayName": "Curl"},
            },
            timeout=BOUND,
        )
        assert created.status_code == 200
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
