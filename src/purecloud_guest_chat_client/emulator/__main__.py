"""``python -m purecloud_guest_chat_client.emulator``: serve the local Guest Chat service.

Its options are ``guestchat serve``'s (both come from ``command_line``), in argparse, which
needs no ``cli`` extra.
"""

from __future__ import annotations

import argparse
import logging
import os
import sqlite3
import sys
from collections.abc import Sequence
from typing import Any

from . import MissingExtraError
from .command_line import SERVICE_OPTIONS, OptionError, ServiceOption, settings_from


def _parser() -> argparse.ArgumentParser:
    """Each option's default is its variable when set (argparse then parses that text as it
    parses the command line), else the setting's own default."""
    parser = argparse.ArgumentParser(
        prog="python -m purecloud_guest_chat_client.emulator",
        usage="%(prog)s [options]",
        description="Serve the local Guest Chat service (REST API, event stream, control API); "
        "the same as `guestchat serve`.",
    )
    panels = dict.fromkeys(option.panel for option in SERVICE_OPTIONS)
    groups = {panel: parser.add_argument_group(panel) for panel in panels}
    for option in SERVICE_OPTIONS:
        groups[option.panel].add_argument(
            option.flag,
            dest=option.name,
            type=_argument_type(option),
            default=_default(option),
            metavar=option.metavar,
            help=_help(option),
            action=_Repeated if option.repeatable else "store",
        )
    return parser


class _Repeated(argparse.Action):
    """Collects every use of a repeatable option; the first use replaces the default, as in
    ``guestchat serve``, rather than adding to the values from the variable."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        collected = getattr(namespace, self.dest)
        if not isinstance(collected, list):
            collected = []
            setattr(namespace, self.dest, collected)
        collected.append(values)


def _argument_type(option: ServiceOption) -> Any:
    def parse(value: str) -> Any:
        try:
            return option.parse(value)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


def _default(option: ServiceOption) -> Any:
    from_environment = os.environ.get(option.envvar)
    if from_environment is None:
        return option.default
    if option.repeatable:
        return tuple(from_environment.split())
    return from_environment


def _help(option: ServiceOption) -> str:
    shown = f"; default: {option.default}" if option.default not in (None, ()) else ""
    return f"{option.help} [env var: {option.envvar}{shown}]".replace("%", "%%")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        from . import run_server
    except MissingExtraError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        settings = settings_from(vars(args))
    except OptionError as exc:
        where = f"argument {exc.flag}: " if exc.flag else ""
        print(f"error: {where}{exc.reason}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=getattr(logging, args.log_level.upper()),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        run_server(settings)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except sqlite3.DatabaseError as exc:
        print(f"error: --db {args.db_path}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
