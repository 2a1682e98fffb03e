"""The emulator's modules keep the layering its package docstring describes: read from their
source, no module imports one of a layer above it, the server imports nothing of the SDK but the
models, and no emulator module shares its name with another module of the package."""

from __future__ import annotations

import re
from pathlib import Path

import purecloud_guest_chat_client
import purecloud_guest_chat_client.emulator as emulator

from ..package_imports import imported_modules, module_name

PACKAGE = Path(purecloud_guest_chat_client.__file__).parent
EMULATOR = PACKAGE / "emulator"


def _layers() -> dict[str, int]:
    """Each module's layer, from the numbered paragraphs of the package docstring."""
    layers: dict[str, int] = {}
    for number, text in re.findall(
        r"^(\d)\. (.*?)(?=^\d\. |^\n|\Z)", emulator.__doc__ or "", re.M | re.S
    ):
        for name in re.findall(r"``(\w+)``", text):
            if (EMULATOR / f"{name}.py").exists():
                layers[name] = int(number)
    return layers


def _imports(module: Path) -> set[str]:
    """The package's modules that ``module`` imports, as dotted names."""
    return imported_modules(module_name(module), module)


def test_every_emulator_module_has_a_layer_and_imports_none_above_it() -> None:
    layers = _layers()
    modules = {p.stem for p in EMULATOR.glob("*.py")} - {"__init__", "__main__"}
    assert modules == set(layers), "every module is placed in the docstring's layers"
    upward = []
    for name, layer in layers.items():
        for target in _imports(EMULATOR / f"{name}.py"):
            parts = target.split(".")
            if parts[:2] == ["purecloud_guest_chat_client", "emulator"] and len(parts) > 2:
                imported = parts[2]
                if imported in layers and layers[imported] < layer:
                    upward.append(f"{name} -> {imported}")
    assert upward == []


# The redaction depends on nothing but the models, and the service's log is scrubbed by the same
# patterns as the SDK's, from their one home.
SHARED_WITH_THE_SDK = ("emulator", "models", "_redact")


def test_the_server_imports_of_the_sdk_only_the_models_and_the_redaction() -> None:
    outside = set()
    for module in EMULATOR.glob("*.py"):
        if module.name == "__init__.py":
            continue  # re-exports the control client, lazily
        for target in _imports(module):
            parts = target.split(".")
            if parts[0] == "purecloud_guest_chat_client" and parts[1] not in SHARED_WITH_THE_SDK:
                outside.add(f"{module.stem} -> {target}")
    assert outside == set()


def test_no_emulator_module_shares_its_name_with_another_module() -> None:
    def base_name(path: Path) -> str:
        return path.stem.lstrip("_")

    others = {
        base_name(p): p
        for p in PACKAGE.rglob("*.py")
        if EMULATOR not in p.parents and p.stem not in ("__init__", "__main__")
    }
    shared = sorted(
        p.stem
        for p in EMULATOR.glob("*.py")
        if p.stem not in ("__init__", "__main__") and base_name(p) in others
    )
    assert shared == []
