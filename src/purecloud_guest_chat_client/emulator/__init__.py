"""The local Guest Chat service: the REST API, the event stream and a simulated contact centre.

Names load on first use, so importing the control client does not pull in the server.
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

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module_name}"), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:
    from .control import AsyncControlClient as AsyncControlClient
    from .control import ControlClient as ControlClient
    from .control import ControlError as ControlError
    from .service import LocalService as LocalService
    from .service import run_server as run_server
    from .settings import ServiceSettings as ServiceSettings
