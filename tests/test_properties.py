"""Properties over generated inputs: every wire model survives a trip through JSON, and the
event-stream frame parser never raises, whatever it is given (text, binary, huge, deeply nested,
wrongly typed). A deep frame is also sent through a real stream and a real chat session.

CI runs fewer examples (``CI`` is set there); ``HYPOTHESIS_PROFILE=thorough`` runs many more.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import types
import typing
from collections.abc import Callable
from datetime import UTC, datetime
from enum import Enum
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from purecloud_guest_chat_client.emulator import AsyncControlClient, LocalService
from purecloud_guest_chat_client.models import ALL_MODELS, WireModel
from purecloud_guest_chat_client.models import frames as frame_models
from purecloud_guest_chat_client.models.frames import Frame, UnknownFrame, parse_frame
from purecloud_guest_chat_client.session import GuestChat
from purecloud_guest_chat_client.stream import AgentJoined, MessageEvent, UnknownEvent
from purecloud_guest_chat_client.stream._mapping import event_from_frame

settings.register_profile(
    "ci", max_examples=25, deadline=None, database=None, derandomize=True, print_blob=True
)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile("thorough", max_examples=2000, deadline=None)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)

HEARTBEAT = 0.3
_NO_SLOW_WARNING = settings(
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)

# -- values of every annotation the wire models use -------------------------------------------

_JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
_JSON = st.recursive(
    _JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
# The wire carries milliseconds, in UTC.
_TIMESTAMPS = st.datetimes(
    min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC)
).map(lambda moment: moment.replace(microsecond=moment.microsecond // 1000 * 1000))


def _wire_models() -> dict[str, type[WireModel]]:
    found = dict(ALL_MODELS)
    for name in dir(frame_models):
        value = getattr(frame_models, name)
        if isinstance(value, type) and issubclass(value, WireModel) and value is not WireModel:
            found.setdefault(name, value)
    return found


def _for(annotation: Any) -> st.SearchStrategy[Any]:
    """Wire-form values (what JSON would carry) of one field annotation."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _for(args[0])
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(_for(arg) for arg in args))
    if origin is typing.Literal:
        return st.sampled_from(args)
    if origin is list:
        return st.lists(_for(args[0]), max_size=3)
    if origin is dict:
        return st.dictionaries(st.text(max_size=8), _for(args[1]), max_size=3)
    if annotation is type(None):
        return st.none()
    if annotation is typing.Any:
        return _JSON
    if isinstance(annotation, type):
        if issubclass(annotation, WireModel):
            return _wire_dicts(annotation)
        if issubclass(annotation, Enum):
            return st.sampled_from([member.value for member in annotation])
        if issubclass(annotation, bool):
            return st.booleans()
        if issubclass(annotation, int):
            return st.integers(-(2**53), 2**53)
        if issubclass(annotation, float):
            return st.floats(allow_nan=False, allow_infinity=False)
        if issubclass(annotation, str):
            return st.text(max_size=30)
        if issubclass(annotation, datetime):
            return _TIMESTAMPS.map(lambda moment: moment.isoformat().replace("+00:00", "Z"))
    raise NotImplementedError(f"no strategy for {annotation!r}")


def _wire_dicts(model: type[WireModel]) -> st.SearchStrategy[dict[str, Any]]:
    """A model's wire form: every required field, some optional ones, sometimes an unknown one
    (which the model must keep)."""
    required: dict[str, st.SearchStrategy[Any]] = {}
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        annotation = (
            info.annotation
            if not info.metadata
            else typing.Annotated[(info.annotation, *info.metadata)]
        )
        (required if info.is_required() else optional)[key] = st.deferred(
            lambda annotation=annotation: _for(annotation)
        )
    extra = st.dictionaries(st.sampled_from(["xFuture", "vendorNote"]), _JSON, max_size=1)
    return st.builds(
        lambda known, unknown: {**unknown, **known},
        st.fixed_dictionaries(required, optional=optional),
        extra,
    )


_MODELS = _wire_models()


@pytest.mark.parametrize("name", sorted(_MODELS))
def test_every_wire_model_round_trips_through_json(name: str) -> None:
    model = _MODELS[name]

    @_NO_SLOW_WARNING
    @given(_wire_dicts(model))
    def round_trip(wire: dict[str, Any]) -> None:
        parsed = model.model_validate(wire)
        again = model.model_validate_json(parsed.to_json())
        assert again == parsed
        assert again.to_dict() == parsed.to_dict()
        assert model.from_wire(json.loads(json.dumps(parsed.to_dict()))) == parsed
        for unknown in set(wire) - {f.alias or n for n, f in model.model_fields.items()}:
            assert again.to_dict()[unknown] == wire[unknown]

    round_trip()


# -- the frame parser ---------------------------------------------------------------------------

