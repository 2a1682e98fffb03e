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
from ..models.protocol import GUEST_API_PREFIX
from .records import Message

_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


def dumps(data: Any) -> str:
    """Compact JSON with non-ASCII text as it is, as the models write it."""
    return _encoder.encode(data)


def wire_keys(model: type[WireModel]) -> dict[str, str]:
    """The model's wire (camelCase) key for each of its attribute names."""
    return {name: info.alias or name for name, info in model.model_fields.items()}


def object_template(shape: dict[str, Any]) -> str:
    """A %-format template of a JSON object whose leaves are ``%s``: each is given its value
    already written as JSON (``dumps``). The keys and structure are written once, here, rather
    than for each object."""
    parts = []
    for key, value in shape.items():
        inner = object_template(value) if isinstance(value, dict) else "%s"
        parts.append(f"{dumps(key)}:{inner}")
    return "{" + ",".join(parts) + "}"


_MESSAGE = wire_keys(WebChatMessage)
_CONVERSATION = wire_keys(WebChatConversation)
_MEMBER = wire_keys(WebChatMemberInfo)
_MESSAGE_TEMPLATE = object_template(
    {
        _MESSAGE["id"]: None,
        _MESSAGE["conversation"]: {_CONVERSATION["id"]: None},
        _MESSAGE["sender"]: {_MEMBER["id"]: None, _MEMBER["role"]: None},
        _MESSAGE["body"]: None,
        _MESSAGE["body_type"]: None,
        _MESSAGE["timestamp"]: None,
        _MESSAGE["self_uri"]: None,
    }
)


def message_json(message: Message) -> str:
    """What ``message.to_model().to_json()`` gives, in the same key order."""
    m = message
    return _MESSAGE_TEMPLATE % (
        dumps(m.id),
        dumps(m.conversation_id),
        dumps(m.sender_id),
        dumps(m.sender_role),
        dumps(m.body),
        dumps(m.body_type),
        dumps(m.timestamp_text),
        dumps(f"{GUEST_API_PREFIX}/{m.conversation_id}/messages/{m.id}"),
    )
