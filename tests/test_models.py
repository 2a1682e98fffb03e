"""The wire models against the service's swagger, and their parsing rules."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from purecloud_guest_chat_client import models
from purecloud_guest_chat_client.models import (
    ALL_MODELS,
    BodyType,
    ChannelMetadataFrame,
    CreateWebChatConversationRequest,
    CreateWebChatConversationResponse,
    MemberChangeFrame,
    MemberRole,
    MessageFrame,
    TypingFrame,
    UnknownFrame,
    WebChatMemberInfo,
    WebChatMessage,
    parse_frame,
)
from purecloud_guest_chat_client.models._base import REQUIRED_IN_SWAGGER

SWAGGER = (
    Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "guest-chat-swagger.json"
)


@pytest.fixture(scope="module")
def definitions() -> dict[str, Any]:
    if not SWAGGER.exists():
        pytest.skip("the reference swagger is not beside the project")
    data: dict[str, Any] = json.loads(SWAGGER.read_text())
    return data["definitions"]


def _enum_of(annotation: Any) -> set[str] | None:
    """The StrEnum values inside an ``Enum | str`` (or list thereof) annotation, if any."""
    stack = [annotation]
    while stack:
        current = stack.pop()
        if isinstance(current, type) and issubclass(current, StrEnum):
            return {member.value for member in current}
        stack.extend(getattr(current, "__args__", ()))
        metadata_origin = getattr(current, "__origin__", None)
        if metadata_origin is not None:
            stack.append(metadata_origin)
    return None


def test_every_swagger_definition_has_a_model(definitions: dict[str, Any]) -> None:
    assert set(definitions) == set(ALL_MODELS)
    assert len(ALL_MODELS) == 21


@pytest.mark.parametrize("name", sorted(ALL_MODELS))
def test_fields_required_and_enums_match_swagger(definitions: dict[str, Any], name: str) -> None:
    definition = definitions[name]
    model = ALL_MODELS[name]
    by_alias = {field.alias: field for field in model.model_fields.values()}

    assert set(by_alias) == set(definition.get("properties", {}))
    required = {
        alias
        for alias, field in by_alias.items()
        if field.is_required() or REQUIRED_IN_SWAGGER in field.metadata
    }
    assert required == set(definition.get("required", []))
    # The schema the local service publishes states them as the swagger does.
    schema = model.model_json_schema(mode="serialization", by_alias=True)
    assert set(schema.get("required", [])) == set(definition.get("required", []))

    for alias, schema in definition.get("properties", {}).items():
        expected = schema.get("enum") or schema.get("items", {}).get("enum")
        found = _enum_of(by_alias[alias].annotation)
        if expected:
            assert found == set(expected), f"{name}.{alias}"
        else:
            assert found is None, f"{name}.{alias} has an enum the swagger does not"


# What the service answers, and what those answers hold.
RESPONSE_MODELS = sorted(
    {
        "CreateWebChatConversationResponse",
        "WebChatMemberInfo",
        "WebChatMemberInfoEntityList",
        "WebChatMessage",
        "WebChatMessageEntityList",
        "WebChatConversation",
        "WebChatTyping",
        "WebChatGuestMediaRequest",
        "WebChatGuestMediaRequestEntityList",
        "ErrorBody",
        "Detail",
        "Limit",
    }
)


@pytest.mark.parametrize("name", RESPONSE_MODELS)
def test_a_response_may_lack_any_field(name: str) -> None:
    model = ALL_MODELS[name]
    assert not [field for field in model.model_fields.values() if field.is_required()]
    parsed, _ = model.parse_response(b"{}")
    assert parsed.to_dict() == {}


def test_the_protocol_notes_message_parses_and_names_what_the_swagger_lacks() -> None:
    raw = json.dumps(
        {
            "id": "m1",
            "conversation": {"id": "c1"},
            "sender": {"id": "s1"},
            "body": "Hi, how are you?",
            "bodyType": "standard",
            "timestamp": "2019-06-18T16:59:22.277Z",
        }
    )
    message, differences = WebChatMessage.parse_response(raw, report=True)
    assert message.sender is not None and message.sender.id == "s1"
    assert message.sender.role is None
    assert differences == ["sender.role: missing, though the swagger requires it"]
    assert WebChatMessage.parse_response(raw) == (message, [])
    # What is written back is what came in: nothing is added for what was missing.
    assert json.loads(message.to_json()) == json.loads(raw)


def test_snake_case_attributes_and_camel_case_wire() -> None:
    request = CreateWebChatConversationRequest.model_validate(
        {
            "organizationId": "org",
            "deploymentId": "dep",
            "routingTarget": {"targetType": "QUEUE", "targetAddress": "Chat Queue"},
            "memberInfo": {"displayName": "Ada", "profileImageUrl": "http://x/y.png"},
        }
    )
    assert request.routing_target.target_address == "Chat Queue"
    wire = request.to_dict()
    assert wire["routingTarget"] == {"targetType": "QUEUE", "targetAddress": "Chat Queue"}
    # Unknown fields survive a round trip.
    assert wire["memberInfo"]["profileImageUrl"] == "http://x/y.png"
    # Snake case works for construction too, and unset fields are omitted.
    built = CreateWebChatConversationRequest(
        organization_id="org",
        deployment_id="dep",
        routing_target={"target_type": "QUEUE", "target_address": "q"},  # type: ignore[arg-type]
        member_info={"displayName": "Ada"},  # type: ignore[arg-type]
    )
    assert built.to_dict() == {
        "organizationId": "org",
        "deploymentId": "dep",
        "routingTarget": {"targetType": "QUEUE", "targetAddress": "q"},
        "memberInfo": {"displayName": "Ada"},
    }


def test_missing_required_field_is_named() -> None:
    with pytest.raises(ValidationError, match="deploymentId"):
        CreateWebChatConversationRequest.model_validate(
            {
                "organizationId": "org",
                "routingTarget": {"targetType": "QUEUE", "targetAddress": "q"},
                "memberInfo": {"displayName": "Ada"},
            }
        )


def test_unknown_enum_value_is_kept_as_string() -> None:
    member = WebChatMemberInfo.model_validate({"role": "SUPERVISOR", "state": "CONNECTED"})
    assert member.role == "SUPERVISOR"
    assert member.state == "CONNECTED"
    assert isinstance(member.state, models.MemberState)
    assert WebChatMemberInfo.model_validate({"role": "AGENT"}).role is MemberRole.AGENT


def test_timestamps_are_aware_and_written_like_the_service() -> None:
    message = WebChatMessage.model_validate(
        {
            "conversation": {"id": "c"},
            "sender": {"id": "m", "role": "CUSTOMER"},
            "body": "hi",
            "bodyType": "standard",
            "timestamp": "2019-06-18T16:59:22",
        }
    )
    assert message.timestamp == datetime(2019, 6, 18, 16, 59, 22, tzinfo=UTC)
    assert message.to_dict()["timestamp"] == "2019-06-18T16:59:22.000Z"
    assert message.body_type is BodyType.STANDARD


def test_jwt_and_stream_uri_are_redacted_in_repr() -> None:
    response = CreateWebChatConversationResponse(
        id="c", jwt="eyJ.secret.sig", event_stream_uri="ws://h/v1/token/eyJ.secret.sig"
    )
    assert "secret" not in repr(response)
    assert "secret" not in str(response)
    assert response.jwt == "eyJ.secret.sig"


def _frame(kind: str, topic: str, body: dict[str, Any]) -> str:
    return json.dumps(
        {
            "topicName": topic,
            "version": "2",
            "eventBody": body,
            "metadata": {"CorrelationId": "corr", "type": kind},
        }
    )


def test_parse_known_frames() -> None:
    ref = {"conversation": {"id": "c1"}, "timestamp": "2019-06-18T16:59:22.277Z"}
    message = parse_frame(
        _frame(
            "message",
            "v2.conversations.chats.c1.messages",
            {**ref, "id": "m1", "sender": {"id": "s"}, "body": "hi", "bodyType": "member-join"},
        )
    )
    assert isinstance(message, MessageFrame)
    assert message.conversation_id == "c1"
    assert message.event_body.body_type is BodyType.MEMBER_JOIN
    assert message.metadata.correlation_id == "corr"

    typing = parse_frame(
        _frame(
            "typing-indicator",
            "v2.conversations.chats.c1.messages",
            {**ref, "id": "t", "sender": {"id": "s"}},
        )
    )
    assert isinstance(typing, TypingFrame)

    change = parse_frame(
        _frame(
            "member-change",
            "v2.conversations.chats.c1.members",
            {**ref, "member": {"id": "s", "state": "DISCONNECTED"}},
        )
    )
    assert isinstance(change, MemberChangeFrame)
    assert change.event_body.member.state == "DISCONNECTED"

    heartbeat = parse_frame(
        '{"topicName": "channel.metadata", "eventBody": {"message": "WebSocket Heartbeat"}}'
    )
    assert isinstance(heartbeat, ChannelMetadataFrame)
    assert heartbeat.is_heartbeat


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        b"\xff\xfe",
        "[1, 2]",
        "{}",
        '{"topicName": "x", "metadata": {"type": "brand-new"}}',
        '{"topicName": "x", "metadata": {"type": "message"}, "eventBody": {"id": 3}}',
        '{"topicName": "x", "metadata": "oops"}',
    ],
)
def test_unknown_and_malformed_frames_never_raise(raw: str | bytes) -> None:
    frame = parse_frame(raw)
    assert isinstance(frame, UnknownFrame)
    assert frame.reason
