"""The README's Python snippets run as written, against the local service."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
SNIPPETS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
README_URL = "http://127.0.0.1:8080"


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
