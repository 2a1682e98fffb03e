"""Independent clients used concurrently, extended responses, the proxy, canned gateway answers."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from purecloud_guest_chat_client import (
    ApiClient,
    ApiException,
    AsyncApiClient,
    AsyncWebChatApi,
    ExtendedResponse,
    InternalServerError,
    ProxyError,
    RetryPolicy,
    WebChatApi,
)

from ..helpers import create_body
from ._local_http import Canned, canned_server, dead_port, forward_proxy
from .conftest import Chat, attach_stream, open_chat


def test_many_clients_with_their_own_jwts_in_threads(service: Any) -> None:
    chats = [open_chat(service.base_url, f"Guest {n}") for n in range(6)]
    try:

        def converse(chat: Chat) -> set[str | None]:
            for n in range(5):
                chat.api.post_webchat_guest_conversation_member_messages(
                    chat.id, chat.member_id, {"body": f"{chat.member_id} {n}"}
                )
            page = chat.api.get_webchat_guest_conversation_messages(chat.id, max_results=100)
            return {m.sender.id for m in page.entities or [] if m.body.startswith(chat.member_id)}

        with ThreadPoolExecutor(6) as pool:
            senders = list(pool.map(converse, chats))
        for chat, seen in zip(chats, senders, strict=True):
            assert seen == {chat.member_id}
    finally:
        for chat in chats:
            chat.socket.close()
            chat.client.close()


async def test_many_async_clients_concurrently(service: Any) -> None:
    async def guest(n: int) -> tuple[str, str]:
        async with AsyncApiClient(service.base_url) as client:
            api = AsyncWebChatApi(client)
            created = await api.post_webchat_guest_conversations(create_body(f"Async {n}"))
            assert created.jwt and created.id and created.member and created.member.id
            client.set_jwt(created.jwt)
            socket = await asyncio.to_thread(attach_stream, created)
            try:
                sent = await api.post_webchat_guest_conversation_member_messages(
                    created.id, created.member.id, {"body": f"from {n}"}
                )
                me = await api.get_webchat_guest_conversation_member(created.id, created.member.id)
                assert me.display_name == f"Async {n}"
                return sent.body, f"from {n}"
            finally:
                socket.close()

    results = await asyncio.gather(*(guest(n) for n in range(8)))
    assert all(got == expected for got, expected in results)


def test_extended_responses(chat: Chat) -> None:
    chat.client.set_return_extended_responses(True)
    response: Any = chat.api.get_webchat_guest_conversation_member(chat.id, chat.member_id)
    assert isinstance(response, ExtendedResponse)
    assert response.status == 200 and response.error is None
    assert response.body.id == chat.member_id
    assert response.headers["inin-correlation-id"] == response.correlation_id
    assert chat.member_id in response.text
    left: Any = chat.api.delete_webchat_guest_conversation_member(chat.id, chat.member_id)
    assert isinstance(left, ExtendedResponse) and left.status == 204 and left.body is None
    chat.client.set_return_extended_responses(False)
    with pytest.raises(TypeError):
        chat.client.set_return_extended_responses("yes")  # type: ignore[arg-type]


def test_call_extended_is_typed_and_leaves_the_client_setting_alone(service: Any) -> None:
    with ApiClient(service.base_url) as client:
        api = WebChatApi(client)
        created = api.call_extended(api.post_webchat_guest_conversations, create_body("Typed"))
        assert created.status == 200 and created.body.jwt and created.body.id
        assert created.body.jwt in created.text
        assert created.body.jwt not in repr(created)
        client.set_jwt(created.body.jwt)
        assert created.body.member is not None and created.body.member.id
        member = api.get_webchat_guest_conversation_member(created.body.id, created.body.member.id)
        assert not isinstance(member, ExtendedResponse)
        assert not client.return_extended_responses
        other = WebChatApi(client)
        with pytest.raises(TypeError, match="own methods"):
            api.call_extended(other.get_webchat_guest_conversation_member, "c", "m")
        with pytest.raises(TypeError, match="own methods"):
            api.call_extended(client.set_jwt, created.body.jwt)

        class Polite(WebChatApi):
            def greeting(self, name: str) -> str:
                return f"Hello {name}"

        polite = Polite(client)
        with pytest.raises(TypeError, match="greeting is not an API operation"):
            polite.call_extended(polite.greeting, "Ada")


async def test_async_call_extended(service: Any) -> None:
    async with AsyncApiClient(service.base_url) as client:
        api = AsyncWebChatApi(client)
        created = await api.call_extended(
            api.post_webchat_guest_conversations, create_body("Async typed")
        )
        assert created.status == 200 and created.body.jwt and created.body.id
        client.set_jwt(created.body.jwt)
        page = await api.call_extended(api.get_webchat_guest_conversation_messages, created.body.id)
        assert page.status == 200 and page.correlation_id
        assert not isinstance(
            await api.get_webchat_guest_conversation_messages(created.body.id), ExtendedResponse
        )


def test_proxy_dict_with_auth_carries_traffic(service: Any) -> None:
    with forward_proxy() as (proxy_url, log):
        port = int(proxy_url.rsplit(":", 1)[1])
        with ApiClient(service.base_url) as client:
            client.proxy = {
                "host": "127.0.0.1",
                "port": port,
                "protocol": "http",
                "auth": {"username": "john_doe", "password": "abc 123"},
            }
            created = WebChatApi(client).post_webchat_guest_conversations(create_body())
            assert created.id
    assert [request.method for request in log.requests] == ["POST"]
    assert log.requests[0].url.startswith(service.base_url + "/api/v2/webchat/guest/conversations")
    assert log.requests[0].proxy_authorization == "Basic am9obl9kb2U6YWJjIDEyMw=="


async def test_proxy_url_for_async_client(service: Any) -> None:
    with forward_proxy() as (proxy_url, log):
        async with AsyncApiClient(service.base_url, proxy=proxy_url) as client:
            created = await AsyncWebChatApi(client).post_webchat_guest_conversations(create_body())
            assert created.id
    assert len(log.requests) == 1 and log.requests[0].proxy_authorization is None


def test_a_dead_proxy_is_named_as_the_proxy(service: Any) -> None:
    port = dead_port()
    with ApiClient(service.base_url, retry=RetryPolicy.disabled()) as client:
        client.proxy = {"host": "127.0.0.1", "port": port, "protocol": "http"}
        with pytest.raises(ProxyError) as caught:
            WebChatApi(client).post_webchat_guest_conversations(create_body())
    message = str(caught.value)
    assert message.startswith(
        f"post_webchat_guest_conversations could not reach the proxy at http://127.0.0.1:{port}"
    )
    assert f"the service at {service.base_url} was not reached" in message
    assert caught.value.status == 0 and caught.value.error is not None


async def test_a_dead_proxy_is_named_by_the_async_client_too(service: Any) -> None:
    port = dead_port()
    proxy = f"http://user:s3cret@127.0.0.1:{port}"
    async with AsyncApiClient(service.base_url, proxy=proxy, retry=RetryPolicy.disabled()) as c:
        with pytest.raises(
            ProxyError, match=f"could not reach the proxy at http://127.0.0.1:{port}"
        ):
            await AsyncWebChatApi(c).post_webchat_guest_conversations(create_body())


PROXY_407 = Canned(
    407,
    b"<html>Proxy Authentication Required</html>",
    "text/html",
    {"Proxy-Authenticate": 'Basic realm="office"'},
)


@pytest.mark.parametrize("credentials", [None, {"username": "ann", "password": "wrong"}])
def test_a_proxy_407_is_named_as_the_proxy(credentials: dict[str, str] | None) -> None:
    with canned_server(PROXY_407) as (proxy_url, hits):
        port = int(proxy_url.rsplit(":", 1)[1])
        # The service is never reached: the proxy answers first.
        with ApiClient(f"http://127.0.0.1:{dead_port()}", retry=RetryPolicy.disabled()) as client:
            setting: dict[str, Any] = {"host": "127.0.0.1", "port": port}
            if credentials:
                setting["auth"] = credentials
            client.proxy = setting
            with pytest.raises(ProxyError) as caught:
                WebChatApi(client).post_webchat_guest_conversations(create_body())
    assert len(hits) == 1
    error = caught.value
    assert error.status == 407 and error.headers["proxy-authenticate"] == 'Basic realm="office"'
    expected = "refused the proxy credentials" if credentials else "requires authentication"
    assert f"the proxy at http://127.0.0.1:{port} {expected} (HTTP 407" in str(error)
    assert "wrong" not in str(error)


def test_a_proxy_refusing_the_tunnel_with_407_is_named_as_the_proxy() -> None:
    # An https:// service is reached through a CONNECT tunnel, which the proxy refuses.
    service_url = f"https://127.0.0.1:{dead_port()}"
    with (
        canned_server(PROXY_407) as (proxy_url, hits),
        ApiClient(service_url, proxy=proxy_url, retry=RetryPolicy.disabled()) as client,
        pytest.raises(ProxyError) as caught,
    ):
        WebChatApi(client).post_webchat_guest_conversations(create_body())
    assert hits and hits[0].startswith("CONNECT ")
    assert f"the proxy at {proxy_url} refused" in str(caught.value)
    assert "407" in str(caught.value)


@pytest.mark.parametrize(
    "bad",
    [{"port": 1}, {"host": "h", "protocol": "gopher"}, {"host": "h", "auth": "x"}, "no-scheme", 5],
)
def test_bad_proxy_settings_name_the_problem(bad: Any) -> None:
    with ApiClient() as client, pytest.raises((ValueError, TypeError), match="proxy"):
        client.proxy = bad


def test_gateway_html_502_becomes_internal_server_error() -> None:
    html = Canned(502, b"<html><body>Bad Gateway</body></html>", "text/html")
    with (
        canned_server(html) as (url, hits),
        ApiClient(url, jwt="token", retry=RetryPolicy(max_retries=2, backoff_initial=0.01)) as c,
        pytest.raises(InternalServerError) as caught,
    ):
        WebChatApi(c).get_webchat_guest_conversation_member("c", "m")
    assert caught.value.status == 502 and caught.value.body is None
    assert "Bad Gateway" in caught.value.text
    assert len(hits) == 3  # a GET behind a 502 is retried


def test_success_with_invalid_json_raises_api_exception() -> None:
    with (
        canned_server(Canned(200, b"{not json")) as (url, _hits),
        ApiClient(url, jwt="token") as client,
        pytest.raises(ApiException) as caught,
    ):
        WebChatApi(client).get_webchat_guest_conversation_member("c", "m")
    assert caught.value.status == 200 and "not a valid WebChatMemberInfo" in str(caught.value)
    assert caught.value.error is not None
