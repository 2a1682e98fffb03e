"""How the CLI writes to the terminal: coloured with rich on a terminal, plain text otherwise.

Rich already drops colour when the output is not a terminal (and honours ``NO_COLOR``); plain
output also keeps long lines whole, so scripts can grep them.
"""

from __future__ import annotations

import sys
from datetime import datetime

from rich.console import Console
from rich.theme import Theme

THEME = Theme(
    {
        "guest": "bold green",
        "agent": "bold cyan",
        "bot": "bold magenta",
        "system": "dim",
        "step": "bold",
        "ok": "green",
        "warn": "yellow",
        "failure": "bold red",
        "url": "underline blue",
    }
)


def make_console(*, stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    return Console(
        theme=THEME,
        stderr=stderr,
        highlight=False,
        soft_wrap=not stream.isatty(),
    )


def clock(moment: datetime) -> str:
    """A timestamp as the local wall clock, to the second."""
    return moment.astimezone().strftime("%H:%M:%S")


ROLE_STYLES = {"CUSTOMER": "guest", "AGENT": "agent", "WORKFLOW": "bot", "ACD": "system"}


def role_style(role: str | None) -> str:
    return ROLE_STYLES.get(str(role or ""), "agent")
