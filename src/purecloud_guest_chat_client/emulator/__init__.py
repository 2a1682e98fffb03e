"""The local Guest Chat service: the REST API, the event stream and a simulated contact centre.

Names load on first use, so importing the control client does not pull in the server, and a
name that needs the ``emulator`` extra says so when the extra is missing.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "ServiceSettings": "settings",
    "LocalService": "service",
    "run_server": "service",
    "ControlClient": "control",
    "AsyncControlClient": "control",
    "ControlError": "control",
}

EMULATOR_EXTRA_MODULES = ("starlette", "uvicorn", "jwt", "cryptography", "httptools")
"""What the ``emulator`` extra installs."""

__all__ = [*sorted(_EXPORTS), "MissingExtraError"]


class MissingExtraError(ImportError):
    """The local service was used without the ``emulator`` extra; the message says what to
    install."""


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        module = import_module(f"{__name__}.{module_name}")
    except ModuleNotFoundError as exc:
        missing = (exc.name or "").partition(".")[0]
        if missing not in EMULATOR_EXTRA_MODULES:
            raise
        raise MissingExtraError(
            f"the local service needs the emulator extra ({missing} is not installed): "
            "pip install 'purecloud-guest-chat-client[emulator]'",
            name=exc.name,
        ) from None
    value = getattr(module, name)
    globals()[name] = value
    return value


if TYPE_CHECKING:
    from .control import AsyncControlClient as AsyncControlClient
    from .control import ControlClient as ControlClient
    from .control import ControlError as ControlError
    from .service import LocalService as LocalService
    from .service import run_server as run_server
    from .settings import ServiceSettings as ServiceSettings
