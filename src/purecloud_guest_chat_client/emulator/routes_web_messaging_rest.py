"""The REST parts of Web Messaging, on the same port as the WebSocket: the message history a
session's JWT reads, the deployment configuration, and the signed URLs attachments are uploaded
to and downloaded from."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.routing import Route

from ..models import BodyType, MemberRole
from ..models.web_messaging_protocol import (
    ATTACHMENT_PATH,
    DEPLOYMENT_CONFIG_PATH,
    DEPLOYMENT_CONFIG_VERSION,
    DEPLOYMENT_LANGUAGE,
    HISTORY_CALLS_PER_MINUTE,
    HISTORY_MAX_PAGE_SIZE,
    HISTORY_PAGE_NUMBER_PARAMETER,
    HISTORY_PAGE_SIZE,
    HISTORY_PAGE_SIZE_PARAMETER,
    HISTORY_PATH,
    INBOUND_FILE_TYPES,
    MAX_ATTACHMENT_KB,
    TOKEN_EXCHANGE_PATH,
    TOKEN_REFRESH_PATH,
    TOKEN_REVOKE_PATH,
    UPLOAD_TAGGING_HEADER,
    URL_EXPIRES_PARAMETER,
    URL_SIGNATURE_PARAMETER,
    DeploymentStatus,
    ErrorCode,
)
from .api_error import ApiError
from .contact_centre import Deployment
from .http_io import correlation_id, json_object, json_response, method_routes, query_int
from .rate_limiter import RateLimiter
from .records import Message
from .routes_guest import stream_base_uri
from .routes_shared import MAX_PAGE_NUMBER
from .runtime import Runtime
from .settings import ServiceSettings
from .web_messaging_attachments import (
    MAX_ATTACHMENT_BYTES,
    WebMessagingAttachments,
    text_without_notes,
    upload_tagging,
)
from .web_messaging_auth import WebMessagingSignIns, session_conversation
from .web_messaging_messages import inbound_body, outbound_body
from .web_messaging_sessions import Session

_PRIMARY_COLOUR = "#ff4f1f"  # the Messenger's default look; no client's logic reads it


class WebMessagingRest:
    """What the REST operations share: the running service, the attachments, the signed-in
    guests, how a session is told of a logout, and the history's own rate limit (per session,
    on only when the service limits rates at all)."""

    def __init__(
        self,
        runtime: Runtime,
        attachments: WebMessagingAttachments,
        signins: WebMessagingSignIns,
        logged_out: Callable[[Session], None],
    ) -> None:
        self.runtime = runtime
        self.attachments = attachments
        self.signins = signins
        self.logged_out = logged_out
        on = runtime.limiter.per_minute > 0
        self.history_limiter = RateLimiter(HISTORY_CALLS_PER_MINUTE if on else 0)


RestHandler = Callable[[Request, WebMessagingRest], Awaitable[Response]]


@dataclass(frozen=True)
class RestOperation:
    """One REST operation: its path, method, handler and ``operationId`` in the OpenAPI
    document."""

    path: str
    method: str
    handler: RestHandler
    operation_id: str


async def get_history(request: Request, rest: WebMessagingRest) -> Response:
    """The session's messages, both directions, newest first, in the live frames' body shape."""
    conversation = session_conversation(rest.runtime.chats, request.headers.get("authorization"))
    rest.history_limiter.check(conversation.id)
    page_size = query_int(
        request, HISTORY_PAGE_SIZE_PARAMETER, HISTORY_PAGE_SIZE, 1, HISTORY_MAX_PAGE_SIZE
    )
    page_number = query_int(request, HISTORY_PAGE_NUMBER_PARAMETER, 1, 1, MAX_PAGE_NUMBER)
    attachments = rest.attachments
    structured = rest.runtime.chats.structured_content
    base_url = service_base_url(request, rest.runtime.settings)
    metadata = rest.signins.conversation_metadata(conversation.id)

    def body(message: Message) -> dict[str, Any] | None:
        if message.body_type != BodyType.STANDARD:
            return None  # the service's notices: the guest never sees them
        if message.sender_role != MemberRole.CUSTOMER:
            return outbound_body(conversation, message, structured.get(message.id))
        carried = attachments.of_message(message.id)
        return inbound_body(
            message,
            text=text_without_notes(message.body, carried),
            content=[attachments.content(a, base_url) for a in carried],
            metadata=metadata,
        )

    bodies = [b for m in reversed(conversation.messages) if (b := body(m)) is not None]
    start = (page_number - 1) * page_size
    return json_response(
        {
            "entities": bodies[start : start + page_size],
            "pageSize": page_size,
            "pageNumber": page_number,
            "total": len(bodies),
            "pageCount": math.ceil(len(bodies) / page_size),
        }
    )


async def get_deployment_config(request: Request, rest: WebMessagingRest) -> Response:
    """What a Messenger reads before it connects. Without a contact-centre file every
    deployment id is served (as the service accepts any); with one, only those it lists."""
    deployment_id = request.path_params["deployment_id"]
    known = rest.runtime.centre.deployments
    deployment = None if known is None else known.get(deployment_id)
    if known is not None and deployment is None:
        raise ApiError.not_found(f"The deployment {deployment_id[:100]} was not found.")
    socket_base = stream_base_uri(request, rest.runtime.settings)
    api_base = service_base_url(request, rest.runtime.settings)
    settings = deployment if deployment is not None else Deployment(id=deployment_id)
    lifetime = rest.runtime.settings.web_messaging_session_seconds
    file_mode = {"fileTypes": list(INBOUND_FILE_TYPES), "maxFileSizeKB": MAX_ATTACHMENT_KB}
    return json_response(
        {
            "id": deployment_id,
            "version": DEPLOYMENT_CONFIG_VERSION,
            "languages": [DEPLOYMENT_LANGUAGE],
            "defaultLanguage": DEPLOYMENT_LANGUAGE,
            "apiEndpoint": api_base,
            "status": DeploymentStatus.ACTIVE if settings.enabled else DeploymentStatus.INACTIVE,
            "journeyEvents": {"enabled": False},
            "auth": {
                "enabled": settings.requires_auth,
                "allowSessionUpgrade": settings.allow_session_upgrade,
            },
            "messenger": {
                "enabled": True,
                "styles": {"primaryColor": _PRIMARY_COLOUR},
                "launcherButton": {"visibility": "On"},
                "fileUpload": {"enableAttachments": True, "modes": [file_mode]},
                "apps": {
                    "conversations": {
                        "messagingEndpoint": socket_base,
                        "showAgentTypingIndicator": True,
                        "showUserTypingIndicator": settings.user_typing,
                        "autoStart": {"enabled": False},
                        "conversationDisconnect": {
                            "enabled": True,
                            "type": settings.conversation_disconnect,
                        },
                        "conversationClear": {"enabled": settings.conversation_clear},
                        "notifications": {"enabled": False},
                        "markdown": {"enabled": False},
                        "humanize": {"enabled": False},
                        "sessionDurationSeconds": lifetime,
                    }
                },
            },
        }
    )


def service_base_url(connection: HTTPConnection, settings: ServiceSettings) -> str:
    """The service's own ``http://`` (or ``https://``) base, where its URLs point."""
    return "http" + stream_base_uri(connection, settings).removeprefix("ws")


