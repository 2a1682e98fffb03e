"""The hot path writes messages and their frames without model instances: they must still be
exactly what the shared wire models write."""

from __future__ import annotations

import gc
import json
from collections.abc import Callable
from datetime import UTC, datetime

import httpx2
import pytest

from purecloud_guest_chat_client.emulator import LocalService
from purecloud_guest_chat_client.emulator.records import Message, new_id
from purecloud_guest_chat_client.emulator.wire_frames import message_frame
from purecloud_guest_chat_client.emulator.wire_json import message_json
from purecloud_guest_chat_client.models import WebChatMessage, parse_frame
from purecloud_guest_chat_client.models.frames import MessageFrame

from ..helpers import API, Guest, NewGuest, create_body, is_message

ODD_BODIES = [
    "plain",
    "",
    'quotes " and \\ backslash / slash',
    "line\nbreak\ttab\r\x00\x1f control",
    "accents é ü, CJK 漢字, emoji 😀, RTL עברית, line sep \u2028",
    "x" * 4000,
]


@pytest.mark.parametrize("body", ODD_BODIES)
def test_message_json_is_what_the_model_writes(body: str) -> None:
    message = Message(new_id(), new_id(), new_id(), "CUSTOMER", body, "standard", datetime.now(UTC))
    assert message_json(message) == message.to_model().to_json()
    parsed = WebChatMessage.from_wire(json.loads(message_json(message)))
    assert parsed.to_json() == message_json(message)


@pytest.mark.parametrize("body", ODD_BODIES)
def test_message_frame_is_what_the_model_writes(body: str) -> None:
    message = Message(new_id(), new_id(), new_id(), "AGENT", body, "notice", datetime.now(UTC))
    raw = message_frame(message)
    frame = parse_frame(raw)
    assert isinstance(frame, MessageFrame)
    assert frame.to_json() == raw
    assert frame.event_body.body == body
    assert frame.event_body.timestamp == message.timestamp.replace(
        microsecond=message.timestamp.microsecond // 1000 * 1000
    )


async def test_sent_message_and_its_frame_round_trip_through_the_models(
    new_guest: NewGuest,
) -> None:
    guest = await new_guest()
    stream, _ = await guest.routed()
    body = ODD_BODIES[3] + ODD_BODIES[4]
    response = await guest.send(body)
    assert response.status_code == 200
    assert WebChatMessage.from_wire(response.json()).to_json() == response.text
    frame = await stream.wait_for(lambda f: is_message(f, "standard", sender=guest.member_id))
    raw = stream.raw[-1]
    assert parse_frame(raw).to_json() == raw
    assert frame["eventBody"]["id"] == response.json()["id"]
    assert frame["eventBody"]["body"] == body


async def test_history_holds_nothing_the_garbage_collector_tracks(
    service_factory: Callable[..., LocalService],
) -> None:
    service = service_factory(agent="manual")
    async with httpx2.AsyncClient(base_url=service.base_url) as http:
        guest = Guest(http, (await http.post(API, json=create_body())).json())
        stream = await guest.connect()
        await stream.wait_for(lambda f: is_message(f, "member-join", sender=guest.member_id))
        for n in range(20):
            assert (await guest.send(f"kept {n}")).status_code == 200
        history = (await guest.request("GET", "/messages")).json()["entities"]
        sent = [m["body"] for m in history if m["bodyType"] == "standard"]
        assert sent == [f"kept {n}" for n in range(20)]
        gc.collect()
        assert not [o for o in gc.get_objects() if isinstance(o, Message)]
