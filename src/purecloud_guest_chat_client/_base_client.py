"""The one core under the sync and async clients.

Everything but the transport call and the sleep lives here: the client's settings, request
building (URL, query, auth header, body serialisation), response parsing into the typed models,
exception mapping, extended responses, the retry decision and the logging hook. ``ApiClient`` and
``AsyncApiClient`` only drive the loop ``send -> assess -> (sleep and resend | finish)``.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast
from urllib.parse import quote, urlencode, urlsplit

import httpx2
from pydantic import ValidationError

from ._config_file import retry_policy_from
from ._logging import ROOT_LOGGER_NAME, Exchange
from ._redact import redact_text, remember_secret
from ._retry import IDEMPOTENT_METHODS, RetryPolicy, parse_retry_after
from ._tls import shared_tls_context
from .configuration import Configuration
from .errors import (
    APIConnectionError,
    ApiException,
    APITimeoutError,
    JwtRequiredError,
    ProxyError,
    exception_class_for_status,
)
from .regions import PureCloudRegionHosts, resolve_environment

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .models import ErrorBody, WireModel

__all__ = [
    "DEFAULT_ENVIRONMENT",
    "DEFAULT_TIMEOUT",
    "BaseClient",
    "ExtendedResponse",
    "Operation",
    "PreparedCall",
    "ProxySetting",
    "QueryParam",
    "extended_responses",
    "positive_seconds",
]

DEFAULT_ENVIRONMENT = PureCloudRegionHosts.us_east_1
DEFAULT_TIMEOUT = 16.0
_USER_AGENT = "purecloud-guest-chat-client-python"
# Says how a 2xx body differed from the swagger, at debug level.
_RESPONSES_LOG = logging.getLogger(f"{ROOT_LOGGER_NAME}.responses")
# Failures raised before any connection was had: not a byte of the request went out.
_NOTHING_SENT = (httpx2.ConnectError, httpx2.ConnectTimeout, httpx2.PoolTimeout)
# Only proxies answer 407; the service never does.
_PROXY_AUTHENTICATION_REQUIRED = 407
_RETRY_FILE_KEYS = (
    "enabled",
    "max_retries",
    "backoff_initial",
    "backoff_max",
    "retry_after_cap",
    "total_budget",
    "retry_connect_errors",
    "statuses",
)

ResultT = TypeVar("ResultT")
ProxySetting = str | Mapping[str, Any] | None
_EXTENDED_HERE: ContextVar[bool] = ContextVar("guestchat_extended_responses", default=False)


@contextmanager
def extended_responses() -> Iterator[None]:
    """Every call made within the block, in this thread or task only, returns an
    :class:`ExtendedResponse`, whatever its client's ``return_extended_responses`` says."""
    token = _EXTENDED_HERE.set(True)
    try:
        yield
    finally:
        _EXTENDED_HERE.reset(token)


@dataclass(frozen=True, slots=True)
class QueryParam:
    """An optional query parameter: its Python keyword, its wire name and what it accepts."""

    keyword: str
    wire_name: str
    kind: type[int] | type[bool] | type[str]
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()

    def encode(self, operation: str, value: object) -> str:
        where = f"{operation}: {self.keyword}"
        if self.kind is bool:
            if not isinstance(value, bool):
                raise TypeError(f"{where} must be a bool, not {value!r}")
            return "true" if value else "false"
        if self.kind is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{where} must be an int, not {value!r}")
            if self.minimum is not None and value < self.minimum:
                raise ValueError(f"{where} must be >= {self.minimum}, not {value}")
            if self.maximum is not None and value > self.maximum:
                raise ValueError(f"{where} must be <= {self.maximum}, not {value}")
            return str(value)
        if not isinstance(value, str) or not value:
            raise TypeError(f"{where} must be a non-empty str, not {value!r}")
        if self.choices and value not in self.choices:
            raise ValueError(f"{where} must be one of {', '.join(self.choices)}; got {value!r}")
        return str(value)


def wire_model(name: str) -> type[WireModel]:
    """The API model named ``name``. The models load on the first call that needs one, not
    when a client or an API object is made."""
    from .models.api import ALL_MODELS

    return ALL_MODELS[name]


