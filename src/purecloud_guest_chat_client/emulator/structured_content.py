"""Structured content an agent or a bot sends: quick replies, cards, carousels, list and date
pickers, in the Web Messaging shapes (``{contentType, <camelCase of contentType>: {...}}``).

A message with content is stored with its text as any other, so a Guest Chat guest reads the
text; a Web Messaging guest gets a ``Structured`` message with the content too.

The echo agent's convention: a guest text that is, whatever its case and surrounding spaces, one
of the names in :data:`ECHO_EXAMPLES` (``quick replies``, ``card``, ``carousel``,
``list picker``, ``date picker``) is answered ``You said: <text>`` as always, with an example of
that content.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..models.web_messaging_protocol import ContentType

Content = list[dict[str, Any]]

MAX_CONTENT_ITEMS = 10
"""The most content items one message may hold."""

_SENDABLE: dict[str, str] = {
    ContentType.QUICK_REPLY: "quickReply",
    ContentType.CARD: "card",
    ContentType.CAROUSEL: "carousel",
    ContentType.DATE_PICKER: "datePicker",
    ContentType.LIST_PICKER: "listPicker",
}


class ContentError(ValueError):
    """Content that does not have the shape of the reference; the message names the field."""


def validate_content(value: Any, where: str = "content") -> Content:
    """A list of sendable content items, each of its shape; raises :class:`ContentError`."""
    if not isinstance(value, list) or not value:
        raise ContentError(f"{where} must be a non-empty list of content items")
    if len(value) > MAX_CONTENT_ITEMS:
        raise ContentError(f"{where} holds {len(value)} items; at most {MAX_CONTENT_ITEMS}")
    for index, item in enumerate(value):
        at = f"{where}[{index}]"
        kind = item.get("contentType") if isinstance(item, dict) else None
        key = _SENDABLE.get(kind) if isinstance(kind, str) else None
        if key is None or not isinstance(kind, str):
            allowed = ", ".join(_SENDABLE)
            raise ContentError(f"{at}.contentType must be one of {allowed}, got {kind!r}")
        unknown = set(item) - {"contentType", key}
        if unknown:
            raise ContentError(f"{at} has unknown fields {sorted(unknown)}; only {key!r}")
        _CHECKS[kind](_object(item.get(key), f"{at}.{key}"), f"{at}.{key}")
    return list(value)


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ContentError(f"{where} must be an object")
    return value


def _fields(
    value: dict[str, Any], where: str, required: dict[str, type], optional: dict[str, type]
) -> None:
    unknown = set(value) - set(required) - set(optional)
    if unknown:
        raise ContentError(f"{where} has unknown fields {sorted(unknown)}")
    for name in required:
        if name not in value:
            raise ContentError(f"{where}.{name} is required")
    for name, item in value.items():
        kind = required.get(name) or optional[name]
        if kind is float:
            if isinstance(item, bool) or not isinstance(item, int | float):
                raise ContentError(f"{where}.{name} must be a number")
        elif not isinstance(item, kind):
            raise ContentError(f"{where}.{name} must be a {_TYPE_NAMES[kind]}")


_TYPE_NAMES = {str: "string", bool: "boolean", list: "list", dict: "object"}


def _quick_reply(value: dict[str, Any], where: str) -> None:
    _fields(
        value,
        where,
        {"text": str, "payload": str},
        {"action": str, "image": str, "summaryText": str},
    )


def _action(value: Any, where: str) -> None:
    action = _object(value, where)
    kind = action.get("type")
    if kind == "Link":
        _fields(action, where, {"type": str, "text": str, "url": str}, {})
    elif kind == "Postback":
        _fields(action, where, {"type": str, "text": str, "payload": str}, {})
    else:
        raise ContentError(f"{where}.type must be Link or Postback, got {kind!r}")


def _card(value: dict[str, Any], where: str) -> None:
    _fields(
        value,
        where,
        {"title": str, "actions": list},
        {"description": str, "image": str, "video": str, "defaultAction": dict},
    )
    for index, action in enumerate(value["actions"]):
        _action(action, f"{where}.actions[{index}]")
    if "defaultAction" in value:
        _action(value["defaultAction"], f"{where}.defaultAction")


def _carousel(value: dict[str, Any], where: str) -> None:
    _fields(value, where, {"cards": list}, {})
    if not value["cards"]:
        raise ContentError(f"{where}.cards must hold at least one card")
    for index, card in enumerate(value["cards"]):
        _card(_object(card, f"{where}.cards[{index}]"), f"{where}.cards[{index}]")


def _date_picker(value: dict[str, Any], where: str) -> None:
    texts = ("title", "subtitle", "imageUrl", "dateMinimum", "dateMaximum", "dateDisplayFormat")
    _fields(value, where, {"availableTimes": list}, {**dict.fromkeys(texts, str), "location": dict})
    for index, slot in enumerate(value["availableTimes"]):
        at = f"{where}.availableTimes[{index}]"
        _fields(_object(slot, at), at, {"dateTime": str, "duration": float}, {})


def _list_picker(value: dict[str, Any], where: str) -> None:
    _fields(
        value,
        where,
        {"receivedMessage": str, "replyMessage": str, "sections": list},
        {"id": str},
    )
    for index, section in enumerate(value["sections"]):
        at = f"{where}.sections[{index}]"
        _fields(
            _object(section, at), at, {"title": str, "items": list}, {"multipleSelection": bool}
        )
        for number, item in enumerate(section["items"]):
            item_at = f"{at}.items[{number}]"
            _fields(
                _object(item, item_at),
                item_at,
                {"id": str, "title": str},
                {"subtitle": str, "imageUrl": str},
            )


_CHECKS: dict[str, Callable[[dict[str, Any], str], None]] = {
    ContentType.QUICK_REPLY: _quick_reply,
    ContentType.CARD: _card,
    ContentType.CAROUSEL: _carousel,
    ContentType.DATE_PICKER: _date_picker,
    ContentType.LIST_PICKER: _list_picker,
}


def _example_card(title: str) -> dict[str, Any]:
    return {
        "title": title,
        "description": f"An example card: {title}",
        "actions": [
            {"type": "Postback", "text": f"Choose {title}", "payload": title.lower()},
            {"type": "Link", "text": "More", "url": "https://example.com/"},
        ],
    }


ECHO_EXAMPLES: dict[str, Content] = {
    "quick replies": [
        {"contentType": "QuickReply", "quickReply": {"text": text, "payload": text.lower()}}
        for text in ("Yes", "No", "Maybe")
    ],
    "card": [{"contentType": "Card", "card": _example_card("Small")}],
    "carousel": [
        {
            "contentType": "Carousel",
            "carousel": {"cards": [_example_card("Small"), _example_card("Large")]},
        }
    ],
    "list picker": [
        {
            "contentType": "ListPicker",
            "listPicker": {
                "receivedMessage": "Pick a size",
                "replyMessage": "Thank you",
                "sections": [
                    {
                        "title": "Sizes",
                        "multipleSelection": False,
                        "items": [
                            {"id": "small", "title": "Small"},
                            {"id": "large", "title": "Large"},
                        ],
                    }
                ],
            },
        }
    ],
    "date picker": [
        {
            "contentType": "DatePicker",
            "datePicker": {
                "title": "Pick a time",
                "availableTimes": [
                    {"dateTime": "2030-01-07T09:00:00.000Z", "duration": 1800},
                    {"dateTime": "2030-01-07T10:00:00.000Z", "duration": 1800},
                ],
            },
        }
    ],
}
"""What the echo agent sends with its answer to each of these guest texts."""


def echo_example(text: str) -> Content | None:
    """The echo agent's content for a guest text, per the convention above."""
    return ECHO_EXAMPLES.get(text.strip().lower())