_TOPICS = st.sampled_from(
    [
        "channel.metadata",
        "v2.conversations.chats.c-1.messages",
        "v2.conversations.chats.c-1.members",
    ]
) | st.text(max_size=30)
_TYPES = st.sampled_from(["message", "typing-indicator", "member-change"]) | _JSON
_WRONGLY_TYPED = st.fixed_dictionaries(
    {},
    optional={
        "topicName": _TOPICS | _JSON,
        "version": _JSON,
        "eventBody": _JSON
        | st.fixed_dictionaries(
            {},
            optional={
                "id": _JSON,
                "conversation": _JSON | st.fixed_dictionaries({"id": _JSON}),
                "sender": _JSON | st.fixed_dictionaries({"id": _JSON}, optional={"state": _JSON}),
                "member": _JSON | st.fixed_dictionaries({"id": _JSON}, optional={"state": _JSON}),
                "body": _JSON,
                "bodyType": _JSON,
                "message": _JSON,
                "timestamp": _JSON | _TIMESTAMPS.map(datetime.isoformat),
            },
        ),
        "metadata": _JSON
        | st.fixed_dictionaries({"type": _TYPES}, optional={"CorrelationId": _JSON}),
    },
)


def _deep(depth: int, opening: str, closing: str) -> str:
    return opening * depth + closing * depth


_DEEP = st.builds(
    lambda depth, brackets: _deep(depth, *brackets),
    st.integers(1, 20_000),
    st.sampled_from([("[", "]"), ('{"a":', "1}"), ('{"metadata":', "0}")]),
)

_ANY_FRAME = (
    st.text()
    | st.binary()
    | _DEEP
    | _DEEP.map(str.encode)
    | _WRONGLY_TYPED.map(json.dumps)
    | _WRONGLY_TYPED.map(lambda data: json.dumps(data).encode("utf-16"))
    | _JSON.map(json.dumps)
)


def _check_never_raises(raw: str | bytes) -> Frame:
    frame = parse_frame(raw)
    assert isinstance(frame, typing.get_args(Frame))
    if isinstance(frame, UnknownFrame):
        assert frame.reason
    event = event_from_frame(frame)
    repr(frame), str(frame), repr(event), str(event)
    return frame


@_NO_SLOW_WARNING
@given(_ANY_FRAME)
def test_the_frame_parser_never_raises(raw: str | bytes) -> None:
    _check_never_raises(raw)


@pytest.mark.parametrize("depth", [999, 1_000, 5_000, 100_000])
def test_a_deeply_nested_frame_is_an_unknown_frame(depth: int) -> None:
    for raw in (_deep(depth, "[", "]"), _deep(depth, '{"eventBody":', "}")):
        frame = _check_never_raises(raw)
        assert isinstance(frame, UnknownFrame) and frame.raw == raw


def test_a_huge_frame_is_parsed() -> None:
    body = "x" * 2_000_000
    raw = json.dumps(
        {
            "topicName": "v2.conversations.chats.c-1.messages",
            "eventBody": {
                "id": "m-1",
                "conversation": {"id": "c-1"},
                "sender": {"id": "s-1"},
                "body": body,
                "timestamp": "2024-01-01T00:00:00.000Z",
            },
            "metadata": {"type": "message"},
        }
    )
    event = event_from_frame(_check_never_raises(raw))
    assert isinstance(event, MessageEvent) and event.body == body


def test_frames_of_the_wrong_kind_of_object_are_unknown() -> None:
    for raw in (None, 42, ["a list"], bytearray(b'{"topicName": 1}'), memoryview(b"[]")):
        frame = parse_frame(raw)  # type: ignore[arg-type]
        assert isinstance(frame, UnknownFrame)


# -- a deep frame through a real stream and a real chat ----------------------------------------


@pytest.fixture
def manual_service(service_factory: Callable[..., LocalService]) -> LocalService:
    return service_factory(agent="manual", heartbeat_seconds=HEARTBEAT)


async def test_a_deep_frame_does_not_end_a_chat_session(
    manual_service: LocalService, caplog: pytest.LogCaptureFixture
) -> None:
    """A frame nested about 1,000 deep used to raise RecursionError out of the stream's
    iteration, which ended the GuestChat session."""
    caplog.set_level(logging.DEBUG, logger="purecloud_guest_chat_client.stream")
    deep = [_deep(1_000, '{"eventBody":', "}"), _deep(30_000, "[", "]")]
    async with (
        AsyncControlClient(manual_service.control_url) as control,
        await GuestChat.start(
            "org-1",
            "deployment-1",
            "Support",
            "Ann",
            environment=manual_service.base_url,
            heartbeat_interval=HEARTBEAT,
        ) as chat,
    ):
        agent = await control.join_agent(chat.conversation_id, "Bo")
        await control.set_faults(rawFrames={"conversationId": chat.conversation_id, "frames": deep})
        await control.send(chat.conversation_id, agent["id"], "still here")
        seen = []
        async with asyncio.timeout(10):
            async for event in chat.events():
                seen.append(event)
                if isinstance(event, MessageEvent) and event.body == "still here":
                    break
        assert any(isinstance(event, AgentJoined) for event in seen)
        assert not chat.ended
        await chat.send("and so am I")
    unknown = [event for event in seen if isinstance(event, UnknownEvent)]
    assert [event.raw for event in unknown] == deep
    logged = [
        r.getMessage() for r in caplog.records if "unknown event-stream frame" in r.getMessage()
    ]
    assert len(logged) == 2 and all("nested too deeply" in line for line in logged)
