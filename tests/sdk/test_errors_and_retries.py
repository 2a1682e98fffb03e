"""Error classes, retries, the retry budget, ambiguous POSTs and timeouts, on the local service."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import httpx2
import pytest

from purecloud_guest_chat_client import (
    APIConnectionError,
    ApiException,
    APITimeoutError,
    AsyncApiClient,
    AsyncWebChatApi,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    LError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestEntityTooLargeError,
    RetryPolicy,
    ServiceUnavailableError,
    UnsupportedMediaTypeError,
)

from ..helpers import create_body
from ._local_http import unopenable_port
from .conftest import Chat, open_chat

FAST_RETRY = RetryPolicy(max_retries=3, backoff_initial=0.01, backoff_max=0.05)


def failed_attempts(caplog: pytest.LogCaptureFixture, status: int) -> int:
    return sum(
        1
        for record in caplog.records
        if getattr(record, "guest_chat_fields", {}).get("status") == status
    )


def count_logged_failures(chat: Chat) -> None:
    chat.client.config.logger.log_level = LError
    chat.client.config.logger.log_to_console = False
    chat.client.config.logger.set_logger()


def test_bad_request_carries_error_body_and_correlation_id(service: Any) -> None:
    chat = open_chat(service.base_url)
    chat.api.delete_webchat_guest_conversation_member(chat.id, chat.member_id)
    with pytest.raises(BadRequestError) as caught:
        chat.api.post_webchat_guest_conversation_member_messages(
            chat.id, chat.member_id, {"body": "too late"}
        )
    error = caught.value
    assert error.status == 400 and error.code == "chat.error.conversation.state"
    assert error.body is not None and error.body.context_id == error.correlation_id
    assert error.correlation_id and error.headers["inin-correlation-id"] == error.correlation_id
    assert "post_webchat_guest_conversation_member_messages" in str(error)
    assert "chat.error.conversation.state" in str(error) and "400" in str(error)
    assert error.text and chat.jwt not in str(error) and chat.jwt not in repr(error)
    chat.socket.close()
    chat.client.close()


def test_authentication_error_for_a_bad_jwt(chat: Chat) -> None:
    chat.client.set_jwt("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bm90LWEtc2lnbmF0dXJl")
    with pytest.raises(AuthenticationError) as caught:
        chat.api.get_webchat_guest_conversation_member(chat.id, chat.member_id)
    assert caught.value.status == 401 and "eyJ" not in str(caught.value)


def test_not_found(chat: Chat) -> None:
    with pytest.raises(NotFoundError) as caught:
        chat.api.get_webchat_guest_conversation_message(chat.id, "no-such-message")
    assert caught.value.status == 404 and caught.value.code


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (403, PermissionDeniedError),
        (409, ConflictError),
        (413, RequestEntityTooLargeError),
        (415, UnsupportedMediaTypeError),
        (429, RateLimitError),
        (500, InternalServerError),
        (502, InternalServerError),
        (503, ServiceUnavailableError),
        (504, InternalServerError),
    ],
)
def test_status_maps_to_error_class(
    chat: Chat, control: Any, status: int, error_class: type[ApiException]
) -> None:
    chat.client.retry = RetryPolicy.disabled()
    control.set_faults(errors=[{"status": status, "count": 1, "method": "GET", "retryAfter": 0}])
    with pytest.raises(error_class) as caught:
        chat.api.get_webchat_guest_conversation_member(chat.id, chat.member_id)
    assert caught.value.status == status
    assert caught.value.body is not None and caught.value.correlation_id
    if status == 429:
        assert isinstance(caught.value, RateLimitError) and caught.value.retry_after == 0
    assert chat.api.get_webchat_guest_conversation_member(chat.id, chat.member_id).id


def test_retry_after_is_honoured_then_succeeds(
    chat: Chat, control: Any, caplog: pytest.LogCaptureFixture
) -> None:
    count_logged_failures(chat)
    chat.client.retry = RetryPolicy(max_retries=3, retry_after_cap=5)
    control.set_faults(errors=[{"status": 429, "count": 1, "method": "GET", "retryAfter": 1}])
    with caplog.at_level(logging.DEBUG):
        member = chat.api.get_webchat_guest_conversation_member(chat.id, chat.member_id)
    assert member.id == chat.member_id
    assert failed_attempts(caplog, 429) == 1


def test_retry_after_beyond_the_cap_is_not_waited_for(chat: Chat, control: Any) -> None:
    chat.client.retry = RetryPolicy(max_retries=3, retry_after_cap=1)
    control.set_faults(errors=[{"status": 429, "count": 1, "method": "GET", "retryAfter": 120}])
    with pytest.raises(RateLimitError) as caught:
        chat.api.get_webchat_guest_conversation_member(chat.id, chat.member_id)
    assert caught.value.retry_after == 120


def test_retry_budget_stops_retrying(
    chat: Chat, control: Any, caplog: pytest.LogCaptureFixture
) -> None:
    count_logged_failures(chat)
    chat.client.retry = RetryPolicy(
        max_retries=50, backoff_initial=0.05, backoff_max=0.05, total_budget=0.3
    )
    control.set_faults(errors=[{"status": 502, "count": 1000, "method": "GET"}])
    with caplog.at_level(logging.DEBUG), pytest.raises(InternalServerError):
        chat.api.get_webchat_guest_conversation_member(chat.id, chat.member_id)
    control.clear_faults()
    attempts = failed_attempts(caplog, 502)
    assert 2 <= attempts < 51


def test_max_retries_is_respected(
    chat: Chat, control: Any, caplog: pytest.LogCaptureFixture
) -> None:
    count_logged_failures(chat)
    chat.client.retry = RetryPolicy(max_retries=2, backoff_initial=0.01, backoff_max=0.01)
    control.set_faults(errors=[{"status": 504, "count": 10, "method": "GET"}])
    with caplog.at_level(logging.DEBUG), pytest.raises(InternalServerError):
        chat.api.get_webchat_guest_conversation_member(chat.id, chat.member_id)
    control.clear_faults()
    assert failed_attempts(caplog, 504) == 3


def messages_with_body(chat: Chat, body: str) -> int:
    page = chat.api.get_webchat_guest_conversation_messages(chat.id, max_results=100)
    return sum(1 for m in page.entities or [] if m.body == body and m.sender.id == chat.member_id)


def test_post_is_retried_on_503_and_sent_once(chat: Chat, control: Any) -> None:
    chat.client.retry = FAST_RETRY
    control.set_faults(
        errors=[
            {
                "status": 503,
                "count": 2,
                "method": "POST",
                "pathContains": "/messages",
                "retryAfter": 0,
            }
        ]
    )
    sent = chat.api.post_webchat_guest_conversation_member_messages(
        chat.id, chat.member_id, {"body": "once"}
    )
    assert sent.body == "once"
    assert messages_with_body(chat, "once") == 1


def test_ambiguous_post_502_is_not_retried(chat: Chat, control: Any) -> None:
    chat.client.retry = FAST_RETRY
    control.set_faults(
        errors=[{"status": 502, "count": 1, "method": "POST", "pathContains": "/messages"}]
    )
    with pytest.raises(InternalServerError) as caught:
        chat.api.post_webchat_guest_conversation_member_messages(
            chat.id, chat.member_id, {"body": "maybe"}
        )
    assert caught.value.status == 502
    # The fault was used up by the single attempt: the next send goes through.
    chat.api.post_webchat_guest_conversation_member_messages(
        chat.id, chat.member_id, {"body": "next"}
    )


def test_per_call_timeout_raises_api_timeout(chat: Chat, control: Any) -> None:
    control.set_faults(latencyMs=1500)
    try:
        with pytest.raises(APITimeoutError) as caught:
            chat.api.get_webchat_guest_conversation_member(chat.id, chat.member_id, timeout=0.2)
        assert caught.value.status == 0 and "timed out" in str(caught.value)
        assert isinstance(caught.value, APIConnectionError)
    finally:
        control.clear_faults()


def test_client_timeout_applies(chat: Chat, control: Any) -> None:
    chat.client.timeout = 0.2
    control.set_faults(latencyMs=1500)
    try:
        with pytest.raises(APITimeoutError):
            chat.api.get_webchat_guest_conversation_members(chat.id)
    finally:
        control.clear_faults()


def test_connection_refused_is_retried_then_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from purecloud_guest_chat_client import ApiClient, WebChatApi

    with ApiClient("http://127.0.0.1:9", retry=FAST_RETRY) as client:
        client.config.logger.log_level = LError
        client.config.logger.log_to_console = False
        client.config.logger.set_logger()
        with caplog.at_level(logging.DEBUG), pytest.raises(APIConnectionError) as caught:
            WebChatApi(client).post_webchat_guest_conversations(create_body())
    assert not isinstance(caught.value, APITimeoutError)
    assert failed_attempts(caplog, 0) == 4


def test_connect_timeout_is_retried_like_a_refused_connection(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from purecloud_guest_chat_client import ApiClient, WebChatApi

    with unopenable_port() as base_url:
        for policy, attempts in (
            (FAST_RETRY, 4),
            (replace(FAST_RETRY, retry_connect_errors=False), 1),
        ):
            caplog.clear()
            with ApiClient(base_url, timeout=0.2, retry=policy) as client:
                client.config.logger.log_level = LError
                client.config.logger.log_to_console = False
                client.config.logger.set_logger()
                with caplog.at_level(logging.DEBUG), pytest.raises(APITimeoutError) as caught:
                    # A POST: retried even though it is not idempotent, since nothing was sent.
                    WebChatApi(client).post_webchat_guest_conversations(create_body())
            assert caught.value.status == 0
            assert failed_attempts(caplog, 0) == attempts


@pytest.mark.parametrize(
    ("error", "method", "retried"),
    [
        (httpx2.ConnectError("refused"), "POST", True),
        (httpx2.ConnectTimeout("connect timed out"), "POST", True),
        (httpx2.PoolTimeout("no free connection"), "POST", True),
        (httpx2.ReadTimeout("read timed out"), "GET", False),
        (httpx2.WriteTimeout("write timed out"), "POST", False),
        (httpx2.ReadError("connection reset"), "GET", True),
        (httpx2.ReadError("connection reset"), "POST", False),
    ],
)
def test_which_transport_failures_are_retried(error: Exception, method: str, retried: bool) -> None:
    from purecloud_guest_chat_client import ApiClient

    with ApiClient("http://127.0.0.1:9", retry=FAST_RETRY) as client:
        assert client._transport_error_is_retryable(method, error) is retried


async def test_async_errors_and_retries(service: Any, control: Any) -> None:
    async with AsyncApiClient(service.base_url, retry=FAST_RETRY) as client:
        api = AsyncWebChatApi(client)
        control.set_faults(errors=[{"status": 503, "count": 2, "method": "POST", "retryAfter": 0}])
        created = await api.post_webchat_guest_conversations(create_body())
        assert created.jwt
        client.set_jwt(created.jwt)
        assert created.id and created.member and created.member.id
        with pytest.raises(NotFoundError):
            await api.get_webchat_guest_conversation_message(created.id, "missing")
        control.set_faults(latencyMs=1000)
        try:
            with pytest.raises(APITimeoutError):
                await api.get_webchat_guest_conversation_members(created.id, timeout=0.2)
        finally:
            control.clear_faults()
