"""The OpenAPI document the service serves at /openapi.json: guest REST API and control API."""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import models_json_schema

from ..models import ALL_MODELS
from .errors import MAX_JSON_DEPTH, MAX_REQUEST_BYTES

_GUEST = "/api/v2/webchat/guest/conversations"
_CONTROL = "/emulator/v1"
_ERRORS = {
    "400": "Bad request (ErrorBody)",
    "401": "Missing, forged or expired token (ErrorBody)",
    "403": "Not allowed (ErrorBody)",
    "404": "Not found (ErrorBody)",
    "413": "Request too large (ErrorBody)",
    "415": "Unsupported content type (ErrorBody)",
    "429": "Rate limited; see Retry-After (ErrorBody)",
}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _query(name: str, schema: dict[str, Any], description: str = "") -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema, "description": description}


def _operation(
    summary: str,
    operation_id: str,
    *,
    params: list[str] = (),  # type: ignore[assignment]
    query: list[dict[str, Any]] | None = None,
    body: str | dict[str, Any] | None = None,
    response: str | dict[str, Any] | None = None,
    status: str = "200",
    secured: bool = True,
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "operationId": operation_id,
        "parameters": [_path_param(p) for p in params] + (query or []),
        "responses": {
            status: {"description": "Success"}
            | (
                {"content": {"application/json": {"schema": _schema(response)}}} if response else {}
            ),
            **{
                code: {
                    "description": text,
                    "content": {"application/json": {"schema": _ref("ErrorBody")}},
                }
                for code, text in _ERRORS.items()
            },
        },
    }
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _schema(body)}},
        }
    if not secured:
        operation["security"] = []
    return operation


def _schema(value: str | dict[str, Any]) -> dict[str, Any]:
    return _ref(value) if isinstance(value, str) else value


_OBJECT = {"type": "object", "additionalProperties": True}


