"""The control API's faults take their numbers as JSON numbers: a whole number written as ``5.0``
counts as 5, while a fraction, a negative and a boolean are refused with an ErrorBody naming the
field."""

from __future__ import annotations

from typing import Any

import httpx2

from purecloud_guest_chat_client.emulator import AsyncControlClient

from ..helpers import WAIT


async def test_a_whole_number_written_with_a_fraction_is_a_count(
    acontrol: AsyncControlClient,
) -> None:
    state = await acontrol.set_faults(
        errors=[{"status": 500.0, "count": 5.0, "retryAfter": 2.0}],
        dropStreams={"count": 3.0},
        latencyMs=0.0,
    )
    (rule,) = state["errors"]
    assert rule == {"status": 500, "count": 5, "retryAfter": 2}
    assert all(isinstance(rule[key], int) for key in rule)


REFUSED: list[tuple[dict[str, Any], str]] = [
    ({"errors": [{"status": 500, "count": 5.5}]}, "errors[0].count"),
    ({"errors": [{"status": 500, "count": -1}]}, "errors[0].count"),
    ({"errors": [{"status": 500, "count": -2.0}]}, "errors[0].count"),
    ({"errors": [{"status": 500, "count": True}]}, "errors[0].count"),
    ({"errors": [{"status": 500, "retryAfter": 0.5}]}, "errors[0].retryAfter"),
    ({"errors": [{"status": 500.5}]}, "errors[0].status"),
    ({"dropStreams": {"count": 1.25}}, "dropStreams.count"),
    ({"latencyMs": False}, "latencyMs"),
]


async def test_a_fraction_a_negative_or_a_boolean_is_refused_naming_the_field(
    acontrol: AsyncControlClient,
) -> None:
    async with httpx2.AsyncClient(base_url=acontrol.control_url, timeout=WAIT) as control:
        for faults, field in REFUSED:
            refused = await control.post("/faults", json=faults)
            assert refused.status_code == 400, faults
            body = refused.json()
            assert body["code"] == "bad.request"
            assert field in body["message"], body
        still = await control.get("/faults")
    assert still.json().get("errors", []) == []
