"""Where a deployment's Web Messaging parts live: the WebSocket URL, the REST base and the
deployment configuration's base, from a region, a domain or a full URL. Pure: no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

from ..models.web_messaging_protocol import (
    API_HOST_PREFIX,
    APPLICATION_PARAMETER,
    CONFIG_HOST_PREFIX,
    DEPLOYMENT_CONFIG_PATH,
    DEPLOYMENT_ID_PARAMETER,
    WEBSOCKET_HOST_PREFIX,
    WEBSOCKET_PATH,
)
from ..regions import PureCloudRegionHosts, is_genesys_domain

__all__ = ["Endpoints", "resolve_endpoints"]

_DOMAIN_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# What a deployment id may hold: it travels in the query string and in every configure frame.
_DEPLOYMENT_ID = re.compile(r"^[A-Za-z0-9._~-]{1,128}$")
_SECURE = {"wss": "https", "https": "https", "ws": "http", "http": "http"}
_SOCKET_SCHEME = {"https": "wss", "http": "ws"}


@dataclass(frozen=True, slots=True)
class Endpoints:
    """``websocket_url`` is complete (``deploymentId`` and ``application`` included);
    ``api_base`` serves the history and the JWT exchange; ``config_base`` the deployment
    configuration."""

    websocket_url: str
    api_base: str
    config_base: str
    deployment_id: str

    @property
    def config_url(self) -> str:
        return self.config_base + DEPLOYMENT_CONFIG_PATH.format(deployment_id=self.deployment_id)


def check_deployment_id(deployment_id: object) -> str:
    if not isinstance(deployment_id, str) or not _DEPLOYMENT_ID.match(deployment_id):
        raise ValueError(
            f"deployment_id must be 1-128 letters, digits or '._~-', not {deployment_id!r}"
        )
    return deployment_id


def resolve_endpoints(
    environment: str | PureCloudRegionHosts,
    deployment_id: str,
    application: str | None = None,
) -> Endpoints:
    """The endpoints of ``deployment_id`` in ``environment``:

    - a region (``PureCloudRegionHosts.eu_west_1``) or a domain (``"mypurecloud.ie"``, also as
      ``https://api.mypurecloud.ie``): ``wss://webmessaging.<domain>/v1``, ``https://api.<domain>``
      and ``https://api-cdn.<domain>``;
    - a full ``ws://``, ``wss://``, ``http://`` or ``https://`` URL of another host (the local
      service, a gateway): the WebSocket at its path plus ``/v1`` (or at the path itself when it
      ends in ``/v1``), the REST parts at the same host and path prefix, with ``http(s)``.
      A ``wss://webmessaging.<domain>/v1`` URL gives the REST parts at ``https://api.<domain>``.
    """
    deployment_id = check_deployment_id(deployment_id)
    if application is not None and (not isinstance(application, str) or not application):
        raise ValueError("application must be a non-empty string or None")
    query = {DEPLOYMENT_ID_PARAMETER: deployment_id}
    if application:
        query[APPLICATION_PARAMETER] = application
    encoded = urlencode(query)

    domain = _region_domain(environment)
    if domain is not None:
        return Endpoints(
            websocket_url=f"wss://{WEBSOCKET_HOST_PREFIX}{domain}{WEBSOCKET_PATH}?{encoded}",
            api_base=f"https://{API_HOST_PREFIX}{domain}",
            config_base=f"https://{CONFIG_HOST_PREFIX}{domain}",
            deployment_id=deployment_id,
        )
    assert isinstance(environment, str)
    parsed = urlsplit(environment.strip())
    scheme = parsed.scheme.lower()
    web_scheme = _SECURE[scheme]
    host = parsed.hostname or ""
    netloc = parsed.netloc
    path = parsed.path.rstrip("/")
    prefix = path.removesuffix(WEBSOCKET_PATH) if path.endswith(WEBSOCKET_PATH) else path
    if host.startswith(WEBSOCKET_HOST_PREFIX) and parsed.port is None and not prefix:
        # The vendor's own socket host: its REST parts are on the api. and api-cdn. hosts.
        domain = host.removeprefix(WEBSOCKET_HOST_PREFIX)
        api_base = f"https://{API_HOST_PREFIX}{domain}"
        config_base = f"https://{CONFIG_HOST_PREFIX}{domain}"
    else:
        api_base = config_base = urlunsplit((web_scheme, netloc, prefix, "", ""))
    socket_scheme = _SOCKET_SCHEME[web_scheme]
    websocket_url = urlunsplit((socket_scheme, netloc, prefix + WEBSOCKET_PATH, encoded, ""))
    return Endpoints(websocket_url, api_base, config_base, deployment_id)


def _region_domain(environment: str | PureCloudRegionHosts) -> str | None:
    """The region domain ``environment`` names, or ``None`` for a URL of another host (checked
    here: a bad URL is refused with the reason)."""
    if isinstance(environment, PureCloudRegionHosts):
        return environment.value
    if not isinstance(environment, str):
        raise TypeError(f"environment must be a str or PureCloudRegionHosts, not {environment!r}")
    text = environment.strip()
    scheme, has_scheme, _ = text.partition("://")
    if not has_scheme:
        domain = text.lower().rstrip("/").removeprefix(API_HOST_PREFIX)
        domain = domain.removeprefix(WEBSOCKET_HOST_PREFIX)
        labels = domain.split(".")
        if len(labels) < 2 or not all(_DOMAIN_LABEL.match(label) for label in labels):
            raise ValueError(
                f"environment {environment!r} is neither a region, a domain such as "
                "'mypurecloud.ie', nor a ws(s):// or http(s):// URL"
            )
        return domain
    if scheme.lower() not in _SECURE:
        raise ValueError(f"environment {environment!r} must be a ws, wss, http or https URL")
    parsed = urlsplit(text)
    try:
        host, port = parsed.hostname, parsed.port
    except ValueError:
        raise ValueError(f"environment {environment!r} has an invalid port") from None
    if not host or parsed.query or parsed.fragment or parsed.username or parsed.password:
        raise ValueError(
            f"environment {environment!r} is not a usable base URL (no host, or a query, "
            "fragment or credentials)"
        )
    if scheme.lower() in ("http", "https") and port is None and parsed.path.strip("/") == "":
        domain = host.lower().removeprefix(API_HOST_PREFIX)
        if is_genesys_domain(domain):
            return domain
    return None
