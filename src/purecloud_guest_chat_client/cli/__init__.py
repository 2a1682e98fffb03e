"""The ``guestchat`` command: ``demo``, ``chat``, ``serve``, ``transcript`` and ``load``."""

from __future__ import annotations

import sys

CLI_EXTRA_MODULES = ("typer", "click", "rich", "prompt_toolkit")
"""What the ``cli`` extra installs."""


def missing_cli_extra(module: str) -> str:
    """The one line for a command run without the ``cli`` extra, as httpx's command says it."""
    return (
        f"guestchat needs the cli extra ({module} is not installed): "
        "pip install 'purecloud-guest-chat-client[cli]'"
    )


def main() -> None:
    """The console-script entry point.

    Every failure ends as one line on standard error: a missing extra, a usage error (exit 2) and
    whatever a command reports itself (see ``_errors``).
    """
    try:
        # Every command prints through rich, though its module is only imported when it runs.
        import rich  # noqa: F401
        import typer

        from .app import app
    except ModuleNotFoundError as exc:
        _exit_if_the_cli_extra_is_missing(exc)
        raise
    from ._errors import EXIT_INTERRUPTED, EXIT_USAGE, ClickError, UsageError

    try:
        status = app(prog_name="guestchat", standalone_mode=False)
    except ModuleNotFoundError as exc:
        _exit_if_the_cli_extra_is_missing(exc)
        raise
    except UsageError as exc:
        context = getattr(exc, "ctx", None)
        hint = f" (see '{context.command_path} --help')" if context is not None else ""
        print(f"error: {_message(exc)}{hint}", file=sys.stderr)
        sys.exit(EXIT_USAGE)
    except ClickError as exc:
        print(f"error: {_message(exc)}", file=sys.stderr)
        sys.exit(getattr(exc, "exit_code", 1))
    except typer.Abort:
        sys.exit(EXIT_INTERRUPTED)
    sys.exit(status if isinstance(status, int) else 0)


def _exit_if_the_cli_extra_is_missing(exc: ModuleNotFoundError) -> None:
    missing = (exc.name or "").partition(".")[0]
    if missing in CLI_EXTRA_MODULES:
        print(f"error: {missing_cli_extra(missing)}", file=sys.stderr)
        sys.exit(1)


def _message(exc: Exception) -> str:
    """click's message on one line (it names the option, as ``--port``)."""
    format_message = getattr(exc, "format_message", None)
    text = format_message() if callable(format_message) else str(exc)
    return " ".join(str(text).split())
