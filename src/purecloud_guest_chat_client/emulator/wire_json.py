"""JSON of the service's own records on the hot path, shaped by the shared wire models.

Building a model instance and serialising it costs far more than the rest of a send. The service
only writes values it produced itself, so nothing needs validating: the key names come from the
models' own aliases (read once, here) and a test holds the output byte for byte to what the
models produce.
"""

from __future__ import annotations

import json
from typing import Any

from ..models import WebChatConversation, WebChatMemberInfo, WebChatMessage, WireModel
from .records import API_PREFIX, Message

_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


def dumps(data: Any) -> str:
    """Compact JSON with non-ASCII text as it is, as the models write it."""
    return _encoder.encode(data)


def wire_keys(model: type[WireModel]) -> dict[str, str]:
    """The model's wire (camelCase) key for each of its attribute names."""
    return {name: info.alias or name for name, info in model.model_fields.items()}


_MESSAGE = wire_keys(WebChatMessage)
_CONVERSATION = wire_keys(WebChatConversation)
_MEMBER = wire_keys(WebChatMemberInfo)


def message_dict(message: Message) -> dict[str, Any]:
    """What ``message.to_model().to_dict()`` gives, in the same key order."""
    m = message
    return {
        _MESSAGE["id"]: m.id,
        _MESSAGE["conversation"]: {_CONVERSATION["id"]: m.conversation_id},
        _MESSAGE["sender"]: {_MEMBER["id"]: m.sender_id, _MEMBER["role"]: m.sender_role},
        _MESSAGE["body"]: m.body,
        _MESSAGE["body_type"]: m.body_type,
        _MESSAGE["timestamp"]: m.timestamp_text,
        _MESSAGE["self_uri"]: f"{API_PREFIX}/{m.conversation_id}/messages/{m.id}",
    }


def message_json(message: Message) -> str:
    """What ``message.to_model().to_json()`` gives."""
    return dumps(message_dict(message))