@dataclass(frozen=True, slots=True)
class Operation(Generic[ResultT]):
    """One API operation: enough to build its request and parse its answer.

    The body and response models are named (as in ``models.ALL_MODELS``) rather than held, so
    that describing the operations does not load the models.
    """

    name: str
    method: str
    path: str
    path_params: tuple[str, ...] = ()
    query: tuple[QueryParam, ...] = ()
    body_model_name: str | None = None
    response_model_name: str | None = None
    needs_jwt: bool = True

    @property
    def body_model(self) -> type[WireModel] | None:
        return None if self.body_model_name is None else wire_model(self.body_model_name)

    @property
    def response_model(self) -> type[WireModel] | None:
        return None if self.response_model_name is None else wire_model(self.response_model_name)

    def render_path(self, args: Sequence[str]) -> str:
        if len(args) != len(self.path_params):
            raise TypeError(f"{self.name} takes {len(self.path_params)} path arguments")
        values: dict[str, str] = {}
        for param, value in zip(self.path_params, args, strict=True):
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{self.name}: {param} must be a non-empty str, not {value!r}")
            values[param] = quote(value, safe="")
        return self.path.format_map(values)


@dataclass(frozen=True, slots=True)
class ExtendedResponse(Generic[ResultT]):
    """The full answer of a call, as the JS SDK's extended response.

    ``body`` is the parsed model (None for an empty answer), ``text`` the raw body and ``error``
    the exception for a failed call (always None on a returned response: failures raise).
    The repr leaves ``text`` out: a create call's text holds the guest's JWT.
    """

    status: int
    status_text: str
    headers: dict[str, str]
    body: ResultT
    text: str = field(repr=False)
    error: ApiException | None = None

    @property
    def correlation_id(self) -> str | None:
        return self.headers.get("inin-correlation-id")


@dataclass(slots=True)
class PreparedCall:
    """One call in flight: the request and the bookkeeping its retries need."""

    operation: Operation[Any]
    request: httpx2.Request
    body: bytes | None
    started: float
    retries: int = 0


def positive_seconds(value: object, what: str) -> float:
    """``value`` as a float, or TypeError (not a number) or ValueError (not > 0) naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{what} must be a number of seconds, not {value!r}")
    if not value > 0 or math.isnan(value):
        raise ValueError(f"{what} must be > 0 seconds, not {value!r}")
    return float(value)


def proxy_url(proxy: ProxySetting) -> str | None:
    """The seed's ``{host, port, protocol, auth: {username, password}}`` or a URL, as a URL."""
    if proxy is None:
        return None
    if isinstance(proxy, str):
        if "://" not in proxy:
            raise ValueError(f"proxy URL {proxy!r} needs a scheme such as http://")
        return proxy
    if not isinstance(proxy, Mapping):
        raise TypeError(f"proxy must be a URL, a mapping or None, not {type(proxy).__name__}")
    host = proxy.get("host")
    if not isinstance(host, str) or not host:
        raise ValueError("proxy needs a 'host'")
    port = proxy.get("port")
    if port is not None and (isinstance(port, bool) or not isinstance(port, int | str)):
        raise ValueError(f"proxy 'port' must be a number, not {port!r}")
    protocol = str(proxy.get("protocol") or "http").removesuffix(":").lower()
    if protocol not in ("http", "https", "socks5"):
        raise ValueError(f"proxy 'protocol' must be http, https or socks5, not {protocol!r}")
    credentials = ""
    auth = proxy.get("auth")
    if auth:
        if not isinstance(auth, Mapping) or "username" not in auth:
            raise ValueError("proxy 'auth' must be {'username': ..., 'password': ...}")
        user = quote(str(auth["username"]), safe="")
        password = quote(str(auth.get("password") or ""), safe="")
        credentials = f"{user}:{password}@"
    host_part = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"{protocol}://{credentials}{host_part}" + (f":{port}" if port is not None else "")


