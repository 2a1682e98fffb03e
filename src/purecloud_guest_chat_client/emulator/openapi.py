"""The OpenAPI document the service serves at /openapi.json: guest REST API and control API."""

from __future__ import annotations

import re
from typing import Any

from pydantic.json_schema import models_json_schema

from ..models import ALL_MODELS, BodyType, MediaRequestState, MediaType, SortOrder, TargetType
from ..models.protocol import (
    EVENT_STREAM_PATH,
    MAX_MESSAGE_LENGTH,
)
from ..models.web_messaging_protocol import (
    HISTORY_MAX_PAGE_SIZE,
    HISTORY_PAGE_NUMBER_PARAMETER,
    HISTORY_PAGE_SIZE,
    HISTORY_PAGE_SIZE_PARAMETER,
    MAX_ATTACHMENT_KB,
    REFUSED_CODE_PREFIX,
    UPLOAD_TAGGING_HEADER,
    URL_EXPIRES_PARAMETER,
    URL_SIGNATURE_PARAMETER,
    ContentType,
)
from .api_error import MAX_JSON_DEPTH, MAX_REQUEST_BYTES
from .routes_control import CONTROL_API, LIST_MAX_PAGE_SIZE, LIST_PAGE_SIZE
from .routes_guest import GUEST_API, MAX_PAGE_SIZE, MAX_RESULTS
from .routes_shared import MAX_PAGE_NUMBER, SENDABLE_BODY_TYPES, RouteEntry
from .routes_web_messaging_rest import WEB_MESSAGING_REST, RestOperation
from .structured_content import MAX_CONTENT_ITEMS

_PATH_PARAMETER = re.compile(r"\{(\w+)\}")
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
    *,
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
        "parameters": query or [],
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


def _optional(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


# A string that is not blank: the service refuses one that is empty or only whitespace.
# Not blank, in the service's sense: Python's str.strip() also takes \x1c-\x1f for
# whitespace, which a schema's \s (ECMA-262, Unicode) does not, so they are named too.
_TEXT: dict[str, Any] = {"type": "string", "pattern": "[^\\s\\x1c-\\x1f]"}
_PAGE_SIZE = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": 25}
_PAGE_NUMBER = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_NUMBER, "default": 1}
_MAX_RESULTS = {"type": "integer", "minimum": 1, "maximum": MAX_RESULTS, "default": MAX_RESULTS}
_MESSAGE_REQUEST: dict[str, Any] = {
    "type": "object",
    "required": ["body"],
    "properties": {
        "body": {"type": "string", "maxLength": MAX_MESSAGE_LENGTH},
        "bodyType": {
            "anyOf": [{"type": "string", "enum": list(SENDABLE_BODY_TYPES)}, {"type": "null"}],
            "default": BodyType.STANDARD.value,
        },
    },
}


def _closed(required: dict[str, Any], optional: dict[str, Any] | None = None) -> dict[str, Any]:
    """An object of exactly these fields: the service refuses content with any other."""
    return {
        "type": "object",
        "required": list(required),
        "properties": {**required, **(optional or {})},
        "additionalProperties": False,
    }


