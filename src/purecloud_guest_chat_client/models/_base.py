"""The base every wire model shares: camelCase on the wire, snake_case in Python."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, PlainSerializer
from pydantic.alias_generators import to_camel


def _as_aware(value: datetime) -> datetime:
    # The service speaks UTC; a naive timestamp from an older server is taken as UTC, never local.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def format_timestamp(value: datetime) -> str:
    """ISO-8601 in UTC with milliseconds and a ``Z``, as the service writes it."""
    # isoformat, unlike strftime's %Y, always writes four digits of year: "0999", not "999".
    return _as_aware(value).astimezone(UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


Timestamp = Annotated[
    datetime,
    AfterValidator(_as_aware),
    PlainSerializer(format_timestamp, return_type=str, when_used="json"),
]
"""A timezone-aware datetime that travels as ``2019-06-18T16:59:22.277Z``."""


class WireModel(BaseModel):
    """A model of the Guest Chat API.

    Attributes are snake_case; the wire is camelCase. Fields the model does not know are kept
    (``model_extra``) and written back unchanged, and unset fields are left out when serialising.
    """

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="allow",
        use_enum_values=False,
        ser_json_timedelta="iso8601",
        # Schemas are built on first use, so importing the package stays cheap.
        defer_build=True,
    )

    def to_dict(self, *, exclude_none: bool = False) -> dict[str, Any]:
        """The JSON-ready wire form: camelCase keys, unset fields omitted."""
        return self.model_dump(
            mode="json", by_alias=True, exclude_unset=True, exclude_none=exclude_none
        )

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, exclude_unset=True)

    @classmethod
    def from_wire(cls, data: Self | dict[str, Any]) -> Self:
        """Accept a model or a camelCase (or snake_case) dict."""
        if isinstance(data, cls):
            return data
        return cls.model_validate(data)
