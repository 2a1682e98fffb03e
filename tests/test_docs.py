"""What the docs say about the control API and the environment variables is true."""

from __future__ import annotations

import re
from pathlib import Path

import httpx2
import pytest

from purecloud_guest_chat_client.emulator import LocalService

DOCS = Path(__file__).resolve().parents[1] / "docs"
LOCAL_SERVICE = (DOCS / "local-service.md").read_text(encoding="utf-8")
GUIDE = (DOCS / "guide.md").read_text(encoding="utf-8")
README = (DOCS.parent / "README.md").read_text(encoding="utf-8")
PARAMETER = re.compile(r"\{\w+\}")


def _normalised(text: str) -> str:
    return PARAMETER.sub("{}", text)


def test_the_control_api_table_lists_every_control_call(service: LocalService) -> None:
    document = httpx2.get(f"{service.base_url}/openapi.json", timeout=30).json()
    calls = [
        (method.upper(), _normalised(path))
        for path, operations in document["paths"].items()
        if path.startswith("/emulator/v1/")
        for method in operations
    ]
    assert ("GET", "/emulator/v1/health") in calls
    table_lines = [
        _normalised(line) for line in LOCAL_SERVICE.splitlines() if "/emulator/v1" in line
    ]
    for method, path in calls:
        ending = re.compile(re.escape(path) + r"(?=[`\s?])")
        assert any(ending.search(line) and f"`{method}" in line for line in table_lines), (
            f"{method} {path} is not in docs/local-service.md"
        )


def _commands() -> dict[str, dict[str, str | None]]:
    """Each command's options, long name to environment variable."""
    import typer.main

    from purecloud_guest_chat_client.cli.app import app

    group = typer.main.get_command(app)
    commands = getattr(group, "commands", {})
    return {
        name: {
            option: getattr(parameter, "envvar", None)
            for parameter in command.params
            for option in getattr(parameter, "opts", [])
            if option.startswith("--")
        }
        for name, command in commands.items()
    }


@pytest.mark.parametrize("page", [GUIDE, LOCAL_SERVICE], ids=["guide", "local-service"])
def test_every_option_variable_the_docs_name_is_read_by_that_option(page: str) -> None:
    named = re.findall(r"`(--[\w-]+)` `(GUESTCHAT_\w+)`", _one_line(page))
    assert named, "the docs name the options' variables"
    readers = {
        (option, envvar) for options in _commands().values() for option, envvar in options.items()
    }
    for option, envvar in named:
        assert (option, envvar) in readers, f"{option} does not read {envvar}"


def test_the_guide_names_every_variable_of_the_chatting_commands() -> None:
    commands = _commands()
    for command in ("demo", "chat", "load", "transcript"):
        for option, envvar in commands[command].items():
            if envvar:
                assert f"`{option}` `{envvar}`" in _one_line(GUIDE), f"{command} {option}"


def test_no_page_claims_that_every_option_reads_a_variable() -> None:
    for page in (GUIDE, LOCAL_SERVICE, README):
        assert "every option also reads" not in _one_line(page).lower()


def _one_line(text: str) -> str:
    return " ".join(text.split())
