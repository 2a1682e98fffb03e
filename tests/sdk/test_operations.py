"""Every operation, sync and async, against the local service."""

from __future__ import annotations

from typing import Any

import pytest

from purecloud_guest_chat_client import (
    ApiClient,
    AsyncApiClient,
    AsyncWebChatApi,
    JwtRequiredError,
    WebChatApi,
    models,
)
from purecloud_guest_chat_client.models import (
    CreateWebChatMessageRequest,
    MemberRole,
    MemberState,
)

from ..helpers import create_body
from .conftest import Chat, attach_stream, wait_for, wait_for_agent


def test_create_returns_typed_response_and_needs_no_jwt(service: Any) -> None:
    with ApiClient(service.base_url) as client:
        created = WebChatApi(client).post_webchat_guest_conversations(create_body())
    assert isinstance(created, models.CreateWebChatConversationResponse)
    assert created.jwt and created.id and created.member is not None
    assert created.member.role == MemberRole.CUSTOMER
    assert created.jwt not in repr(created)


def test_every_sync_operation(chat: Chat, control: Any) -> None:
    api, cid, mid = chat.api, chat.id, chat.member_id
    member = api.get_webchat_guest_conversation_member(cid, mid)
    assert isinstance(member, models.WebChatMemberInfo) and member.id == mid

    members = api.get_webchat_guest_conversation_members(
        cid, page_size=25, page_number=1, exclude_disconnected_members=False
    )
    assert mid in [entry.id for entry in members.entities or []]

    sent = api.post_webchat_guest_conversation_member_messages(
        cid, mid, CreateWebChatMessageRequest(body="as a model")
    )
    assert isinstance(sent, models.WebChatMessage) and sent.body == "as a model"
    from_dict = api.post_webchat_guest_conversation_member_messages(cid, mid, {"body": "as a dict"})
    assert from_dict.body == "as a dict"

    typing = api.post_webchat_guest_conversation_member_typing(cid, mid)
    assert isinstance(typing, models.WebChatTyping)

    assert sent.id is not None
    fetched = api.get_webchat_guest_conversation_message(cid, sent.id)
    assert fetched.id == sent.id and fetched.body == "as a model"

    page = api.get_webchat_guest_conversation_messages(
        cid, sort_order="descending", max_results=100
    )
    bodies = [message.body for message in page.entities or []]
    assert "as a model" in bodies and "as a dict" in bodies
    after = api.get_webchat_guest_conversation_messages(cid, after=sent.id, sort_order="ascending")
    assert "as a model" not in [message.body for message in after.entities or []]

    wait_for_agent(control, cid)
    control.media_request(cid, ["COBROWSE"])
    requests = api.get_webchat_guest_conversation_mediarequests(cid)
    assert requests.entities
    request_id = requests.entities[0].id
    assert request_id is not None
    one = api.get_webchat_guest_conversation_mediarequest(cid, request_id)
    assert one.state == "PENDING"
    patched = api.patch_webchat_guest_conversation_mediarequest(
        cid, request_id, {"types": ["COBROWSE"], "state": "ACCEPTED"}
    )
    assert patched.state == "ACCEPTED"

    assert api.delete_webchat_guest_conversation_member(cid, mid) is None
    wait_for(
        lambda: (
            api.get_webchat_guest_conversation_member(cid, mid).state == MemberState.DISCONNECTED
        ),
        "the guest to be disconnected",
    )


async def test_every_async_operation(service: Any, control: Any) -> None:
    async with AsyncApiClient(service.base_url) as client:
        api = AsyncWebChatApi(client)
        created = await api.post_webchat_guest_conversations(create_body("Async"))
        assert created.jwt and created.id and created.member and created.member.id
        client.set_jwt(created.jwt)
        socket = attach_stream(created)
        try:
            cid, mid = created.id, created.member.id
            member = await api.get_webchat_guest_conversation_member(cid, mid)
            assert member.id == mid
            members = await api.get_webchat_guest_conversation_members(cid, page_size=10)
            assert members.entities
            sent = await api.post_webchat_guest_conversation_member_messages(
                cid, mid, {"body": "hello"}
            )
            assert sent.id is not None
            typing = await api.post_webchat_guest_conversation_member_typing(cid, mid)
            assert typing.sender.id == mid
            assert (await api.get_webchat_guest_conversation_message(cid, sent.id)).body == "hello"
            page = await api.get_webchat_guest_conversation_messages(cid, max_results=5)
            assert any(message.id == sent.id for message in page.entities or [])
            wait_for_agent(control, cid)
            control.media_request(cid, ["SCREENSHARE"])
            listed = await api.get_webchat_guest_conversation_mediarequests(cid)
            assert listed.entities and listed.entities[0].id
            rid = listed.entities[0].id
            assert (await api.get_webchat_guest_conversation_mediarequest(cid, rid)).id == rid
            declined = await api.patch_webchat_guest_conversation_mediarequest(
                cid, rid, models.WebChatGuestMediaRequest(types=["SCREENSHARE"], state="DECLINED")
            )
            assert declined.state == "DECLINED"
            assert await api.delete_webchat_guest_conversation_member(cid, mid) is None
        finally:
            socket.close()


def test_create_sends_no_authorization_and_others_send_bearer(chat: Chat) -> None:
    headers = chat.client._anonymous_headers
    assert "Authorization" not in headers
    assert chat.client._auth_headers["Authorization"] == f"Bearer {chat.jwt}"


def test_call_without_jwt_raises_before_any_request(service: Any) -> None:
    with ApiClient(service.base_url) as client:
        with pytest.raises(JwtRequiredError, match="set_jwt"):
            WebChatApi(client).get_webchat_guest_conversation_member("c", "m")
        assert client._http is None  # no connection was even opened


@pytest.mark.parametrize(
    ("call", "problem"),
    [
        (lambda api: api.get_webchat_guest_conversation_member("", "m"), "conversationId"),
        (lambda api: api.get_webchat_guest_conversation_members("c", page_size=0), "page_size"),
        (lambda api: api.get_webchat_guest_conversation_members("c", page_size=True), "page_size"),
        (lambda api: api.get_webchat_guest_conversation_messages("c", max_results=101), "max"),
        (lambda api: api.get_webchat_guest_conversation_messages("c", sort_order="up"), "sort"),
        (lambda api: api.post_webchat_guest_conversation_member_messages("c", "m", {}), "body"),
        (lambda api: api.post_webchat_guest_conversation_member_messages("c", "m", 3), "body"),
        (lambda api: api.get_webchat_guest_conversation_member("c", "m", timeout=0), "timeout"),
    ],
)
def test_invalid_arguments_name_the_problem(call: Any, problem: str) -> None:
    with (
        ApiClient("http://127.0.0.1:9", jwt="eyJhbGciOi.eyJzdWIi.sig") as client,
        pytest.raises((ValueError, TypeError), match=problem),
    ):
        call(WebChatApi(client))


def test_default_instance_and_independent_clients() -> None:
    assert ApiClient.instance is ApiClient.instance
    assert WebChatApi().api_client is ApiClient.instance
    first, second = ApiClient(jwt="one"), ApiClient(jwt="two")
    assert (first.jwt, second.jwt) == ("one", "two")
    first.close()
    second.close()
    with pytest.raises(TypeError):
        AsyncWebChatApi(ApiClient.instance)  # type: ignore[arg-type]
