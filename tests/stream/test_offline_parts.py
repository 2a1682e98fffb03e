"""The parts of the stream that need no service: token handling, backoff, frame mapping."""

from __future__ import annotations

import base64
import json
import logging
import time

import pytest

from purecloud_guest_chat_client._redact import redact_text
from purecloud_guest_chat_client.models import BodyType, MemberState
from purecloud_guest_chat_client.models.frames import parse_frame
from purecloud_guest_chat_client.stream import (
    Backoff,
    EventStream,
    HeartbeatEvent,
    MediaRequestEvent,
    MemberChangeEvent,
    MessageEvent,
    TypingEvent,
    UnknownEvent,
)
from purecloud_guest_chat_client.stream._log import stream_logger, websocket_logger
from purecloud_guest_chat_client.stream._mapping import event_from_frame
from purecloud_guest_chat_client.stream._token import read_claims, token_from_uri


def _jwt(payload: dict[str, object]) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(payload)}.c2lnbmF0dXJlLXNpZ25hdHVyZQ"


JWT = _jwt({"data": {"conv": "conv-1", "sub": "member-1"}, "exp": 4102444800})
URI = f"ws://127.0.0.1:9/v1/token/{JWT}"


def test_the_token_is_redacted_from_the_uri() -> None:
    assert redact_text(URI) == "ws://127.0.0.1:9/v1/token/[REDACTED]"
    assert redact_text("ws://127.0.0.1:9/v1/token/opaque-token?x=1") == (
        "ws://127.0.0.1:9/v1/token/[REDACTED]?x=1"
    )
    assert token_from_uri(URI) == JWT
    assert token_from_uri("ws://127.0.0.1:9/v1/stream") is None
    assert JWT not in redact_text(f"failed to reach {URI} with {JWT}")


def test_claims_are_read_without_verification() -> None:
    claims = read_claims(JWT)
    assert (claims.conversation_id, claims.member_id) == ("conv-1", "member-1")
    assert not claims.expired()
    assert read_claims(_jwt({"exp": time.time() - 1})).expired()
    assert read_claims("not-a-jwt").expires_at is None
    assert read_claims("a.!!!.c").conversation_id is None


def test_the_stream_never_shows_its_token() -> None:
    stream = EventStream(URI)
    assert JWT not in repr(stream) and JWT not in str(stream)
    assert stream.uri.endswith("/token/[REDACTED]")
    assert (stream.conversation_id, stream.member_id) == ("conv-1", "member-1")


def test_log_lines_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="purecloud_guest_chat_client.stream"):
        websocket_logger.debug("> GET %s HTTP/1.1", f"/v1/token/{JWT}")
        stream_logger.info("connecting to %s", URI)
    assert caplog.records
    assert all(JWT not in record.getMessage() for record in caplog.records)


def test_tracebacks_in_log_records_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="purecloud_guest_chat_client.stream"):
        try:
            raise ValueError(f"{URI} is not a valid URI")
        except ValueError:
            stream_logger.exception("the chat session's event pump failed")
    printed = caplog.text
    assert "ValueError: ws://127.0.0.1:9/v1/token/[REDACTED] is not a valid URI" in printed
    assert JWT not in printed


@pytest.mark.parametrize(
    ("uri", "options"),
    [
        ("http://127.0.0.1/v1/token/x", {}),
        (URI, {"heartbeat_interval": 0}),
        (URI, {"open_timeout": -1}),
    ],
)
def test_the_stream_rejects_bad_arguments(uri: str, options: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        EventStream(uri, **options)


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"heartbeat_interval": "fast"}, "heartbeat_interval must be a number of seconds"),
        ({"heartbeat_interval": True}, "heartbeat_interval must be a number of seconds"),
        ({"open_timeout": None}, "open_timeout must be a number of seconds"),
    ],
)
def test_the_stream_names_an_argument_that_is_not_a_number(
    options: dict[str, object], problem: str
) -> None:
    with pytest.raises(TypeError, match=problem):
        EventStream(URI, **options)  # type: ignore[arg-type]


def test_backoff_starts_fast_and_is_bounded() -> None:
    backoff = Backoff()
    first = [backoff.delay(0) for _ in range(200)]
    assert max(first) <= 0.5 and min(first) > 0
    assert all(backoff.delay(50) <= backoff.maximum for _ in range(50))
    assert len({round(delay, 6) for delay in first}) > 1, "the delays are jittered"
    with pytest.raises(ValueError):
        Backoff(initial=0)
    with pytest.raises(ValueError):
        Backoff(jitter=2)


def _frame(kind: str, body: dict[str, object], topic: str = "messages") -> str:
    return json.dumps(
        {
            "topicName": f"v2.conversations.chats.conv-1.{topic}",
            "version": "2",
            "eventBody": body,
            "metadata": {"CorrelationId": "corr-1", "type": kind},
        }
    )


def _message_body(body_type: str = "standard") -> dict[str, object]:
    return {
        "id": "m1",
        "conversation": {"id": "conv-1"},
        "sender": {"id": "agent-1"},
        "body": "Hi",
        "bodyType": body_type,
        "timestamp": "2019-06-18T16:59:22.277Z",
    }


def test_frames_become_typed_events() -> None:
    message = event_from_frame(parse_frame(_frame("message", _message_body())))
    assert isinstance(message, MessageEvent) and not isinstance(message, MediaRequestEvent)
    assert (message.message_id, message.sender_id, message.body_type) == (
        "m1",
        "agent-1",
        "standard",
    )
    assert message.correlation_id == "corr-1" and message.timestamp.year == 2019

    media = event_from_frame(parse_frame(_frame("message", _message_body("media-request"))))
    assert isinstance(media, MediaRequestEvent) and media.body_type == BodyType.MEDIA_REQUEST

    typing = event_from_frame(
        parse_frame(
            _frame(
                "typing-indicator",
                {
                    "id": "t1",
                    "conversation": {"id": "conv-1"},
                    "sender": {"id": "agent-1"},
                    "timestamp": "2019-06-18T16:59:22.277Z",
                },
            )
        )
    )
    assert isinstance(typing, TypingEvent) and typing.sender_id == "agent-1"

    change = event_from_frame(
        parse_frame(
            _frame(
                "member-change",
                {
                    "conversation": {"id": "conv-1"},
                    "member": {"id": "agent-1", "state": "CONNECTED"},
                    "timestamp": "2019-06-18T16:59:22.277Z",
                },
                topic="members",
            )
        )
    )
    assert isinstance(change, MemberChangeEvent) and change.state == MemberState.CONNECTED

    heartbeat = event_from_frame(
        parse_frame(
            json.dumps(
                {"topicName": "channel.metadata", "eventBody": {"message": "WebSocket Heartbeat"}}
            )
        )
    )
    assert isinstance(heartbeat, HeartbeatEvent) and not heartbeat.is_pong


@pytest.mark.parametrize(
    "raw",
    ["not json", "[1, 2]", _frame("surprise", {}), _frame("message", {"id": 3})],
)
def test_unknown_and_malformed_frames_become_unknown_events(raw: str) -> None:
    event = event_from_frame(parse_frame(raw))
    assert isinstance(event, UnknownEvent)
    assert event.raw == raw and event.reason
