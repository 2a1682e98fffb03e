"""Genesys Cloud guest chat client for Python.

Importing the package is cheap: names are loaded on first use, and nothing starts a thread or
touches the network at import.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    # client core
    "ApiClient": "api_client",
    "AsyncApiClient": "api_client",
    "RetryPolicy": "api_client",
    "ExtendedResponse": "api_client",
    "Configuration": "configuration",
    "Logger": "configuration",
    "LogLevel": "configuration",
    "LogFormat": "configuration",
    "LTrace": "configuration",
    "LDebug": "configuration",
    "LError": "configuration",
    "LNone": "configuration",
    "JSON": "configuration",
    "TEXT": "configuration",
    "PureCloudRegionHosts": "regions",
    # operations
    "WebChatApi": "apis.web_chat_api",
    "AsyncWebChatApi": "apis.web_chat_api",
    # errors
    "GuestChatError": "errors",
    "ApiException": "errors",
    "BadRequestError": "errors",
    "AuthenticationError": "errors",
    "PermissionDeniedError": "errors",
    "NotFoundError": "errors",
    "ConflictError": "errors",
    "RequestEntityTooLargeError": "errors",
    "UnsupportedMediaTypeError": "errors",
    "RateLimitError": "errors",
    "InternalServerError": "errors",
    "ServiceUnavailableError": "errors",
    "APIConnectionError": "errors",
    "APITimeoutError": "errors",
    "JwtRequiredError": "errors",
    # event stream and session
    "EventStream": "stream",
    "SyncEventStream": "stream",
    "GuestChat": "session",
    "SyncGuestChat": "session",
    "ChatState": "session",
    # models
    "models": "models",
}
_MODEL_NAMES = (
    "CreateWebChatConversationRequest",
    "CreateWebChatConversationResponse",
    "CreateWebChatMessageRequest",
    "Detail",
    "ErrorBody",
    "GuestMemberInfo",
    "JourneyAction",
    "JourneyActionMap",
    "JourneyContext",
    "JourneyCustomer",
    "JourneyCustomerSession",
    "Limit",
    "WebChatConversation",
    "WebChatGuestMediaRequest",
    "WebChatGuestMediaRequestEntityList",
    "WebChatMemberInfo",
    "WebChatMemberInfoEntityList",
    "WebChatMessage",
    "WebChatMessageEntityList",
    "WebChatRoutingTarget",
    "WebChatTyping",
    "MemberRole",
    "MemberState",
    "BodyType",
    "MediaRequestState",
    "MediaType",
    "SortOrder",
)
_EXPORTS.update(dict.fromkeys(_MODEL_NAMES, "models"))

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = import_module(f"{__name__}.{module_name}")
    value = module if name == "models" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return [*globals(), *__all__]


if TYPE_CHECKING:
    from . import models as models
    from .api_client import ApiClient, AsyncApiClient, ExtendedResponse, RetryPolicy
    from .apis.web_chat_api import AsyncWebChatApi, WebChatApi
    from .configuration import (
        JSON,
        TEXT,
        Configuration,
        LDebug,
        LError,
        LNone,
        LogFormat,
        Logger,
        LogLevel,
        LTrace,
    )
    from .errors import (
        APIConnectionError,
        ApiException,
        APITimeoutError,
        AuthenticationError,
        BadRequestError,
        ConflictError,
        GuestChatError,
        InternalServerError,
        JwtRequiredError,
        NotFoundError,
        PermissionDeniedError,
        RateLimitError,
        RequestEntityTooLargeError,
        ServiceUnavailableError,
        UnsupportedMediaTypeError,
    )
    from .models import (
        BodyType,
        CreateWebChatConversationRequest,
        CreateWebChatConversationResponse,
        CreateWebChatMessageRequest,
        Detail,
        ErrorBody,
        GuestMemberInfo,
        JourneyAction,
        JourneyActionMap,
        JourneyContext,
        JourneyCustomer,
        JourneyCustomerSession,
        Limit,
        MediaRequestState,
        MediaType,
        MemberRole,
        MemberState,
        SortOrder,
        WebChatConversation,
        WebChatGuestMediaRequest,
        WebChatGuestMediaRequestEntityList,
        WebChatMemberInfo,
        WebChatMemberInfoEntityList,
        WebChatMessage,
        WebChatMessageEntityList,
        WebChatRoutingTarget,
        WebChatTyping,
    )
    from .regions import PureCloudRegionHosts
    from .session import ChatState, GuestChat, SyncGuestChat
    from .stream import EventStream, SyncEventStream
