"""``ApiClient`` (sync) and ``AsyncApiClient``: the transports around the shared core.

Each client is independent: its own JWT, environment, timeout, retry policy, proxy, headers,
configuration and connection pool, so many guests can chat from one process. The clients
``AsyncApiClient.with_jwt`` makes are the exception: they share their parent's pool and
configuration.
``ApiClient.instance`` is only the default client that ``WebChatApi()`` uses, as in the JS SDK.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Self, TypeVar

import httpx2

from ._base_client import (
    BaseClient,
    ExtendedResponse,
    Operation,
)
from ._retry import RetryPolicy

__all__ = ["ApiClient", "AsyncApiClient", "ExtendedResponse", "RetryPolicy"]

ResultT = TypeVar("ResultT")


class _DefaultClient:
    """``ApiClient.instance``: created on first use, recreated if it was closed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._client: ApiClient | None = None

    def __get__(self, obj: object, owner: type[ApiClient]) -> ApiClient:
        with self._lock:
            if self._client is None or self._client.closed:
                self._client = owner()
            return self._client


class ApiClient(BaseClient):
    """A synchronous Guest Chat API client.

    ``ApiClient(environment=None, *, jwt=None, timeout=None, retry=None, proxy=None,
    headers=None)``. ``environment`` is a region, a domain or a base URL (see
    :meth:`set_environment`); it defaults to the config file's ``host``, else
    ``mypurecloud.com``. ``timeout`` defaults to the file's value, else 16 seconds; ``retry`` to
    the file's ``[retry]`` keys over ``RetryPolicy()``.
    """

    instance = _DefaultClient()

    def _init_transport(self, share_with: BaseClient | None) -> None:
        # A sync client keeps a pool of its own, even when it shares a configuration.
        self._http: httpx2.Client | None = None
        self._http_lock = threading.Lock()

    def _transport(self) -> httpx2.Client:
        http = self._http
        if http is None:
            with self._http_lock:
                http = self._http
                if http is None:
                    http = self._http = httpx2.Client(**self._http_client_options())
        return http

    def _drop_transport(self) -> None:
        with self._http_lock:
            http, self._http = self._http, None
        if http is not None:
            http.close()

    def call(
        self,
        operation: Operation[ResultT],
        path_args: Sequence[str] = (),
        *,
        query: Mapping[str, object] | None = None,
        body: object = None,
        timeout: float | None = None,
    ) -> ResultT:
        """Make one API call, retrying as the retry policy allows."""
        call = self._prepare(operation, path_args, query, body, timeout)
        http = self._transport()
        while True:
            outcome: httpx2.Response | Exception
            try:
                outcome = http.send(call.request)
            except httpx2.TransportError as error:
                outcome = error
            delay = self._assess(call, outcome)
            if delay is None:
                result: ResultT = self._finish(call, outcome)
                return result
            time.sleep(delay)

    def close(self) -> None:
        """Close the connections and the log handlers. The client cannot be used afterwards."""
        if self._closed:
            return
        self._closed = True
        self._drop_transport()
        self._release_config()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class AsyncApiClient(BaseClient):
    """An asyncio Guest Chat API client; the same settings as :class:`ApiClient`."""

    def _init_transport(self, share_with: BaseClient | None) -> None:
        self._http: httpx2.AsyncClient | None = None
        self._retired: list[httpx2.AsyncClient] = []
        # A clone of a clone sends through the first client's pool too.
        self._pool_owner: AsyncApiClient | None = (
            share_with._pool_owner or share_with if isinstance(share_with, AsyncApiClient) else None
        )

    def with_jwt(self, jwt: str | None) -> AsyncApiClient:
        """A client for another guest: its own JWT (None until the guest's chat is created), a
        copy of this client's settings, and this client's connection pool and ``config``, so
        that many guests in one process share one pool and log as this client is set to log.
        It returns plain models, not extended responses.

        Closing the returned client leaves the pool and the configuration open; closing this
        client closes them.
        """
        return type(self)(
            self._environment,
            jwt=jwt,
            timeout=self._timeout,
            retry=self._retry,
            proxy=self._proxy_url,
            headers=self._extra_headers,
            _share_with=self,
        )

    def _transport(self) -> httpx2.AsyncClient:
        if self._pool_owner is not None:
            return self._pool_owner._transport()
        http = self._http
        if http is None:
            http = self._http = httpx2.AsyncClient(**self._http_client_options())
        return http

    def _drop_transport(self) -> None:
        # Closing is a coroutine; the old pool is closed by the next aclose().
        if self._pool_owner is None and self._http is not None:
            self._retired.append(self._http)
            self._http = None

    async def call(
        self,
        operation: Operation[ResultT],
        path_args: Sequence[str] = (),
        *,
        query: Mapping[str, object] | None = None,
        body: object = None,
        timeout: float | None = None,
    ) -> ResultT:
        """Make one API call, retrying as the retry policy allows."""
        call = self._prepare(operation, path_args, query, body, timeout)
        http = self._transport()
        while True:
            outcome: httpx2.Response | Exception
            try:
                outcome = await http.send(call.request)
            except httpx2.TransportError as error:
                outcome = error
            delay = self._assess(call, outcome)
            if delay is None:
                result: ResultT = self._finish(call, outcome)
                return result
            # Imported here: the event loop running this has loaded it, and sync users never do.
            import asyncio

            await asyncio.sleep(delay)

    async def aclose(self) -> None:
        """Close the connections and the log handlers. The client cannot be used afterwards."""
        if self._closed:
            return
        self._closed = True
        self._drop_transport()
        retired, self._retired = self._retired, []
        for http in retired:
            await http.aclose()
        self._release_config()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()
