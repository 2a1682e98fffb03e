"""``guestchat serve``: run the local Guest Chat service in the foreground."""

from __future__ import annotations

import inspect
import logging
import sqlite3
import sys
from typing import Annotated, Any

import typer

from ..emulator.command_line import (
    LOG_LEVEL,
    SERVICE_OPTIONS,
    OptionError,
    ServiceOption,
    settings_from,
)
from ..models.protocol import CONTROL_PREFIX, GUEST_API_PREFIX
from ._errors import CliError, UsageError, report_failures
from ._options import ShowVersion

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def serve_command(**values: Any) -> None:
    """Run the local Guest Chat service until Ctrl-C or SIGTERM.

    It serves the guest REST API under `{guest_api}`, the event stream at the
    `eventStreamUri` it hands out, the agent-side control API under `{control_api}`, a browser
    agent console at `/console` and its OpenAPI document at `/openapi.json`. It prints its base
    URL when it is ready. `python -m purecloud_guest_chat_client.emulator` takes the same
    options.

    **Examples**

    * `guestchat serve` : echo agent on http://127.0.0.1:8080, chats in a temporary database

    * `guestchat serve --port 0 --db chats.sqlite` : any free port, chats kept across restarts

    * `guestchat serve --agent manual` : you play the agents, in the browser at /console

    * `guestchat serve --agent script:agent.toml --heartbeat 5` : a scripted agent

    * `guestchat serve --agent-join-delay 0 --agent-reply-delay 0 --rate-limit 0` : an instant
    agent and no rate limit, as `guestchat load` embeds

    * `guestchat serve --log-level warning` : no request log, only problems

    * `GUESTCHAT_PORT=9000 guestchat serve` : options also come from GUESTCHAT_* variables
    """
    with report_failures():
        try:
            settings = settings_from(values)
        except OptionError as exc:
            if exc.flag is None:
                raise UsageError(exc.reason) from None
            raise typer.BadParameter(exc.reason, param_hint=f"'{exc.flag}'") from None
        _configure_logging(values[LOG_LEVEL.name])
        from ..emulator import run_server

        try:
            run_server(settings, announce=_announce)
        except sqlite3.DatabaseError as exc:
            raise CliError(f"--db {settings.db_path}: {exc}") from exc


# The help names the paths from their one home.
serve_command.__doc__ = (serve_command.__doc__ or "").format(
    guest_api=GUEST_API_PREFIX, control_api=CONTROL_PREFIX
)


def _parameter(option: ServiceOption) -> inspect.Parameter:
    def parse(value: Any) -> Any:
        try:
            return option.parse(value)
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None

    shown = option.default not in (None, ())
    declared = typer.Option(
        option.flag,
        envvar=option.envvar,
        parser=parse,
        metavar=option.metavar,
        help=option.help,
        show_default=shown,
        rich_help_panel=option.panel,
    )
    return inspect.Parameter(
        option.name,
        inspect.Parameter.KEYWORD_ONLY,
        annotation=Annotated[list[str] if option.repeatable else str, declared],
        default=option.default if shown else None,
    )


# typer reads a command's options from its signature; this one is built from the table.
serve_command.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [
        *(_parameter(option) for option in SERVICE_OPTIONS),
        inspect.Parameter(
            "version", inspect.Parameter.KEYWORD_ONLY, annotation=ShowVersion, default=False
        ),
    ]
)


def _configure_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format=LOG_FORMAT, force=True)
    # uvicorn narrates its own start-up and shutdown at info ("Started server process",
    # "Waiting for application startup"); beside the service's URL lines that is noise, so its
    # loggers speak only of problems unless everything was asked for.
    if level != "debug":
        logging.getLogger("uvicorn").setLevel(logging.WARNING)


def _announce(base_url: str) -> None:
    typer.echo(f"Guest Chat service listening on {base_url}")
    typer.echo(f"Control API: {base_url}{CONTROL_PREFIX}")
    typer.echo(f"Agent console: {base_url}/console")
    typer.echo(f"Chat with it: guestchat chat --environment {base_url}  (Ctrl-C stops the service)")
    sys.stdout.flush()