async def put_attachment(request: Request, rest: WebMessagingRest) -> Response:
    """The upload of an attachment's bytes to the URL of its ``PresignedUrlResponse``."""
    attachments = rest.attachments
    attachment_id = request.path_params["attachment_id"]
    query = request.query_params
    attachments.signer.check(
        "PUT", attachment_id, query.get(URL_EXPIRES_PARAMETER), query.get(URL_SIGNATURE_PARAMETER)
    )
    attachment = attachments.waiting_upload(attachment_id)
    if request.headers.get(UPLOAD_TAGGING_HEADER) != upload_tagging(attachment_id):
        raise ApiError.not_authorized(
            f"The upload must carry the {UPLOAD_TAGGING_HEADER} header its PresignedUrlResponse "
            "names."
        )
    data = await _upload_body(request)
    if data is None:
        text = f"The file is larger than {MAX_ATTACHMENT_KB} KB."
        attachments.upload_failed(attachment, ErrorCode.FILE_SIZE_INVALID, text)
        raise ApiError(413, "request.entity.too.large", text)
    if not data:
        text = "The file is empty."
        attachments.upload_failed(attachment, ErrorCode.FILE_SIZE_ZERO, text)
        raise ApiError.bad_request(text, "file.size.zero")
    await attachments.uploaded(attachment, data)
    return Response(status_code=200)


