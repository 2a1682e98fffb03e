"""The OpenAPI document the service serves at /openapi.json: guest REST API and control API."""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import models_json_schema

from ..models import ALL_MODELS, BodyType, MediaRequestState, MediaType, SortOrder, TargetType
from ..models.protocol import (
    CONTROL_PREFIX,
    EVENT_STREAM_PATH,
    GUEST_API_PREFIX,
    MAX_MESSAGE_LENGTH,
)
from .api_error import MAX_JSON_DEPTH, MAX_REQUEST_BYTES
from .routes_control import LIST_MAX_PAGE_SIZE, LIST_PAGE_SIZE
from .routes_guest import MAX_PAGE_NUMBER, MAX_PAGE_SIZE, MAX_RESULTS

_GUEST = GUEST_API_PREFIX
_CONTROL = CONTROL_PREFIX
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


_GUEST_SECURITY: list[dict[str, list[str]]] = [{"guestJwt": []}]
# The control API takes no guest JWT: its token is required only when the service has one.
_CONTROL_SECURITY: list[dict[str, list[str]]] = [{}, {"controlToken": []}]


def _operation(
    summary: str,
    operation_id: str,
    *,
    params: list[str] = (),  # type: ignore[assignment]
    query: list[dict[str, Any]] | None = None,
    body: str | dict[str, Any] | None = None,
    response: str | dict[str, Any] | None = None,
    status: str = "200",
    security: list[dict[str, list[str]]] = _GUEST_SECURITY,
    links: dict[str, Any] | None = None,
) -> dict[str, Any]:
    success: dict[str, Any] = {"description": "Success"}
    if response:
        success["content"] = {"application/json": {"schema": _schema(response)}}
    if links:
        success["links"] = links
    operation: dict[str, Any] = {
        "summary": summary,
        "operationId": operation_id,
        "parameters": [_path_param(p) for p in params] + (query or []),
        "security": security,
        "responses": {
            status: success,
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
    return operation


def _link(operation_id: str, **parameters: str) -> dict[str, Any]:
    return {"operationId": operation_id, "parameters": parameters}


def _links(*operation_ids: str, **parameters: str) -> dict[str, Any]:
    return {operation_id: _link(operation_id, **parameters) for operation_id in operation_ids}


def _schema(value: str | dict[str, Any]) -> dict[str, Any]:
    return _ref(value) if isinstance(value, str) else value


_OBJECT = {"type": "object", "additionalProperties": True}
# A string that is not blank: the service refuses one that is empty or only whitespace.
_TEXT: dict[str, Any] = {"type": "string", "pattern": "\\S"}
_PAGE_SIZE = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": 25}
_PAGE_NUMBER = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_NUMBER, "default": 1}
_MAX_RESULTS = {"type": "integer", "minimum": 1, "maximum": MAX_RESULTS, "default": MAX_RESULTS}
_SENDABLE_BODY_TYPES = [BodyType.STANDARD.value, BodyType.NOTICE.value]
_MESSAGE_REQUEST = {
    "type": "object",
    "required": ["body"],
    "properties": {
        "body": {"type": "string", "maxLength": MAX_MESSAGE_LENGTH},
        "bodyType": {
            "anyOf": [{"type": "string", "enum": _SENDABLE_BODY_TYPES}, {"type": "null"}],
            "default": BodyType.STANDARD.value,
        },
    },
}
_AGENT_NAME_REQUEST = {
    "type": "object",
    "properties": {"displayName": {**_TEXT, "description": "default: the queue's next agent"}},
}
_MEDIA_REQUEST_PATCH = {
    "type": "object",
    "required": ["state"],
    "properties": {
        "state": {
            "type": "string",
            "enum": [MediaRequestState.ACCEPTED.value, MediaRequestState.DECLINED.value],
            "description": "a PENDING request is accepted or declined; other states are 400",
        }
    },
}
_MEDIA_TYPES_REQUEST = {
    "type": "object",
    "required": ["types"],
    "properties": {
        "types": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "string", "enum": [t.value for t in MediaType]},
        }
    },
}


