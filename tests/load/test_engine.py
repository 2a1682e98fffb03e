"""The load engine against the real local service, faults included."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from purecloud_guest_chat_client.emulator import AsyncControlClient, LocalService
from purecloud_guest_chat_client.load import LoadPlan, LoadRun, LoadTarget, ThinkTime
from purecloud_guest_chat_client.load.ledger import MessageLedger


def _target(service: LocalService) -> LoadTarget:
    return LoadTarget(service.base_url, "load-org", "load-deployment", "Load Queue")


async def test_retries_and_reconnects_are_counted_and_nothing_is_lost(
    service_factory: Callable[..., LocalService],
) -> None:
    service = service_factory(agent_join_delay=0.0, agent_reply_delay=0.0, rate_limit_per_minute=0)
    plan = LoadPlan(guests=4, concurrency=4, duration=4.0, think=ThinkTime(0.1, 0.1), timeout=20)
    run = LoadRun(_target(service), plan)
    async with AsyncControlClient(service.control_url) as control:
        running = asyncio.create_task(run.run())
        while run.recorder.guests_active < 4 or run.recorder.received < 8:
            assert not running.done()
            await asyncio.sleep(0.05)
        await control.set_faults(
            errors=[
                {"status": 503, "count": 3, "method": "POST", "pathContains": "/messages"},
                {
                    "status": 429,
                    "count": 3,
                    "method": "POST",
                    "pathContains": "/messages",
                    "retryAfter": 0,
                },
            ]
        )
        sent_before = run.recorder.sent
        while run.recorder.sent < sent_before + 8:
            await asyncio.sleep(0.05)
        dropped = await control.set_faults(dropStreams={})
        assert dropped["droppedStreams"] == 4
        recorder = await running
    assert recorder.retries == 6
    assert recorder.reconnects >= 4
    assert recorder.errors == {}
    assert recorder.lost == 0
    assert recorder.duplicated == 0
    assert recorder.guests_completed == 4
    assert recorder.sent == recorder.received > 0


async def test_a_guest_that_never_gets_an_agent_times_out_and_leaves(
    service_factory: Callable[..., LocalService],
) -> None:
    service = service_factory(agent="manual")
    run = LoadRun(_target(service), LoadPlan(guests=2, concurrency=2, messages=1, timeout=0.5))
    recorder = await run.run()
    assert recorder.errors == {"no agent within the timeout": 2}
    assert recorder.guests_failed == 2
    assert recorder.sent == 0
    async with AsyncControlClient(service.control_url) as control:
        conversations = await control.conversations()
    guests = [m for c in conversations for m in c["members"] if m["role"] == "CUSTOMER"]
    assert [m["state"] for m in guests] == ["DISCONNECTED", "DISCONNECTED"]


def test_the_ledger_tells_lost_duplicated_and_abandoned_messages_apart() -> None:
    ledger = MessageLedger("Ann")
    first, second, third = (ledger.body(n) for n in (1, 2, 3))
    for number, body in enumerate((first, second, third)):
        ledger.sent(body, float(number))
    assert ledger.delivered(first)
    assert not ledger.delivered(first)
    assert ledger.delivered(second)
    answer = ledger.answered(f"You said: {first}", 0.25)
    assert (answer.body, answer.waited, answer.duplicate) == (first, 0.25, False)
    assert ledger.answered(f"You said: {first}", 0.5).duplicate
    # An answer that names no message goes to the oldest one waiting.
    assert ledger.answered("Sure, one moment", 2.0).body == second
    assert ledger.duplicated() == [
        f"{first!r} came back 2 times",
        f"{first!r} was answered 2 times",
    ]
    assert ledger.lost() == [
        f"{third!r} never came back on the guest's stream",
        f"{third!r} was never answered",
    ]
    assert ledger.lost(frozenset({third})) == [f"{third!r} never came back on the guest's stream"]


@pytest.mark.parametrize(
    ("options", "complaint"),
    [
        ({"guests": 0, "messages": 1}, "guests must be at least 1"),
        ({"guests": 1, "concurrency": 1, "arrival_rate": 1.0, "messages": 1}, "not both"),
        ({"guests": 1, "messages": 1, "duration": 1.0}, "not both"),
        ({"guests": 1}, "give messages per guest or a duration"),
        ({"guests": 1, "messages": 1, "ramp": -1.0}, "ramp"),
    ],
)
def test_a_plan_refuses_what_cannot_run(options: dict[str, object], complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        LoadPlan(**options)  # type: ignore[arg-type]


def test_arrivals_follow_the_ramp_then_the_rate() -> None:
    plan = LoadPlan(guests=100, arrival_rate=10.0, ramp=2.0, messages=1)
    offsets = [plan.arrival_offset(n) for n in range(30)]
    assert offsets == sorted(offsets)
    assert offsets[0] == 0.0
    assert offsets[10] == pytest.approx(2.0)  # 10 guests arrive during a 2 s ramp to 10/s
    assert offsets[20] - offsets[19] == pytest.approx(0.1)
    closed = LoadPlan(guests=10, concurrency=4, ramp=2.0, messages=1)
    assert [closed.slot_offset(n) for n in range(4)] == [0.0, 0.5, 1.0, 1.5]
    assert closed.wait_limit == pytest.approx(30.04)


def test_the_report_says_when_the_generator_or_its_machine_limits_the_figures() -> None:
    from purecloud_guest_chat_client.load.machine import generator_limited
    from purecloud_guest_chat_client.load.metrics import Recorder

    recorder = Recorder()
    recorder.cpu = [(float(second), 0.2) for second in range(8)]
    recorder.loop_lag = [0.001] * 8
    assert generator_limited(recorder) is None
    recorder.cpu = [(float(second), 0.95) for second in range(8)]
    limited = generator_limited(recorder)
    assert limited is not None
    assert limited.startswith("the load generator, not the service, limits these figures")
    assert "95% of a core" in limited
    recorder.cpu = [(float(second), 0.2) for second in range(8)]
    recorder.loop_lag = [0.3] * 8
    starved = generator_limited(recorder)
    assert starved is not None
    assert starved.startswith("this machine is short of CPU")
    assert "300 ms late" in starved
    recorder.cpu = recorder.cpu[:2]  # a run too short to judge
    assert generator_limited(recorder) is None
