"""The Genesys Cloud regions a guest chat can be served from, as the vendor's SDKs list them."""

from __future__ import annotations

import re
from enum import StrEnum
from urllib.parse import urlsplit

__all__ = ["PureCloudRegionHosts", "is_genesys_domain", "resolve_environment"]


class PureCloudRegionHosts(StrEnum):
    """Each region's domain; the API lives at ``https://api.<domain>``."""

    us_east_1 = "mypurecloud.com"
    eu_west_1 = "mypurecloud.ie"
    ap_southeast_2 = "mypurecloud.com.au"
    ap_northeast_1 = "mypurecloud.jp"
    eu_central_1 = "mypurecloud.de"
    us_west_2 = "usw2.pure.cloud"
    ca_central_1 = "cac1.pure.cloud"
    ap_northeast_2 = "apne2.pure.cloud"
    eu_west_2 = "euw2.pure.cloud"
    ap_south_1 = "aps1.pure.cloud"
    us_east_2 = "use2.us-gov-pure.cloud"
    sa_east_1 = "sae1.pure.cloud"
    me_central_1 = "mec1.pure.cloud"
    ap_northeast_3 = "apne3.pure.cloud"
    eu_central_2 = "euc2.pure.cloud"
    af_south_1 = "afs1.pure.cloud"
    mx_central_1 = "mxc1.pure.cloud"
    ap_southeast_1 = "apse1.pure.cloud"
    eusc_de_east_1 = "edee1.eusc-pure.cloud"

    @property
    def api_host(self) -> str:
        """The region's API base URL, such as ``https://api.mypurecloud.ie``."""
        return f"https://api.{self.value}"


_GENESYS_DOMAINS = frozenset(region.value for region in PureCloudRegionHosts)
# Regions added after this release still live under these parents.
_GENESYS_PARENT_DOMAINS = ("pure.cloud", "us-gov-pure.cloud", "eusc-pure.cloud")
_DOMAIN_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def is_genesys_domain(host: str) -> bool:
    host = host.lower()
    if host in _GENESYS_DOMAINS or host.startswith("mypurecloud."):
        return True
    return any(host.endswith("." + parent) for parent in _GENESYS_PARENT_DOMAINS)


def resolve_environment(value: str | PureCloudRegionHosts) -> tuple[str, str]:
    """Turn what ``set_environment`` accepts into ``(environment, base_path)``.

    A region or a domain (optionally with ``https://`` and ``api.``, as the JS SDK strips them)
    gives ``https://api.<domain>``. A full ``http(s)://host[:port][/path]`` URL whose host is not
    a Genesys domain is used as the base path itself: that is how the local service, a gateway or
    a test proxy is reached.
    """
    if isinstance(value, PureCloudRegionHosts):
        return value.value, value.api_host
    if not isinstance(value, str):
        raise TypeError(f"environment must be a str or PureCloudRegionHosts, not {value!r}")
    text = value.strip().rstrip("/")
    scheme, has_scheme, _ = text.partition("://")
    if has_scheme:
        if scheme.lower() not in ("http", "https"):
            raise ValueError(f"environment {value!r} must be an http:// or https:// URL")
        parsed = urlsplit(text)
        try:
            host, port = parsed.hostname, parsed.port
        except ValueError:
            raise ValueError(f"environment {value!r} has an invalid port") from None
        if not host or parsed.query or parsed.fragment or parsed.username:
            raise ValueError(f"environment {value!r} is not a usable base URL")
        domain = host.removeprefix("api.")
        if port is None and not parsed.path and is_genesys_domain(domain):
            return domain, f"https://api.{domain}"
        return text, text
    domain = text.lower().removeprefix("api.")
    labels = domain.split(".")
    if len(labels) < 2 or not all(_DOMAIN_LABEL.match(label) for label in labels):
        raise ValueError(
            f"environment {value!r} is neither a region, a domain such as 'mypurecloud.ie', "
            "nor an http(s):// base URL"
        )
    return domain, f"https://api.{domain}"
