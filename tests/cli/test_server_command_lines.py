"""``guestchat serve`` and ``python -m …emulator`` are one command line: an option for every
``ServiceSettings`` field, with the same help, defaults and variables, turning the same input into
the same settings; and ``docs/local-service.md`` lists the same table."""

from __future__ import annotations

import dataclasses
import itertools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer.main

from purecloud_guest_chat_client.cli.app import app
from purecloud_guest_chat_client.emulator import ServiceSettings
from purecloud_guest_chat_client.emulator.__main__ import _parser
from purecloud_guest_chat_client.emulator.command_line import (
    LOG_LEVEL,
    SERVICE_OPTIONS,
    SETTING_OPTIONS,
    ServiceOption,
    settings_from,
)

from .conftest import BOUND, cli_env

LOCAL_SERVICE = Path(__file__).resolve().parents[2] / "docs" / "local-service.md"
EMULATOR = [sys.executable, "-m", "purecloud_guest_chat_client.emulator"]


@pytest.fixture(autouse=True)
def no_guestchat_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for option in SERVICE_OPTIONS:
        monkeypatch.delenv(option.envvar, raising=False)
    monkeypatch.setenv("COLUMNS", "2000")  # argparse's help on one line per option


def _serve_parameters() -> dict[str, Any]:
    serve = typer.main.get_command(app).commands["serve"]
    return {flag: parameter for parameter in serve.params for flag in parameter.opts}


def _from_serve(argv: list[str]) -> dict[str, Any]:
    serve = typer.main.get_command(app).commands["serve"]
    # A copy: click consumes the list it parses.
    params: dict[str, Any] = serve.make_context("serve", list(argv)).params
    return params


def _from_emulator(argv: list[str]) -> dict[str, Any]:
    return vars(_parser().parse_args(argv))


def test_every_setting_has_exactly_one_option() -> None:
    fields = [field.name for field in dataclasses.fields(ServiceSettings)]
    assert sorted(option.name for option in SETTING_OPTIONS) == sorted(fields)
    flags = [option.flag for option in SERVICE_OPTIONS]
    assert len(set(flags)) == len(flags)
    assert len({option.envvar for option in SERVICE_OPTIONS}) == len(flags)
    assert all(option.envvar.startswith("GUESTCHAT_") for option in SERVICE_OPTIONS)


@pytest.mark.parametrize("option", SERVICE_OPTIONS, ids=lambda option: option.flag)
def test_guestchat_serve_takes_the_option_with_its_help_and_variable(
    option: ServiceOption,
) -> None:
    parameter = _serve_parameters()[option.flag]
    assert parameter.envvar == option.envvar
    assert parameter.help == option.help
    assert parameter.metavar == option.metavar
    assert parameter.multiple == option.repeatable


@pytest.mark.parametrize("option", SERVICE_OPTIONS, ids=lambda option: option.flag)
def test_the_emulator_module_takes_the_option_with_its_help_and_variable(
    option: ServiceOption,
) -> None:
    shown = " ".join(_parser().format_help().split())
    assert f"{option.flag} {option.metavar} {option.help} [env var: {option.envvar}" in shown


def test_both_help_texts_list_every_option(run_cli: Any) -> None:
    serve = run_cli("serve", "--help")
    emulator = subprocess.run(
        [*EMULATOR, "--help"], capture_output=True, text=True, timeout=BOUND, env=cli_env()
    )
    assert serve.returncode == emulator.returncode == 0
    for option in SERVICE_OPTIONS:
        assert option.flag in serve.stdout and option.envvar in serve.stdout
        assert option.flag in emulator.stdout and option.envvar in emulator.stdout


def test_both_give_the_settings_defaults_when_no_option_is_given() -> None:
    assert settings_from(_from_serve([])) == ServiceSettings()
    assert settings_from(_from_emulator([])) == ServiceSettings()
    assert _from_serve([])[LOG_LEVEL.name] == _from_emulator([])[LOG_LEVEL.name] == "info"


