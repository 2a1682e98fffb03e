"""The guest REST API (under ``GUEST_API_PREFIX``)."""

from __future__ import annotations

import functools
import math
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

from pydantic import ValidationError
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.routing import Route

from ..models import (
    CreateWebChatConversationRequest,
    CreateWebChatConversationResponse,
    MediaRequestState,
    MemberState,
    SortOrder,
    TargetType,
    WebChatGuestMediaRequestEntityList,
    WebChatMemberInfoEntityList,
    WebChatMessageEntityList,
)
from ..models.protocol import EVENT_STREAM_PATH, GUEST_API_PREFIX
from .api_error import ApiError
from .http_io import (
    correlation_id,
    json_body,
    json_object,
    json_response,
    query_choice,
    query_int,
)
from .records import Conversation, Member
from .routes_shared import (
    MAX_PAGE_NUMBER,
    Handler,
    RouteEntry,
    message_request,
    mount,
    path_member,
    typing_response,
)
from .runtime import Runtime
from .settings import ServiceSettings
from .token_authority import Claims
from .wire_json import message_json

MAX_RESULTS = 100
MAX_PAGE_SIZE = 100
_JOURNEY_CODES = {
    ("journeyContext", "customer", "id"): "journeycontext.customer.customerid",
    ("journeyContext", "customer", "idType"): "journeycontext.customer.customeridtype",
    ("journeyContext", "customerSession", "id"): "journeycontext.customersession.sessionid",
    ("journeyContext", "customerSession", "type"): "journeycontext.customersession.sessionidtype",
    ("journeyContext", "triggeringAction", "id"): "journeycontext.triggeringaction.actionid",
    ("journeyContext", "triggeringAction", "actionMap", "id"): (
        "journeycontext.triggeringaction.actionmapid"
    ),
    ("journeyContext", "triggeringAction", "actionMap", "version"): (
        "journeycontext.triggeringaction.actionmapversion"
    ),
}
_WILDCARD_HOSTS = ("0.0.0.0", "::", "")
_CREATE_NOT_NULL = "chat.error.notnull.createconversationrequest."


