"""The 11 Guest Chat operations, described once for the sync and async APIs.

Models are named here, not imported: they load on the first call that needs one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._base_client import Operation, QueryParam
from ..models.protocol import GUEST_API_PREFIX

if TYPE_CHECKING:
    from ..models import (
        CreateWebChatConversationResponse,
        WebChatGuestMediaRequest,
        WebChatGuestMediaRequestEntityList,
        WebChatMemberInfo,
        WebChatMemberInfoEntityList,
        WebChatMessage,
        WebChatMessageEntityList,
        WebChatTyping,
    )

_CONVERSATIONS = GUEST_API_PREFIX
_CONVERSATION = _CONVERSATIONS + "/{conversationId}"
_MEMBER = _CONVERSATION + "/members/{memberId}"
_MEDIA_REQUEST = _CONVERSATION + "/mediarequests/{mediaRequestId}"

CREATE_CONVERSATION: Operation[CreateWebChatConversationResponse] = Operation(
    name="post_webchat_guest_conversations",
    method="POST",
    path=_CONVERSATIONS,
    body_model_name="CreateWebChatConversationRequest",
    response_model_name="CreateWebChatConversationResponse",
    needs_jwt=False,
)
GET_MEMBER: Operation[WebChatMemberInfo] = Operation(
    name="get_webchat_guest_conversation_member",
    method="GET",
    path=_MEMBER,
    path_params=("conversationId", "memberId"),
    response_model_name="WebChatMemberInfo",
)
LIST_MEMBERS: Operation[WebChatMemberInfoEntityList] = Operation(
    name="get_webchat_guest_conversation_members",
    method="GET",
    path=_CONVERSATION + "/members",
    path_params=("conversationId",),
    query=(
        QueryParam("page_size", "pageSize", int, minimum=1),
        QueryParam("page_number", "pageNumber", int, minimum=1),
        QueryParam("exclude_disconnected_members", "excludeDisconnectedMembers", bool),
    ),
    response_model_name="WebChatMemberInfoEntityList",
)
LEAVE: Operation[None] = Operation(
    name="delete_webchat_guest_conversation_member",
    method="DELETE",
    path=_MEMBER,
    path_params=("conversationId", "memberId"),
)
SEND_MESSAGE: Operation[WebChatMessage] = Operation(
    name="post_webchat_guest_conversation_member_messages",
    method="POST",
    path=_MEMBER + "/messages",
    path_params=("conversationId", "memberId"),
    body_model_name="CreateWebChatMessageRequest",
    response_model_name="WebChatMessage",
)
SEND_TYPING: Operation[WebChatTyping] = Operation(
    name="post_webchat_guest_conversation_member_typing",
    method="POST",
    path=_MEMBER + "/typing",
    path_params=("conversationId", "memberId"),
    response_model_name="WebChatTyping",
)
GET_MESSAGE: Operation[WebChatMessage] = Operation(
    name="get_webchat_guest_conversation_message",
    method="GET",
    path=_CONVERSATION + "/messages/{messageId}",
    path_params=("conversationId", "messageId"),
    response_model_name="WebChatMessage",
)
LIST_MESSAGES: Operation[WebChatMessageEntityList] = Operation(
    name="get_webchat_guest_conversation_messages",
    method="GET",
    path=_CONVERSATION + "/messages",
    path_params=("conversationId",),
    query=(
        QueryParam("after", "after", str),
        QueryParam("before", "before", str),
        QueryParam("sort_order", "sortOrder", str, choices=("ascending", "descending")),
        QueryParam("max_results", "maxResults", int, minimum=1, maximum=100),
    ),
    response_model_name="WebChatMessageEntityList",
)
LIST_MEDIA_REQUESTS: Operation[WebChatGuestMediaRequestEntityList] = Operation(
    name="get_webchat_guest_conversation_mediarequests",
    method="GET",
    path=_CONVERSATION + "/mediarequests",
    path_params=("conversationId",),
    response_model_name="WebChatGuestMediaRequestEntityList",
)
GET_MEDIA_REQUEST: Operation[WebChatGuestMediaRequest] = Operation(
    name="get_webchat_guest_conversation_mediarequest",
    method="GET",
    path=_MEDIA_REQUEST,
    path_params=("conversationId", "mediaRequestId"),
    response_model_name="WebChatGuestMediaRequest",
)
UPDATE_MEDIA_REQUEST: Operation[WebChatGuestMediaRequest] = Operation(
    name="patch_webchat_guest_conversation_mediarequest",
    method="PATCH",
    path=_MEDIA_REQUEST,
    path_params=("conversationId", "mediaRequestId"),
    body_model_name="WebChatGuestMediaRequest",
    response_model_name="WebChatGuestMediaRequest",
)
