"""``WebChatApi`` and ``AsyncWebChatApi``: the 11 guest operations with typed signatures.

Both delegate to one operation table, so the sync and async APIs cannot drift. Required arguments
are positional, options are keywords; bodies may be models or camelCase dicts; every call also
takes ``timeout=`` (seconds) for that call alone.

Calls return the typed models. For the full answer (status, headers, body, text) of one call,
typed as ``ExtendedResponse[Model]``, pass the method and its arguments to ``call_extended``::

    response = api.call_extended(api.get_webchat_guest_conversation_member, cid, mid)
    response.status, response.headers["inin-correlation-id"], response.body.display_name

``client.set_return_extended_responses(True)`` (the JS SDK's switch) makes every call return an
:class:`~purecloud_guest_chat_client.ExtendedResponse` at run time, although the methods'
annotations still name the bare model.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from .._base_client import extended_responses
from ..api_client import ApiClient, AsyncApiClient, ExtendedResponse
from . import _operations as _ops

if TYPE_CHECKING:
    from ..models import (
        CreateWebChatConversationRequest,
        CreateWebChatConversationResponse,
        CreateWebChatMessageRequest,
        SortOrder,
        WebChatGuestMediaRequest,
        WebChatGuestMediaRequestEntityList,
        WebChatMemberInfo,
        WebChatMemberInfoEntityList,
        WebChatMessage,
        WebChatMessageEntityList,
        WebChatTyping,
    )

__all__ = ["AsyncWebChatApi", "WebChatApi"]

_P = ParamSpec("_P")
_T = TypeVar("_T")


def _check_own_method(api: object, operation: object) -> None:
    if getattr(operation, "__self__", None) is not api or not callable(operation):
        raise TypeError(
            "call_extended takes one of this API's own methods, such as "
            f"api.post_webchat_guest_conversations, not {operation!r}"
        )


def _extended(operation: object, result: object) -> ExtendedResponse[Any]:
    if not isinstance(result, ExtendedResponse):
        name = getattr(operation, "__name__", repr(operation))
        raise TypeError(f"{name} is not an API operation; call_extended cannot extend it")
    return result


class WebChatApi:
    """The Guest Chat operations over a synchronous :class:`ApiClient`.

    ``WebChatApi()`` uses ``ApiClient.instance``, as ``new WebChatApi()`` does in the JS SDK.
    Each method returns its model; :meth:`call_extended` returns one call's full answer, typed.
    (With the client's ``set_return_extended_responses(True)`` every method returns an
    ``ExtendedResponse`` at run time, despite the annotations.)
    """

    def __init__(self, client: ApiClient | None = None) -> None:
        if client is None:
            client = ApiClient.instance
        elif not isinstance(client, ApiClient):
            raise TypeError(f"client must be an ApiClient, not {type(client).__name__}")
        self._client = client

    @property
    def api_client(self) -> ApiClient:
        return self._client

    def call_extended(
        self, operation: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> ExtendedResponse[_T]:
        """Call ``operation``, one of this API's methods, and return its full answer as an
        ``ExtendedResponse`` whose ``body`` is the method's model:
        ``api.call_extended(api.get_webchat_guest_conversation_messages, cid, max_results=5)``.
        """
        _check_own_method(self, operation)
        with extended_responses():
            return _extended(operation, operation(*args, **kwargs))

    def post_webchat_guest_conversations(
        self,
        body: CreateWebChatConversationRequest | Mapping[str, Any],
        *,
        timeout: float | None = None,
    ) -> CreateWebChatConversationResponse:
        """Create a chat. Needs no JWT; set the returned ``jwt`` with ``client.set_jwt()``."""
        return self._client.call(_ops.CREATE_CONVERSATION, (), body=body, timeout=timeout)

    def get_webchat_guest_conversation_member(
        self,
        conversation_id: str,
        member_id: str,
        *,
        timeout: float | None = None,
    ) -> WebChatMemberInfo:
        """Get a member of the chat."""
        return self._client.call(_ops.GET_MEMBER, (conversation_id, member_id), timeout=timeout)

    def get_webchat_guest_conversation_members(
        self,
        conversation_id: str,
        *,
        page_size: int | None = None,
        page_number: int | None = None,
        exclude_disconnected_members: bool | None = None,
        timeout: float | None = None,
    ) -> WebChatMemberInfoEntityList:
        """List the members of the chat, a page at a time."""
        return self._client.call(
            _ops.LIST_MEMBERS,
            (conversation_id,),
            query={
                "page_size": page_size,
                "page_number": page_number,
                "exclude_disconnected_members": exclude_disconnected_members,
            },
            timeout=timeout,
        )

    def delete_webchat_guest_conversation_member(
        self,
        conversation_id: str,
        member_id: str,
        *,
        timeout: float | None = None,
    ) -> None:
        """Remove a member (the guest itself) from the chat."""
        return self._client.call(_ops.LEAVE, (conversation_id, member_id), timeout=timeout)

    def post_webchat_guest_conversation_member_messages(
        self,
        conversation_id: str,
        member_id: str,
        body: CreateWebChatMessageRequest | Mapping[str, Any],
        *,
        timeout: float | None = None,
    ) -> WebChatMessage:
        """Send a message as the guest member."""
        return self._client.call(
            _ops.SEND_MESSAGE, (conversation_id, member_id), body=body, timeout=timeout
        )

    def post_webchat_guest_conversation_member_typing(
        self,
        conversation_id: str,
        member_id: str,
        *,
        timeout: float | None = None,
    ) -> WebChatTyping:
        """Send a typing indicator as the guest member."""
        return self._client.call(_ops.SEND_TYPING, (conversation_id, member_id), timeout=timeout)

    def get_webchat_guest_conversation_message(
        self,
        conversation_id: str,
        message_id: str,
        *,
        timeout: float | None = None,
    ) -> WebChatMessage:
        """Get one message of the chat."""
        return self._client.call(_ops.GET_MESSAGE, (conversation_id, message_id), timeout=timeout)

    def get_webchat_guest_conversation_messages(
        self,
        conversation_id: str,
        *,
        after: str | None = None,
        before: str | None = None,
        sort_order: SortOrder | str | None = None,
        max_results: int | None = None,
        timeout: float | None = None,
    ) -> WebChatMessageEntityList:
        """List the chat's messages; ``after``/``before`` are message ids."""
        return self._client.call(
            _ops.LIST_MESSAGES,
            (conversation_id,),
            query={
                "after": after,
                "before": before,
                "sort_order": sort_order,
                "max_results": max_results,
            },
            timeout=timeout,
        )

    def get_webchat_guest_conversation_mediarequests(
        self,
        conversation_id: str,
        *,
        timeout: float | None = None,
    ) -> WebChatGuestMediaRequestEntityList:
        """List the chat's media requests."""
        return self._client.call(_ops.LIST_MEDIA_REQUESTS, (conversation_id,), timeout=timeout)

    def get_webchat_guest_conversation_mediarequest(
        self,
        conversation_id: str,
        media_request_id: str,
        *,
        timeout: float | None = None,
    ) -> WebChatGuestMediaRequest:
        """Get one media request."""
        return self._client.call(
            _ops.GET_MEDIA_REQUEST, (conversation_id, media_request_id), timeout=timeout
        )

    def patch_webchat_guest_conversation_mediarequest(
        self,
        conversation_id: str,
        media_request_id: str,
        body: WebChatGuestMediaRequest | Mapping[str, Any],
        *,
        timeout: float | None = None,
    ) -> WebChatGuestMediaRequest:
        """Answer a media request (accept or decline it)."""
        return self._client.call(
            _ops.UPDATE_MEDIA_REQUEST,
            (conversation_id, media_request_id),
            body=body,
            timeout=timeout,
        )


