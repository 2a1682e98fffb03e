"""What the guest API and the control API share: the entries of their route tables, which both
the routes and the OpenAPI document are built from, and the request and response pieces both
APIs read and write (a message request, the member a path names, a typing answer)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..models import BodyType, WebChatConversation, WebChatMemberInfo, WebChatTyping
from ..models.protocol import MAX_MESSAGE_LENGTH
from .api_error import ApiError
from .http_io import json_object, method_routes
from .records import Conversation, Member
from .runtime import Runtime

MAX_PAGE_NUMBER = 1_000_000
# What a guest or an agent may send; the other body types are the service's own notices.
SENDABLE_BODY_TYPES = (BodyType.STANDARD.value, BodyType.NOTICE.value)

Handler = Callable[[Request, Runtime], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class RouteEntry:
    """One operation of an API: its path (with ``{snake_case}`` parameters), its method, the
    handler that answers it and its ``operationId`` in the OpenAPI document."""

    path: str
    method: str
    handler: Handler
    operation_id: str


def mount(table: Sequence[RouteEntry], endpoint: Callable[[Handler], Endpoint]) -> list[Route]:
    """The routes of a table, each handler made an endpoint by ``endpoint``."""
    return method_routes([(entry.path, entry.method, endpoint(entry.handler)) for entry in table])


def path_member(conversation: Conversation, member_id: str) -> Member:
    """The member of the conversation that a path names, or a 404."""
    member = conversation.members.get(member_id)
    if member is None:
        raise ApiError.chat_not_found("web chat conversation member")
    return member


def _message_body_not_null() -> ApiError:
    return ApiError.not_null("chat.error.notnull.createconversationmessagerequest.body", "body")


async def message_request(request: Request) -> tuple[str, str]:
    """The ``{body, bodyType}`` of a message request, validated."""
    return message_fields(await message_object(request))


async def message_object(request: Request) -> dict[str, Any]:
    """A message request's JSON object, as it came."""
    return await json_object(request, _message_body_not_null)


def message_fields(data: dict[str, Any]) -> tuple[str, str]:
    """The ``{body, bodyType}`` of a message request's object, validated."""
    body = data.get("body")
    if body is None:
        raise _message_body_not_null()
    if not isinstance(body, str):
        raise ApiError.invalid_value("body", str(body)[:100], "a string")
    if len(body) > MAX_MESSAGE_LENGTH:
        raise ApiError.constraint(
            f"body: the message is {len(body)} characters; at most {MAX_MESSAGE_LENGTH} are allowed"
        )
    body_type = data.get("bodyType")
    if body_type is None:
        body_type = BodyType.STANDARD.value
    elif not isinstance(body_type, str) or body_type not in SENDABLE_BODY_TYPES:
        allowed = ", ".join(SENDABLE_BODY_TYPES)
        raise ApiError.invalid_value("bodyType", str(body_type)[:100], allowed)
    return body, body_type


def typing_response(conversation: Conversation, member: Member, typing_id: str, at: Any) -> Any:
    return WebChatTyping(
        id=typing_id,
        conversation=WebChatConversation(id=conversation.id),
        sender=WebChatMemberInfo(id=member.id, role=member.role),
        timestamp=at,
    ).to_dict(exclude_none=True)
