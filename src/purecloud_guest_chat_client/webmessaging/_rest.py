"""The REST parts of Web Messaging: the history (with the JWT from ``getJwt``), the deployment
configuration, the OAuth code exchange, refresh and revoke, and the attachment transfers to the
presigned URLs. One pooled HTTP client, opened on first use, through the client's proxy."""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from typing import Any

import httpx2

from .._redact import redact_text, remember_secret
from ..models.web_messaging_protocol import (
    HISTORY_PATH,
    TOKEN_EXCHANGE_PATH,
    TOKEN_REFRESH_PATH,
    TOKEN_REVOKE_PATH,
)
from ._endpoints import Endpoints
from .errors import (
    RateLimitExceededError,
    WebMessagingAuthError,
    WebMessagingConnectionError,
    WebMessagingError,
)

__all__ = ["RestParts"]

_AUTH_REFUSED = frozenset({401, 403})
_TOO_MANY_REQUESTS = 429
# When a 429 names no Retry-After.
_DEFAULT_RETRY_AFTER = 1.0
_ERROR_TEXT_KEPT = 300


class RestParts:
    def __init__(
        self,
        endpoints: Endpoints,
        *,
        origin: str | None,
        proxy: str | None,
        timeout: float,
        ssl_context: ssl.SSLContext,
    ) -> None:
        self._endpoints = endpoints
        self._ssl_context = ssl_context
        self._origin = origin
        self._proxy = proxy
        self._timeout = timeout
        self._http: httpx2.AsyncClient | None = None

    def _client(self) -> httpx2.AsyncClient:
        if self._http is None:
            options: dict[str, Any] = {
                "timeout": self._timeout,
                "follow_redirects": False,
                "verify": self._ssl_context,
            }
            if self._proxy is not None:
                options["proxy"] = self._proxy
                options["trust_env"] = False
            self._http = httpx2.AsyncClient(**options)
        return self._http

    def _headers(self, jwt: str | None = None) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self._origin is not None:
            headers["Origin"] = self._origin
        if jwt is not None:
            # Lower-case "bearer", as the vendor's own client writes it.
            headers["Authorization"] = f"bearer {jwt}"
        return headers

    async def history_page(self, jwt: str, page_number: int, page_size: int) -> dict[str, Any]:
        """One page of ``GET /api/v2/webmessaging/messages``, newest first."""
        return await self._json(
            "GET",
            self._endpoints.api_base + HISTORY_PATH,
            "the history",
            headers=self._headers(jwt),
            params={"pageNumber": page_number, "pageSize": page_size},
        )

    async def deployment_config(self) -> dict[str, Any]:
        return await self._json(
            "GET", self._endpoints.config_url, "the deployment configuration", self._headers()
        )

    async def exchange_code(self, oauth: Mapping[str, str]) -> dict[str, Any]:
        """``{jwt, refreshToken?}`` for an OAuth code (``code``, ``redirectUri``, optionally
        ``codeVerifier``) or an OIDC ``idToken`` and ``nonce``."""
        answer = await self._json(
            "POST",
            self._endpoints.api_base + TOKEN_EXCHANGE_PATH,
            "the code exchange",
            self._headers(),
            json={"deploymentId": self._endpoints.deployment_id, "oauth": dict(oauth)},
        )
        _remember_credentials(answer)
        return answer

    async def refresh(self, refresh_token: str) -> dict[str, Any]:
        remember_secret(refresh_token)
        answer = await self._json(
            "POST",
            self._endpoints.api_base + TOKEN_REFRESH_PATH,
            "the JWT refresh",
            self._headers(),
            json={"refreshToken": refresh_token},
        )
        _remember_credentials(answer)
        return answer

    async def revoke(self, jwt: str) -> None:
        await self._send(
            "DELETE", self._endpoints.api_base + TOKEN_REVOKE_PATH, "the logout", self._headers(jwt)
        )

    async def upload(self, url: str, headers: Mapping[str, str], data: bytes) -> None:
        """The attachment's bytes to its presigned URL, with the headers the service gave."""
        remember_secret(url.partition("?")[2])
        await self._send("PUT", url, "the attachment upload", dict(headers), content=data)

    async def download(self, url: str) -> bytes:
        remember_secret(url.partition("?")[2])
        response = await self._send("GET", url, "the attachment download", {})
        return response.content

    async def aclose(self) -> None:
        http, self._http = self._http, None
        if http is not None:
            await http.aclose()

    async def _json(
        self, method: str, url: str, what: str, headers: dict[str, str], **options: Any
    ) -> dict[str, Any]:
        response = await self._send(method, url, what, headers, **options)
        try:
            data = response.json()
        except ValueError:
            raise WebMessagingError(
                f"{what} answered HTTP {response.status_code} with a body that is not JSON",
                code=response.status_code,
            ) from None
        if not isinstance(data, dict):
            raise WebMessagingError(f"{what} answered a JSON {type(data).__name__}, not an object")
        return data

    async def _send(
        self, method: str, url: str, what: str, headers: dict[str, str], **options: Any
    ) -> httpx2.Response:
        try:
            response = await self._client().request(method, url, headers=headers, **options)
        except httpx2.TimeoutException as exc:
            raise WebMessagingConnectionError(
                f"{what} timed out after {self._timeout:g} s"
            ) from exc
        except httpx2.HTTPError as exc:
            raise WebMessagingConnectionError(
                f"{what} failed: {type(exc).__name__}: {redact_text(str(exc))[:200]}"
            ) from exc
        if response.is_success:
            return response
        detail = _error_message(response)
        message = f"{what} failed with HTTP {response.status_code}" + (
            f": {detail}" if detail else ""
        )
        if response.status_code == _TOO_MANY_REQUESTS:
            raise RateLimitExceededError(message, retry_after=_retry_after(response))
        cls = WebMessagingAuthError if response.status_code in _AUTH_REFUSED else WebMessagingError
        raise cls(message, code=response.status_code)


def _retry_after(response: httpx2.Response) -> float:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return _DEFAULT_RETRY_AFTER


def _error_message(response: httpx2.Response) -> str | None:
    """The ErrorBody's ``message`` (or its code), redacted and cut short."""
    try:
        body = response.json()
    except ValueError:
        return redact_text(response.text[:_ERROR_TEXT_KEPT]) or None
    if isinstance(body, dict):
        text = body.get("message") or body.get("code")
        if isinstance(text, str):
            return redact_text(text[:_ERROR_TEXT_KEPT])
    return None


def _remember_credentials(answer: Mapping[str, Any]) -> None:
    for key in ("jwt", "refreshToken"):
        value = answer.get(key)
        if isinstance(value, str):
            remember_secret(value)
