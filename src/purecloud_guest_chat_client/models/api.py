"""The 21 definitions of the Guest Chat API, as the service's swagger states them.

What the client sends (the requests) is required as the swagger requires it. What the service
answers may lack any field, so a field the swagger requires in a response is
``RequiredInSwagger[T]``: None when the service left it out (see ``WireModel.parse_response``).
"""

from __future__ import annotations

from typing import Any

from ._base import RequiredInSwagger, Timestamp, WireModel
from .enums import (
    OpenBodyType,
    OpenLimitNamespace,
    OpenMediaRequestState,
    OpenMediaType,
    OpenMemberRole,
    OpenMemberState,
    OpenTargetType,
)


class WebChatRoutingTarget(WireModel):
    target_type: OpenTargetType
    target_address: str
    skills: list[str] | None = None
    language: str | None = None
    priority: int | None = None


class GuestMemberInfo(WireModel):
    display_name: str
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone_number: str | None = None
    avatar_image_url: str | None = None
    custom_fields: dict[str, Any] | None = None


class JourneyCustomer(WireModel):
    id: str
    id_type: str


class JourneyCustomerSession(WireModel):
    id: str
    type: str


class JourneyActionMap(WireModel):
    id: str
    version: int


class JourneyAction(WireModel):
    id: str
    action_map: JourneyActionMap


class JourneyContext(WireModel):
    customer: JourneyCustomer
    customer_session: JourneyCustomerSession | None = None
    triggering_action: JourneyAction | None = None


class CreateWebChatConversationRequest(WireModel):
    organization_id: str
    deployment_id: str
    routing_target: WebChatRoutingTarget
    member_info: GuestMemberInfo
    member_auth_token: str | None = None
    journey_context: JourneyContext | None = None


class WebChatMemberInfo(WireModel):
    id: str | None = None
    display_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone_number: str | None = None
    avatar_image_url: str | None = None
    role: RequiredInSwagger[OpenMemberRole] = None
    join_date: Timestamp | None = None
    leave_date: Timestamp | None = None
    authenticated_guest: bool | None = None
    custom_fields: dict[str, Any] | None = None
    state: OpenMemberState | None = None


class CreateWebChatConversationResponse(WireModel):
    id: str | None = None
    jwt: str | None = None
    event_stream_uri: str | None = None
    member: WebChatMemberInfo | None = None

    def __repr_args__(self) -> Any:
        # The JWT is a bearer credential, and the stream URI carries it too.
        for name, value in super().__repr_args__():
            yield (name, "[REDACTED]" if name in ("jwt", "event_stream_uri") and value else value)


class Detail(WireModel):
    error_code: str | None = None
    field_name: str | None = None
    entity_id: str | None = None
    entity_name: str | None = None


class Limit(WireModel):
    key: str | None = None
    namespace: OpenLimitNamespace | None = None
    value: int | None = None


class ErrorBody(WireModel):
    message: str | None = None
    code: str | None = None
    status: int | None = None
    entity_id: str | None = None
    entity_name: str | None = None
    message_with_params: str | None = None
    message_params: dict[str, Any] | None = None
    context_id: str | None = None
    details: list[Detail] | None = None
    errors: list[ErrorBody] | None = None
    limit: Limit | None = None


class WebChatGuestMediaRequest(WireModel):
    id: str | None = None
    name: str | None = None
    types: RequiredInSwagger[list[OpenMediaType]] = None
    state: RequiredInSwagger[OpenMediaRequestState] = None
    communication_id: str | None = None
    security_key: str | None = None
    self_uri: str | None = None


class WebChatGuestMediaRequestEntityList(WireModel):
    entities: list[WebChatGuestMediaRequest] | None = None


class WebChatConversation(WireModel):
    id: str | None = None
    name: str | None = None
    member: WebChatMemberInfo | None = None
    self_uri: str | None = None


class WebChatTyping(WireModel):
    id: RequiredInSwagger[str] = None
    conversation: RequiredInSwagger[WebChatConversation] = None
    sender: RequiredInSwagger[WebChatMemberInfo] = None
    timestamp: RequiredInSwagger[Timestamp] = None


class CreateWebChatMessageRequest(WireModel):
    body: str
    body_type: OpenBodyType | None = None


class WebChatMessage(WireModel):
    id: str | None = None
    name: str | None = None
    conversation: RequiredInSwagger[WebChatConversation] = None
    sender: RequiredInSwagger[WebChatMemberInfo] = None
    body: RequiredInSwagger[str] = None
    body_type: RequiredInSwagger[OpenBodyType] = None
    timestamp: RequiredInSwagger[Timestamp] = None
    self_uri: str | None = None


class WebChatMemberInfoEntityList(WireModel):
    entities: list[WebChatMemberInfo] | None = None
    page_size: int | None = None
    page_number: int | None = None
    total: int | None = None
    first_uri: str | None = None
    last_uri: str | None = None
    self_uri: str | None = None
    previous_uri: str | None = None
    next_uri: str | None = None
    page_count: int | None = None


class WebChatMessageEntityList(WireModel):
    page_size: int | None = None
    entities: list[WebChatMessage] | None = None
    previous_page: str | None = None
    next: str | None = None
    self_uri: str | None = None


ALL_MODELS: dict[str, type[WireModel]] = {
    model.__name__: model
    for model in (
        CreateWebChatConversationRequest,
        WebChatRoutingTarget,
        GuestMemberInfo,
        JourneyContext,
        JourneyCustomer,
        JourneyCustomerSession,
        JourneyAction,
        JourneyActionMap,
        CreateWebChatConversationResponse,
        WebChatMemberInfo,
        ErrorBody,
        Detail,
        Limit,
        WebChatGuestMediaRequest,
        WebChatGuestMediaRequestEntityList,
        WebChatTyping,
        WebChatConversation,
        CreateWebChatMessageRequest,
        WebChatMessage,
        WebChatMemberInfoEntityList,
        WebChatMessageEntityList,
    )
}
"""Every API model by its swagger name."""
