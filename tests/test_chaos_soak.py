"""The chaos soak of benchmarks/chaos_soak.py, reduced: fewer guests and messages, the same faults
and the same two SIGKILLs of a real service process."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.skipif(os.name != "posix", reason="needs SIGKILL")

SCRIPT = Path(__file__).parent.parent / "benchmarks" / "chaos_soak.py"


def _soak_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("chaos_soak", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def soak() -> ModuleType:
    return _soak_module()


GUESTS, MESSAGES = 40, 12
"""A fifth of the full soak's guests, each with a quarter of its messages: still every fault,
both SIGKILLs with sessions live and four sessions resumed half-way, in a run of seconds; the
script's defaults are the full soak."""


@pytest.mark.timeout(300)
def test_no_message_is_lost_repeated_or_reordered_through_faults_and_two_sigkills(
    soak: ModuleType,
) -> None:
    config = soak.SoakConfig(
        guests=GUESTS,
        messages=MESSAGES,
        kills=2,
        ramp_up=3.0,
        deadline=240.0,
        progress_every=3600.0,
    )
    figures = soak.run_soak(config, report=None)
    summary = soak.table(figures)

    for side in ("events", "transcripts"):
        assert figures[side] == {
            "lost": 0,
            "duplicated": 0,
            "unexpected": 0,
            "out_of_order": 0,
        }, summary
    assert figures["event_ids_differing_from_transcript"] == 0, summary
    assert figures["guest_messages_sent"] == figures["echoes_received"] == GUESTS * MESSAGES, (
        summary
    )
    assert figures["sessions_finished"] == GUESTS, summary
    resumes = round(GUESTS * config.resume_share)
    assert figures["sessions_resumed_planned"] == figures["sessions_to_resume"] == resumes, summary
    assert figures["sessions_failed"] == 0, summary
    assert figures["guest_errors"] == [], summary
    assert [kill["recovered"] for kill in figures["kills"]] == [
        kill["live"] for kill in figures["kills"]
    ], summary
    assert len(figures["kills"]) == 2, summary
    # The faults really happened: streams were dropped and requests failed.
    assert figures["streams_dropped"] > 0, summary
    assert figures["api_failures_served"] > 0, summary
    assert figures["service_exit_status"] == 0, summary
    assert figures["passed"], summary


def test_the_tally_counts_lost_duplicated_unexpected_and_reordered_messages(
    soak: ModuleType,
) -> None:
    tally = soak.Tally()
    tally.add(["a", "b", "c", "d"], ["a", "c", "b", "c", "x"])
    assert (tally.lost, tally.duplicated, tally.unexpected, tally.out_of_order) == (1, 1, 1, 1)


def test_an_echo_stored_before_its_question_is_out_of_order(soak: ModuleType) -> None:
    guest, agent = {"id": "g"}, {"id": "a"}
    messages = [
        {"sender": guest, "body": "one"},
        {"sender": agent, "body": "You said: one"},
        {"sender": agent, "body": "You said: two"},
        {"sender": guest, "body": "two"},
    ]
    assert soak.echo_order_breaks(messages, "g") == 1