def _optional(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


_NON_EMPTY_TEXT = {"type": "string", "minLength": 1}
_FAULTS_REQUEST = {
    "type": "object",
    "minProperties": 1,
    "additionalProperties": False,
    "properties": {
        "dropStreams": _optional(
            {
                "type": "object",
                "properties": {
                    "conversationId": _optional(_NON_EMPTY_TEXT),
                    "count": _optional({"type": "integer", "minimum": 0}),
                },
            }
        ),
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["status"],
                "properties": {
                    "status": {"type": "integer", "minimum": 400, "maximum": 599},
                    "count": _optional({"type": "integer", "minimum": 1}),
                    "method": _optional(_NON_EMPTY_TEXT),
                    "pathContains": _optional(_NON_EMPTY_TEXT),
                    "retryAfter": _optional({"type": "integer", "minimum": 0}),
                    "code": _optional(_NON_EMPTY_TEXT),
                },
            },
        },
        "latencyMs": _optional({"type": "integer", "minimum": 0}),
        "silence": _optional(
            {"type": "object", "properties": {"conversationId": _optional(_NON_EMPTY_TEXT)}}
        ),
        "rawFrames": _optional(
            {
                "type": "object",
                "required": ["conversationId", "frames"],
                "properties": {
                    "conversationId": _NON_EMPTY_TEXT,
                    "frames": {"type": "array", "items": {"type": "string"}},
                },
            }
        ),
    },
}