def _paths() -> dict[str, Any]:
    member = _GUEST + "/{conversationId}/members/{memberId}"
    media = _GUEST + "/{conversationId}/mediarequests"
    cparams = ["conversationId"]
    mparams = ["conversationId", "memberId"]
    control_conversation = _CONTROL + "/conversations/{conversationId}"
    control_member = control_conversation + "/members/{memberId}"
    return {
        _GUEST: {
            "post": _operation(
                "Create a guest chat; the event stream must attach before it is routed",
                "postWebchatGuestConversations",
                body="CreateWebChatConversationRequest",
                response="CreateWebChatConversationResponse",
                secured=False,
            )
        },
        member: {
            "get": _operation(
                "Get a member",
                "getWebchatGuestConversationMember",
                params=mparams,
                response="WebChatMemberInfo",
            ),
            "delete": _operation(
                "The guest leaves the chat",
                "deleteWebchatGuestConversationMember",
                params=mparams,
                status="204",
            ),
        },
        _GUEST + "/{conversationId}/members": {
            "get": _operation(
                "List members",
                "getWebchatGuestConversationMembers",
                params=cparams,
                query=[
                    _query("pageSize", {"type": "integer", "default": 25, "maximum": 100}),
                    _query("pageNumber", {"type": "integer", "default": 1}),
                    _query("excludeDisconnectedMembers", {"type": "boolean", "default": False}),
                ],
                response="WebChatMemberInfoEntityList",
            )
        },
        member + "/messages": {
            "post": _operation(
                "Send a message (at most 4000 characters)",
                "postWebchatGuestConversationMemberMessages",
                params=mparams,
                body="CreateWebChatMessageRequest",
                response="WebChatMessage",
            )
        },
        member + "/typing": {
            "post": _operation(
                "Send a typing indicator",
                "postWebchatGuestConversationMemberTyping",
                params=mparams,
                response="WebChatTyping",
            )
        },
        _GUEST + "/{conversationId}/messages": {
            "get": _operation(
                "List messages. `next` continues in the sort order and `previousPage` goes back; "
                "both are message ids (ascending: pass as after / before; descending: as "
                "before / after).",
                "getWebchatGuestConversationMessages",
                params=cparams,
                query=[
                    _query("after", {"type": "string"}, "a message id (exclusive)"),
                    _query("before", {"type": "string"}, "a message id (exclusive)"),
                    _query(
                        "sortOrder",
                        {"type": "string", "enum": ["ascending", "descending"]},
                    ),
                    _query("maxResults", {"type": "integer", "default": 100, "maximum": 100}),
                ],
                response="WebChatMessageEntityList",
            )
        },
        _GUEST + "/{conversationId}/messages/{messageId}": {
            "get": _operation(
                "Get a message",
                "getWebchatGuestConversationMessage",
                params=["conversationId", "messageId"],
                response="WebChatMessage",
            )
        },
        media: {
            "get": _operation(
                "List media requests",
                "getWebchatGuestConversationMediarequests",
                params=cparams,
                response="WebChatGuestMediaRequestEntityList",
            )
        },
        media + "/{mediaRequestId}": {
            "get": _operation(
                "Get a media request",
                "getWebchatGuestConversationMediarequest",
                params=["conversationId", "mediaRequestId"],
                response="WebChatGuestMediaRequest",
            ),
            "patch": _operation(
                "Accept or decline a PENDING media request",
                "patchWebchatGuestConversationMediarequest",
                params=["conversationId", "mediaRequestId"],
                body="WebChatGuestMediaRequest",
                response="WebChatGuestMediaRequest",
            ),
        },
        _CONTROL + "/health": {
            "get": _operation("Service health", "controlHealth", response=_OBJECT)
        },
        _CONTROL + "/conversations": {
            "get": _operation(
                "List conversations, a page at a time (pageSize up to 500, default 100)",
                "controlListConversations",
                query=[
                    _query("pageSize", {"type": "integer", "minimum": 1, "maximum": 500}),
                    _query("pageNumber", {"type": "integer", "minimum": 1}),
                ],
                response=_OBJECT,
            )
        },
        control_conversation: {
            "get": _operation(
                "A conversation with its members and messages",
                "controlGetConversation",
                params=cparams,
                response=_OBJECT,
            )
        },
        control_conversation + "/agents": {
            "post": _operation(
                "An agent joins (ALERTING, then CONNECTED)",
                "controlJoinAgent",
                params=cparams,
                body={"type": "object", "properties": {"displayName": {"type": "string"}}},
                response="WebChatMemberInfo",
            )
        },
        control_member + "/messages": {
            "post": _operation(
                "Send a message as an agent",
                "controlAgentMessage",
                params=mparams,
                body="CreateWebChatMessageRequest",
                response="WebChatMessage",
            )
        },
        control_member + "/typing": {
            "post": _operation(
                "An agent types", "controlAgentTyping", params=mparams, response="WebChatTyping"
            )
        },
        control_member: {
            "delete": _operation(
                "An agent leaves; with end=true the chat ends and the guest is disconnected",
                "controlAgentLeave",
                params=mparams,
                query=[_query("end", {"type": "boolean", "default": False})],
                status="204",
            )
        },
        control_conversation + "/transfer": {
            "post": _operation(
                "Transfer to a new agent (the old one leaves, the guest stays)",
                "controlTransfer",
                params=cparams,
                body={"type": "object", "properties": {"displayName": {"type": "string"}}},
                response="WebChatMemberInfo",
            )
        },
        control_conversation + "/mediarequests": {
            "post": _operation(
                "The agent asks the guest for a co-browse or screen-share session",
                "controlMediaRequest",
                params=cparams,
                body={
                    "type": "object",
                    "required": ["types"],
                    "properties": {
                        "types": {"type": "array", "items": {"enum": ["COBROWSE", "SCREENSHARE"]}}
                    },
                },
                response="WebChatGuestMediaRequest",
            )
        },
        _CONTROL + "/faults": {
            "get": _operation("Faults in force", "controlGetFaults", response=_OBJECT),
            "post": _operation(
                "Inject faults: dropStreams {conversationId?, count?}, errors [{status, count, "
                "method, pathContains, retryAfter, code}], latencyMs, silence {conversationId?}, "
                "rawFrames {conversationId, frames}",
                "controlSetFaults",
                body=_OBJECT,
                response=_OBJECT,
            ),
            "delete": _operation("Clear all faults", "controlClearFaults", response=_OBJECT),
        },
    }


def openapi_document() -> dict[str, Any]:
    _, schemas = models_json_schema(
        [(model, "serialization") for model in ALL_MODELS.values()],
        by_alias=True,
        ref_template="#/components/schemas/{model}",
    )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Local Guest Chat service",
            "version": "1",
            "description": (
                "The Genesys Cloud guest chat API as a local service, plus its control API. "
                "The event stream is a WebSocket at the eventStreamUri a new chat returns "
                "(ws://HOST:PORT/v1/token/<jwt>). Every response carries inin-correlation-id, "
                "and every error is an ErrorBody whose contextId is that id. Request bodies "
                f"are JSON in UTF-8 of at most {MAX_REQUEST_BYTES} bytes, nesting objects and "
                f"arrays at most {MAX_JSON_DEPTH} levels deep, whose strings are all Unicode "
                "text (no lone surrogate)."
            ),
        },
        "components": {
            "schemas": schemas.get("$defs", {}),
            "securitySchemes": {"guestJwt": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"guestJwt": []}],
        "paths": _paths(),
    }