def _operation(runtime: Runtime, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Runs a handler, turning ApiError into an ErrorBody."""

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request, runtime)
        except ApiError as error:
            return error.response(correlation_id(request))

    return endpoint


def _authorize(request: Request, runtime: Runtime) -> tuple[Claims, Conversation]:
    """The caller's token claims and the conversation of the path, checked against each other."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError.authentication_required()
    claims = runtime.chats.tokens.verify(token)
    conversation_id = request.path_params["conversation_id"]
    if claims.conversation_id != conversation_id:
        raise ApiError.not_authorized("The token does not grant access to this conversation.")
    return claims, runtime.chats.conversation(conversation_id)


def _own_member(request: Request, claims: Claims, conversation: Conversation) -> Member:
    member_id = request.path_params["member_id"]
    if member_id != claims.member_id:
        if member_id in conversation.members:
            raise ApiError.not_authorized("The token does not grant access to this member.")
        raise ApiError.chat_not_found("web chat conversation member")
    return path_member(conversation, member_id)


# -- create ------------------------------------------------------------------------------------


def _validation_error(error: ValidationError) -> ApiError:
    first = error.errors()[0]
    loc = tuple(str(part) for part in first["loc"] if not isinstance(part, int))
    if first["type"] == "missing" or first.get("input", "") is None:
        name = _JOURNEY_CODES.get(loc) or ".".join(part.lower() for part in loc)
        return ApiError.not_null(_CREATE_NOT_NULL + name, loc[-1].lower() if loc else "body")
    return ApiError.invalid_value(".".join(loc), str(first.get("input"))[:100], first["msg"])


def _required_text(value: str, path: str) -> None:
    if not value.strip():
        raise ApiError.not_null(_CREATE_NOT_NULL + path, path.rsplit(".", 1)[-1])


async def create_conversation(request: Request, runtime: Runtime) -> Response:
    data = await json_object(request, _body_required)
    try:
        # Strict: JSON gives every field its type, and "5" or true is no priority.
        body = CreateWebChatConversationRequest.model_validate(data, strict=True)
    except ValidationError as exc:
        raise _validation_error(exc) from None
    if not body.deployment_id.strip():
        raise ApiError(
            400,
            "chat.error.pattern.createconversationrequest.deploymentid",
            "The deploymentid property may not be null.",
        )
    _required_text(body.organization_id, "organizationid")
    _required_text(body.routing_target.target_address, "routingtarget.targetaddress")
    _required_text(body.member_info.display_name, "memberinfo.displayname")
    if body.routing_target.target_type != TargetType.QUEUE:
        raise ApiError(
            400,
            "chat.error.createconversationrequest.routingtarget",
            "The routing target is not valid: targetType must be QUEUE.",
        )
    authenticated = runtime.centre.admit(
        body.organization_id,
        body.deployment_id,
        body.routing_target.target_address,
        request.headers.get("origin"),
        body.member_auth_token,
    )
    conversation, token = await runtime.chats.create(
        body.organization_id,
        body.deployment_id,
        body.routing_target.target_address,
        body.member_info.to_dict(exclude_none=True),
        authenticated,
    )
    response = CreateWebChatConversationResponse(
        id=conversation.id,
        jwt=token,
        event_stream_uri=f"{stream_base_uri(request, runtime.settings)}{EVENT_STREAM_PATH}{token}",
        member=conversation.guest.to_model(),
    )
    return json_response(response.to_dict(exclude_none=True))


def stream_base_uri(request: HTTPConnection, settings: ServiceSettings) -> str:
    """Where guests reach the event stream: the configured public URL, else the address the
    service is bound to. Never the request's Host header, which the client chooses."""
    if settings.public_url is not None:
        parts = urlsplit(settings.public_url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        return f"{scheme}://{parts.netloc}{parts.path.rstrip('/')}"
    server = request.scope.get("server") or (settings.host, settings.port)
    host = settings.host
    if host in _WILDCARD_HOSTS:  # bound to every address: the one this client reached
        host = str(server[0])
    if ":" in host:
        host = f"[{host}]"
    return f"ws://{host}:{server[1]}"


# -- members -----------------------------------------------------------------------------------


async def get_member(request: Request, runtime: Runtime) -> Response:
    _, conversation = _authorize(request, runtime)
    await json_body(request)
    member = conversation.committed_members.get(request.path_params["member_id"])
    if member is None:
        raise ApiError.chat_not_found("web chat conversation member")
    return json_response(member.to_model().to_dict(exclude_none=True))


def _members_uri(conversation_id: str, page_size: int, page: int, exclude: bool) -> str:
    query = {"pageSize": page_size, "pageNumber": page}
    if exclude:
        query["excludeDisconnectedMembers"] = "true"  # type: ignore[assignment]
    return f"{GUEST_API_PREFIX}/{conversation_id}/members?{urlencode(query)}"


async def list_members(request: Request, runtime: Runtime) -> Response:
    _, conversation = _authorize(request, runtime)
    await json_body(request)
    page_size = query_int(request, "pageSize", 25, 1, MAX_PAGE_SIZE)
    page = query_int(request, "pageNumber", 1, 1, MAX_PAGE_NUMBER)
    exclude = query_choice(request, "excludeDisconnectedMembers", "false", ("true", "false"))
    members = list(conversation.committed_members.values())
    if exclude == "true":
        members = [m for m in members if m.state != MemberState.DISCONNECTED]
    total = len(members)
    page_count = math.ceil(total / page_size)
    entities = members[(page - 1) * page_size : page * page_size]

    def uri(number: int) -> str:
        return _members_uri(conversation.id, page_size, number, exclude == "true")

    listing = WebChatMemberInfoEntityList(
        entities=[m.to_model() for m in entities],
        page_size=page_size,
        page_number=page,
        total=total,
        page_count=page_count,
        first_uri=uri(1),
        last_uri=uri(max(page_count, 1)),
        self_uri=uri(page),
        next_uri=uri(page + 1) if page < page_count else None,
        previous_uri=uri(page - 1) if page > 1 else None,
    )
    return json_response(listing.to_dict(exclude_none=True))


async def leave(request: Request, runtime: Runtime) -> Response:
    claims, conversation = _authorize(request, runtime)
    await json_body(request)
    guest = _own_member(request, claims, conversation)
    await runtime.chats.guest_leaves(conversation, guest)
    return Response(status_code=204)


# -- messages and typing -----------------------------------------------------------------------


async def send_message(request: Request, runtime: Runtime) -> Response:
    claims, conversation = _authorize(request, runtime)
    member = _own_member(request, claims, conversation)
    body, body_type = await message_request(request)
    message = await runtime.chats.send(conversation, member, body, body_type)
    return Response(message_json(message), media_type="application/json")


def _body_required() -> ApiError:
    return ApiError.bad_request("A request body is required.")


async def typing(request: Request, runtime: Runtime) -> Response:
    claims, conversation = _authorize(request, runtime)
    await json_body(request)
    member = _own_member(request, claims, conversation)
    typing_id, at = runtime.chats.typing(conversation, member)
    return json_response(typing_response(conversation, member, typing_id, at))


async def get_message(request: Request, runtime: Runtime) -> Response:
    _, conversation = _authorize(request, runtime)
    await json_body(request)
    position = conversation.messages.position(request.path_params["message_id"])
    if position is None:
        raise ApiError.chat_not_found("message")
    return json_response(conversation.messages[position].to_model().to_dict(exclude_none=True))


def _cursor(request: Request, conversation: Conversation, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    position = conversation.messages.position(raw)
    if position is None:
        raise ApiError.invalid_query(name, raw, "the id of a message of this conversation")
    return position


async def list_messages(request: Request, runtime: Runtime) -> Response:
    """A window of the history.

    ``after``/``before`` are message ids (exclusive bounds). The window holds the ``maxResults``
    messages nearest ``after`` when it is given, else nearest ``before``, else the oldest
    (ascending) or newest (descending). ``next`` continues in the sort order and ``previousPage``
    goes back: in ascending order pass them as ``after`` and ``before``, in descending order as
    ``before`` and ``after``.
    """
    _, conversation = _authorize(request, runtime)
    await json_body(request)
    max_results = query_int(request, "maxResults", MAX_RESULTS, 1, MAX_RESULTS)
    order = query_choice(request, "sortOrder", SortOrder.ASCENDING.value, tuple(SortOrder))
    after = _cursor(request, conversation, "after")
    before = _cursor(request, conversation, "before")
    low = 0 if after is None else after + 1
    high = len(conversation.messages) if before is None else before
    if after is not None or (before is None and order == SortOrder.ASCENDING):
        start, stop = low, min(high, low + max_results)
    else:
        start, stop = max(low, high - max_results), high
    start = min(start, max(stop, 0))
    window = conversation.messages[start:stop] if stop > start else []
    older = start > 0 and bool(window)
    newer = stop < len(conversation.messages) and bool(window)
    if order == SortOrder.DESCENDING:
        window = window[::-1]
        older, newer = newer, older
    listing = WebChatMessageEntityList(
        page_size=max_results,
        entities=[m.to_model() for m in window],
        next=window[-1].id if newer else None,
        previous_page=window[0].id if older else None,
        self_uri=f"{GUEST_API_PREFIX}/{conversation.id}/messages?{request.url.query}".rstrip("?"),
    )
    return json_response(listing.to_dict(exclude_none=True))


# -- media requests ----------------------------------------------------------------------------


async def list_media_requests(request: Request, runtime: Runtime) -> Response:
    _, conversation = _authorize(request, runtime)
    await json_body(request)
    listing = WebChatGuestMediaRequestEntityList(
        entities=[r.to_model() for r in conversation.committed_media_requests.values()]
    )
    return json_response(listing.to_dict(exclude_none=True))


def _media_request(request: Request, conversation: Conversation) -> Any:
    found = conversation.media_requests.get(request.path_params["media_request_id"])
    if found is None:
        raise ApiError.chat_not_found("media request")
    return found


async def get_media_request(request: Request, runtime: Runtime) -> Response:
    _, conversation = _authorize(request, runtime)
    await json_body(request)
    found = conversation.committed_media_requests.get(request.path_params["media_request_id"])
    if found is None:
        raise ApiError.chat_not_found("media request")
    return json_response(found.to_model().to_dict(exclude_none=True))


async def patch_media_request(request: Request, runtime: Runtime) -> Response:
    _, conversation = _authorize(request, runtime)
    found = _media_request(request, conversation)
    data = await json_object(request, _body_required)
    state = data.get("state")
    if state is None:
        raise ApiError.not_null("constraint.validation", "state")
    if not isinstance(state, str) or state not in set(MediaRequestState):
        allowed = ", ".join(s.value for s in MediaRequestState)
        raise ApiError.invalid_value("state", str(state)[:100], allowed)
    updated = await runtime.chats.update_media_request(conversation, found, state)
    return json_response(updated.to_model().to_dict(exclude_none=True))


_MEMBER = GUEST_API_PREFIX + "/{conversation_id}/members/{member_id}"
_MEDIA_REQUEST = GUEST_API_PREFIX + "/{conversation_id}/mediarequests/{media_request_id}"
# The router tries each path in turn: sending a message, by far the most frequent request, is
# matched first.
GUEST_API: tuple[RouteEntry, ...] = (
    RouteEntry(
        _MEMBER + "/messages",
        "POST",
        send_message,
        "postWebchatGuestConversationMemberMessages",
    ),
    RouteEntry(GUEST_API_PREFIX, "POST", create_conversation, "postWebchatGuestConversations"),
    RouteEntry(
        GUEST_API_PREFIX + "/{conversation_id}/members",
        "GET",
        list_members,
        "getWebchatGuestConversationMembers",
    ),
    RouteEntry(_MEMBER, "GET", get_member, "getWebchatGuestConversationMember"),
    RouteEntry(_MEMBER, "DELETE", leave, "deleteWebchatGuestConversationMember"),
    RouteEntry(_MEMBER + "/typing", "POST", typing, "postWebchatGuestConversationMemberTyping"),
    RouteEntry(
        GUEST_API_PREFIX + "/{conversation_id}/messages",
        "GET",
        list_messages,
        "getWebchatGuestConversationMessages",
    ),
    RouteEntry(
        GUEST_API_PREFIX + "/{conversation_id}/messages/{message_id}",
        "GET",
        get_message,
        "getWebchatGuestConversationMessage",
    ),
    RouteEntry(
        GUEST_API_PREFIX + "/{conversation_id}/mediarequests",
        "GET",
        list_media_requests,
        "getWebchatGuestConversationMediarequests",
    ),
    RouteEntry(_MEDIA_REQUEST, "GET", get_media_request, "getWebchatGuestConversationMediarequest"),
    RouteEntry(
        _MEDIA_REQUEST, "PATCH", patch_media_request, "patchWebchatGuestConversationMediarequest"
    ),
)
"""The guest API's operations: what the routes are mounted from and the document describes."""


def guest_routes(runtime: Runtime) -> list[Route]:
    return mount(GUEST_API, functools.partial(_operation, runtime))