def _paths() -> dict[str, Any]:
    chat = _GUEST + "/{conversationId}"
    member = chat + "/members/{memberId}"
    media = chat + "/mediarequests"
    cparams = ["conversationId"]
    mparams = ["conversationId", "memberId"]
    control_conversation = _CONTROL + "/conversations/{conversationId}"
    control_member = control_conversation + "/members/{agentId}"
    aparams = ["conversationId", "agentId"]
    same_chat = "$request.path.conversationId"
    created_links = {
        **_links(
            "getWebchatGuestConversationMembers",
            "getWebchatGuestConversationMessages",
            "getWebchatGuestConversationMediarequests",
            "controlGetConversation",
            "controlJoinAgent",
            "controlTransfer",
            "controlMediaRequest",
            conversationId="$response.body#/id",
        ),
        **_links(
            "getWebchatGuestConversationMember",
            "deleteWebchatGuestConversationMember",
            "postWebchatGuestConversationMemberMessages",
            "postWebchatGuestConversationMemberTyping",
            conversationId="$response.body#/id",
            memberId="$response.body#/member/id",
        ),
    }
    agent_links = _links(
        "controlAgentMessage",
        "controlAgentTyping",
        "controlAgentLeave",
        conversationId=same_chat,
        agentId="$response.body#/id",
    )
    return {
        _GUEST: {
            "post": _operation(
                "Create a guest chat; the event stream must attach before it is routed",
                "postWebchatGuestConversations",
                body="CreateWebChatConversationRequest",
                response="CreateWebChatConversationResponse",
                security=[],
                links=created_links,
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
        chat + "/members": {
            "get": _operation(
                "List members",
                "getWebchatGuestConversationMembers",
                params=cparams,
                query=[
                    _query("pageSize", _PAGE_SIZE),
                    _query("pageNumber", _PAGE_NUMBER),
                    _query("excludeDisconnectedMembers", {"type": "boolean", "default": False}),
                ],
                response="WebChatMemberInfoEntityList",
            )
        },
        member + "/messages": {
            "post": _operation(
                f"Send a message (at most {MAX_MESSAGE_LENGTH} characters)",
                "postWebchatGuestConversationMemberMessages",
                params=mparams,
                body=_MESSAGE_REQUEST,
                response="WebChatMessage",
                links=_links(
                    "getWebchatGuestConversationMessage",
                    conversationId=same_chat,
                    messageId="$response.body#/id",
                ),
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
        chat + "/messages": {
            "get": _operation(
                "List messages. `next` continues in the sort order and `previousPage` goes back; "
                "both are message ids (ascending: pass as after / before; descending: as "
                "before / after).",
                "getWebchatGuestConversationMessages",
                params=cparams,
                query=[
                    _query("after", {"type": "string"}, "a message id (exclusive)"),
                    _query("before", {"type": "string"}, "a message id (exclusive)"),
                    _query("sortOrder", {"type": "string", "enum": [o.value for o in SortOrder]}),
                    _query("maxResults", _MAX_RESULTS),
                ],
                response="WebChatMessageEntityList",
            )
        },
        chat + "/messages/{messageId}": {
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
                body=_MEDIA_REQUEST_PATCH,
                response="WebChatGuestMediaRequest",
            ),
        },
        _CONTROL + "/health": {
            "get": _operation(
                "Service health", "controlHealth", response=_OBJECT, security=_CONTROL_SECURITY
            )
        },
        _CONTROL + "/conversations": {
            "get": _operation(
                f"List conversations, a page at a time (pageSize up to {LIST_MAX_PAGE_SIZE}, "
                f"default {LIST_PAGE_SIZE})",
                "controlListConversations",
                query=[
                    _query(
                        "pageSize",
                        {**_PAGE_SIZE, "maximum": LIST_MAX_PAGE_SIZE, "default": LIST_PAGE_SIZE},
                    ),
                    _query("pageNumber", _PAGE_NUMBER),
                ],
                response=_OBJECT,
                security=_CONTROL_SECURITY,
            )
        },
        control_conversation: {
            "get": _operation(
                "A conversation with its members and messages",
                "controlGetConversation",
                params=cparams,
                response=_OBJECT,
                security=_CONTROL_SECURITY,
            )
        },
        control_conversation + "/agents": {
            "post": _operation(
                "An agent joins (ALERTING, then CONNECTED)",
                "controlJoinAgent",
                params=cparams,
                body=_AGENT_NAME_REQUEST,
                response="WebChatMemberInfo",
                security=_CONTROL_SECURITY,
                links=agent_links,
            )
        },
        control_member + "/messages": {
            "post": _operation(
                "Send a message as an agent",
                "controlAgentMessage",
                params=aparams,
                body=_MESSAGE_REQUEST,
                response="WebChatMessage",
                security=_CONTROL_SECURITY,
            )
        },
        control_member + "/typing": {
            "post": _operation(
                "An agent types",
                "controlAgentTyping",
                params=aparams,
                response="WebChatTyping",
                security=_CONTROL_SECURITY,
            )
        },
        control_member: {
            "delete": _operation(
                "An agent leaves; with end=true the chat ends and the guest is disconnected",
                "controlAgentLeave",
                params=aparams,
                query=[_query("end", {"type": "boolean", "default": False})],
                status="204",
                security=_CONTROL_SECURITY,
            )
        },
        control_conversation + "/transfer": {
            "post": _operation(
                "Transfer to a new agent (the old one leaves, the guest stays)",
                "controlTransfer",
                params=cparams,
                body=_AGENT_NAME_REQUEST,
                response="WebChatMemberInfo",
                security=_CONTROL_SECURITY,
                links=agent_links,
            )
        },
        control_conversation + "/mediarequests": {
            "post": _operation(
                "The agent asks the guest for a co-browse or screen-share session",
                "controlMediaRequest",
                params=cparams,
                body=_MEDIA_TYPES_REQUEST,
                response="WebChatGuestMediaRequest",
                security=_CONTROL_SECURITY,
                links=_links(
                    "getWebchatGuestConversationMediarequest",
                    "patchWebchatGuestConversationMediarequest",
                    conversationId=same_chat,
                    mediaRequestId="$response.body#/id",
                ),
            )
        },
        _CONTROL + "/faults": {
            "get": _operation(
                "Faults in force", "controlGetFaults", response=_OBJECT, security=_CONTROL_SECURITY
            ),
            "post": _operation(
                "Inject faults: failing requests, latency, dropped and silent streams, raw frames",
                "controlSetFaults",
                body=_FAULTS_REQUEST,
                response=_OBJECT,
                security=_CONTROL_SECURITY,
            ),
            "delete": _operation(
                "Clear all faults",
                "controlClearFaults",
                response=_OBJECT,
                security=_CONTROL_SECURITY,
            ),
        },
    }


def _declare_request_constraints(schemas: dict[str, Any]) -> None:
    """The models are shared with the client, which takes what a server sends as it comes;
    the requests the service reads are held to more, and the document says so."""
    create = schemas["CreateWebChatConversationRequest"]["properties"]
    create["organizationId"] = _TEXT
    create["deploymentId"] = _TEXT
    target = schemas["WebChatRoutingTarget"]["properties"]
    target["targetType"] = {"type": "string", "enum": [TargetType.QUEUE.value]}
    target["targetAddress"] = {**_TEXT, "description": "the queue's name"}
    schemas["GuestMemberInfo"]["properties"]["displayName"] = _TEXT


def openapi_document() -> dict[str, Any]:
    _, schemas = models_json_schema(
        [(model, "serialization") for model in ALL_MODELS.values()],
        by_alias=True,
        ref_template="#/components/schemas/{model}",
    )
    defined = schemas.get("$defs", {})
    _declare_request_constraints(defined)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Local Guest Chat service",
            "version": "1",
            "description": (
                "The Genesys Cloud guest chat API as a local service, plus its control API. "
                "The event stream is a WebSocket at the eventStreamUri a new chat returns "
                f"(ws://HOST:PORT{EVENT_STREAM_PATH}<jwt>). Every response carries "
                "inin-correlation-id, and every error is an ErrorBody whose contextId is that "
                f"id. Request bodies are JSON in UTF-8 of at most {MAX_REQUEST_BYTES} bytes, "
                f"nesting objects and arrays at most {MAX_JSON_DEPTH} levels deep, whose "
                "strings are all Unicode text (no lone surrogate)."
            ),
        },
        "components": {
            "schemas": defined,
            "securitySchemes": {
                "guestJwt": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "controlToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "required only when the service is started with a token",
                },
            },
        },
        "paths": _paths(),
    }
