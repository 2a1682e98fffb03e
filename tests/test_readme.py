"""The README's Python snippets run as written, against the local service."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
SNIPPETS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
README_URL = "http://127.0.0.1:8080"
CI_RUN = README.parent / ".ci" / "run"


def quick_start_commands() -> list[str]:
    quick_start = README.read_text(encoding="utf-8").split("## Quick start", 1)[1].split("\n## ")[0]
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", quick_start, re.S)]


def test_the_quick_start_is_two_commands_and_ci_runs_the_second_as_written() -> None:
    commands = quick_start_commands()
    assert len(commands) == 2 and all("\n" not in command for command in commands), commands
    assert "guestchat demo" in commands[0]
    assert commands[1] in CI_RUN.read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[f"snippet{i}" for i in range(len(SNIPPETS))])
def test_readme_snippet_runs(
    snippet: str, service: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert README_URL in snippet, "README snippets point at the default local service URL"
    # The default client is shared by the process; a fresh one keeps this test independent.
    from purecloud_guest_chat_client import ApiClient

    with ApiClient(service.base_url) as default_client:
        monkeypatch.setattr(ApiClient, "instance", default_client)
        exec(compile(snippet.replace(README_URL, service.base_url), str(README), "exec"), {})
    assert capsys.readouterr().out.strip()
