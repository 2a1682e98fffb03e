"""How the CLI writes: to the terminal, coloured with rich on a terminal and plain text
otherwise; and files that hold a secret, readable by their owner only.

Rich already drops colour when the output is not a terminal (and honours ``NO_COLOR``); plain
output also keeps long lines whole, so scripts can grep them.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path

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


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` with mode 0600 from the moment the file exists (a saved chat
    state holds the guest's JWT)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(descriptor, "w", encoding="utf-8") as file:
        # O_CREAT's mode applies only to a new file; an existing one is narrowed here.
        os.chmod(path, 0o600)
        file.write(text)
