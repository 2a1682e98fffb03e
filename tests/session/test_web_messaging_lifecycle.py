"""How a Web Messaging session's frames read as the session's events, rule by rule (the rules
of ``_web_messaging_events``, fed the client's own event types)."""

from __future__ import annotations

from datetime import UTC, datetime

from purecloud_guest_chat_client.models import BodyType, MemberRole
from purecloud_guest_chat_client.session import (
    AgentJoined,
    ChatEnded,
    EndReason,
    Transferred,
    WebMessageEvent,
)
from purecloud_guest_chat_client.session._web_messaging_events import WebMessagingLifecycle
from purecloud_guest_chat_client.stream import Reconnected, Reconnecting, TypingEvent
from purecloud_guest_chat_client.webmessaging import (
    AgentTyping,
    ErrorFrame,
    LoggedOut,
    Presence,
    SessionCleared,
    SessionExpired,
    UnknownFrame,
    WebMessage,
)
from purecloud_guest_chat_client.webmessaging import Reconnected as ClientReconnected
from purecloud_guest_chat_client.webmessaging import Reconnecting as ClientReconnecting

WHEN = datetime(2026, 12, 1, 10, 15, 4, tzinfo=UTC)


def _outbound(text: str, nickname: str | None, origin: str = "Bot") -> WebMessage:
    return WebMessage(
        id=f"id-{text}",
        type="Text",
        text=text,
        direction="Outbound",
        originating_entity=origin,
        time=WHEN,
        nickname=nickname,
        metadata={"correlationId": "c-1"},
    )


def test_the_first_agent_message_announces_the_agent_under_its_nickname() -> None:
    lifecycle = WebMessagingLifecycle()
    joined, message = lifecycle.translate(_outbound("Hi", "Parcel Bot"))
    assert isinstance(joined, AgentJoined) and joined.timestamp == WHEN
    assert joined.agent.display_name == "Parcel Bot" and joined.agent.role == MemberRole.AGENT
    assert isinstance(message, WebMessageEvent)
    assert message.sender == joined.agent and message.body == "Hi"
    assert message.body_type == BodyType.STANDARD
    assert message.originating_entity == "Bot" and message.correlation_id == "c-1"
    assert message.web_message is not None and message.web_message.nickname == "Parcel Bot"
    # The same agent again: no second announcement.
    assert [type(event) for event in lifecycle.translate(_outbound("Again", "Parcel Bot"))] == [
        WebMessageEvent
    ]
    assert lifecycle.agent == joined.agent


def test_another_nickname_is_a_transfer() -> None:
    lifecycle = WebMessagingLifecycle()
    lifecycle.translate(_outbound("Hi", "Parcel Bot"))
    joined, moved, message = lifecycle.translate(_outbound("Ann here", "Ann", origin="Human"))
    assert isinstance(joined, AgentJoined) and joined.agent.display_name == "Ann"
    assert isinstance(moved, Transferred)
    assert moved.from_agent is not None and moved.from_agent.display_name == "Parcel Bot"
    assert moved.to_agent == joined.agent
    assert isinstance(message, WebMessageEvent) and message.originating_entity == "Human"


def test_a_message_without_a_nickname_comes_from_an_unnamed_agent() -> None:
    lifecycle = WebMessagingLifecycle()
    joined, _ = lifecycle.translate(_outbound("Hi", None))
    assert isinstance(joined, AgentJoined) and joined.agent.label == "Agent"


def test_the_guests_echo_is_its_own_message_and_announces_nobody() -> None:
    lifecycle = WebMessagingLifecycle()
    echo = WebMessage(
        id="g1",
        type="Text",
        text="Hello",
        direction="Inbound",
        originating_entity="Human",
        time=WHEN,
    )
    (event,) = lifecycle.translate(echo)
    assert isinstance(event, WebMessageEvent) and event.sender.is_guest
    assert event.originating_entity is None
    assert lifecycle.agent is None


def test_typing_comes_from_the_agent_who_spoke_last_and_announces_nobody() -> None:
    lifecycle = WebMessagingLifecycle()
    (early,) = lifecycle.translate(AgentTyping(duration_seconds=5.0, time=WHEN))
    assert isinstance(early, TypingEvent) and early.sender.is_agent
    assert lifecycle.agent is None
    lifecycle.translate(_outbound("Hi", "Ann"))
    (typing,) = lifecycle.translate(AgentTyping(duration_seconds=5.0))
    assert isinstance(typing, TypingEvent) and typing.sender.display_name == "Ann"
    off = AgentTyping(duration_seconds=1.0, on=False)
    assert lifecycle.translate(off) == [off]


def test_the_agents_disconnect_ends_the_chat_once() -> None:
    lifecycle = WebMessagingLifecycle()
    disconnect = Presence(type="Disconnect", direction="Outbound", read_only=True, time=WHEN)
    presence, ended = lifecycle.translate(disconnect)
    assert presence is disconnect
    assert ended == ChatEnded(reason=EndReason.AGENT_ENDED, timestamp=WHEN)
    assert lifecycle.ended
    assert lifecycle.translate(_outbound("Late", "Ann")) == []
    assert lifecycle.stopped() == []


def test_the_guests_own_presence_events_end_nothing() -> None:
    lifecycle = WebMessagingLifecycle()
    join = Presence(type="Join", direction="Inbound")
    assert lifecycle.translate(join) == [join]
    assert not lifecycle.ended


def test_clear_expiry_and_logout_give_their_reasons() -> None:
    for event, reason in (
        (SessionCleared(), EndReason.GUEST_LEFT),
        (SessionExpired(), EndReason.REMOVED),
        (LoggedOut(), EndReason.REMOVED),
    ):
        lifecycle = WebMessagingLifecycle()
        translated = lifecycle.translate(event)
        assert translated[0] is event
        assert isinstance(translated[-1], ChatEnded) and translated[-1].reason == reason


def test_the_events_stopping_after_a_leave_end_the_chat() -> None:
    lifecycle = WebMessagingLifecycle()
    assert lifecycle.stopped() == []
    lifecycle.guest_is_leaving()
    (ended,) = lifecycle.stopped()
    assert isinstance(ended, ChatEnded) and ended.reason == EndReason.GUEST_LEFT


def test_reconnects_read_as_the_streams() -> None:
    lifecycle = WebMessagingLifecycle()
    assert lifecycle.translate(ClientReconnecting(attempt=2, delay=0.5, reason="dropped")) == [
        Reconnecting(attempt=2, delay=0.5, reason="dropped")
    ]
    assert lifecycle.translate(ClientReconnected(attempts=2, backfilled=3)) == [
        Reconnected(attempt=2, backfilled=3)
    ]


def test_what_only_web_messaging_has_passes_through() -> None:
    lifecycle = WebMessagingLifecycle()
    for event in (ErrorFrame(code=403, text="no"), UnknownFrame(reason="not JSON", raw="{")):
        assert lifecycle.translate(event) == [event]


def test_a_resumed_sessions_agent_is_its_last_one_unannounced() -> None:
    lifecycle = WebMessagingLifecycle()
    lifecycle.prime([_outbound("Hi", "Parcel Bot"), _outbound("Ann here", "Ann")])
    assert lifecycle.agent is not None and lifecycle.agent.display_name == "Ann"
    assert [type(event) for event in lifecycle.translate(_outbound("More", "Ann"))] == [
        WebMessageEvent
    ]