def _samples(folder: Path) -> dict[str, list[str]]:
    """A value other than the default for each option, as the command line spells it."""
    config = folder / "centre.toml"
    config.write_text('[[queues]]\nname = "Support"\n', encoding="utf-8")
    token = folder / "token"
    token.write_text("t0ken-from-a-file\n", encoding="utf-8")
    script = folder / "bot.toml"
    script.write_text('[[rules]]\nmatch = ".*"\nreply = "ok"\n', encoding="utf-8")
    samples = {
        "host": ["127.0.0.2"],
        "db_path": [str(folder / "chats.sqlite")],
        "config_file": [str(config)],
        "public_url": ["https://chat.example.test/base"],
        "agent": [f"script:{script}"],
        "workflow_greeting": ["Welcome to Example"],
        "control_token": ["t0ken-on-the-command-line"],
        "control_token_file": [str(token)],
        "allowed_hosts": ["chat.example.test", "other.example.test"],
        "allowed_origins": ["http://localhost:3000", "https://example.test"],
        "log_level": ["WARNING"],
    }
    for option in SETTING_OPTIONS:
        if option.name not in samples:
            numeric = 7 if isinstance(option.default, int) else 0.25
            samples[option.name] = [str(numeric)]
    return samples


@pytest.mark.parametrize("option", SERVICE_OPTIONS, ids=lambda option: option.flag)
def test_an_option_or_its_variable_sets_the_same_value_in_both(
    option: ServiceOption, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    values = _samples(tmp_path)[option.name]
    argv = [part for value in values for part in (option.flag, value)]
    given = [_from_serve(argv), _from_emulator(argv)]
    monkeypatch.setenv(option.envvar, " ".join(values))
    given += [_from_serve([]), _from_emulator([])]
    if option is LOG_LEVEL:
        assert {values[LOG_LEVEL.name] for values in given} == {"warning"}
        return
    settings = [settings_from(values) for values in given]
    assert settings[0] != ServiceSettings()
    assert all(each == settings[0] for each in settings), settings
    expected = tuple(values) if option.repeatable else option.parse(values[0])
    assert getattr(settings[0], option.name) == expected


def test_a_repeatable_option_on_the_command_line_replaces_its_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GUESTCHAT_ALLOW_HOST", "from.environment.test")
    argv = ["--allow-host", "a.example.test", "--allow-host", "b.example.test"]
    for parsed in (_from_serve(argv), _from_emulator(argv)):
        assert settings_from(parsed).allowed_hosts == ("a.example.test", "b.example.test")


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--agent-join-delay", "-1"], "--agent-join-delay"),
        (["--rate-limit", "many"], "--rate-limit"),
        (["--port", "99999"], "--port"),
        (["--agent", "robot"], "--agent"),
        (["--public-url", "ftp://example.test"], "--public-url"),
        (["--log-level", "loud"], "--log-level"),
    ],
)
def test_both_refuse_a_bad_value_naming_the_option(
    argv: list[str], named: str, run_cli: Any
) -> None:
    serve = run_cli("serve", *argv)
    emulator = subprocess.run(
        [*EMULATOR, *argv], capture_output=True, text=True, timeout=BOUND, env=cli_env()
    )
    for result in (serve, emulator):
        assert result.returncode == 2, result.stderr
        last = result.stderr.strip().splitlines()[-1]
        assert "error" in last and named in last, result.stderr
        assert "Traceback" not in result.stderr


def _shown(default: Any) -> str:
    return json.dumps(default) if isinstance(default, str) else repr(default)


def test_the_docs_settings_table_is_the_option_table() -> None:
    page = LOCAL_SERVICE.read_text(encoding="utf-8")
    start = page.index("| setting | option and variable | default | meaning |")
    rows = list(itertools.takewhile(lambda line: line.startswith("|"), page[start:].splitlines()))
    expected = [
        f"| `{option.name}` | `{option.flag}` `{option.envvar}` | `{_shown(option.default)}` "
        f"| {option.help} |"
        for option in SETTING_OPTIONS
    ]
    assert rows[2:] == expected
