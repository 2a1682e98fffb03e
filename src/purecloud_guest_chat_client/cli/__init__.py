"""The ``guestchat`` command."""


def main() -> None:
    raise SystemExit("guestchat: not built yet")