async def _upload_body(request: Request) -> bytes | None:
    """The uploaded bytes, or None once they pass the attachment limit (declared or sent)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_ATTACHMENT_BYTES:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_ATTACHMENT_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def get_attachment(request: Request, rest: WebMessagingRest) -> Response:
    """The download of an attachment from a signed URL (``downloadUrl``, ``getAttachment``)."""
    attachments = rest.attachments
    attachment_id = request.path_params["attachment_id"]
    query = request.query_params
    attachments.signer.check(
        "GET", attachment_id, query.get(URL_EXPIRES_PARAMETER), query.get(URL_SIGNATURE_PARAMETER)
    )
    attachment, data = attachments.stored(attachment_id)
    disposition = f"attachment; filename*=UTF-8''{quote(attachment.file_name, safe='')}"
    return Response(
        data, media_type=attachment.file_type, headers={"Content-Disposition": disposition}
    )


# -- signed-in guests -----------------------------------------------------------------------------


def _exchange_required() -> ApiError:
    return ApiError.bad_request("The request needs a body: {deploymentId, oauth}.")


async def post_token_exchange(request: Request, rest: WebMessagingRest) -> Response:
    """The OAuth code (or OpenID Connect id token) of a signed-in user, for the JWT that
    ``configureAuthenticatedSession`` takes and a refresh token."""
    data = await json_object(request, _exchange_required)
    deployment_id = data.get("deploymentId")
    if not isinstance(deployment_id, str) or not deployment_id.strip():
        raise ApiError.bad_request("deploymentId must be a non-empty string.")
    known = rest.runtime.centre.deployments
    if known is not None:
        deployment = known.get(deployment_id)
        if deployment is None or not deployment.enabled:
            raise ApiError.invalid_value("deploymentId", deployment_id[:100], "a known deployment")
        if not deployment.requires_auth:
            raise ApiError.bad_request(
                "The deployment does not sign guests in (its auth is not enabled).",
                "auth.not.enabled",
            )
    oauth = data.get("oauth")
    if not isinstance(oauth, dict):
        raise ApiError.bad_request("oauth must be an object: {code, redirectUri, codeVerifier?}.")
    return json_response(await rest.signins.exchange(deployment_id, oauth))


def _refresh_required() -> ApiError:
    return ApiError.bad_request("The request needs a body: {refreshToken}.")


async def post_token_refresh(request: Request, rest: WebMessagingRest) -> Response:
    data = await json_object(request, _refresh_required)
    refresh_token = data.get("refreshToken")
    if not isinstance(refresh_token, str) or not refresh_token:
        raise ApiError.bad_request("refreshToken must be a non-empty string.")
    return json_response(rest.signins.refresh(refresh_token))


async def delete_token(request: Request, rest: WebMessagingRest) -> Response:
    """Logs the guest out: its JWT and refresh token stop working, and its sessions' connections
    get a ``LogoutEvent``."""
    for session in await rest.signins.revoke(request.headers.get("authorization")):
        rest.logged_out(session)
    return Response(status_code=204)


WEB_MESSAGING_REST: tuple[RestOperation, ...] = (
    RestOperation(HISTORY_PATH, "GET", get_history, "getWebmessagingMessages"),
    RestOperation(
        DEPLOYMENT_CONFIG_PATH, "GET", get_deployment_config, "getWebdeploymentsDeploymentConfig"
    ),
    RestOperation(
        TOKEN_EXCHANGE_PATH,
        "POST",
        post_token_exchange,
        "postWebdeploymentsTokenOauthcodegrantjwtexchange",
    ),
    RestOperation(TOKEN_REFRESH_PATH, "POST", post_token_refresh, "postWebdeploymentsTokenRefresh"),
    RestOperation(TOKEN_REVOKE_PATH, "DELETE", delete_token, "deleteWebdeploymentsTokenRevoke"),
    RestOperation(ATTACHMENT_PATH, "PUT", put_attachment, "putWebmessagingAttachment"),
    RestOperation(ATTACHMENT_PATH, "GET", get_attachment, "getWebmessagingAttachment"),
)
"""The REST operations: what the routes are mounted from and the document describes."""


def web_messaging_rest_routes(rest: WebMessagingRest) -> list[Route]:
    def endpoint(handler: RestHandler) -> Callable[[Request], Awaitable[Response]]:
        async def answer(request: Request) -> Response:
            try:
                return await handler(request, rest)
            except ApiError as error:
                return error.response(correlation_id(request))

        return answer

    return method_routes([(op.path, op.method, endpoint(op.handler)) for op in WEB_MESSAGING_REST])
