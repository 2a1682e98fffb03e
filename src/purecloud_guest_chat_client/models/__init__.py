"""Wire models shared by the SDK and the local service: one source of truth for the shapes.

Names load on first use, so that a client that has made no call yet has not paid for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy_exports import LazyExports

_HOMES: dict[str, str] = {
    "Timestamp": "_base",
    "WireModel": "_base",
    "format_timestamp": "_base",
    "REQUIRED_IN_SWAGGER": "_base",
    "RequiredInSwagger": "_base",
    "ALL_MODELS": "api",
    "CreateWebChatConversationRequest": "api",
    "CreateWebChatConversationResponse": "api",
    "CreateWebChatMessageRequest": "api",
    "Detail": "api",
    "ErrorBody": "api",
    "GuestMemberInfo": "api",
    "JourneyAction": "api",
    "JourneyActionMap": "api",
    "JourneyContext": "api",
    "JourneyCustomer": "api",
    "JourneyCustomerSession": "api",
    "Limit": "api",
    "WebChatConversation": "api",
    "WebChatGuestMediaRequest": "api",
    "WebChatGuestMediaRequestEntityList": "api",
    "WebChatMemberInfo": "api",
    "WebChatMemberInfoEntityList": "api",
    "WebChatMessage": "api",
    "WebChatMessageEntityList": "api",
    "WebChatRoutingTarget": "api",
    "WebChatTyping": "api",
    "BodyType": "enums",
    "LimitNamespace": "enums",
    "MediaRequestState": "enums",
    "MediaType": "enums",
    "MemberRole": "enums",
    "MemberState": "enums",
    "SortOrder": "enums",
    "TargetType": "enums",
    "ChannelMetadataFrame": "frames",
    "Frame": "frames",
    "FrameMetadata": "frames",
    "MemberChangeFrame": "frames",
    "MemberRef": "frames",
    "MessageFrame": "frames",
    "TypingFrame": "frames",
    "UnknownFrame": "frames",
    "parse_frame": "frames",
}

_LAZY = LazyExports(__name__, _HOMES)
__all__ = _LAZY.all
if not TYPE_CHECKING:
    # Hidden from the type checker, which sees the imports below and so flags a misspelt name.
    __getattr__ = _LAZY.load
    __dir__ = _LAZY.names


if TYPE_CHECKING:
    from ._base import REQUIRED_IN_SWAGGER as REQUIRED_IN_SWAGGER
    from ._base import RequiredInSwagger as RequiredInSwagger
    from ._base import Timestamp as Timestamp
    from ._base import WireModel as WireModel
    from ._base import format_timestamp as format_timestamp
    from .api import ALL_MODELS as ALL_MODELS
    from .api import CreateWebChatConversationRequest as CreateWebChatConversationRequest
    from .api import CreateWebChatConversationResponse as CreateWebChatConversationResponse
    from .api import CreateWebChatMessageRequest as CreateWebChatMessageRequest
    from .api import Detail as Detail
    from .api import ErrorBody as ErrorBody
    from .api import GuestMemberInfo as GuestMemberInfo
    from .api import JourneyAction as JourneyAction
    from .api import JourneyActionMap as JourneyActionMap
    from .api import JourneyContext as JourneyContext
    from .api import JourneyCustomer as JourneyCustomer
    from .api import JourneyCustomerSession as JourneyCustomerSession
    from .api import Limit as Limit
    from .api import WebChatConversation as WebChatConversation
    from .api import WebChatGuestMediaRequest as WebChatGuestMediaRequest
    from .api import WebChatGuestMediaRequestEntityList as WebChatGuestMediaRequestEntityList
    from .api import WebChatMemberInfo as WebChatMemberInfo
    from .api import WebChatMemberInfoEntityList as WebChatMemberInfoEntityList
    from .api import WebChatMessage as WebChatMessage
    from .api import WebChatMessageEntityList as WebChatMessageEntityList
    from .api import WebChatRoutingTarget as WebChatRoutingTarget
    from .api import WebChatTyping as WebChatTyping
    from .enums import BodyType as BodyType
    from .enums import LimitNamespace as LimitNamespace
    from .enums import MediaRequestState as MediaRequestState
    from .enums import MediaType as MediaType
    from .enums import MemberRole as MemberRole
    from .enums import MemberState as MemberState
    from .enums import SortOrder as SortOrder
    from .enums import TargetType as TargetType
    from .frames import ChannelMetadataFrame as ChannelMetadataFrame
    from .frames import Frame as Frame
    from .frames import FrameMetadata as FrameMetadata
    from .frames import MemberChangeFrame as MemberChangeFrame
    from .frames import MemberRef as MemberRef
    from .frames import MessageFrame as MessageFrame
    from .frames import TypingFrame as TypingFrame
    from .frames import UnknownFrame as UnknownFrame
    from .frames import parse_frame as parse_frame
