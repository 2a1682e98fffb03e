"""What the two saved states (``ChatState``, ``WebMessagingState``) share: their string fields
checked on creation, and their JSON both ways."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, ClassVar, Self, cast

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

FORMAT_VERSION = 1


class SavedState:
    """The base of a frozen dataclass with a ``version`` field, naming its
    ``_required_fields`` (non-empty) and ``_optional_fields`` (or ``None``) string fields."""

    __slots__ = ()
    __dataclass_fields__: ClassVar[dict[str, Any]]
    _required_fields: ClassVar[tuple[str, ...]]
    _optional_fields: ClassVar[tuple[str, ...]]
    version: int

    def _check_fields(self) -> None:
        kind = type(self).__name__
        for name in self._required_fields:
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{kind}.{name} must be a non-empty string")
        for name in self._optional_fields:
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise ValueError(f"{kind}.{name} must be a string or None")
        if self.version != FORMAT_VERSION:
            raise ValueError(
                f"{kind} version {self.version!r} is not supported (expected {FORMAT_VERSION})"
            )

    def to_dict(self) -> dict[str, Any]:
        return asdict(cast("DataclassInstance", self))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        kind = cls.__name__
        if not isinstance(data, dict):
            raise ValueError(f"a {kind} must be a JSON object")
        missing = [name for name in cls._required_fields if name not in data]
        if missing:
            raise ValueError(f"the {kind} is missing {', '.join(missing)}")
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)

    @classmethod
    def from_json(cls, text: str | bytes) -> Self:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ValueError(f"the {cls.__name__} is not valid JSON: {exc}") from None
        return cls.from_dict(data)
