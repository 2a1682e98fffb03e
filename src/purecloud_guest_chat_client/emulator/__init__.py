"""The local Guest Chat service: the REST API, the event stream and a simulated contact centre.

Names load on first use, so importing the control client does not pull in the server, and a
name that needs the ``emulator`` extra says so when the extra is missing.

The modules form layers; each imports only from its own layer and those below it (and from
``models``, where the wire facts live), never from one above:

1. Serving: ``service`` runs the server (``LocalService``, ``run_server``) with the connection
   limits of ``connection_limits``, around the ASGI application of ``asgi_app``;
   ``command_line`` holds the options both server command lines are built from.
2. HTTP: the routes of each door, ``routes_guest`` (the guest REST API), ``routes_stream`` (the
   event stream), ``routes_web_messaging`` (the Web Messaging WebSocket),
   ``routes_web_messaging_rest`` (its REST parts), ``routes_control``
   (the control API) and ``routes_console`` (the browser console); what they share
   (``routes_shared``, ``http_io``, ``control_auth``, ``host_guard``); and ``openapi``, the
   document built from the guest and control route tables.
3. Runtime: ``runtime`` wires the parts of one running service together.
4. Chat: ``chat_service`` (the lifecycle of a chat), ``queue_routing`` (how a chat reaches an
   agent), ``bot_agents`` with ``bot_replies`` (what bot agents say), ``agent_feed`` (the
   console's live view), ``web_messaging_sessions`` (Web Messaging sessions),
   ``web_messaging_auth`` (its JWTs and signed-in guests), ``web_messaging_attachments``
   (its attachments), ``web_messaging_messages`` (its message bodies) and
   ``wire_frames`` / ``wire_json`` (what goes on the wire).
5. State: ``store`` (SQLite), ``token_authority`` (the guest JWTs), ``stream_hub`` (the open
   streams), ``records``, ``structured_content`` (what agents send besides text),
   ``contact_centre``, ``faults``, ``rate_limiter``, ``settings`` and ``api_error``.

Routing and bot agents name the chat operations they use as Protocols, which ``ChatService``
provides, so the chat layer has no import cycle either. The control *client* is no part of the
server: it lives in ``purecloud_guest_chat_client.control_client`` and is re-exported here.
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
