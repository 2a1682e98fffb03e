"""Where the vendor's SDKs, the optional peers of the benchmarks, are found, and how they run.

The Python platform SDK (``PureCloudPlatformClientV2``, 263 is the last with the guest chat
operations) is a peer when this interpreter can import it: ``pip install
PureCloudPlatformClientV2==263.0.0``. The JS guest SDK (``purecloud-guest-chat-client``) is one
when ``node`` is on the path and can require it, from ``benchmarks/node_modules`` (``npm install
--prefix benchmarks --no-save --no-package-lock purecloud-guest-chat-client@13``) or from
anywhere node looks by itself. A peer that is missing is reported as not installed, never fetched.

Each peer runs in its own process with an empty home directory, so that neither SDK reads a
user's configuration file (where a host or a gateway could send it elsewhere), and without the
proxy variables, so that loopback stays loopback.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

PYTHON_PEER = "vendor Python SDK"
JS_PEER = "vendor JS SDK"
VENDOR_PYTHON_MODULE = "PureCloudPlatformClientV2"
VENDOR_JS_PACKAGE = "purecloud-guest-chat-client"
NODE_MODULES = Path(__file__).resolve().parent / "node_modules"
MEASURED = "measured"
NOT_INSTALLED = "not installed"
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@dataclass(frozen=True)
class Peers:
    python: bool
    """Whether this interpreter imports the vendor's Python SDK."""
    node: str | None
    """The node that requires the vendor's JS SDK, or None."""
    status: dict[str, str]
    """Each peer's name and ``measured`` or why it is not."""


def peer_environment(home: str) -> dict[str, str]:
    """This process's environment for a peer: ``home`` as its home, no proxies, our node path."""
    env = {key: value for key, value in os.environ.items() if key.lower() not in PROXY_VARIABLES}
    env["HOME"] = env["USERPROFILE"] = home
    env["NODE_PATH"] = os.pathsep.join(
        path for path in (str(NODE_MODULES), os.environ.get("NODE_PATH", "")) if path
    )
    return env


def require_js_peer() -> str:
    """The node expression that loads the vendor's JS SDK."""
    return f"require({json.dumps(VENDOR_JS_PACKAGE)})"


def locate(env: dict[str, str]) -> Peers:
    """Which peers are installed; ``env`` is the environment they will run in."""
    status: dict[str, str] = {}
    python = importlib.util.find_spec(VENDOR_PYTHON_MODULE) is not None
    status[PYTHON_PEER] = (
        MEASURED if python else f"{NOT_INSTALLED}: {VENDOR_PYTHON_MODULE} is not importable"
    )
    node = shutil.which("node")
    if node is None:
        status[JS_PEER] = f"{NOT_INSTALLED}: there is no node on the path"
    elif subprocess.run(
        [node, "-e", require_js_peer()], env=env, capture_output=True, check=False
    ).returncode:
        status[JS_PEER] = f"{NOT_INSTALLED}: node cannot require {VENDOR_JS_PACKAGE}"
        node = None
    else:
        status[JS_PEER] = MEASURED
    return Peers(python, node, status)
