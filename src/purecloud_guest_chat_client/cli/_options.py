"""The options several commands share, each with its ``GUESTCHAT_*`` environment variable."""

from __future__ import annotations

from typing import Annotated

import typer

from .. import __version__


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"guestchat {__version__}")
        raise typer.Exit()


ShowVersion = Annotated[
    bool,
    typer.Option(
        "--version",
        callback=_print_version,
        is_eager=True,
        expose_value=False,
        help="Print the version and exit.",
    ),
]
"""Every command takes ``--version``, so that it works wherever a user types it."""

Environment = Annotated[
    str | None,
    typer.Option(
        "--environment",
        "-e",
        envvar="GUESTCHAT_ENVIRONMENT",
        help=(
            "Server to talk to: a region domain (mypurecloud.ie) or a URL "
            "(http://127.0.0.1:8080). Default: an embedded local service."
        ),
        show_default=False,
    ),
]
Organization = Annotated[
    str | None,
    typer.Option("--org", envvar="GUESTCHAT_ORG", help="Organization id.", show_default=False),
]
Deployment = Annotated[
    str | None,
    typer.Option(
        "--deployment", envvar="GUESTCHAT_DEPLOYMENT", help="Deployment id.", show_default=False
    ),
]
Queue = Annotated[
    str | None,
    typer.Option(
        "--queue", envvar="GUESTCHAT_QUEUE", help="Queue name to route to.", show_default=False
    ),
]
GuestName = Annotated[
    str,
    typer.Option("--name", envvar="GUESTCHAT_NAME", help="The guest's display name."),
]
Timeout = Annotated[
    float,
    typer.Option(
        "--timeout",
        envvar="GUESTCHAT_TIMEOUT",
        min=0.1,
        help="Seconds to wait for each HTTP request.",
    ),
]
