"""The options several commands share, each with its ``GUESTCHAT_*`` environment variable."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from .. import __version__
from ._errors import run_options


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


def _check_environment(value: str | None) -> str | None:
    """Refuse a server the SDK could not use before the command prints or starts anything."""
    if value is None:
        return None
    from ..regions import resolve_environment

    if not value.strip():
        raise typer.BadParameter("must not be empty")
    try:
        resolve_environment(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    return value


def _environment_option(help: str) -> Any:
    return typer.Option(
        "--environment",
        "-e",
        envvar="GUESTCHAT_ENVIRONMENT",
        callback=_check_environment,
        help=help,
        show_default=False,
    )


Environment = Annotated[
    str | None,
    _environment_option(
        "Server to talk to: a region domain (mypurecloud.ie) or a URL "
        "(http://127.0.0.1:8080). Default: an embedded local service."
    ),
]
ChatEnvironment = Annotated[
    str | None,
    _environment_option(
        "Server the chat is on: a region domain (mypurecloud.ie) or a URL "
        "(http://127.0.0.1:8080). Default: the one in --state."
    ),
]
"""``transcript`` reads an existing chat, so it has no embedded service to fall back on."""
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


class ApiName(StrEnum):
    """The guest APIs (``GuestApi``), as the command line spells them."""

    guest_chat = "guest-chat"
    web_messaging = "web-messaging"


Api = Annotated[
    ApiName,
    typer.Option(
        "--api",
        case_sensitive=False,
        help=(
            "The guest API to chat over: guest-chat (ACD Web Chat v2) or web-messaging (the "
            "Messenger's Guest API, its successor)."
        ),
    ),
]


class SdkLogLevel(StrEnum):
    """The SDK's request-log levels (``LogLevel``), as the command line spells them."""

    trace = "trace"
    debug = "debug"
    error = "error"
    none = "none"


def _remember_log_level(value: SdkLogLevel | None) -> None:
    run_options.log_level = value.value if value is not None else None


LogLevel = Annotated[
    SdkLogLevel | None,
    typer.Option(
        "--log-level",
        envvar="GUESTCHAT_SDK_LOG_LEVEL",
        case_sensitive=False,
        callback=_remember_log_level,
        expose_value=False,
        help=(
            "Show the SDK's request log on standard error at this level. Default: none (debug "
            "with --debug), whatever the SDK configuration file says."
        ),
        show_default=False,
    ),
]
