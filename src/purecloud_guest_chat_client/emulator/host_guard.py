"""Keep web pages from other sites away from the control API and the console.

A page on any site can make a browser send requests to a service on the visitor's loopback,
either directly (a cross-origin request: its ``Origin`` names the page's site) or through DNS
rebinding (the page's own name made to resolve to 127.0.0.1: the ``Host`` header still names the
page's site). Checking the client's address cannot tell either from a local tool, since the
browser itself is local. So the agent side (the control API, ``/console``) answers only
requests whose ``Host`` is a loopback name or the address the service is bound to, and whose
``Origin``, when a browser sends one, is the service's own. Other hosts and origins can be
allowed by setting; ``*`` allows any.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

from ..models.protocol import CONTROL_PREFIX
from .api_error import ApiError
from .settings import ServiceSettings

GUARDED_PREFIXES = (CONTROL_PREFIX, "/console")
ANY = "*"
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.", "ip6-localhost", "ip6-loopback"})


def host_name(authority: str) -> str | None:
    """The host of a ``Host`` header or URL authority (``name``, ``name:port``, ``[v6]:port``),
    lower-cased, without brackets; None when it cannot be read."""
    authority = authority.strip().lower()
    if not authority or any(char in authority for char in "/?#@ \t\\"):
        return None
    if authority.startswith("["):
        end = authority.find("]")
        rest = authority[end + 1 :]
        if end < 0 or (rest and not (rest.startswith(":") and rest[1:].isdigit())):
            return None
        return authority[1:end]
    name, colon, port = authority.rpartition(":")
    if colon and ":" not in name:
        return name if port.isdigit() and name else None
    return authority if ":" not in authority else None


def is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class HostGuard:
    """ASGI middleware: a 403 ErrorBody for a guarded request from a foreign host or origin."""

    def __init__(
        self,
        app: ASGIApp,
        settings: ServiceSettings,
        prefixes: Iterable[str] = GUARDED_PREFIXES,
    ) -> None:
        self.app = app
        self.prefixes = tuple(prefixes)
        allowed = {entry.strip().lower() for entry in settings.allowed_hosts}
        bound = host_name(settings.host)
        if bound:
            allowed.add(bound)
        self.any_host = ANY in allowed
        self.allowed_hosts = frozenset(allowed - {ANY})
        origins = {entry.strip().lower().rstrip("/") for entry in settings.allowed_origins}
        self.any_origin = ANY in origins
        self.allowed_origins = frozenset(origins - {ANY})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or not self._guarded(scope["path"]):
            await self.app(scope, receive, send)
            return
        refusal = self.refusal(_header(scope, b"host"), _header(scope, b"origin"))
        if refusal is None:
            await self.app(scope, receive, send)
            return
        error = ApiError.not_authorized(refusal)
        correlation = str(scope.get("state", {}).get("correlation_id", ""))
        if scope["type"] == "http":
            await error.response(correlation)(scope, receive, send)
        else:
            await WebSocket(scope, receive, send).send_denial_response(error.response(correlation))

    def _guarded(self, path: str) -> bool:
        return any(path == prefix or path.startswith(prefix + "/") for prefix in self.prefixes)

    def refusal(self, host_header: str | None, origin: str | None) -> str | None:
        """Why a request with these headers is refused, or None when it is served."""
        host = host_name(host_header) if host_header is not None else None
        if host_header is None or host is None:
            return "The control API needs a Host header naming this service."
        if not self._host_allowed(host):
            return (
                f"The control API serves local pages only; the host {host!r} is not allowed "
                "(allow it with --allow-host)."
            )
        if origin is None or self.any_origin:
            return None
        origin = origin.strip().lower().rstrip("/")
        if origin in self.allowed_origins:
            return None
        parts = urlsplit(origin) if origin != "null" else None
        if (
            parts is None
            or parts.scheme not in ("http", "https")
            or parts.netloc != host_header.strip().lower()
        ):
            return (
                f"The control API does not serve pages from other origins; {origin!r} is not "
                "allowed (allow it with --allow-origin)."
            )
        return None

    def _host_allowed(self, host: str) -> bool:
        return self.any_host or is_loopback(host) or host in self.allowed_hosts


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None
