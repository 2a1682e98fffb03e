"""The Web Messaging client's pure parts: where it connects, the requests it writes and how it
reads every server frame of the reference, without a socket."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from purecloud_guest_chat_client import PureCloudRegionHosts
from purecloud_guest_chat_client.models.web_messaging_protocol import (
    MAX_CUSTOM_DATA_BYTES,
    MAX_TEXT_BYTES,
    FrameClass,
)
from purecloud_guest_chat_client.webmessaging import (
    AgentTyping,
    Attachment,
    AttachmentRefusedError,
    ButtonResponse,
    Card,
    Carousel,
    ConnectionClosed,
    CustomAttributesTooLargeError,
    DatePicker,
    ErrorFrame,
    ListPicker,
    LoggedOut,
    MessageTooLongError,
    Presence,
    QuickReply,
    RateLimited,
    SessionCleared,
    SessionExpired,
    SessionExpiredError,
    UnknownContent,
    UnknownFrame,
    UploadFailed,
    UploadSucceeded,
    WebMessage,
    WebMessagingAuthError,
    _codec,
    resolve_endpoints,
)

DEPLOYMENT = "f3e1c1c4-6a38-4d7e-9c2b-7b0c2a5d9e01"


# -- endpoints ----------------------------------------------------------------------------------


@pytest.mark.parametrize("region", list(PureCloudRegionHosts))
def test_every_region_has_its_socket_rest_and_config_hosts(region: PureCloudRegionHosts) -> None:
    endpoints = resolve_endpoints(region, DEPLOYMENT, "bot-1.0")
    assert endpoints.websocket_url == (
        f"wss://webmessaging.{region.value}/v1?deploymentId={DEPLOYMENT}&application=bot-1.0"
    )
    assert endpoints.api_base == f"https://api.{region.value}"
    assert endpoints.config_url == (
        f"https://api-cdn.{region.value}/webdeployments/v1/deployments/{DEPLOYMENT}/config.json"
    )


@pytest.mark.parametrize(
    ("environment", "socket", "rest"),
    [
        ("mypurecloud.ie", "wss://webmessaging.mypurecloud.ie/v1", "https://api.mypurecloud.ie"),
        ("https://api.mypurecloud.ie", "wss://webmessaging.mypurecloud.ie/v1", None),
        ("api.usw2.pure.cloud", "wss://webmessaging.usw2.pure.cloud/v1", None),
        ("wss://webmessaging.mypurecloud.de/v1", None, "https://api.mypurecloud.de"),
        ("ws://127.0.0.1:8080", "ws://127.0.0.1:8080/v1", "http://127.0.0.1:8080"),
        ("http://127.0.0.1:8080/", "ws://127.0.0.1:8080/v1", "http://127.0.0.1:8080"),
        ("https://gateway.test/wm", "wss://gateway.test/wm/v1", "https://gateway.test/wm"),
        ("ws://[::1]:9000/v1", "ws://[::1]:9000/v1", "http://[::1]:9000"),
    ],
)
def test_domains_and_full_urls(environment: str, socket: str | None, rest: str | None) -> None:
    endpoints = resolve_endpoints(environment, DEPLOYMENT)
    base, _, query = endpoints.websocket_url.partition("?")
    assert query == f"deploymentId={DEPLOYMENT}"
    if socket is not None:
        assert base == socket
    if rest is not None:
        assert endpoints.api_base == rest


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ("ftp://host", "ws, wss, http or https"),
        ("ws://host:99999", "invalid port"),
        ("ws://host/v1?deploymentId=x", "usable base URL"),
        ("ws://user:secret@host", "usable base URL"),
        ("localhost", "neither a region"),
        ("", "neither a region"),
    ],
)
def test_bad_environments_say_what_is_wrong(environment: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        resolve_endpoints(environment, DEPLOYMENT)


@pytest.mark.parametrize("deployment_id", ["", "a b", "x&y=1", "é", "a" * 129, None])
def test_bad_deployment_ids_are_refused(deployment_id: Any) -> None:
    with pytest.raises(ValueError, match="deployment_id"):
        resolve_endpoints("mypurecloud.ie", deployment_id)


def test_application_is_url_encoded_and_optional() -> None:
    assert (
        "application=my+bot%2F1"
        in resolve_endpoints("mypurecloud.ie", DEPLOYMENT, "my bot/1").websocket_url
    )
    assert "application" not in resolve_endpoints("mypurecloud.ie", DEPLOYMENT).websocket_url


# -- requests -----------------------------------------------------------------------------------


def test_configure_request_shapes() -> None:
    anonymous = json.loads(_codec.request_configure("tok", DEPLOYMENT, "t-1"))
    assert anonymous == {
        "action": "configureSession",
        "token": "tok",
        "deploymentId": DEPLOYMENT,
        "startNew": False,
        "journeyContext": {
            "customer": {"id": "tok", "idType": "cookie"},
            "customerSession": {"id": "", "type": "web"},
        },
        "tracingId": "t-1",
    }
    authenticated = json.loads(
        _codec.request_configure("tok", DEPLOYMENT, "t-2", start_new=True, jwt="j.w.t")
    )
    assert authenticated["action"] == "configureAuthenticatedSession"
    assert authenticated["data"] == {"code": "j.w.t"} and authenticated["startNew"] is True


def test_requests_end_with_the_token() -> None:
    # What the WebSocket library's debug output keeps of a frame is its start and its end.
    text = _codec.request_message("tok-123", _codec.typing_message(), "t-3")
    assert text.endswith('"token":"tok-123"}')
    assert json.loads(text)["message"] == {
        "type": "Event",
        "events": [{"eventType": "Typing", "typing": {"type": "On"}}],
    }


def test_text_message_with_custom_attributes_inside_the_message() -> None:
    message = _codec.text_message("hi", {"orderId": "A-1029"}, 2048)
    assert message == {
        "type": "Text",
        "text": "hi",
        "channel": {"metadata": {"customAttributes": {"orderId": "A-1029"}}},
    }


def test_text_limit_counts_utf8_bytes() -> None:
    assert _codec.check_text("é" * (MAX_TEXT_BYTES // 2))
    with pytest.raises(MessageTooLongError, match="4098 UTF-8 bytes") as refused:
        _codec.check_text("é" * (MAX_TEXT_BYTES // 2 + 1))
    assert refused.value.code == 4011


def test_custom_attributes_limit_counts_keys_and_values() -> None:
    exactly = {"k": "v" * (MAX_CUSTOM_DATA_BYTES - 1)}
    assert _codec.check_custom_attributes(exactly, None) == exactly
    with pytest.raises(CustomAttributesTooLargeError, match="2049 UTF-8 bytes") as refused:
        _codec.check_custom_attributes({"k": "v" * MAX_CUSTOM_DATA_BYTES}, None)
    assert refused.value.code == 4013
    with pytest.raises(CustomAttributesTooLargeError, match="at most 10"):
        _codec.check_custom_attributes({"abc": "defghijk"}, 10)
    with pytest.raises(TypeError, match="str to str"):
        _codec.check_custom_attributes({"n": 1}, None)  # type: ignore[dict-item]


def test_structured_answers() -> None:
    quick = _codec.button_response_content("QuickReply", "Yes", "yes", "m-1")
    assert quick == {
        "contentType": "ButtonResponse",
        "buttonResponse": {
            "text": "Yes",
            "payload": "yes",
            "type": "QuickReply",
            "originatingMessageId": "m-1",
        },
    }
    assert _codec.attachment_content("a-1") == {
        "contentType": "Attachment",
        "attachment": {"id": "a-1"},
    }


# -- server frames ------------------------------------------------------------------------------


def _frame(frame_class: str, body: Any, *, type_: str = "message", code: int = 200) -> str:
    return json.dumps({"type": type_, "class": frame_class, "code": code, "body": body})


def _events(text: str) -> list[Any]:
    frame = _codec.parse_frame(text)
    assert isinstance(frame, _codec.ServerFrame)
    return _codec.events_of(frame)


def test_session_response_surfaces_every_field() -> None:
    body = {
        "connected": True,
        "newSession": True,
        "readOnly": False,
        "maxCustomDataBytes": 2048,
        "allowedMedia": {
            "inbound": {
                "fileTypes": [{"type": "image/png"}, {"type": "application/pdf"}],
                "maxFileSizeKB": 10240,
            }
        },
        "blockedExtensions": [".exe", ".js"],
        "clearedExistingSession": False,
        "durationSeconds": 259200,
        "expirationDate": 1796420000,
        "somethingNew": 1,
    }
    info = _codec.session_info(body)
    assert info.connected and info.new_session and not info.read_only
    assert info.allowed_media == ("image/png", "application/pdf")
    assert info.max_file_size_kb == 10240 and info.blocked_extensions == (".exe", ".js")
    assert info.max_custom_data_bytes == 2048 and info.duration_seconds == 259200
    assert info.expires_at == datetime.fromtimestamp(1796420000, UTC)
    assert info.raw["somethingNew"] == 1
    empty = _codec.session_info("not an object")
    assert not empty.connected and empty.expires_at is None and empty.allowed_media == ()


def test_messages_carry_direction_entity_time_and_id() -> None:
    echo = {
        "type": "message",
        "class": "StructuredMessage",
        "code": 200,
        "tracingId": "5f0e",
        "body": {
            "id": "9b2f",
            "type": "Text",
            "text": "Where is my parcel?",
            "direction": "Inbound",
            "channel": {"time": "2026-12-01T10:15:02.311Z", "messageId": "c8a1"},
            "originatingEntity": "Human",
        },
    }
    [message] = _events(json.dumps(echo))
    assert isinstance(message, WebMessage)
    assert message.id == "c8a1" and message.message_id == "9b2f" and message.tracing_id == "5f0e"
    assert message.direction == "Inbound" and message.is_inbound
    assert message.time == datetime(2026, 12, 1, 10, 15, 2, 311000, tzinfo=UTC)
    bot = {
        "id": "1d3f",
        "type": "Text",
        "text": "Let me check that for you.",
        "direction": "Outbound",
        "channel": {"time": "some_time", "from": {"nickname": "Parcel Bot"}},
        "originatingEntity": "Bot",
        "metadata": {"correlationId": "2a4c"},
    }
    [reply] = _events(_frame("StructuredMessage", bot))
    assert isinstance(reply, WebMessage)
    assert reply.id == "1d3f" and reply.originating_entity == "Bot" and reply.time is None
    assert reply.nickname == "Parcel Bot" and reply.metadata == {"correlationId": "2a4c"}
    [blank] = _events(_frame("StructuredMessage", {**bot, "originatingEntity": ""}))
    assert isinstance(blank, WebMessage) and blank.originating_entity is None


def test_structured_content_is_typed() -> None:
    content = [
        {"contentType": "QuickReply", "quickReply": {"text": "Yes", "payload": "y"}},
        {
            "contentType": "Card",
            "card": {
                "title": "Parcel",
                "actions": [
                    {"type": "Link", "text": "Track", "url": "https://x.test"},
                    {"type": "Postback", "text": "Call me", "payload": "call"},
                ],
            },
        },
        {"contentType": "Carousel", "carousel": {"cards": [{"title": "A"}, {"title": "B"}]}},
        {
            "contentType": "DatePicker",
            "datePicker": {
                "title": "When?",
                "availableTimes": [{"dateTime": "2026-12-03T09:00:00Z", "duration": 1800}],
            },
        },
        {
            "contentType": "ListPicker",
            "listPicker": {
                "receivedMessage": "Pick",
                "replyMessage": "Thanks",
                "sections": [
                    {
                        "title": "S",
                        "multipleSelection": True,
                        "items": [{"id": "1", "title": "One"}],
                    }
                ],
            },
        },
        {
            "contentType": "Attachment",
            "attachment": {"id": "a", "url": "https://x.test/a", "mediaType": "Image"},
        },
        {"contentType": "ButtonResponse", "buttonResponse": {"type": "Button", "payload": "p"}},
        {"contentType": "Reactions", "reactions": {}},
        "junk",
    ]
    body = {"id": "m", "type": "Structured", "direction": "Outbound", "content": content}
    [message] = _events(_frame("StructuredMessage", body))
    assert isinstance(message, WebMessage)
    kinds = [type(item) for item in message.content]
    assert kinds == [
        QuickReply,
        Card,
        Carousel,
        DatePicker,
        ListPicker,
        Attachment,
        ButtonResponse,
        UnknownContent,
        UnknownContent,
    ]
    card = message.content[1]
    assert isinstance(card, Card) and [a.type for a in card.actions] == ["Link", "Postback"]
    picker = message.content[3]
    assert isinstance(picker, DatePicker)
    assert picker.available_times[0].duration_seconds == 1800
    assert message.quick_replies[0].payload == "y" and message.attachments[0].media_type == "Image"
    listed = message.content[4]
    assert isinstance(listed, ListPicker) and listed.sections[0].items[0].title == "One"


def test_events_typing_presence_and_disconnect() -> None:
    typing = {
        "id": "e1",
        "type": "Event",
        "direction": "Outbound",
        "events": [{"eventType": "Typing", "typing": {"type": "On", "duration": 5000}}],
    }
    [agent_typing] = _events(_frame("StructuredMessage", typing))
    assert agent_typing == AgentTyping(duration_seconds=5.0, on=True)
    own = {**typing, "direction": "Inbound"}
    assert _events(_frame("StructuredMessage", own)) == []
    disconnect = {
        "id": "e2",
        "type": "Event",
        "direction": "Outbound",
        "metadata": {"readOnly": "true"},
        "events": [{"eventType": "Presence", "presence": {"type": "Disconnect"}}],
    }
    [presence] = _events(_frame("StructuredMessage", disconnect))
    assert isinstance(presence, Presence)
    assert presence.type == "Disconnect" and presence.read_only and presence.id == "e2"
    odd = {**typing, "events": [{"eventType": "Wave"}]}
    [unknown] = _events(_frame("StructuredMessage", odd))
    assert isinstance(unknown, UnknownFrame)


@pytest.mark.parametrize(
    ("frame_class", "body", "expected"),
    [
        ("SessionExpiredEvent", {}, SessionExpired),
        ("SessionClearedEvent", {}, SessionCleared),
        ("LogoutEvent", {}, LoggedOut),
        ("ConnectionClosedEvent", {}, ConnectionClosed),
        ("UploadSuccessEvent", {"attachmentId": "a", "downloadUrl": "u"}, UploadSucceeded),
        ("UploadFailureEvent", {"attachmentId": "a", "errorCode": 4003}, UploadFailed),
        ("GenerateUrlError", {"attachmentId": "a", "errorCode": 4001}, UploadFailed),
        ("ResumeTokenResponse", {"resumeToken": "r"}, UnknownFrame),
        ("SomethingNew", {}, UnknownFrame),
    ],
)
def test_every_pushed_class_is_typed(frame_class: str, body: Any, expected: type) -> None:
    [event] = _events(_frame(frame_class, body))
    assert isinstance(event, expected)


def test_connection_closed_reason_under_either_name() -> None:
    [signed_in] = _events(_frame("ConnectionClosedEvent", {"reason": "signedIn"}))
    [coded] = _events(_frame("ConnectionClosedEvent", {"reasonCode": "signedIn"}))
    [limit] = _events(_frame("ConnectionClosedEvent", {}))
    assert isinstance(signed_in, ConnectionClosed) and signed_in.reason == "signedIn"
    assert isinstance(coded, ConnectionClosed) and coded.reason == "signedIn"
    assert isinstance(limit, ConnectionClosed) and limit.reason is None


def test_refusals_string_errors_and_rate_limits() -> None:
    text = json.dumps(
        {
            "type": "response",
            "class": "string",
            "code": 4011,
            "tracingId": "78ab",
            "body": "Message length 5000 is larger than 4096",
        }
    )
    [error] = _events(text)
    assert error == ErrorFrame(4011, "Message length 5000 is larger than 4096", "78ab", "string")
    frame = _codec.parse_frame(text)
    assert isinstance(frame, _codec.ServerFrame)
    assert isinstance(_codec.error_for(frame, "the message"), MessageTooLongError)
    rate = {"retryAfter": 4, "errorCode": 4029, "errorMessage": "Message rate too high"}
    [limited] = _events(_frame("TooManyRequestsErrorMessage", rate, type_="response", code=429))
    assert isinstance(limited, RateLimited) and limited.retry_after == 4.0
    for code, cls in [(4006, SessionExpiredError), (4007, SessionExpiredError)]:
        expired = _codec.parse_frame(_frame("string", "gone", type_="response", code=code))
        assert isinstance(expired, _codec.ServerFrame)
        assert isinstance(_codec.error_for(expired, "configure"), cls)
    refused = _codec.parse_frame(
        _frame("string", "Session authentication failed", type_="response", code=403)
    )
    assert isinstance(refused, _codec.ServerFrame)
    assert isinstance(_codec.error_for(refused, "configure"), WebMessagingAuthError)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"type": "message", "body": {}}', "no class"),
        (b"\x00\x01", "a binary frame"),
    ],
)
def test_unreadable_frames_become_unknown_frames(data: str | bytes, reason: str) -> None:
    frame = _codec.parse_frame(data)
    assert isinstance(frame, UnknownFrame) and frame.reason == reason


def test_message_keys_are_both_ids() -> None:
    assert _codec.message_keys({"id": "a", "channel": {"messageId": "b"}}) == ("a", "b")
    assert _codec.message_keys({"id": "a"}) == ("a",)
    assert _codec.message_keys({"channel": "junk"}) == ()


def test_every_class_of_the_reference_is_read_without_raising() -> None:
    for frame_class in FrameClass:
        for body in ({}, "text", None, [1]):
            frame = _codec.parse_frame(_frame(frame_class, body))
            assert isinstance(frame, _codec.ServerFrame)
            assert isinstance(_codec.events_of(frame), list)


# -- attachments --------------------------------------------------------------------------------


def _session(**overrides: Any) -> Any:
    body = {
        "connected": True,
        "allowedMedia": {
            "inbound": {"fileTypes": [{"type": "image/*"}, {"type": "application/pdf"}]},
        },
        "blockedExtensions": [".exe"],
        **overrides,
    }
    return _codec.session_info(body)


def test_attachments_checked_against_the_session() -> None:
    session = _session()
    assert _codec.check_attachment("photo.PNG", 10, None, session) == "image/png"
    assert _codec.check_attachment("report.pdf", 10, None, session) == "application/pdf"
    refusals = [
        (("notes.txt", 10, None), 4001, "does not take text/plain"),
        (("run.EXE", 10, "image/png"), 4001, "refuses 'EXE' files"),
        (("empty.png", 0, None), 4102, "empty"),
        (("noextension", 10, None), 4004, "no extension"),
        (("a/b.png", 10, None), 4004, "plain file name"),
        (("x" * 1024 + ".png", 10, None), 4005, "under 1024"),
        (("huge.png", 10_240_001, None), 4002, "at most 10240000"),
    ]
    for (name, size, kind), code, message in refusals:
        with pytest.raises(AttachmentRefusedError, match=message) as refused:
            _codec.check_attachment(name, size, kind, session)
        assert refused.value.code == code
    small = _session(allowedMedia={"inbound": {"fileTypes": [{"type": "*/*"}], "maxFileSizeKB": 1}})
    assert _codec.check_attachment("a.bin", 1000, None, small) == "application/octet-stream"
    with pytest.raises(AttachmentRefusedError, match="at most 1000"):
        _codec.check_attachment("a.bin", 1001, None, small)


def test_presigned_url_answers() -> None:
    link = _codec.attachment_link(
        {"attachmentId": "a", "url": "http://x.test/u?sig=1", "headers": {"x-amz-tagging": "t"}}
    )
    assert link.attachment_id == "a" and link.headers == {"x-amz-tagging": "t"}
    assert link.file_size is None


def test_the_health_check_answer_renews_the_expiry() -> None:
    session = _codec.session_info({"connected": True, "expirationDate": 100, "durationSeconds": 5})
    answer = {"id": "x", "metadata": {"durationSeconds": "60", "expirationDate": "1796420000"}}
    renewed = _codec.renewed(session, answer)
    assert renewed.expires_at == datetime.fromtimestamp(1796420000, UTC)
    assert renewed.duration_seconds == 60
    assert _codec.renewed(session, {"metadata": {"expirationDate": "soon"}}) == session
    assert _codec.renewed(session, "junk") == session