_STRING = {"type": "string"}
_CONTENT_SCHEMAS: dict[str, dict[str, Any]] = {
    "QuickReply": _closed(
        {"text": _STRING, "payload": _STRING},
        {"action": _STRING, "image": _STRING, "summaryText": _STRING},
    ),
    "CardAction": {
        "oneOf": [
            _closed({"type": {"const": "Link"}, "text": _STRING, "url": _STRING}),
            _closed({"type": {"const": "Postback"}, "text": _STRING, "payload": _STRING}),
        ]
    },
    "Card": _closed(
        {"title": _STRING, "actions": {"type": "array", "items": _ref("CardAction")}},
        {
            "description": _STRING,
            "image": _STRING,
            "video": _STRING,
            "defaultAction": _ref("CardAction"),
        },
    ),
    "Carousel": _closed({"cards": {"type": "array", "minItems": 1, "items": _ref("Card")}}),
    "ListPickerItem": _closed(
        {"id": _STRING, "title": _STRING}, {"subtitle": _STRING, "imageUrl": _STRING}
    ),
    "ListPickerSection": _closed(
        {"title": _STRING, "items": {"type": "array", "items": _ref("ListPickerItem")}},
        {"multipleSelection": {"type": "boolean"}},
    ),
    "ListPicker": _closed(
        {
            "receivedMessage": _STRING,
            "replyMessage": _STRING,
            "sections": {"type": "array", "items": _ref("ListPickerSection")},
        },
        {"id": _STRING},
    ),
    "DatePickerTime": _closed(
        {
            "dateTime": {**_STRING, "description": "ISO 8601"},
            "duration": {"type": "number", "description": "seconds"},
        }
    ),
    "DatePicker": _closed(
        {"availableTimes": {"type": "array", "items": _ref("DatePickerTime")}},
        {
            **dict.fromkeys(
                (
                    "title",
                    "subtitle",
                    "imageUrl",
                    "dateMinimum",
                    "dateMaximum",
                    "dateDisplayFormat",
                ),
                _STRING,
            ),
            "location": _OBJECT,
        },
    ),
}
"""The content an agent sends, as the service checks it (see ``structured_content``)."""
_CONTENT_ITEMS = {
    kind.value: _closed(
        # Each item holds its content under the camelCase of its contentType.
        {"contentType": {"const": kind.value}, kind[0].lower() + kind[1:]: _ref(kind.value)}
    )
    for kind in (
        ContentType.QUICK_REPLY,
        ContentType.CARD,
        ContentType.CAROUSEL,
        ContentType.LIST_PICKER,
        ContentType.DATE_PICKER,
    )
}
_AGENT_MESSAGE_REQUEST: dict[str, Any] = {
    **_MESSAGE_REQUEST,
    "properties": {
        **_MESSAGE_REQUEST["properties"],
        "content": _optional(
            {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_CONTENT_ITEMS,
                "items": {"oneOf": [_ref(name + "Content") for name in _CONTENT_ITEMS]},
                "description": (
                    "Structured content sent with the text (standard messages only). A Web "
                    "Messaging guest gets a Structured message with the text and the content; "
                    "a Guest Chat guest, whose API has no content, gets the text only."
                ),
            }
        ),
    },
    # Only a standard message carries content: a notice with content is a 400.
    "if": {"required": ["content"], "properties": {"content": {"type": "array"}}},
    "then": {"properties": {"bodyType": _optional({"const": BodyType.STANDARD.value})}},
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


def _descriptions() -> dict[str, dict[str, Any]]:
    """What the document says of each operation, by operationId. The paths, the methods and the
    path parameters are the route tables' own (see ``_paths``)."""
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
    control = _CONTROL_SECURITY
    return {
        "postWebchatGuestConversations": _operation(
            "Create a guest chat; the event stream must attach before it is routed",
            body="CreateWebChatConversationRequest",
            response="CreateWebChatConversationResponse",
            security=[],
            links=created_links,
        ),
        "getWebchatGuestConversationMember": _operation(
            "Get a member", response="WebChatMemberInfo"
        ),
        "deleteWebchatGuestConversationMember": _operation(
            "The guest leaves the chat", status="204"
        ),
        "getWebchatGuestConversationMembers": _operation(
            "List members",
            query=[
                _query("pageSize", _PAGE_SIZE),
                _query("pageNumber", _PAGE_NUMBER),
                _query("excludeDisconnectedMembers", {"type": "boolean", "default": False}),
            ],
            response="WebChatMemberInfoEntityList",
        ),
        "postWebchatGuestConversationMemberMessages": _operation(
            f"Send a message (at most {MAX_MESSAGE_LENGTH} characters)",
            body=_MESSAGE_REQUEST,
            response="WebChatMessage",
            links=_links(
                "getWebchatGuestConversationMessage",
                conversationId=same_chat,
                messageId="$response.body#/id",
            ),
        ),
        "postWebchatGuestConversationMemberTyping": _operation(
            "Send a typing indicator", response="WebChatTyping"
        ),
        "getWebchatGuestConversationMessages": _operation(
            "List messages. `next` continues in the sort order and `previousPage` goes back; "
            "both are message ids (ascending: pass as after / before; descending: as "
            "before / after).",
            query=[
                _query("after", {"type": "string"}, "a message id (exclusive)"),
                _query("before", {"type": "string"}, "a message id (exclusive)"),
                _query("sortOrder", {"type": "string", "enum": [o.value for o in SortOrder]}),
                _query("maxResults", _MAX_RESULTS),
            ],
            response="WebChatMessageEntityList",
        ),
        "getWebchatGuestConversationMessage": _operation(
            "Get a message", response="WebChatMessage"
        ),
        "getWebchatGuestConversationMediarequests": _operation(
            "List media requests", response="WebChatGuestMediaRequestEntityList"
        ),
        "getWebchatGuestConversationMediarequest": _operation(
            "Get a media request", response="WebChatGuestMediaRequest"
        ),
        "patchWebchatGuestConversationMediarequest": _operation(
            "Accept or decline a PENDING media request",
            body=_MEDIA_REQUEST_PATCH,
            response="WebChatGuestMediaRequest",
        ),
        "controlHealth": _operation("Service health", response=_OBJECT, security=control),
        "controlListConversations": _operation(
            f"List conversations, a page at a time (pageSize up to {LIST_MAX_PAGE_SIZE}, "
            f"default {LIST_PAGE_SIZE})",
            query=[
                _query(
                    "pageSize",
                    {**_PAGE_SIZE, "maximum": LIST_MAX_PAGE_SIZE, "default": LIST_PAGE_SIZE},
                ),
                _query("pageNumber", _PAGE_NUMBER),
            ],
            response=_OBJECT,
            security=control,
        ),
        "controlGetConversation": _operation(
            "A conversation with its members and messages", response=_OBJECT, security=control
        ),
        "controlJoinAgent": _operation(
            "An agent joins (ALERTING, then CONNECTED)",
            body=_AGENT_NAME_REQUEST,
            response="WebChatMemberInfo",
            security=control,
            links=agent_links,
        ),
        "controlAgentMessage": _operation(
            "Send a message as an agent, with structured content (quick replies, cards, "
            "carousels, list and date pickers) if it likes",
            body=_AGENT_MESSAGE_REQUEST,
            response="WebChatMessage",
            security=control,
        ),
        "controlAgentTyping": _operation(
            "An agent types", response="WebChatTyping", security=control
        ),
        "controlAgentLeave": _operation(
            "An agent leaves; with end=true the chat ends and the guest is disconnected",
            query=[_query("end", {"type": "boolean", "default": False})],
            status="204",
            security=control,
        ),
        "controlTransfer": _operation(
            "Transfer to a new agent (the old one leaves, the guest stays)",
            body=_AGENT_NAME_REQUEST,
            response="WebChatMemberInfo",
            security=control,
            links=agent_links,
        ),
        "controlMediaRequest": _operation(
            "The agent asks the guest for a co-browse or screen-share session",
            body=_MEDIA_TYPES_REQUEST,
            response="WebChatGuestMediaRequest",
            security=control,
            links=_links(
                "getWebchatGuestConversationMediarequest",
                "patchWebchatGuestConversationMediarequest",
                conversationId=same_chat,
                mediaRequestId="$response.body#/id",
            ),
        ),
        "controlGetFaults": _operation("Faults in force", response=_OBJECT, security=control),
        "controlSetFaults": _operation(
            "Inject faults: failing requests, latency, dropped and silent streams, raw frames",
            body=_FAULTS_REQUEST,
            response=_OBJECT,
            security=control,
        ),
        "controlClearFaults": _operation("Clear all faults", response=_OBJECT, security=control),
    }


_STRUCTURED_MESSAGES = {
    "type": "object",
    "required": ["entities", "pageSize", "pageNumber", "total", "pageCount"],
    "properties": {
        "entities": {
            "type": "array",
            "description": "StructuredMessage bodies, newest first, as the WebSocket sends them",
            "items": _OBJECT,
        },
        "pageSize": {"type": "integer"},
        "pageNumber": {"type": "integer"},
        "total": {"type": "integer"},
        "pageCount": {"type": "integer"},
    },
}


# A code the local service accepts: not blank, and not one that starts with its refusal prefix.
_CODE = {"type": "string", "allOf": [_TEXT, {"pattern": f"^(?!{REFUSED_CODE_PREFIX})"}]}
_TOKEN_EXCHANGE_REQUEST = {
    "type": "object",
    "required": ["deploymentId", "oauth"],
    "properties": {
        "deploymentId": _TEXT,
        "oauth": {
            "anyOf": [
                {
                    "type": "object",
                    "required": ["code", "redirectUri"],
                    "properties": {
                        "code": _CODE,
                        "redirectUri": _TEXT,
                        "codeVerifier": {"type": "string"},
                    },
                },
                {
                    "type": "object",
                    "required": ["idToken", "nonce"],
                    "properties": {"idToken": _CODE, "nonce": _TEXT},
                    "not": {"required": ["code"]},
                },
            ]
        },
    },
}
_TOKEN_REFRESH_REQUEST = {
    "type": "object",
    "required": ["refreshToken"],
    "properties": {"refreshToken": {"type": "string", "minLength": 1}},
}
_SIGN_IN_TOKENS = {
    "type": "object",
    "required": ["jwt"],
    "properties": {"jwt": {"type": "string"}, "refreshToken": {"type": "string"}},
}


def _web_messaging_descriptions() -> dict[str, dict[str, Any]]:
    """The Web Messaging REST parts, by operationId."""
    signed = [
        {**_query(URL_EXPIRES_PARAMETER, {"type": "integer"}, "epoch seconds"), "required": True},
        {**_query(URL_SIGNATURE_PARAMETER, {"type": "string"}), "required": True},
    ]
    history_page_size = {
        "type": "integer",
        "minimum": 1,
        "maximum": HISTORY_MAX_PAGE_SIZE,
        "default": HISTORY_PAGE_SIZE,
    }
    return {
        "getWebmessagingMessages": _operation(
            "A Web Messaging session's messages, newest first (bearer: the getJwt JWT)",
            query=[
                _query(HISTORY_PAGE_NUMBER_PARAMETER, _PAGE_NUMBER),
                _query(HISTORY_PAGE_SIZE_PARAMETER, history_page_size),
            ],
            response=_STRUCTURED_MESSAGES,
        ),
        "postWebdeploymentsTokenOauthcodegrantjwtexchange": _operation(
            "Exchange a signed-in user's OAuth code (or OpenID Connect id token) for the JWT of "
            f"configureAuthenticatedSession; the local service refuses a code that starts with "
            f"'{REFUSED_CODE_PREFIX}' and signs in the user the code names (up to its first ':')",
            body=_TOKEN_EXCHANGE_REQUEST,
            response=_SIGN_IN_TOKENS,
            security=[],
        ),
        "postWebdeploymentsTokenRefresh": _operation(
            "A fresh JWT for a refresh token (401 once it is revoked)",
            body=_TOKEN_REFRESH_REQUEST,
            response=_SIGN_IN_TOKENS,
            security=[],
        ),
        "deleteWebdeploymentsTokenRevoke": _operation(
            "Log the signed-in guest out: its sessions' connections get a LogoutEvent",
            status="204",
            security=[{"signInJwt": []}],
        ),
        "putWebmessagingAttachment": {
            **_operation(
                "Upload an attachment's bytes to the signed URL of its PresignedUrlResponse, with "
                f"its headers ({UPLOAD_TAGGING_HEADER}); at most {MAX_ATTACHMENT_KB} KB",
                query=signed,
                security=[],
            ),
            "requestBody": {
                "required": True,
                "content": {"application/octet-stream": {"schema": {"type": "string"}}},
            },
        },
        "getWebmessagingAttachment": _operation(
            "Download an attachment from a signed URL (downloadUrl, getAttachment): its bytes, "
            "with its media type",
            query=signed,
            security=[],
        ),
        "getWebdeploymentsDeploymentConfig": _operation(
            "A deployment's Messenger configuration (404 for a deployment the contact centre "
            "does not list)",
            response=_OBJECT,
            security=[],
        ),
    }


def _camel_case(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(word.capitalize() for word in rest)


def _paths() -> dict[str, Any]:
    """One entry per route of the guest and control APIs, as they are mounted: the route's
    ``{snake_case}`` path parameters become the document's ``{camelCase}`` ones."""
    descriptions = {**_descriptions(), **_web_messaging_descriptions()}
    paths: dict[str, Any] = {}
    entries: tuple[RouteEntry | RestOperation, ...] = (
        *GUEST_API,
        *CONTROL_API,
        *WEB_MESSAGING_REST,
    )
    for entry in entries:
        path = _PATH_PARAMETER.sub(lambda m: "{" + _camel_case(m.group(1)) + "}", entry.path)
        described = descriptions.pop(entry.operation_id)
        parameters = [_path_param(name) for name in _PATH_PARAMETER.findall(path)]
        paths.setdefault(path, {})[entry.method.lower()] = {
            **described,
            "operationId": entry.operation_id,
            "parameters": parameters + described["parameters"],
        }
    if descriptions:
        raise LookupError(f"described, but no route serves them: {sorted(descriptions)}")
    return paths


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
    defined.update(_CONTENT_SCHEMAS)
    defined.update({name + "Content": item for name, item in _CONTENT_ITEMS.items()})
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
                "signInJwt": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "a Web Messaging sign-in JWT (the code exchange's)",
                },
                "controlToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "required only when the service is started with a token",
                },
            },
        },
        "paths": _paths(),
    }
