"""Names a package exports but imports only on first use (PEP 562).

A package keeps one table, name → module, and hands it to :class:`LazyExports`; the table is also
where ``__all__`` comes from. The type checker cannot follow the table, so the package repeats
each name as an ``X as X`` import under ``TYPE_CHECKING``; tests/test_package.py checks that
the two agree.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from importlib import import_module
from types import ModuleType
from typing import Any

ImportErrorHook = Callable[[ModuleNotFoundError], ImportError | None]
"""Turns a failed import into the error the user should see, or ``None`` to let it propagate."""


class LazyExports:
    """The loader for one package's lazily exported names.

    ``table`` maps each name to the module that defines it, relative to the package (a leading
    dot climbs one package further, as in a relative import). A name mapped to its own module
    path, like ``"models": "models"``, exports that module itself.
    """

    def __init__(
        self,
        package: str,
        table: Mapping[str, str],
        *,
        defined_here: Iterable[str] = (),
        on_missing_module: ImportErrorHook | None = None,
    ) -> None:
        self.package = package
        self.table = dict(table)
        self.all = sorted([*self.table, *defined_here])
        self._on_missing_module = on_missing_module

    def load(self, name: str) -> Any:
        """The package's module-level ``__getattr__``: imports ``name``'s module on first use."""
        module_path = self.table.get(name)
        if module_path is None:
            raise AttributeError(f"module {self.package!r} has no attribute {name!r}")
        module = self._import(module_path)
        value = module if name == module_path else getattr(module, name)
        # Cached in the package, so the next lookup does not come back here.
        setattr(sys.modules[self.package], name, value)
        return value

    def names(self) -> list[str]:
        """The package's module-level ``__dir__``: what it holds now, and what it can load."""
        return sorted({*vars(sys.modules[self.package]), *self.all})

    def _import(self, module_path: str) -> ModuleType:
        try:
            return import_module(f".{module_path}", self.package)
        except ModuleNotFoundError as exc:
            if self._on_missing_module is None:
                raise
            replacement = self._on_missing_module(exc)
            if replacement is None:
                raise
            raise replacement from None
