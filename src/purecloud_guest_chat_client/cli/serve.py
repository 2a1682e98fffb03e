"""``guestchat serve``: run the local Guest Chat service in the foreground."""

from __future__ import annotations

import logging
import sqlite3
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ._errors import CliError, report_failures
from ._options import ShowVersion

AGENT_HELP = (
    "Who answers the chats: `echo` (an agent joins and repeats each message), `manual` (agents "
    "join only through the control API) or `script:FILE` (a scripted agent)."
)

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class LogLevel(StrEnum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


def serve_command(
    host: Annotated[
        str, typer.Option("--host", envvar="GUESTCHAT_HOST", help="Address to listen on.")
    ] = "127.0.0.1",
    port: Annotated[
        int,
        typer.Option(
            "--port",
            envvar="GUESTCHAT_PORT",
            min=0,
            max=65535,
            help="Port to listen on; 0 picks a free one.",
        ),
    ] = 8080,
    db: Annotated[
        Path | None,
        typer.Option(
            "--db",
            envvar="GUESTCHAT_DB",
            dir_okay=False,
            help="SQLite file that keeps the chats. Default: a temporary file.",
            show_default=False,
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            envvar="GUESTCHAT_CONFIG",
            exists=True,
            dir_okay=False,
            help="TOML or JSON file with the service's settings (deployments, queues, agents).",
            show_default=False,
        ),
    ] = None,
    agent: Annotated[
        str, typer.Option("--agent", envvar="GUESTCHAT_AGENT", help=AGENT_HELP)
    ] = "echo",
    heartbeat: Annotated[
        float,
        typer.Option(
            "--heartbeat",
            envvar="GUESTCHAT_HEARTBEAT",
            min=0.05,
            help="Seconds between the event stream's heartbeats.",
        ),
    ] = 30.0,
    control_token: Annotated[
        str | None,
        typer.Option(
            "--control-token",
            envvar="GUESTCHAT_CONTROL_TOKEN",
            help="Require this token on the agent-side control API and console. A token given "
            "here shows in the process list; prefer --control-token-file or the variable.",
            show_default=False,
        ),
    ] = None,
    control_token_file: Annotated[
        Path | None,
        typer.Option(
            "--control-token-file",
            envvar="GUESTCHAT_CONTROL_TOKEN_FILE",
            exists=True,
            dir_okay=False,
            help="Read the control API's bearer token from this file.",
            show_default=False,
        ),
    ] = None,
    allow_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-host",
            help="A Host besides loopback that the control API and console answer (`*`: any). "
            "Repeatable.",
            show_default=False,
        ),
    ] = None,
    allow_origin: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-origin",
            help="A web page origin besides the service's own that may call the control API "
            "(such as `http://localhost:3000`; `*`: any). Repeatable.",
            show_default=False,
        ),
    ] = None,
    log_level: Annotated[
        LogLevel,
        typer.Option(
            "--log-level",
            envvar="GUESTCHAT_LOG_LEVEL",
            case_sensitive=False,
            help="`info` logs each request, `warning` only problems, `debug` everything.",
        ),
    ] = LogLevel.INFO,
    version: ShowVersion = False,
) -> None:
    """Run the local Guest Chat service until Ctrl-C or SIGTERM.

    It serves the guest REST API under `/api/v2/webchat/guest/...`, the event stream at the
    `eventStreamUri` it hands out, the agent-side control API under `/emulator/v1`, a browser
    agent console at `/console` and its OpenAPI document at `/openapi.json`. It prints its base
    URL when it is ready.

    **Examples**

    * `guestchat serve` : echo agent on http://127.0.0.1:8080, chats in a temporary database

    * `guestchat serve --port 0 --db chats.sqlite` : any free port, chats kept across restarts

    * `guestchat serve --agent manual` : you play the agents, in the browser at /console

    * `guestchat serve --agent script:agent.toml --heartbeat 5` : a scripted agent

    * `guestchat serve --log-level warning` : no request log, only problems

    * `GUESTCHAT_PORT=9000 guestchat serve` : options also come from GUESTCHAT_* variables
    """
    with report_failures():
        _check_agent(agent)
        _configure_logging(log_level)
        from ..emulator import ServiceSettings, run_server

        settings = ServiceSettings(
            host=host,
            port=port,
            db_path=db,
            config_file=config,
            agent=agent,
            heartbeat_seconds=heartbeat,
            control_token=control_token,
            control_token_file=control_token_file,
            allowed_hosts=tuple(allow_host or ()),
            allowed_origins=tuple(allow_origin or ()),
        )
        try:
            run_server(settings, announce=_announce)
        except sqlite3.DatabaseError as exc:
            raise CliError(f"--db {db}: {exc}") from exc


def _configure_logging(level: LogLevel) -> None:
    logging.basicConfig(level=level.upper(), format=LOG_FORMAT, force=True)
    # uvicorn narrates its own start-up and shutdown at info ("Started server process",
    # "Waiting for application startup"); beside the service's URL lines that is noise, so its
    # loggers speak only of problems unless everything was asked for.
    if level is not LogLevel.DEBUG:
        logging.getLogger("uvicorn").setLevel(logging.WARNING)


def _announce(base_url: str) -> None:
    typer.echo(f"Guest Chat service listening on {base_url}")
    typer.echo(f"Control API: {base_url}/emulator/v1")
    typer.echo(f"Agent console: {base_url}/console")
    typer.echo(f"Chat with it: guestchat chat --environment {base_url}  (Ctrl-C stops the service)")
    sys.stdout.flush()


def _check_agent(agent: str) -> None:
    if agent in ("echo", "manual"):
        return
    kind, _, script = agent.partition(":")
    if kind != "script" or not script:
        raise typer.BadParameter(
            f"must be echo, manual or script:FILE, not {agent!r}", param_hint="--agent"
        )
    if not Path(script).is_file():
        raise typer.BadParameter(f"script file not found: {script}", param_hint="--agent")
