"""The ``guestchat`` command: ``demo``, ``chat``, ``serve``, ``transcript`` and ``load``."""

from __future__ import annotations


def main() -> None:
    """The console-script entry point."""
    from .app import app

    app(prog_name="guestchat")