def _without_credentials(url: str) -> str:
    """A proxy URL fit for a message: its ``user:password@`` left out."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://{netloc}"


class BaseClient:
    """Settings and request/response handling shared by ``ApiClient`` and ``AsyncApiClient``."""

    def __init__(
        self,
        environment: str | PureCloudRegionHosts | None = None,
        *,
        jwt: str | None = None,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
        proxy: ProxySetting = None,
        headers: Mapping[str, str] | None = None,
        _share_with: BaseClient | None = None,
    ) -> None:
        # ``_share_with`` is how ``with_jwt`` makes its clients: they follow that client's
        # Configuration (logger settings made in code included) instead of reading the file
        # again, and leave it open when they close; the client that made it closes it.
        self._init_transport(_share_with)
        self._init_settings(environment, jwt, timeout, retry, proxy, headers)
        self._owns_config = _share_with is None
        self.config: Configuration = Configuration() if _share_with is None else _share_with.config
        if _share_with is not None:
            self.config.subscribe(self._apply_file_keys)
            return
        # What the code sets explicitly wins over the file when the client is created.
        keep: set[tuple[str, str]] = set()
        if environment is not None:
            keep.add(("general", "host"))
        if timeout is not None:
            keep.add(("general", "timeout"))
        if retry is not None:
            keep.update(("retry", key) for key in _RETRY_FILE_KEYS)
        self.config.activate(self._apply_file_keys, keep=frozenset(keep))

    def _init_settings(
        self,
        environment: str | PureCloudRegionHosts | None,
        jwt: str | None,
        timeout: float | None,
        retry: RetryPolicy | None,
        proxy: ProxySetting,
        headers: Mapping[str, str] | None,
    ) -> None:
        self._environment, self._base_path = resolve_environment(
            DEFAULT_ENVIRONMENT if environment is None else environment
        )
        self._jwt: str | None = None
        self._timeout = DEFAULT_TIMEOUT if timeout is None else positive_seconds(timeout, "timeout")
        self._retry = self._check_retry(RetryPolicy() if retry is None else retry)
        self._proxy_url = proxy_url(proxy)
        self._extra_headers: dict[str, str] = {}
        self._extended = False
        self._closed = False
        self.set_default_headers(headers or {})
        if jwt is not None:
            self.set_jwt(jwt)

    def _release_config(self) -> None:
        """On close: close the Configuration if this client made it, else stop following it."""
        if self._owns_config:
            self.config.close()
        else:
            self.config.unsubscribe(self._apply_file_keys)

    def _apply_file_keys(self, changed: Mapping[tuple[str, str], Any]) -> None:
        host = changed.get(("general", "host"))
        if host is not None:
            self.set_environment(host)
        timeout = changed.get(("general", "timeout"))
        if timeout is not None:
            self.timeout = timeout
        retry_keys = {key: value for (section, key), value in changed.items() if section == "retry"}
        if retry_keys:
            self._retry = retry_policy_from(self._retry, retry_keys)

    # -- settings ------------------------------------------------------------------------------

    @property
    def environment(self) -> str:
        """The domain (``mypurecloud.ie``), or the base URL for a non-Genesys host."""
        return self._environment

    @property
    def base_path(self) -> str:
        return self._base_path

    def set_environment(self, environment: str | PureCloudRegionHosts) -> None:
        """A region, a domain (``mypurecloud.ie``, ``https://api.mypurecloud.ie``) or a base URL."""
        self._environment, self._base_path = resolve_environment(environment)

    setEnvironment = set_environment  # the JS SDK spelling

    @property
    def jwt(self) -> str | None:
        return self._jwt

    def set_jwt(self, jwt: str | None) -> None:
        """The guest's JWT from ``post_webchat_guest_conversations``; None forgets it."""
        if jwt is not None:
            if not isinstance(jwt, str):
                raise TypeError(f"jwt must be a str or None, not {type(jwt).__name__}")
            jwt = jwt.strip()
            if not jwt or any(char.isspace() for char in jwt):
                raise ValueError("jwt must be a non-empty token without whitespace")
            remember_secret(jwt)
        self._jwt = jwt
        self._refresh_headers()

    setJwt = set_jwt  # the JS SDK spelling

    @property
    def timeout(self) -> float:
        """Seconds each attempt may take (connect, send, wait and read), 16 by default."""
        return self._timeout

    @timeout.setter
    def timeout(self, value: float) -> None:
        self._timeout = positive_seconds(value, "timeout")

    @property
    def retry(self) -> RetryPolicy:
        return self._retry

    @retry.setter
    def retry(self, policy: RetryPolicy) -> None:
        self._retry = self._check_retry(policy)

    @staticmethod
    def _check_retry(policy: object) -> RetryPolicy:
        if not isinstance(policy, RetryPolicy):
            raise TypeError(f"retry must be a RetryPolicy, not {type(policy).__name__}")
        return policy

    @property
    def proxy(self) -> str | None:
        """The proxy URL in use (credentials included), or None. Set a URL or the seed's dict."""
        return self._proxy_url

    @proxy.setter
    def proxy(self, value: ProxySetting) -> None:
        new_url = proxy_url(value)
        if new_url != self._proxy_url:
            self._proxy_url = new_url
            self._drop_transport()

    @property
    def headers(self) -> dict[str, str]:
        """Extra headers sent with every request (a copy)."""
        return dict(self._extra_headers)

    def set_default_headers(self, headers: Mapping[str, str]) -> None:
        """Replace the extra headers sent with every request."""
        if not isinstance(headers, Mapping):
            raise TypeError(f"headers must be a mapping, not {type(headers).__name__}")
        for name, value in headers.items():
            if not isinstance(name, str) or not isinstance(value, str):
                raise TypeError(f"header {name!r} must map a str to a str")
            if name.lower() == "authorization":
                raise ValueError("set the JWT with set_jwt(), not as an Authorization header")
        self._extra_headers = dict(headers)
        self._refresh_headers()

    @property
    def return_extended_responses(self) -> bool:
        return self._extended

    def set_return_extended_responses(self, enabled: bool) -> None:
        """Make every call return an :class:`ExtendedResponse` instead of the bare model.

        The API methods' annotations still name the bare model; for a typed
        ``ExtendedResponse[Model]`` of one call, use ``WebChatApi.call_extended``.
        """
        if not isinstance(enabled, bool):
            raise TypeError(f"enabled must be a bool, not {enabled!r}")
        self._extended = enabled

    setReturnExtendedResponses = set_return_extended_responses  # the JS SDK spelling

    @property
    def closed(self) -> bool:
        return self._closed

    def _refresh_headers(self) -> None:
        # Built once per change rather than per request: the hot path reuses these dicts.
        anonymous = {
            "Accept": "application/json",
            "Content-Type": "application/json",
            "User-Agent": _USER_AGENT,
            **self._extra_headers,
        }
        self._anonymous_headers = anonymous
        jwt = self._jwt
        self._auth_headers = {**anonymous, "Authorization": f"Bearer {jwt}"} if jwt else anonymous

    def _init_transport(self, share_with: BaseClient | None) -> None:
        """Set up the (lazily opened) connection pool's state; the subclass knows its kind, and
        whether a client made with ``share_with`` sends through that client's pool."""
        raise NotImplementedError

    def _drop_transport(self) -> None:
        raise NotImplementedError

    def _http_client_options(self) -> dict[str, Any]:
        # A client through a proxy trusts no SSL_CERT_* variable, as it trusts no proxy variable.
        trust_env = self._proxy_url is None
        options: dict[str, Any] = {
            "timeout": self._timeout,
            "follow_redirects": False,
            "verify": shared_tls_context(trust_env=trust_env),
        }
        if not trust_env:
            options["proxy"] = self._proxy_url
            options["trust_env"] = False
        return options

    # -- one call ------------------------------------------------------------------------------

    def _prepare(
        self,
        operation: Operation[Any],
        path_args: Sequence[str],
        query: Mapping[str, object] | None,
        body: object,
        timeout: float | None,
    ) -> PreparedCall:
        if self._closed:
            raise RuntimeError(f"{operation.name}: the client is closed")
        if operation.needs_jwt:
            if self._jwt is None:
                raise JwtRequiredError(
                    f"{operation.name} needs the guest's JWT: call set_jwt() with the jwt "
                    "returned by post_webchat_guest_conversations"
                )
            headers = self._auth_headers
        else:
            headers = self._anonymous_headers
        url = self._base_path + operation.render_path(path_args)
        if query:
            encoded = self._encode_query(operation, query)
            if encoded:
                url = f"{url}?{encoded}"
        content = self._encode_body(operation, body)
        seconds = self._timeout if timeout is None else positive_seconds(timeout, "timeout")
        request = httpx2.Request(
            operation.method,
            url,
            headers=headers,
            content=content,
            extensions={
                "timeout": {"connect": seconds, "read": seconds, "write": seconds, "pool": seconds}
            },
        )
        return PreparedCall(operation, request, content, time.monotonic())

    @staticmethod
    def _encode_query(operation: Operation[Any], query: Mapping[str, object]) -> str:
        pairs: list[tuple[str, str]] = []
        for param in operation.query:
            value = query.get(param.keyword)
            if value is not None:
                pairs.append((param.wire_name, param.encode(operation.name, value)))
        return urlencode(pairs)

    @staticmethod
    def _encode_body(operation: Operation[Any], body: object) -> bytes | None:
        model = operation.body_model
        if model is None:
            return None
        if not isinstance(body, model | Mapping):
            raise TypeError(
                f"{operation.name}: body must be a {model.__name__} or a dict, "
                f"not {type(body).__name__}"
            )
        try:
            wire = model.from_wire(cast("Any", body)).to_dict()
        except ValidationError as exc:
            raise ValueError(f"{operation.name}: invalid {model.__name__} body: {exc}") from None
        return json.dumps(wire, separators=(",", ":"), ensure_ascii=False).encode()

    def _assess(self, call: PreparedCall, outcome: httpx2.Response | Exception) -> float | None:
        """Log the attempt and decide: seconds to wait before retrying, or None to finish."""
        policy = self._retry
        method = call.operation.method
        if isinstance(outcome, httpx2.Response):
            status = outcome.status_code
            failed = status >= 400
            if self.config.logger.wants(failed):
                self._log(call, outcome, failed=failed)
            if not failed or not policy.enabled or not policy.status_is_retryable(method, status):
                return None
            retry_after = parse_retry_after(outcome.headers.get("retry-after"))
        else:
            if self.config.logger.wants(True):
                self._log(call, outcome, failed=True)
            if not policy.enabled or not self._transport_error_is_retryable(method, outcome):
                return None
            retry_after = None
        delay = policy.delay(call.retries, retry_after, time.monotonic() - call.started)
        if delay is not None:
            call.retries += 1
        return delay

    def _transport_error_is_retryable(self, method: str, error: Exception) -> bool:
        if isinstance(error, _NOTHING_SENT):
            # No connection was had, so nothing was sent: safe for every method.
            return self._retry.connect_error_is_retryable()
        if isinstance(error, httpx2.TimeoutException):
            return False
        # A connection that broke mid-way may hide a processed request.
        return method in IDEMPOTENT_METHODS and isinstance(error, httpx2.NetworkError)

    def _finish(self, call: PreparedCall, outcome: httpx2.Response | Exception) -> Any:
        """The call's result (model, None or ExtendedResponse), or raise its exception."""
        operation = call.operation
        if not isinstance(outcome, httpx2.Response):
            raise self._connection_error(operation, outcome) from outcome
        status = outcome.status_code
        if status == _PROXY_AUTHENTICATION_REQUIRED:
            raise self._proxy_refusal(operation, outcome)
        if status >= 400:
            raise self._status_error(operation, outcome)
        model = operation.response_model
        body: Any = None
        content = outcome.content
        if model is not None and content:
            report = _RESPONSES_LOG.isEnabledFor(logging.DEBUG)
            try:
                body, differences = model.parse_response(content, report=report)
            except ValueError as exc:
                raise ApiException(
                    f"{operation.name}: the service answered {status} with a body that is not "
                    f"a valid {model.__name__}: {self._redact(str(exc))}",
                    operation=operation.name,
                    status=status,
                    status_text=outcome.reason_phrase,
                    headers=outcome.headers,
                    text=self._safe_text(outcome),
                    error=exc,
                ) from None
            if differences:
                _RESPONSES_LOG.debug(
                    "%s: the %s answered differs from the swagger: %s",
                    operation.name,
                    model.__name__,
                    self._redact("; ".join(differences)),
                )
        if self._extended or _EXTENDED_HERE.get():
            return ExtendedResponse(
                status=status,
                status_text=outcome.reason_phrase,
                headers=dict(outcome.headers),
                body=body,
                text=outcome.text,
            )
        return body

    def _status_error(self, operation: Operation[Any], response: httpx2.Response) -> ApiException:
        from .models.api import ErrorBody  # loaded by the first failed call, not at import

        error_body: ErrorBody | None = None
        content = response.content
        if content:
            try:
                error_body = ErrorBody.parse_response(content)[0]
            except ValueError:
                error_body = None  # a gateway's HTML page, say: the status still tells
        status = response.status_code
        code = error_body.code if error_body is not None else None
        detail = (error_body.message if error_body is not None else None) or response.reason_phrase
        correlation = response.headers.get("inin-correlation-id") or (
            error_body.context_id if error_body is not None else None
        )
        message = f"{operation.name} failed: HTTP {status}" + (f" {code}" if code else "")
        if detail:
            message += f": {detail}"
        if correlation:
            message += f" (correlation id {correlation})"
        cls = exception_class_for_status(status)
        return cls(
            self._redact(message),
            operation=operation.name,
            status=status,
            status_text=response.reason_phrase,
            headers=response.headers,
            body=error_body,
            text=self._safe_text(response),
        )

    def _connection_error(self, operation: Operation[Any], error: Exception) -> ApiException:
        timed_out = isinstance(error, httpx2.TimeoutException)
        reason = self._redact(str(error) or type(error).__name__)
        service = self._redact(self._base_path)
        if self._proxy_url is not None:
            proxy = _without_credentials(self._proxy_url)
            # With a proxy set, the connection the client opens is the one to the proxy.
            not_reached = f"the service at {service} was not reached"
            if isinstance(error, httpx2.ConnectTimeout):
                return APITimeoutError(
                    f"{operation.name} timed out connecting to the proxy at {proxy} "
                    f"({not_reached}): {reason}",
                    operation=operation.name,
                    error=error,
                )
            if isinstance(error, httpx2.ConnectError):
                return ProxyError(
                    f"{operation.name} could not reach the proxy at {proxy} ({not_reached}): "
                    f"{reason}",
                    operation=operation.name,
                    error=error,
                )
            if isinstance(error, httpx2.ProxyError):
                return ProxyError(
                    f"{operation.name}: the proxy at {proxy} refused to open a tunnel to the "
                    f"service at {service}: {reason}",
                    operation=operation.name,
                    error=error,
                )
        cls = APITimeoutError if timed_out else APIConnectionError
        what = "timed out" if timed_out else "could not reach the service"
        return cls(
            f"{operation.name} {what} at {service}: {reason}", operation=operation.name, error=error
        )

    def _proxy_refusal(self, operation: Operation[Any], response: httpx2.Response) -> ProxyError:
        if self._proxy_url is None:
            # A proxy the environment put in the way (HTTP_PROXY and the like).
            proxy, has_credentials = "a proxy on the way", False
        else:
            proxy = f"the proxy at {_without_credentials(self._proxy_url)}"
            has_credentials = "@" in urlsplit(self._proxy_url).netloc
        what = "refused the proxy credentials" if has_credentials else "requires authentication"
        hint = "" if has_credentials else "; set the proxy's 'auth' (username and password)"
        return ProxyError(
            f"{operation.name}: {proxy} {what} (HTTP {response.status_code} "
            f"{response.reason_phrase}), so the service at {self._redact(self._base_path)} was "
            f"not reached{hint}",
            operation=operation.name,
            status=response.status_code,
            status_text=response.reason_phrase,
            headers=response.headers,
            text=self._safe_text(response),
        )

    def _safe_text(self, response: httpx2.Response) -> str:
        try:
            return self._redact(response.text)
        except (UnicodeDecodeError, LookupError):
            return ""

    def _redact(self, text: str) -> str:
        return redact_text(text, (self._jwt,) if self._jwt else ())

    def _log(
        self, call: PreparedCall, outcome: httpx2.Response | Exception, *, failed: bool
    ) -> None:
        request = call.request
        response = outcome if isinstance(outcome, httpx2.Response) else None
        exchange = Exchange(
            operation=call.operation.name,
            method=request.method,
            url=str(request.url),
            request_headers=request.headers,
            request_body=call.body,
            status=response.status_code if response is not None else 0,
            status_text=response.reason_phrase if response is not None else "",
            response_headers=response.headers if response is not None else None,
            response_body=response.content if response is not None else None,
            elapsed_ms=(time.monotonic() - call.started) * 1000,
            error=None if response is not None else f"{type(outcome).__name__}: {outcome}",
        )
        self.config.logger.log_exchange(
            exchange, failed=failed, secrets=(self._jwt,) if self._jwt else ()
        )

    def __repr__(self) -> str:
        jwt = "set" if self._jwt else "unset"
        return f"{type(self).__name__}(base_path={self._base_path!r}, jwt={jwt})"
