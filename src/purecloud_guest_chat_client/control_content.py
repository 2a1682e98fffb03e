"""The structured content an agent sends through the control API, typed for the sender.

Each item is a plain dict in the wire's shape (``{contentType, <camelCase of contentType>:
{...}}``), so a content list reads as it travels; the TypedDicts let a type checker catch a
misspelt field, and :func:`check_content` catches it at run time, before anything is sent.

The service checks the same shapes and answers a 400 ErrorBody for content it refuses (more than
its most items per message among them).
"""

# No ``from __future__ import annotations`` here: TypedDict reads ``NotRequired`` from the
# evaluated annotations, which Python 3.11 cannot do from strings.

from collections.abc import Mapping, Sequence
from types import UnionType
from typing import (
    Any,
    Literal,
    NotRequired,
    TypedDict,
    Union,
    get_args,
    get_origin,
    get_type_hints,
    is_typeddict,
)

__all__ = [
    "CardContent",
    "CardFields",
    "CarouselContent",
    "CarouselFields",
    "ContentError",
    "ContentItem",
    "DatePickerContent",
    "DatePickerFields",
    "DatePickerTime",
    "LinkAction",
    "ListPickerContent",
    "ListPickerFields",
    "ListPickerItem",
    "ListPickerSection",
    "PostbackAction",
    "QuickReplyContent",
    "QuickReplyFields",
    "check_content",
]


class QuickReplyFields(TypedDict):
    text: str
    payload: str
    action: NotRequired[str]
    image: NotRequired[str]
    summaryText: NotRequired[str]


class QuickReplyContent(TypedDict):
    contentType: Literal["QuickReply"]
    quickReply: QuickReplyFields


class LinkAction(TypedDict):
    type: Literal["Link"]
    text: str
    url: str


class PostbackAction(TypedDict):
    type: Literal["Postback"]
    text: str
    payload: str


class CardFields(TypedDict):
    title: str
    actions: list[LinkAction | PostbackAction]
    description: NotRequired[str]
    image: NotRequired[str]
    video: NotRequired[str]
    defaultAction: NotRequired[LinkAction | PostbackAction]


class CardContent(TypedDict):
    contentType: Literal["Card"]
    card: CardFields


class CarouselFields(TypedDict):
    cards: list[CardFields]


class CarouselContent(TypedDict):
    contentType: Literal["Carousel"]
    carousel: CarouselFields


class ListPickerItem(TypedDict):
    id: str
    title: str
    subtitle: NotRequired[str]
    imageUrl: NotRequired[str]


class ListPickerSection(TypedDict):
    title: str
    items: list[ListPickerItem]
    multipleSelection: NotRequired[bool]


class ListPickerFields(TypedDict):
    receivedMessage: str
    replyMessage: str
    sections: list[ListPickerSection]
    id: NotRequired[str]


class ListPickerContent(TypedDict):
    contentType: Literal["ListPicker"]
    listPicker: ListPickerFields


class DatePickerTime(TypedDict):
    dateTime: str
    """ISO 8601, such as ``2030-01-07T09:00:00.000Z``."""
    duration: float
    """Seconds."""


class DatePickerFields(TypedDict):
    availableTimes: list[DatePickerTime]
    title: NotRequired[str]
    subtitle: NotRequired[str]
    imageUrl: NotRequired[str]
    dateMinimum: NotRequired[str]
    dateMaximum: NotRequired[str]
    dateDisplayFormat: NotRequired[str]
    location: NotRequired[dict[str, Any]]


class DatePickerContent(TypedDict):
    contentType: Literal["DatePicker"]
    datePicker: DatePickerFields


ContentItem = (
    QuickReplyContent | CardContent | CarouselContent | ListPickerContent | DatePickerContent
)
"""One item of a message's content."""


class ContentError(ValueError):
    """Content of the wrong shape; the message names the field, such as
    ``content[0].quickReply.payload is required``."""


def check_content(content: object) -> list[dict[str, Any]]:
    """``content`` as the list the control API takes, or :class:`ContentError`."""
    if isinstance(content, str | bytes | Mapping) or not isinstance(content, Sequence):
        raise ContentError(f"content must be a list of content items, got {_kind(content)}")
    if not content:
        raise ContentError("content must hold at least one item")
    for index, item in enumerate(content):
        _check(item, ContentItem, f"content[{index}]")
    return [dict(item) for item in content]


def _check(value: object, expected: Any, where: str) -> None:
    origin = get_origin(expected)
    if is_typeddict(expected):
        _check_fields(value, expected, where)
    elif origin in (Union, UnionType):
        _check_fields(value, _chosen(value, get_args(expected), where), where)
    elif origin is Literal:
        if value not in get_args(expected):
            raise ContentError(f"{where} must be {_choices(get_args(expected))}, got {value!r}")
    elif origin is list:
        if not isinstance(value, list):
            raise ContentError(f"{where} must be a list, got {_kind(value)}")
        (item_type,) = get_args(expected)
        for index, item in enumerate(value):
            _check(item, item_type, f"{where}[{index}]")
    elif origin is dict:
        if not isinstance(value, dict):
            raise ContentError(f"{where} must be an object, got {_kind(value)}")
    elif expected is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ContentError(f"{where} must be a number, got {_kind(value)}")
    elif not isinstance(value, expected):
        raise ContentError(f"{where} must be a {_NAMES[expected]}, got {_kind(value)}")


def _check_fields(value: object, expected: Any, where: str) -> None:
    if not isinstance(value, Mapping):
        raise ContentError(f"{where} must be an object, got {_kind(value)}")
    fields = get_type_hints(expected)
    unknown = sorted(str(name) for name in value if name not in fields)
    if unknown:
        raise ContentError(f"{where} has unknown fields {unknown}; it takes {sorted(fields)}")
    for name in sorted(expected.__required_keys__):
        if name not in value:
            raise ContentError(f"{where}.{name} is required")
    for name, item in value.items():
        _check(item, fields[name], f"{where}.{name}")
        if (expected, name) in _NON_EMPTY and not item:
            raise ContentError(f"{where}.{name} must hold at least one item")


def _chosen(value: object, members: tuple[Any, ...], where: str) -> Any:
    """The member of a union of TypedDicts that ``value``'s Literal field names."""
    key = next(name for name, kind in get_type_hints(members[0]).items() if _is_literal(kind))
    by_tag = {get_args(get_type_hints(member)[key])[0]: member for member in members}
    tag = value.get(key) if isinstance(value, Mapping) else None
    if tag not in by_tag:
        if not isinstance(value, Mapping):
            raise ContentError(f"{where} must be an object, got {_kind(value)}")
        raise ContentError(f"{where}.{key} must be {_choices(tuple(by_tag))}, got {tag!r}")
    return by_tag[tag]


def _is_literal(kind: Any) -> bool:
    return get_origin(kind) is Literal


def _choices(values: tuple[Any, ...]) -> str:
    return "one of " + ", ".join(str(v) for v in values) if len(values) > 1 else repr(values[0])


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__


_NAMES = {str: "string", bool: "boolean"}
# The lists a type cannot say must not be empty.
_NON_EMPTY = {(CarouselFields, "cards")}