class AsyncWebChatApi:
    """The Guest Chat operations over an :class:`AsyncApiClient`.

    Each method returns its model; :meth:`call_extended` returns one call's full answer, typed.
    (With the client's ``set_return_extended_responses(True)`` every method returns an
    ``ExtendedResponse`` at run time, despite the annotations.)
    """

    def __init__(self, client: AsyncApiClient) -> None:
        if not isinstance(client, AsyncApiClient):
            raise TypeError(f"client must be an AsyncApiClient, not {type(client).__name__}")
        self._client = client

    @property
    def api_client(self) -> AsyncApiClient:
        return self._client

    async def call_extended(
        self, operation: Callable[_P, Awaitable[_T]], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> ExtendedResponse[_T]:
        """Await ``operation``, one of this API's methods, and return its full answer as an
        ``ExtendedResponse`` whose ``body`` is the method's model:
        ``await api.call_extended(api.get_webchat_guest_conversation_member, cid, mid)``.
        """
        _check_own_method(self, operation)
        with extended_responses():
            return _extended(operation, await operation(*args, **kwargs))

    async def post_webchat_guest_conversations(
        self,
        body: CreateWebChatConversationRequest | Mapping[str, Any],
        *,
        timeout: float | None = None,
    ) -> CreateWebChatConversationResponse:
        """Create a chat. Needs no JWT; set the returned ``jwt`` with ``client.set_jwt()``."""
        return await self._client.call(_ops.CREATE_CONVERSATION, (), body=body, timeout=timeout)

    async def get_webchat_guest_conversation_member(
        self,
        conversation_id: str,
        member_id: str,
        *,
        timeout: float | None = None,
    ) -> WebChatMemberInfo:
        """Get a member of the chat."""
        return await self._client.call(
            _ops.GET_MEMBER, (conversation_id, member_id), timeout=timeout
        )

    async def get_webchat_guest_conversation_members(
        self,
        conversation_id: str,
        *,
        page_size: int | None = None,
        page_number: int | None = None,
        exclude_disconnected_members: bool | None = None,
        timeout: float | None = None,
    ) -> WebChatMemberInfoEntityList:
        """List the members of the chat, a page at a time."""
        return await self._client.call(
            _ops.LIST_MEMBERS,
            (conversation_id,),
            query={
                "page_size": page_size,
                "page_number": page_number,
                "exclude_disconnected_members": exclude_disconnected_members,
            },
            timeout=timeout,
        )

    async def delete_webchat_guest_conversation_member(
        self,
        conversation_id: str,
        member_id: str,
        *,
        timeout: float | None = None,
    ) -> None:
        """Remove a member (the guest itself) from the chat."""
        return await self._client.call(_ops.LEAVE, (conversation_id, member_id), timeout=timeout)

    async def post_webchat_guest_conversation_member_messages(
        self,
        conversation_id: str,
        member_id: str,
        body: CreateWebChatMessageRequest | Mapping[str, Any],
        *,
        timeout: float | None = None,
    ) -> WebChatMessage:
        """Send a message as the guest member."""
        return await self._client.call(
            _ops.SEND_MESSAGE, (conversation_id, member_id), body=body, timeout=timeout
        )

    async def post_webchat_guest_conversation_member_typing(
        self,
        conversation_id: str,
        member_id: str,
        *,
        timeout: float | None = None,
    ) -> WebChatTyping:
        """Send a typing indicator as the guest member."""
        return await self._client.call(
            _ops.SEND_TYPING, (conversation_id, member_id), timeout=timeout
        )

    async def get_webchat_guest_conversation_message(
        self,
        conversation_id: str,
        message_id: str,
        *,
        timeout: float | None = None,
    ) -> WebChatMessage:
        """Get one message of the chat."""
        return await self._client.call(
            _ops.GET_MESSAGE, (conversation_id, message_id), timeout=timeout
        )

    async def get_webchat_guest_conversation_messages(
        self,
        conversation_id: str,
        *,
        after: str | None = None,
        before: str | None = None,
        sort_order: SortOrder | str | None = None,
        max_results: int | None = None,
        timeout: float | None = None,
    ) -> WebChatMessageEntityList:
        """List the chat's messages; ``after``/``before`` are message ids."""
        return await self._client.call(
            _ops.LIST_MESSAGES,
            (conversation_id,),
            query={
                "after": after,
                "before": before,
                "sort_order": sort_order,
                "max_results": max_results,
            },
            timeout=timeout,
        )

    async def get_webchat_guest_conversation_mediarequests(
        self,
        conversation_id: str,
        *,
        timeout: float | None = None,
    ) -> WebChatGuestMediaRequestEntityList:
        """List the chat's media requests."""
        return await self._client.call(
            _ops.LIST_MEDIA_REQUESTS, (conversation_id,), timeout=timeout
        )

    async def get_webchat_guest_conversation_mediarequest(
        self,
        conversation_id: str,
        media_request_id: str,
        *,
        timeout: float | None = None,
    ) -> WebChatGuestMediaRequest:
        """Get one media request."""
        return await self._client.call(
            _ops.GET_MEDIA_REQUEST, (conversation_id, media_request_id), timeout=timeout
        )

    async def patch_webchat_guest_conversation_mediarequest(
        self,
        conversation_id: str,
        media_request_id: str,
        body: WebChatGuestMediaRequest | Mapping[str, Any],
        *,
        timeout: float | None = None,
    ) -> WebChatGuestMediaRequest:
        """Answer a media request (accept or decline it)."""
        return await self._client.call(
            _ops.UPDATE_MEDIA_REQUEST,
            (conversation_id, media_request_id),
            body=body,
            timeout=timeout,
        )
