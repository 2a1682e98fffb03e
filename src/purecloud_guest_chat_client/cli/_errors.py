"""One clear line on stderr and a non-zero exit for every failure, unless ``--debug`` is on.

A command line tool that answers a refused connection with forty lines of traceback hides the one
line that matters. Every command runs under :func:`report_failures`, which turns the project's
errors (and the usual OS errors) into ``error: <what happened>``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import typer

from ..emulator import MissingExtraError
from ..errors import APIConnectionError, ApiException, APITimeoutError, GuestChatError, ProxyError

EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

# click's UsageError and ClickException, found from the public BadParameter because typer now
# carries its own copy of click (and older versions use click itself).
UsageError: type[Exception]
ClickError: type[Exception]
UsageError, ClickError = typer.BadParameter.__mro__[1:3]


@dataclass
class RunOptions:
    """What the root command decided for the whole run."""

    debug: bool = False
    log_level: str | None = None
    """The SDK request log the command asked for (``--log-level``); None is "as --debug says"."""
    target: str | None = None
    """The server a command talks to, so a connection error can name it."""


run_options = RunOptions()


class CliError(Exception):
    """A failure the CLI itself detects (bad input file, missing option); shown as it is."""


def describe(exc: BaseException) -> str:
    """The one line that tells a user what went wrong. Never includes a JWT."""
    target = run_options.target or "the server"
    if isinstance(exc, ProxyError):
        # The SDK's message names the proxy and says the service was not reached.
        return str(exc)
    if isinstance(exc, APITimeoutError):
        return f"cannot reach {target}: timed out"
    if isinstance(exc, APIConnectionError):
        return f"cannot reach {target}: {_connection_reason(exc)}"
    if isinstance(exc, ApiException):
        code = exc.code or "no error code"
        message = exc.body.message if exc.body is not None and exc.body.message else ""
        line = f"{exc.status} {code}"
        if exc.operation:
            line = f"{exc.operation} failed: {line}"
        return f"{line}: {message}" if message else line
    if isinstance(exc, CliError | GuestChatError | ValueError | MissingExtraError):
        # Our own errors, and the input checks of every public entry point, name the problem.
        return str(exc)
    if isinstance(exc, FileNotFoundError):
        return f"no such file: {exc.filename}"
    if isinstance(exc, OSError):
        detail = exc.strerror or str(exc)
        return f"{exc.filename}: {detail}" if exc.filename else detail
    return f"{type(exc).__name__}: {exc}"


def _connection_reason(exc: BaseException) -> str:
    causes = list(_causes(exc))
    if any(isinstance(cause, ConnectionRefusedError) for cause in causes):
        return "connection refused"
    text = " ".join(str(cause) for cause in causes).lower()
    if "refused" in text:
        return "connection refused"
    if "name or service not known" in text or "nodename nor servname" in text:
        return "unknown host"
    if "unreachable" in text:
        return "network unreachable"
    return str(exc) or type(exc).__name__


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and what caused it, including the transport error an ApiException wraps."""
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        wrapped = getattr(current, "error", None)
        for cause in (current.__cause__, current.__context__, wrapped):
            if isinstance(cause, BaseException):
                pending.append(cause)


@contextmanager
def report_failures() -> Iterator[None]:
    """Run a command body; on failure print one line to stderr and exit non-zero."""
    try:
        yield
    except (typer.Exit, typer.Abort, SystemExit, ClickError):
        # Exits, and usage errors found while running, which the entry point prints.
        raise
    except KeyboardInterrupt:
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except Exception as exc:
        if run_options.debug:
            raise
        print(f"error: {describe(exc)}", file=sys.stderr)
        raise typer.Exit(EXIT_FAILURE) from None
