"""The ``guestchat`` application: the root options and the commands, one module each."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping, MutableMapping
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup
from typer.main import get_command_from_info
from typer.models import CommandInfo

from ._errors import run_options
from ._options import ShowVersion

if TYPE_CHECKING:
    # typer carries its own copy of click (older versions use click itself).
    from typer._click import Command

COMMANDS: Mapping[str, tuple[str, str]] = {
    "demo": ("demo", "demo_command"),
    "chat": ("chat", "chat_command"),
    "serve": ("serve", "serve_command"),
    "transcript": ("transcript", "transcript_command"),
    "load": ("load", "load_command"),
}
"""Each command, in the order of the help: its module and its function."""


class _CommandsOnDemand(MutableMapping[str, "Command"]):
    """The commands, each made from its module when it is first looked up: a command run loads
    what it needs and not what the others need (the session and Web Messaging clients, the
    emulator, the load generator), which is most of the start-up time of a short command."""

    def __init__(self) -> None:
        self._made: dict[str, Command] = {}

    def __getitem__(self, name: str) -> Command:
        if name not in self._made:
            module, function = COMMANDS[name]
            callback = getattr(importlib.import_module(f".{module}", __package__), function)
            self._made[name] = get_command_from_info(
                CommandInfo(name, callback=callback),
                pretty_exceptions_short=app.pretty_exceptions_short,
                rich_markup_mode=app.rich_markup_mode,
            )
        return self._made[name]

    def __setitem__(self, name: str, command: Command) -> None:
        raise TypeError(f"the commands are those of COMMANDS; cannot add {name!r}")

    def __delitem__(self, name: str) -> None:
        raise TypeError(f"the commands are those of COMMANDS; cannot remove {name!r}")

    def __iter__(self) -> Iterator[str]:
        return iter(COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS)

    def __contains__(self, name: object) -> bool:
        return name in COMMANDS


class _Guestchat(TyperGroup):
    def __init__(self, **attributes: Any) -> None:
        super().__init__(**attributes)
        self.commands = _CommandsOnDemand()


app = typer.Typer(
    name="guestchat",
    help=(
        "Hold a Genesys Cloud guest chat from the terminal, or run the local Guest Chat "
        "service.\n\n"
        "Start with `guestchat demo`: it plays a whole chat against an embedded local service."
    ),
    cls=_Guestchat,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)


@app.callback()
def root(
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            envvar="GUESTCHAT_DEBUG",
            help="Show the full traceback when something fails.",
        ),
    ] = False,
    version: ShowVersion = False,
) -> None:
    run_options.debug = debug
