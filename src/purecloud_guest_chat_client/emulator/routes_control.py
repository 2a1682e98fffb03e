"""The control API (under ``CONTROL_PREFIX``): the contact-centre side (agents, media requests) and
fault injection. Who may call it: see ``control_auth``."""

from __future__ import annotations

import asyncio
import functools
import itertools
import math
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..models import BodyType
from ..models.protocol import CONTROL_PREFIX
from .api_error import ApiError
from .chat_service import valid_media_types
from .control_auth import authorize_control
from .faults import parse_fault_request
from .http_io import (
    correlation_id,
    json_body,
    json_object,
    json_response,
    query_int,
)
from .records import Conversation
from .routes_shared import (
    MAX_PAGE_NUMBER,
    Handler,
    RouteEntry,
    message_fields,
    message_object,
    mount,
    path_member,
    typing_response,
)
from .runtime import Runtime
from .structured_content import Content, ContentError, validate_content

LIST_PAGE_SIZE = 100
LIST_MAX_PAGE_SIZE = 500


def _operation(runtime: Runtime, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        try:
            authorize_control(request, runtime.settings.control_token)
            return await handler(request, runtime)
        except ApiError as error:
            return error.response(correlation_id(request))

    return endpoint


async def list_conversations(request: Request, runtime: Runtime) -> Response:
    """One page of the chats in memory (live ones, and ended ones within their retention
    time), oldest first."""
    size = query_int(request, "pageSize", LIST_PAGE_SIZE, 1, LIST_MAX_PAGE_SIZE)
    number = query_int(request, "pageNumber", 1, 1, MAX_PAGE_NUMBER)
    conversations = runtime.chats.conversations
    start = (number - 1) * size
    page = itertools.islice(conversations.values(), start, start + size)
    total = len(conversations)
    body: dict[str, object] = {
        "entities": [c.summary() for c in page],
        "pageSize": size,
        "pageNumber": number,
        "total": total,
        "pageCount": math.ceil(total / size),
    }
    if start + size < total:
        body["nextUri"] = f"{CONTROL_PREFIX}/conversations?pageSize={size}&pageNumber={number + 1}"
    return json_response(body)


async def get_conversation(request: Request, runtime: Runtime) -> Response:
    conversation = runtime.chats.conversation(request.path_params["conversation_id"])
    detail = conversation.summary()
    detail["messages"] = [m.to_model().to_dict(exclude_none=True) for m in conversation.messages]
    detail["mediaRequests"] = [
        r.to_model().to_dict(exclude_none=True)
        for r in conversation.committed_media_requests.values()
    ]
    detail["openStreams"] = runtime.hub.count(conversation.id)
    return json_response(detail)


def _display_name(data: dict[str, object] | None, default: str | None) -> str:
    name = (data or {}).get("displayName", default)
    if not isinstance(name, str) or not name.strip():
        raise ApiError.not_null("constraint.validation", "displayName")
    return name


async def _new_agent_name(request: Request, runtime: Runtime, conversation: Conversation) -> str:
    """The ``displayName`` of a joining agent's body, or the queue's next agent name."""
    data = await json_body(request)
    if data is not None and not isinstance(data, dict):
        raise ApiError.bad_request("The request body must be a JSON object.")
    return _display_name(data, runtime.centre.next_agent_name(conversation.queue))


async def join_agent(request: Request, runtime: Runtime) -> Response:
    conversation = runtime.chats.conversation(request.path_params["conversation_id"])
    name = await _new_agent_name(request, runtime, conversation)
    agent = await runtime.chats.join_agent(conversation, name)
    return json_response(agent.to_model().to_dict(exclude_none=True))


async def agent_message(request: Request, runtime: Runtime) -> Response:
    conversation = runtime.chats.conversation(request.path_params["conversation_id"])
    agent = path_member(conversation, request.path_params["agent_id"])
    data = await message_object(request)
    body, body_type = message_fields(data)
    content = _structured_content(data, body_type)
    message = await runtime.chats.agent_send(conversation, agent, body, body_type, content)
    return json_response(message.to_model().to_dict(exclude_none=True))


def _structured_content(data: dict[str, Any], body_type: str) -> Content | None:
    """The optional ``content`` of an agent's message: quick replies, cards and the like, which
    a Web Messaging guest gets with the text (a Guest Chat guest reads the text)."""
    value = data.get("content")
    if value is None:
        return None
    if body_type != BodyType.STANDARD:
        raise ApiError.bad_request("Only a standard message can carry content.")
    try:
        return validate_content(value)
    except ContentError as exc:
        raise ApiError.bad_request(f"{exc}.") from None


async def agent_typing(request: Request, runtime: Runtime) -> Response:
    conversation = runtime.chats.conversation(request.path_params["conversation_id"])
    agent = path_member(conversation, request.path_params["agent_id"])
    await json_body(request)
    typing_id, at = runtime.chats.typing(conversation, agent)
    return json_response(typing_response(conversation, agent, typing_id, at))


async def agent_leave(request: Request, runtime: Runtime) -> Response:
    conversation = runtime.chats.conversation(request.path_params["conversation_id"])
    agent = path_member(conversation, request.path_params["agent_id"])
    await json_body(request)
    end = request.query_params.get("end", "false").lower()
    if end not in ("true", "false"):
        raise ApiError.invalid_query("end", end, "true, false")
    await runtime.chats.agent_leaves(conversation, agent, end=end == "true")
    return Response(status_code=204)


async def transfer(request: Request, runtime: Runtime) -> Response:
    conversation = runtime.chats.conversation(request.path_params["conversation_id"])
    name = await _new_agent_name(request, runtime, conversation)
    agent = await runtime.chats.transfer(conversation, name)
    return json_response(agent.to_model().to_dict(exclude_none=True))


async def media_request(request: Request, runtime: Runtime) -> Response:
    conversation = runtime.chats.conversation(request.path_params["conversation_id"])
    data = await json_object(request, lambda: ApiError.not_null("constraint.validation", "types"))
    created = await runtime.chats.request_media(conversation, valid_media_types(data.get("types")))
    return json_response(created.to_model().to_dict(exclude_none=True))


async def get_faults(request: Request, runtime: Runtime) -> Response:
    return json_response(runtime.faults.to_dict())


async def set_faults(request: Request, runtime: Runtime) -> Response:
    faults = parse_fault_request(await json_body(request))
    state = runtime.faults
    dropped = 0
    if faults.errors is not None:
        state.error_rules.extend(faults.errors)
    if faults.latency_ms is not None:
        state.latency_ms = faults.latency_ms
    if faults.silence is not None:
        state.silenced.add(faults.silence)
    if faults.raw_frames is not None:
        for frame in faults.raw_frames.frames:
            runtime.hub.inject(faults.raw_frames.conversation_id, frame)
    if faults.drop is not None:
        if faults.drop.count:
            key = faults.drop.conversation_id
            state.pending_drops[key] = state.pending_drops.get(key, 0) + faults.drop.count
        dropped = runtime.hub.drop(faults.drop.conversation_id)
        await asyncio.sleep(0)  # let the aborted streams notice before answering
    return json_response({**state.to_dict(), "droppedStreams": dropped})


async def clear_faults(request: Request, runtime: Runtime) -> Response:
    runtime.faults.clear()
    return json_response(runtime.faults.to_dict())


async def health(request: Request, runtime: Runtime) -> Response:
    return json_response(
        {
            "status": "ok",
            "conversations": len(runtime.chats.conversations),
            "agent": runtime.settings.agent,
        }
    )


_CONVERSATION = CONTROL_PREFIX + "/conversations/{conversation_id}"
_AGENT = _CONVERSATION + "/members/{agent_id}"
_FAULTS = CONTROL_PREFIX + "/faults"
CONTROL_API: tuple[RouteEntry, ...] = (
    RouteEntry(CONTROL_PREFIX + "/health", "GET", health, "controlHealth"),
    RouteEntry(
        CONTROL_PREFIX + "/conversations", "GET", list_conversations, "controlListConversations"
    ),
    RouteEntry(_CONVERSATION, "GET", get_conversation, "controlGetConversation"),
    RouteEntry(_CONVERSATION + "/agents", "POST", join_agent, "controlJoinAgent"),
    RouteEntry(_AGENT + "/messages", "POST", agent_message, "controlAgentMessage"),
    RouteEntry(_AGENT + "/typing", "POST", agent_typing, "controlAgentTyping"),
    RouteEntry(_AGENT, "DELETE", agent_leave, "controlAgentLeave"),
    RouteEntry(_CONVERSATION + "/transfer", "POST", transfer, "controlTransfer"),
    RouteEntry(_CONVERSATION + "/mediarequests", "POST", media_request, "controlMediaRequest"),
    RouteEntry(_FAULTS, "GET", get_faults, "controlGetFaults"),
    RouteEntry(_FAULTS, "POST", set_faults, "controlSetFaults"),
    RouteEntry(_FAULTS, "DELETE", clear_faults, "controlClearFaults"),
)
"""The control API's operations: what the routes are mounted from and the document describes."""


def control_routes(runtime: Runtime) -> list[Route]:
    return mount(CONTROL_API, functools.partial(_operation, runtime))
