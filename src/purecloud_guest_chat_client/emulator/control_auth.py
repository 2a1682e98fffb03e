"""Who may use the agent side (the control API, its live feed and the console).

Only loopback clients, always. When a control token is set, a request also needs either the
token as a bearer credential (scripts, tests) or the console's session cookie. The cookie is what
``/console`` hands a browser in exchange for the token: HttpOnly and SameSite=Strict, and its
value is derived from the token, so it never reveals the token and a new token voids it. Because
a page on any other local port counts as the same site and could make the browser send that
cookie, the cookie is accepted only on requests no other page can forge: control API calls that
carry the console's own header (which a cross-origin page cannot add without a CORS preflight
the service never grants) and feed handshakes whose ``Origin`` is the service itself. Foreign
``Host`` and ``Origin`` headers are refused before any of this, by ``host_guard``.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

from starlette.requests import HTTPConnection

from .api_error import ApiError

CONSOLE_HEADER = "x-guestchat-console"
_SESSION_CONTEXT = b"guestchat console session"


def is_loopback_client(host: str | None) -> bool:
    if host is None:
        return False
    if host in ("localhost", "testclient"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def session_cookie_name(connection: HTTPConnection) -> str:
    """Cookies are shared by every port of a host: the name carries the service's port, so two
    local services with different tokens do not overwrite each other's session."""
    server = connection.scope.get("server")
    port = server[1] if server else 0
    return f"guestchat_console_{port}"


def session_value(token: str) -> str:
    return hmac.new(token.encode(), _SESSION_CONTEXT, hashlib.sha256).hexdigest()


def token_matches(candidate: str, expected: str) -> bool:
    return hmac.compare_digest(candidate.encode(), expected.encode())


def has_session(connection: HTTPConnection, expected_token: str) -> bool:
    cookie = connection.cookies.get(session_cookie_name(connection))
    return cookie is not None and hmac.compare_digest(
        cookie.encode(), session_value(expected_token).encode()
    )


def is_same_origin(connection: HTTPConnection) -> bool:
    """Whether the ``Origin`` a browser sent names this service as the client reached it."""
    origin = connection.headers.get("origin")
    host = connection.headers.get("host")
    return origin is not None and host is not None and origin == f"http://{host}"


def _bearer(connection: HTTPConnection) -> str | None:
    """The bearer token, ``""`` for an Authorization header that carries none."""
    header = connection.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _require_local(connection: HTTPConnection) -> None:
    if not is_loopback_client(connection.client.host if connection.client else None):
        raise ApiError.not_authorized("The control API serves local clients only.")


def _require_token(connection: HTTPConnection, expected: str, *, session_ok: bool) -> None:
    token = _bearer(connection)
    if token:
        if not token_matches(token, expected):
            raise ApiError.bad_credentials()
        return
    if session_ok and has_session(connection, expected):
        return
    raise ApiError.authentication_required()


def authorize_control(connection: HTTPConnection, control_token: str | None) -> None:
    """Raises the ApiError that refuses a control API request, if it is refused."""
    _require_local(connection)
    if control_token is not None:
        console_call = connection.headers.get(CONSOLE_HEADER) is not None
        _require_token(connection, control_token, session_ok=console_call)


def authorize_feed(connection: HTTPConnection, control_token: str | None) -> None:
    """Raises the ApiError that refuses a feed handshake. Pages of other sites, whose handshakes
    no same-origin policy stops, are refused before this by ``host_guard``; a browser always
    sends ``Origin`` on a handshake, so the cookie counts only on the console's own."""
    _require_local(connection)
    if control_token is not None:
        _require_token(connection, control_token, session_ok=is_same_origin(connection))
