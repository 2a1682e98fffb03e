"""The local Guest Chat service: the REST API, the event stream and a simulated contact centre.

Names load on first use, so importing the control client does not pull in the server, and a
name that needs the ``emulator`` extra says so when the extra is missing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy_exports import LazyExports

_EXPORTS = {
    "ServiceSettings": "settings",
    "LocalService": "service",
    "run_server": "service",
    # The control client lives with the SDK's clients; it is re-exported here, where users
    # have always imported it.
    "ControlClient": ".control_client",
    "AsyncControlClient": ".control_client",
    "ControlError": ".control_client",
}

EMULATOR_EXTRA_MODULES = ("starlette", "uvicorn", "jwt", "cryptography", "httptools")
"""What the ``emulator`` extra installs."""


class MissingExtraError(ImportError):
    """The local service was used without the ``emulator`` extra; the message says what to
    install."""


def _missing_extra(exc: ModuleNotFoundError) -> MissingExtraError | None:
    missing = (exc.name or "").partition(".")[0]
    if missing not in EMULATOR_EXTRA_MODULES:
        return None
    return MissingExtraError(
        f"the local service needs the emulator extra ({missing} is not installed): "
        "pip install 'purecloud-guest-chat-client[emulator]'",
        name=exc.name,
    )


_LAZY = LazyExports(
    __name__, _EXPORTS, defined_here=["MissingExtraError"], on_missing_module=_missing_extra
)
__all__ = _LAZY.all
if not TYPE_CHECKING:
    # Hidden from the type checker, which sees the imports below and so flags a misspelt name.
    __getattr__ = _LAZY.load
    __dir__ = _LAZY.names


if TYPE_CHECKING:
    from ..control_client import AsyncControlClient as AsyncControlClient
    from ..control_client import ControlClient as ControlClient
    from ..control_client import ControlError as ControlError
    from .service import LocalService as LocalService
    from .service import run_server as run_server
    from .settings import ServiceSettings as ServiceSettings
