"""The client's retries against the local service: the REST history after a 429 (its
Retry-After honoured within the budget, then a clear error) and the configure of an
authenticated session whose JWT was refused (refreshed and tried again once; a refused refresh
a typed error that names no secret)."""

from __future__ import annotations

import httpx2
import pytest

from purecloud_guest_chat_client.emulator import AsyncControlClient, LocalService
from purecloud_guest_chat_client.models.web_messaging_protocol import (
    HISTORY_PATH,
    TOKEN_EXCHANGE_PATH,
)
from purecloud_guest_chat_client.webmessaging import (
    RateLimitExceededError,
    WebMessagingAuthError,
    WebMessagingClient,
)

from .conftest import DEPLOYMENT


def _history_429(count: int, retry_after: int = 0) -> list[dict[str, object]]:
    return [
        {
            "status": 429,
            "count": count,
            "method": "GET",
            "pathContains": HISTORY_PATH,
            "retryAfter": retry_after,
        }
    ]


async def test_the_history_waits_out_a_429_and_reads_on(
    client: WebMessagingClient, control: AsyncControlClient
) -> None:
    await client.send_text("before the limit")
    await control.set_faults(errors=_history_429(2))
    history = await client.history()
    assert "before the limit" in [message.text for message in history]
    assert (await control.faults())["errors"] == []  # both refusals were spent


async def test_the_history_gives_up_past_its_retries(
    service: LocalService, control: AsyncControlClient
) -> None:
    async with WebMessagingClient(DEPLOYMENT, service.base_url, rate_limit_retries=1) as client:
        await control.set_faults(errors=_history_429(5))
        with pytest.raises(RateLimitExceededError) as refused:
            await client.history()
    assert refused.value.retry_after == 0
    assert "history" in str(refused.value)
    # One try and one retry: the other refusals are left for nobody.
    [rule] = (await control.faults())["errors"]
    assert rule["count"] == 3


async def test_the_history_gives_up_when_the_wait_exceeds_the_budget(
    service: LocalService, control: AsyncControlClient
) -> None:
    async with WebMessagingClient(DEPLOYMENT, service.base_url, rate_limit_budget=1.0) as client:
        await control.set_faults(errors=_history_429(1, retry_after=30))
        with pytest.raises(RateLimitExceededError) as refused:
            await client.history()
    assert refused.value.retry_after == 30


# The service's sign-in JWTs live for hours; one it refuses at configure as it would a stale
# one is a JWT it never signed.
REFUSED_JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbm4ifQ.bm90LXNpZ25lZC1oZXJl"


async def _signed_in_jwt(service: LocalService) -> tuple[str, str]:
    """The JWT and refresh token of a sign-in, from the code exchange on the wire."""
    oauth = {"code": "a-good-code", "redirectUri": "https://shop.example.com/back"}
    async with httpx2.AsyncClient(base_url=service.base_url) as http:
        answer = await http.post(
            TOKEN_EXCHANGE_PATH, json={"deploymentId": DEPLOYMENT, "oauth": oauth}
        )
    assert answer.is_success, answer.text
    body = answer.json()
    return body["jwt"], body["refreshToken"]


async def test_a_refused_jwt_at_configure_is_refreshed_and_the_configure_retried(
    service: LocalService,
) -> None:
    _, refresh_token = await _signed_in_jwt(service)
    client = WebMessagingClient(DEPLOYMENT, service.base_url)
    try:
        client.use_authentication(REFUSED_JWT, refresh_token)
        info = await client.connect()
        assert info.connected
        echo = await client.send_text("signed in again")
        assert echo.text == "signed in again"
    finally:
        await client.close()


async def test_without_a_refresh_token_the_refused_jwt_is_the_error(
    service: LocalService,
) -> None:
    client = WebMessagingClient(DEPLOYMENT, service.base_url, reconnect=False)
    try:
        client.use_authentication(REFUSED_JWT)
        with pytest.raises(WebMessagingAuthError) as refused:
            await client.connect()
        assert REFUSED_JWT not in f"{refused.value} {refused.value!r}"
    finally:
        await client.close()


async def test_a_refused_refresh_at_configure_is_an_auth_error_naming_no_secret(
    service: LocalService,
) -> None:
    refresh_token = "not-a-refresh-token-of-this-service"
    client = WebMessagingClient(DEPLOYMENT, service.base_url, reconnect=False)
    try:
        client.use_authentication(REFUSED_JWT, refresh_token)
        with pytest.raises(WebMessagingAuthError) as refused:
            await client.connect()
        assert refused.value.code == 401
        shown = f"{refused.value} {refused.value!r}"
        assert REFUSED_JWT not in shown and refresh_token not in shown
        assert not client.connected
    finally:
        await client.close()
