"""Every script in examples/ runs as it is, against an embedded local service, and says so."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
BOUND = 120.0
"""Seconds an example may run before the test gives up; a bound, not a speed assertion."""

# What each example prints when it has done its job. An example not listed here must still exit 0
# and print something.
EXPECTED = {
    "creating_a_chat.py": "Agent says: You said: Hello from the Python guest",
    "logging_configuration.py": "The guest's JWT appears nowhere in the log.",
    "config_file.py": "file edited: log level is now trace",
    "environments.py": "eu_west_1 -> https://api.mypurecloud.ie",
    "making_requests.py": "Message sent:",
    "extended_responses.py": "call_extended: 200",
    "proxy.py": "proxied: POST /api/v2/webchat/guest/conversations -> 200",
    "error_responses.py": "NotFoundError: status 404",
    "bot_guest.py": "Chat ended (guest-left)",
    "resume_chat.py": "Missed while away: ",
}
ARGUMENTS: dict[str, list[str]] = {}


def _scripts() -> list[str]:
    return sorted(path.name for path in EXAMPLES.glob("*.py") if not path.name.startswith("_"))


def test_every_section_of_the_guide_has_an_example() -> None:
    assert set(EXPECTED) <= set(_scripts())


@pytest.mark.parametrize("script", _scripts())
def test_example_runs(script: str, tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("GUESTCHAT_")}
    # Keep the examples away from the user's own SDK configuration file.
    env.update({"HOME": str(tmp_path), "USERPROFILE": str(tmp_path), "NO_COLOR": "1"})
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *ARGUMENTS.get(script, [])],
        capture_output=True,
        text=True,
        timeout=BOUND,
        cwd=tmp_path,
        env=env,
        check=False,
    )
    assert result.returncode == 0, f"{script} failed:\n{result.stdout}\n{result.stderr}"
    assert result.stdout.strip(), f"{script} printed nothing"
    if script in EXPECTED:
        assert EXPECTED[script] in result.stdout, result.stdout
    assert "Traceback" not in result.stderr
