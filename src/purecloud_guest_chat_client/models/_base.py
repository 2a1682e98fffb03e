"""The base every wire model shares: camelCase on the wire, snake_case in Python.

Responses are parsed liberally (:meth:`WireModel.parse_response`): the real service did not always
send what its swagger promises, and the vendor's own clients never refused such a body. A field
the swagger requires but the service may omit is typed ``RequiredInSwagger[T]``: ``T | None`` in
Python, still marked required in the field's metadata and in the local service's OpenAPI document.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Self, TypeVar, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, PlainSerializer, ValidationError
from pydantic.alias_generators import to_camel

_T = TypeVar("_T")
# Repairs needed by one bad value can reveal another one level up; a body needing more rounds
# than this is not a model at all.
_MAX_REPAIR_ROUNDS = 4
_JSON_TYPES = {
    dict: "object",
    list: "array",
    str: "string",
    int: "number",
    float: "number",
    bool: "boolean",
    type(None): "null",
}


class _RequiredInSwaggerMarker:
    __slots__ = ()

    def __repr__(self) -> str:
        return "REQUIRED_IN_SWAGGER"


REQUIRED_IN_SWAGGER = _RequiredInSwaggerMarker()
"""The metadata that marks a field the swagger requires (see ``RequiredInSwagger``)."""

RequiredInSwagger = Annotated[_T | None, REQUIRED_IN_SWAGGER]
"""A field the swagger requires but the service may omit: None when it is missing."""


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


def _schema_as_swagger_requires(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """The JSON schema of a model states its ``RequiredInSwagger`` fields as the swagger does:
    required and not null, which is also what the local service always sends."""
    properties = schema.get("properties", {})
    marked = {
        info.alias or name
        for name, info in model.model_fields.items()
        if REQUIRED_IN_SWAGGER in info.metadata
    }
    if not marked:
        return
    for alias in marked:
        prop = properties[alias]
        prop.pop("default", None)
        variants = [v for v in prop.pop("anyOf", []) if v != {"type": "null"}]
        if len(variants) == 1:
            if "$ref" in variants[0]:
                prop.pop("title", None)
            prop.update(variants[0])
        elif variants:
            prop["anyOf"] = variants
    already = set(schema.get("required", []))
    schema["required"] = [alias for alias in properties if alias in already or alias in marked]


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
        json_schema_extra=_schema_as_swagger_requires,
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

    @classmethod
    def parse_response(
        cls, content: bytes | str, *, report: bool = False
    ) -> tuple[Self, list[str]]:
        """The model in a response body, however the body differs from the swagger.

        A value of the wrong type is left out (so it reads as None), and so is a list item that
        is not what the list holds; fields the model does not know are kept. Raises ValueError
        only when ``content`` is not JSON, or not a JSON object.

        Returns the model and the repairs made; with ``report=True`` also every other way the
        body differs from the swagger: required fields missing, unknown enum values, unknown
        fields.
        """
        repairs: list[str] = []
        try:
            model = cls.model_validate_json(content)
        except ValidationError:
            model = cls._validate_repairing(_json_object(content), repairs)
        if report:
            repairs.extend(swagger_differences(model))
        return model, repairs

    @classmethod
    def _validate_repairing(cls, data: dict[str, Any], repairs: list[str]) -> Self:
        for _ in range(_MAX_REPAIR_ROUNDS):
            try:
                return cls.model_validate(data)
            except ValidationError as exc:
                _leave_out(data, exc, repairs)
        return cls.model_validate(data)


def _json_object(content: bytes | str) -> dict[str, Any]:
    try:
        data = json.loads(content)
    except ValueError as exc:  # UnicodeDecodeError included
        raise ValueError(f"not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ValueError(f"a JSON {_JSON_TYPES.get(type(data), 'value')}, not an object")
    return data


def _leave_out(data: dict[str, Any], error: ValidationError, repairs: list[str]) -> None:
    """Remove from ``data`` each value ``error`` objects to (its innermost place in the data)."""
    # (container, key or index) by identity: one value may be objected to more than once.
    targets: dict[tuple[int, str | int], tuple[Any, str | int]] = {}
    for detail in error.errors(include_url=False, include_context=False):
        container: Any = None
        key: str | int = ""
        node: Any = data
        path = ""
        for part in detail["loc"]:
            if isinstance(node, dict) and isinstance(part, str) and part in node:
                path = f"{path}.{part}" if path else part
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                path = f"{path}[{part}]"
            else:
                break  # what follows names the union member tried, not a place in the data
            container, key, node = node, part, node[part]
        if container is None:
            raise ValueError(f"not a valid body: {detail['msg']}")
        found = _JSON_TYPES.get(type(node), "value")
        repairs.append(f"{path}: {detail['msg']} (got a {found}), left out")
        targets[(id(container), key)] = (container, key)
    # Later list items first, so that removing one does not shift the others.
    for container, key in sorted(
        targets.values(), key=lambda target: target[1] if isinstance(target[1], int) else -1
    )[::-1]:
        del container[key]


_ENUMS: dict[tuple[type[WireModel], str], type[StrEnum] | None] = {}


def _enum_of(model: type[WireModel], name: str) -> type[StrEnum] | None:
    """The enumeration a field (or the items of a list field) takes, if any."""
    key = (model, name)
    if key not in _ENUMS:
        found: type[StrEnum] | None = None
        stack = [model.model_fields[name].annotation]
        while stack and found is None:
            current = stack.pop()
            if isinstance(current, type) and issubclass(current, StrEnum):
                found = current
            else:
                stack.extend(get_args(current))
        _ENUMS[key] = found
    return _ENUMS[key]


def swagger_differences(model: WireModel, path: str = "") -> list[str]:
    """How a parsed model differs from the swagger: required fields missing, values outside
    their enumeration, fields the swagger does not define."""
    found: list[str] = []
    cls = type(model)
    for name, info in cls.model_fields.items():
        where = f"{path}{info.alias or name}"
        value = getattr(model, name)
        if value is None:
            if REQUIRED_IN_SWAGGER in info.metadata:
                found.append(f"{where}: missing, though the swagger requires it")
            continue
        enum = _enum_of(cls, name)
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            here = f"{where}[{index}]" if isinstance(value, list) else where
            if isinstance(item, WireModel):
                found.extend(swagger_differences(item, f"{here}."))
            elif enum is not None and not isinstance(item, enum):
                found.append(f"{here}: {str(item)[:40]!r} is not a known {enum.__name__}")
    if model.model_extra:
        names = ", ".join(sorted(model.model_extra))
        found.append(f"{path.rstrip('.') or cls.__name__}: fields the swagger lacks, kept: {names}")
    return found
