"""Responses are parsed liberally: a 2xx body that differs from the swagger still gives a model.

A local HTTP server answers in the shapes the protocol note shows the real service sending: a
message whose sender is only ``{"id": ...}``, with no role.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import pytest

from purecloud_guest_chat_client import (
    ApiClient,
    ApiException,
    AsyncApiClient,
    AsyncWebChatApi,
    BadRequestError,
    BodyType,
    RetryPolicy,
    WebChatApi,
)

from ._local_http import Canned, canned_server

CID, MID = "c0ffee00-0000-4000-8000-000000000001", "c0ffee00-0000-4000-8000-000000000002"
# The message event body of the protocol note: the sender has an id and nothing else.
NOTE_MESSAGE: dict[str, Any] = {
    "id": "c0ffee00-0000-4000-8000-000000000003",
    "conversation": {"id": CID},
    "sender": {"id": MID},
    "body": "Hi, how are you?",
    "bodyType": "standard",
    "timestamp": "2019-06-18T16:59:22.277Z",
}
RESPONSES_LOGGER = "purecloud_guest_chat_client.responses"


def _answering(*bodies: dict[str, Any] | list[Any] | bytes) -> Any:
    return canned_server(
        *(Canned(200, b if isinstance(b, bytes) else json.dumps(b).encode()) for b in bodies)
    )


def _client(url: str) -> ApiClient:
    return ApiClient(url, jwt="token", retry=RetryPolicy.disabled())


def test_a_message_whose_sender_has_no_role_is_a_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with (
        _answering(NOTE_MESSAGE) as (url, _hits),
        _client(url) as client,
        caplog.at_level(logging.DEBUG, RESPONSES_LOGGER),
    ):
        sent = WebChatApi(client).post_webchat_guest_conversation_member_messages(
            CID, MID, {"body": "Hi, how are you?"}
        )
    assert sent.sender is not None and sent.sender.id == MID and sent.sender.role is None
    assert sent.body == "Hi, how are you?" and sent.body_type is BodyType.STANDARD
    assert sent.timestamp == datetime(2019, 6, 18, 16, 59, 22, 277000, tzinfo=UTC)
    lines = [r.getMessage() for r in caplog.records if r.name == RESPONSES_LOGGER]
    assert lines == [
        "post_webchat_guest_conversation_member_messages: the WebChatMessage answered differs "
        "from the swagger: sender.role: missing, though the swagger requires it"
    ]
    assert all(r.levelno == logging.DEBUG for r in caplog.records if r.name == RESPONSES_LOGGER)


def test_every_kind_of_difference_still_gives_a_model(caplog: pytest.LogCaptureFixture) -> None:
    odd = {
        "id": NOTE_MESSAGE["id"],
        "conversation": "not an object",
        "sender": {"id": MID, "role": "SUPERVISOR", "nickname": "Sam"},
        "bodyType": "carousel",
        "timestamp": 1560877162,
        "reactions": [{"emoji": "+1"}],
    }
    with (
        _answering(odd) as (url, _hits),
        _client(url) as client,
        caplog.at_level(logging.DEBUG, RESPONSES_LOGGER),
    ):
        message = WebChatApi(client).get_webchat_guest_conversation_message(CID, odd["id"])
    assert message.id == odd["id"]
    assert message.conversation is None  # the wrong type is left out
    assert message.body is None  # missing
    assert message.body_type == "carousel"  # an unknown enum value is kept as a string
    assert message.sender is not None and message.sender.role == "SUPERVISOR"
    assert message.sender.model_extra == {"nickname": "Sam"}  # unknown fields are kept
    assert message.model_extra == {"reactions": [{"emoji": "+1"}]}
    assert message.to_dict()["reactions"] == [{"emoji": "+1"}]
    (line,) = [r.getMessage() for r in caplog.records if r.name == RESPONSES_LOGGER]
    for difference in (
        "conversation: Input should be a valid dictionary",
        "(got a string), left out",
        "body: missing, though the swagger requires it",
        "bodyType: 'carousel' is not a known BodyType",
        "sender.role: 'SUPERVISOR' is not a known MemberRole",
        "sender: fields the swagger lacks, kept: nickname",
        "WebChatMessage: fields the swagger lacks, kept: reactions",
    ):
        assert difference in line
    # 1560877162 is a valid Unix time for pydantic, so that one is no difference at all.
    assert message.timestamp is not None


def test_a_list_item_of_the_wrong_kind_is_left_out_and_the_rest_kept() -> None:
    page = {"entities": [NOTE_MESSAGE, 42, {**NOTE_MESSAGE, "id": "m2", "timestamp": "soon"}]}
    with _answering(page) as (url, _hits), _client(url) as client:
        listed = WebChatApi(client).get_webchat_guest_conversation_messages(CID)
    assert listed.entities is not None
    assert [m.id for m in listed.entities] == [NOTE_MESSAGE["id"], "m2"]
    assert listed.entities[1].timestamp is None


async def test_the_async_client_is_as_liberal() -> None:
    typing = {"id": "t1", "sender": {"id": MID}, "timestamp": "2019-06-18T16:59:22.277Z"}
    with _answering(typing) as (url, _hits):
        async with AsyncApiClient(url, jwt="token", retry=RetryPolicy.disabled()) as client:
            sent = await AsyncWebChatApi(client).post_webchat_guest_conversation_member_typing(
                CID, MID
            )
    assert sent.id == "t1" and sent.conversation is None
    assert sent.sender is not None and sent.sender.role is None


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        ([NOTE_MESSAGE], "a JSON array, not an object"),
        (b'"hello"', "a JSON string, not an object"),
    ],
)
def test_only_a_body_that_is_not_a_json_object_is_an_error(body: Any, reason: str) -> None:
    with (
        _answering(body) as (url, _hits),
        _client(url) as client,
        pytest.raises(ApiException) as caught,
    ):
        WebChatApi(client).get_webchat_guest_conversation_message(CID, "m")
    assert caught.value.status == 200
    assert "not a valid WebChatMessage" in str(caught.value) and reason in str(caught.value)


def test_an_error_body_that_differs_from_the_swagger_is_still_read() -> None:
    body = {"status": "four hundred", "code": "chat.error.conversation.state", "extra": 1}
    with (
        canned_server(Canned(400, json.dumps(body).encode())) as (url, _hits),
        _client(url) as client,
        pytest.raises(BadRequestError) as caught,
    ):
        WebChatApi(client).get_webchat_guest_conversation_message(CID, "m")
    assert caught.value.code == "chat.error.conversation.state"
    assert caught.value.body is not None and caught.value.body.status is None


def test_nothing_is_logged_for_a_body_as_the_swagger_has_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    exact = {**NOTE_MESSAGE, "sender": {"id": MID, "role": "CUSTOMER"}}
    with (
        _answering(exact) as (url, _hits),
        _client(url) as client,
        caplog.at_level(logging.DEBUG, RESPONSES_LOGGER),
    ):
        WebChatApi(client).get_webchat_guest_conversation_message(CID, exact["id"])
    assert not [r for r in caplog.records if r.name == RESPONSES_LOGGER]
