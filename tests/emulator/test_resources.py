"""Resources under abuse: file descriptors, connections and memory stay bounded, and a
legitimate guest is served meanwhile."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from .helpers import API, create_body

resource = pytest.importorskip("resource")

FILE_LIMIT = 256


@pytest.fixture
def scarce_service(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The service in its own process with only ``FILE_LIMIT`` file descriptors; yields its
    base URL and its log file."""
    log_path = tmp_path / "service.log"

    def limit_files() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (FILE_LIMIT, FILE_LIMIT))

    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-u", "-m", "purecloud_guest_chat_client.emulator", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=log,
            preexec_fn=limit_files,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            assert process.stdout is not None
            line = process.stdout.readline().decode()
            match = re.search(r"http://\S+", line)
            assert match, line + log_path.read_text()
            yield match.group(0), log_path
        finally:
            process.terminate()
            process.wait(15)


async def test_more_idle_sockets_than_file_descriptors_leave_a_guest_served(
    scarce_service: tuple[str, Path],
) -> None:
    base_url, log_path = scarce_service
    host, port = base_url.removeprefix("http://").split(":")
    sockets = []
    try:
        for _ in range(FILE_LIMIT + 50):
            sockets.append(await asyncio.open_connection(host, int(port)))
        await asyncio.sleep(1.0)  # the service accepts (and refuses) what it can
        async with httpx2.AsyncClient(base_url=base_url, timeout=15.0) as http:
            response = await http.post(API, json=create_body())
        assert response.status_code == 200, response.text
    finally:
        for _, writer in sockets:
            writer.close()
    log = log_path.read_text()
    assert "Traceback" not in log
    # A flood is reported at most once a second, not once per refused connection.
    assert log.count("\n") < 40, log[-3000:]
