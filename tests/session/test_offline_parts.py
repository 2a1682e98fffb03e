"""The session's logic that needs no service: the transfer rule, the saved state and where its
events are found."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from types import ModuleType

import pytest

from purecloud_guest_chat_client import session, stream
from purecloud_guest_chat_client.models import MemberRole, MemberState
from purecloud_guest_chat_client.session import (
    AgentJoined,
    AgentLeft,
    ChatEnded,
    ChatLifecycle,
    ChatState,
    EndReason,
    Transferred,
)
from purecloud_guest_chat_client.session import events as session_events
from purecloud_guest_chat_client.stream import Member
from purecloud_guest_chat_client.stream import events as stream_events


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


_SESSION_EVENTS = (
    "AgentJoined",
    "AgentLeft",
    "ChatEnded",
    "ChatEvent",
    "EndReason",
    "SessionEvent",
    "Transferred",
)


@pytest.mark.parametrize("name", _SESSION_EVENTS)
def test_the_session_events_are_still_found_where_they_were_first_defined(name: str) -> None:
    moved = getattr(session_events, name)
    assert getattr(session, name) is moved
    assert getattr(stream, name) is moved
    assert getattr(stream_events, name) is moved
    assert name in stream.__all__ and name in session.__all__
    namespace: dict[str, object] = {}
    exec(f"from purecloud_guest_chat_client.stream.events import {name}", namespace)
    exec(f"from purecloud_guest_chat_client.stream import {name} as from_package", namespace)
    assert namespace[name] is moved and namespace["from_package"] is moved


def test_importing_the_stream_leaves_the_session_unloaded_and_unknown_names_unknown() -> None:
    script = (
        "import sys, purecloud_guest_chat_client.stream as stream\n"
        "import purecloud_guest_chat_client.stream.events as events\n"
        "assert 'purecloud_guest_chat_client.session' not in sys.modules, 'session loaded'\n"
        "for module in (stream, events):\n"
        "    try:\n"
        "        module.NoSuchEvent\n"
        "    except AttributeError as exc:\n"
        "        assert 'NoSuchEvent' in str(exc)\n"
        "    else:\n"
        "        raise AssertionError('an unknown name was found')\n"
        "stream.ChatEnded\n"
        "assert 'purecloud_guest_chat_client.session.events' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True)


def test_only_the_public_modules_go_without_an_underscore() -> None:
    def public_modules(package: ModuleType) -> set[str]:
        return {info.name for info in pkgutil.iter_modules(package.__path__) if info.name[0] != "_"}

    assert public_modules(session) == {"events"}
    assert public_modules(stream) == {"errors", "events"}
