"""The ``guestchat`` application: the root options and the commands, one module each."""

from __future__ import annotations

from typing import Annotated

import typer

from . import chat, demo, load, serve, transcript
from ._errors import run_options
from ._options import ShowVersion

app = typer.Typer(
    name="guestchat",
    help=(
        "Hold a Genesys Cloud guest chat from the terminal, or run the local Guest Chat "
        "service.\n\n"
        "Start with `guestchat demo`: it plays a whole chat against an embedded local service."
    ),
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


app.command("demo")(demo.demo_command)
app.command("chat")(chat.chat_command)
app.command("serve")(serve.serve_command)
app.command("transcript")(transcript.transcript_command)
app.command("load")(load.load_command)
