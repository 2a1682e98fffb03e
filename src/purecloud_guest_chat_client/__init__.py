"""Genesys Cloud guest chat client for Python.

Importing the package is cheap: names are loaded on first use, and nothing starts a thread or
touches the network at import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy_exports import LazyExports

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
    "ProxyError": "errors",
    "JwtRequiredError": "errors",
    # event stream and session
    "EventStream": "stream",
    "SyncEventStream": "stream",
    "GuestChat": "session",
    "SyncGuestChat": "session",
    "ChatState": "session",
    "GuestSession": "session",
    "SyncGuestSession": "session",
    "WebMessagingChat": "session",
    "SyncWebMessagingChat": "session",
    "resume_session": "session",
    # Web Messaging
    "webmessaging": "webmessaging",
    "WebMessagingClient": "webmessaging",
    "SyncWebMessagingClient": "webmessaging",
    "WebMessagingError": "webmessaging",
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

_LAZY = LazyExports(__name__, _EXPORTS)
__all__ = _LAZY.all
if not TYPE_CHECKING:
    # Hidden from the type checker, which sees the imports below and so flags a misspelt name.
    __getattr__ = _LAZY.load
    __dir__ = _LAZY.names


if TYPE_CHECKING:
    # `X as X`: names a type checker sees as re-exported (the runtime loads them lazily).
    from . import models as models
    from . import webmessaging as webmessaging
    from .api_client import ApiClient as ApiClient
    from .api_client import AsyncApiClient as AsyncApiClient
    from .api_client import ExtendedResponse as ExtendedResponse
    from .api_client import RetryPolicy as RetryPolicy
    from .apis.web_chat_api import AsyncWebChatApi as AsyncWebChatApi
    from .apis.web_chat_api import WebChatApi as WebChatApi
    from .configuration import JSON as JSON
    from .configuration import TEXT as TEXT
    from .configuration import Configuration as Configuration
    from .configuration import LDebug as LDebug
    from .configuration import LError as LError
    from .configuration import LNone as LNone
    from .configuration import LogFormat as LogFormat
    from .configuration import Logger as Logger
    from .configuration import LogLevel as LogLevel
    from .configuration import LTrace as LTrace
    from .errors import APIConnectionError as APIConnectionError
    from .errors import ApiException as ApiException
    from .errors import APITimeoutError as APITimeoutError
    from .errors import AuthenticationError as AuthenticationError
    from .errors import BadRequestError as BadRequestError
    from .errors import ConflictError as ConflictError
    from .errors import GuestChatError as GuestChatError
    from .errors import InternalServerError as InternalServerError
    from .errors import JwtRequiredError as JwtRequiredError
    from .errors import NotFoundError as NotFoundError
    from .errors import PermissionDeniedError as PermissionDeniedError
    from .errors import ProxyError as ProxyError
    from .errors import RateLimitError as RateLimitError
    from .errors import RequestEntityTooLargeError as RequestEntityTooLargeError
    from .errors import ServiceUnavailableError as ServiceUnavailableError
    from .errors import UnsupportedMediaTypeError as UnsupportedMediaTypeError
    from .models import BodyType as BodyType
    from .models import CreateWebChatConversationRequest as CreateWebChatConversationRequest
    from .models import CreateWebChatConversationResponse as CreateWebChatConversationResponse
    from .models import CreateWebChatMessageRequest as CreateWebChatMessageRequest
    from .models import Detail as Detail
    from .models import ErrorBody as ErrorBody
    from .models import GuestMemberInfo as GuestMemberInfo
    from .models import JourneyAction as JourneyAction
    from .models import JourneyActionMap as JourneyActionMap
    from .models import JourneyContext as JourneyContext
    from .models import JourneyCustomer as JourneyCustomer
    from .models import JourneyCustomerSession as JourneyCustomerSession
    from .models import Limit as Limit
    from .models import MediaRequestState as MediaRequestState
    from .models import MediaType as MediaType
    from .models import MemberRole as MemberRole
    from .models import MemberState as MemberState
    from .models import SortOrder as SortOrder
    from .models import WebChatConversation as WebChatConversation
    from .models import WebChatGuestMediaRequest as WebChatGuestMediaRequest
    from .models import WebChatGuestMediaRequestEntityList as WebChatGuestMediaRequestEntityList
    from .models import WebChatMemberInfo as WebChatMemberInfo
    from .models import WebChatMemberInfoEntityList as WebChatMemberInfoEntityList
    from .models import WebChatMessage as WebChatMessage
    from .models import WebChatMessageEntityList as WebChatMessageEntityList
    from .models import WebChatRoutingTarget as WebChatRoutingTarget
    from .models import WebChatTyping as WebChatTyping
    from .regions import PureCloudRegionHosts as PureCloudRegionHosts
    from .session import ChatState as ChatState
    from .session import GuestChat as GuestChat
    from .session import GuestSession as GuestSession
    from .session import SyncGuestChat as SyncGuestChat
    from .session import SyncGuestSession as SyncGuestSession
    from .session import SyncWebMessagingChat as SyncWebMessagingChat
    from .session import WebMessagingChat as WebMessagingChat
    from .session import resume_session as resume_session
    from .stream import EventStream as EventStream
    from .stream import SyncEventStream as SyncEventStream
    from .webmessaging import SyncWebMessagingClient as SyncWebMessagingClient
    from .webmessaging import WebMessagingClient as WebMessagingClient
    from .webmessaging import WebMessagingError as WebMessagingError
