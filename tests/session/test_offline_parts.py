"""The session's logic that needs no service: the lifecycle rule and the saved state."""

from __future__ import annotations

import json

import pytest

from purecloud_guest_chat_client.models import MemberRole, MemberState
from purecloud_guest_chat_client.session import ChatLifecycle, ChatState
from purecloud_guest_chat_client.stream import (
    AgentJoined,
    AgentLeft,
    ChatEnded,
    EndReason,
    Member,
    Transferred,
)

GUEST = Member("guest", MemberRole.CUSTOMER, "Ann")


def _agent(member_id: str, state: MemberState) -> Member:
    return Member(member_id, MemberRole.AGENT, member_id.title(), state)


def _guest(state: MemberState) -> Member:
    return Member("guest", MemberRole.CUSTOMER, "Ann", state)


def test_a_transfer_is_an_agent_leaving_then_another_joining() -> None:
    lifecycle = ChatLifecycle("guest")
    assert lifecycle.member_changed(_guest(MemberState.CONNECTED), None) == []
    joined = lifecycle.member_changed(_agent("bob", MemberState.CONNECTED), None)
    assert [type(event) for event in joined] == [AgentJoined]
    assert lifecycle.agent is not None and lifecycle.agent.id == "bob"

    left = lifecycle.member_changed(_agent("bob", MemberState.DISCONNECTED), None)
    assert [type(event) for event in left] == [AgentLeft]
    assert lifecycle.agent is None and not lifecycle.ended

    arrived = lifecycle.member_changed(_agent("carol", MemberState.CONNECTED), None)
    assert [type(event) for event in arrived] == [AgentJoined, Transferred]
    transfer = arrived[1]
    assert isinstance(transfer, Transferred)
    assert transfer.from_agent is not None and transfer.from_agent.id == "bob"
    assert transfer.to_agent.id == "carol"


def test_a_new_agent_joining_before_the_old_one_leaves_is_a_transfer_too() -> None:
    lifecycle = ChatLifecycle("guest")
    lifecycle.member_changed(_agent("bob", MemberState.CONNECTED), None)
    lifecycle.member_changed(_agent("carol", MemberState.CONNECTED), None)
    events = lifecycle.member_changed(_agent("bob", MemberState.DISCONNECTED), None)
    assert [type(event) for event in events] == [AgentLeft, Transferred]


@pytest.mark.parametrize(
    ("leaving", "agent_left", "reason"),
    [
        (False, True, EndReason.AGENT_ENDED),
        (True, False, EndReason.GUEST_LEFT),
        (False, False, EndReason.REMOVED),
    ],
)
def test_the_end_says_why(leaving: bool, agent_left: bool, reason: EndReason) -> None:
    lifecycle = ChatLifecycle("guest")
    lifecycle.member_changed(_agent("bob", MemberState.CONNECTED), None)
    if agent_left:
        lifecycle.member_changed(_agent("bob", MemberState.DISCONNECTED), None)
    if leaving:
        lifecycle.guest_is_leaving()
    events = lifecycle.member_changed(_guest(MemberState.DISCONNECTED), None)
    assert events == [ChatEnded(reason=reason)]
    assert lifecycle.ended and lifecycle.end() == []
    assert lifecycle.member_changed(_agent("dan", MemberState.CONNECTED), None) == []


def test_queue_and_workflow_members_are_not_agents() -> None:
    lifecycle = ChatLifecycle("guest")
    acd = Member("acd", MemberRole.ACD, None, MemberState.CONNECTED)
    assert lifecycle.member_changed(acd, None) == []
    assert lifecycle.member_changed(Member("acd", MemberRole.ACD, None, "DISCONNECTED"), None) == []
    assert lifecycle.agent is None


def test_priming_reports_nothing_and_knows_the_agent() -> None:
    lifecycle = ChatLifecycle("guest")
    lifecycle.prime([_guest(MemberState.CONNECTED), _agent("bob", MemberState.CONNECTED)])
    assert lifecycle.agent is not None and lifecycle.agent.id == "bob"
    assert lifecycle.member_changed(_agent("bob", MemberState.CONNECTED), None) == []


STATE = ChatState(
    conversation_id="conv-1",
    member_id="member-1",
    jwt="header.payload.signature",
    event_stream_uri="ws://127.0.0.1:9/v1/token/header.payload.signature",
    environment="http://127.0.0.1:9",
    last_message_id="m7",
    display_name="Ann",
)


def test_chat_state_round_trips_through_json_and_hides_the_token() -> None:
    assert ChatState.from_json(STATE.to_json()) == STATE
    assert ChatState.from_dict(json.loads(STATE.to_json())) == STATE
    assert "header.payload.signature" not in repr(STATE)
    assert STATE.with_last_message("m8").last_message_id == "m8"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{", "not valid JSON"),
        ("[]", "JSON object"),
        ('{"conversation_id": "c"}', "missing"),
        (STATE.to_json().replace('"conv-1"', '""'), "conversation_id"),
        (STATE.to_json().replace('"version": 1', '"version": 9'), "version"),
    ],
)
def test_a_bad_chat_state_is_refused_with_the_reason(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        ChatState.from_json(text)
