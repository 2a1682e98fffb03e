"""docs/migrating-to-web-messaging.md: its Python runs as written against the local service, the
two bots print the same, and they differ only in the lines the guide says."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest

from purecloud_guest_chat_client.emulator import LocalService

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "migrating-to-web-messaging.md"
TEXT = GUIDE.read_text(encoding="utf-8")
SNIPPETS = re.findall(r"```python\n(.*?)```", TEXT, re.S)
OUTPUTS = re.findall(r"```text\n(.*?)```", TEXT, re.S)
GUIDE_URL = "http://127.0.0.1:8080"


def _run(snippet: str, service: LocalService, capsys: pytest.CaptureFixture[str]) -> str:
    assert GUIDE_URL in snippet, "the guide's snippets point at the default local service URL"
    code = compile(snippet.replace(GUIDE_URL, service.base_url), str(GUIDE), "exec")
    exec(code, {"__name__": "__guide__"})
    return capsys.readouterr().out


def test_the_guide_has_both_bots_and_their_output() -> None:
    assert len(SNIPPETS) >= 4
    assert "GuestChat.start(" in SNIPPETS[0] and "WebMessagingChat.start(" in SNIPPETS[1]
    assert len(OUTPUTS) == 1


def test_both_bots_print_what_the_guide_says(
    service: LocalService, capsys: pytest.CaptureFixture[str]
) -> None:
    printed = [_run(snippet, service, capsys) for snippet in SNIPPETS[:2]]
    assert printed[0] == printed[1] == OUTPUTS[0]


def test_the_bots_differ_only_in_the_import_and_the_start() -> None:
    # The deployment and the environment stay; the organization, the queue and the name go.
    changed = [
        (line[0], line[1:].strip())
        for line in difflib.unified_diff(
            SNIPPETS[0].splitlines(), SNIPPETS[1].splitlines(), lineterm="", n=0
        )
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    assert changed == [
        ("-", "from purecloud_guest_chat_client.session import ChatEnded, GuestChat"),
        ("+", "from purecloud_guest_chat_client.session import ChatEnded, WebMessagingChat"),
        ("-", "chat = await GuestChat.start("),
        ("-", '"my-org-id",'),
        ("+", "chat = await WebMessagingChat.start("),
        ("-", '"Support",'),
        ("-", '"Parcel bot",'),
    ]


@pytest.mark.parametrize("index", range(2, len(SNIPPETS)), ids=lambda index: f"snippet{index}")
def test_the_other_snippets_run(
    index: int, service: LocalService, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(SNIPPETS[index], service, capsys).strip()
