"""Every frame the Web Messaging door sends has the field names and types of the protocol
reference (sections 3, 5 and 11): a session played through every frame class the service emits,
and each frame checked against the reference's field lists. The service adds no field of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx2
import pytest

from purecloud_guest_chat_client.emulator import AsyncControlClient, LocalService
from purecloud_guest_chat_client.emulator.structured_content import ECHO_EXAMPLES
from purecloud_guest_chat_client.models.web_messaging_protocol import (
    HEALTH_CHECKS_PER_CONNECTION_PER_MINUTE,
    MESSAGES_PER_SECOND,
    TOKEN_EXCHANGE_PATH,
)

from ..helpers import WAIT
from .web_messaging_guest import (
    DEPLOYMENT,
    Frame,
    conversations_of,
    is_outbound_event,
    is_outbound_text,
    of_class,
    until,
    web_guest,
)

Check = Callable[[Any], bool]


def _str(value: Any) -> bool:
    return isinstance(value, str)


def _bool(value: Any) -> bool:
    return isinstance(value, bool)


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> bool:
    return _int(value) or isinstance(value, float)


def _one_of(*choices: str) -> Check:
    return lambda value: value in choices


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _string_map(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    )


def _object(fields: dict[str, Check], required: frozenset[str] = frozenset()) -> Check:
    """An object holding only these fields, each of its type, and the required ones."""

    def check(value: Any) -> bool:
        if not isinstance(value, dict) or not required <= value.keys():
            return False
        return all(key in fields and fields[key](item) for key, item in value.items())

    return check


def _list_of(check: Check) -> Check:
    return lambda value: isinstance(value, list) and all(check(item) for item in value)


# Section 5.1.
_ALLOWED_MEDIA = _object(
    {"inbound": _object({"fileTypes": _list_of(_object({"type": _str})), "maxFileSizeKB": _number})}
)
SESSION_RESPONSE = _object(
    {
        "connected": _bool,
        "newSession": _bool,
        "readOnly": _bool,
        "clearedExistingSession": _bool,
        "allowedMedia": _ALLOWED_MEDIA,
        "blockedExtensions": _strings,
        "maxCustomDataBytes": _number,
        "durationSeconds": _number,
        "expirationDate": _number,
        "autoStarted": _bool,
    },
    frozenset({"connected", "newSession"}),
)

# Section 11: content items, each ``{contentType, <camelCase of contentType>: {...}}``.
_QUICK_REPLY = _object(
    {"text": _str, "payload": _str, "action": _str, "image": _str, "summaryText": _str},
    frozenset({"text", "payload"}),
)
_ACTION = _object(
    {"type": _one_of("Link", "Postback"), "text": _str, "url": _str, "payload": _str},
    frozenset({"type", "text"}),
)
_CARD = _object(
    {
        "title": _str,
        "description": _str,
        "image": _str,
        "video": _str,
        "defaultAction": _ACTION,
        "actions": _list_of(_ACTION),
    },
    frozenset({"title", "actions"}),
)
_DATE_PICKER = _object(
    {
        "title": _str,
        "subtitle": _str,
        "imageUrl": _str,
        "dateMinimum": _str,
        "dateMaximum": _str,
        "dateDisplayFormat": _str,
        "location": _object({}),
        "availableTimes": _list_of(_object({"dateTime": _str, "duration": _number})),
    },
    frozenset({"availableTimes"}),
)
_LIST_PICKER = _object(
    {
        "id": _str,
        "receivedMessage": _str,
        "replyMessage": _str,
        "sections": _list_of(
            _object(
                {
                    "title": _str,
                    "multipleSelection": _bool,
                    "items": _list_of(
                        _object(
                            {"id": _str, "title": _str, "subtitle": _str, "imageUrl": _str},
                            frozenset({"id", "title"}),
                        )
                    ),
                }
            )
        ),
    },
    frozenset({"receivedMessage", "replyMessage", "sections"}),
)
_BUTTON_RESPONSE = _object(
    {"text": _str, "payload": _str, "type": _str, "originatingMessageId": _str},
    frozenset({"type"}),
)
CONTENT_ITEMS: dict[str, tuple[str, Check]] = {
    "QuickReply": ("quickReply", _QUICK_REPLY),
    "Card": ("card", _CARD),
    "Carousel": ("carousel", _object({"cards": _list_of(_CARD)}, frozenset({"cards"}))),
    "DatePicker": ("datePicker", _DATE_PICKER),
    "ListPicker": ("listPicker", _LIST_PICKER),
    "ButtonResponse": ("buttonResponse", _BUTTON_RESPONSE),
}


def _content_item(value: Any) -> bool:
    if not isinstance(value, dict) or value.get("contentType") not in CONTENT_ITEMS:
        return False
    key, check = CONTENT_ITEMS[value["contentType"]]
    return set(value) == {"contentType", key} and check(value[key])


# Sections 7 and 8: the events of an Event message.
def _event(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    if value.get("eventType") == "Typing":
        typing = _object({"type": _one_of("On", "Off"), "duration": _number}, frozenset({"type"}))
        return set(value) == {"eventType", "typing"} and typing(value["typing"])
    if value.get("eventType") == "Presence":
        presence = _object(
            {"type": _one_of("Join", "Clear", "Disconnect", "SignIn")}, frozenset({"type"})
        )
        return set(value) == {"eventType", "presence"} and presence(value["presence"])
    return False


# Section 5.2.
_PARTY = _object({"nickname": _str, "image": _str, "firstName": _str, "lastName": _str})
STRUCTURED_MESSAGE = _object(
    {
        "id": _str,
        "type": _one_of("Text", "Structured", "Event"),
        "direction": _one_of("Inbound", "Outbound"),
        "text": _str,
        "channel": _object(
            {
                "time": _str,
                "messageId": _str,
                "type": _one_of("Private", "Public"),
                "from": _PARTY,
                "to": _PARTY,
            }
        ),
        "content": _list_of(_content_item),
        "events": _list_of(_event),
        "metadata": _string_map,
        "originatingEntity": _one_of("Human", "Bot"),
        "originatingMessageId": _str,
    },
    frozenset({"id", "type", "direction"}),
)

# Section 5.3 (and 4.8).
BODIES: dict[str, Check] = {
    "SessionResponse": SESSION_RESPONSE,
    "StructuredMessage": STRUCTURED_MESSAGE,
    "string": _str,
    "TooManyRequestsErrorMessage": _object(
        {"retryAfter": _int, "errorCode": _int, "errorMessage": _str},
        frozenset({"retryAfter", "errorCode", "errorMessage"}),
    ),
    "ConnectionClosedEvent": _object({"reason": _str}),
    "SessionExpiredEvent": _object({}),
    "SessionClearedEvent": _object({}),
    "GetConfigurationResponse": _object(
        {
            "allowedMedia": _ALLOWED_MEDIA,
            "blockedExtensions": _strings,
            "maxCustomDataBytes": _number,
            "messageRoutingEnabled": _bool,
            "sessionDurationSeconds": _number,
        },
        frozenset({"allowedMedia", "maxCustomDataBytes", "messageRoutingEnabled"}),
    ),
}


def conforms(frame: Frame) -> bool:
    """The envelope of section 3 with a body of its class."""
    envelope = {"type", "class", "code", "body"}
    if not envelope <= frame.keys() or not frame.keys() <= envelope | {"tracingId"}:
        return False
    if frame["type"] not in ("response", "message") or not _int(frame["code"]):
        return False
    if "tracingId" in frame and not _str(frame["tracingId"]):
        return False
    check = BODIES.get(frame["class"])
    return check is not None and check(frame["body"])


@pytest.fixture
def manual(service_factory: Callable[..., LocalService]) -> LocalService:
    return service_factory(agent="manual")


@pytest.fixture
async def control(manual: LocalService) -> AsyncIterator[AsyncControlClient]:
    async with AsyncControlClient(manual.control_url) as client:
        yield client


async def test_every_frame_class_the_service_sends_matches_the_reference(
    manual: LocalService,
    control: AsyncControlClient,
    service_factory: Callable[..., LocalService],
) -> None:
    seen: list[Frame] = []
    async with web_guest(manual) as guest, web_guest(manual, guest.token) as other:
        chats = await until(lambda: conversations_of(control, DEPLOYMENT), "the conversation")
        cid = chats[0]["id"]
        agent = await control.join_agent(cid, "Alice")
        await guest.event({"eventType": "Presence", "presence": {"type": "Join"}}, "join")
        await guest.say("hello", "hello")
        await guest.send(
            "onMessage",
            message={
                "type": "Structured",
                "text": "Yes",
                "content": [
                    {
                        "contentType": "ButtonResponse",
                        "buttonResponse": {"text": "Yes", "payload": "yes", "type": "QuickReply"},
                    }
                ],
            },
        )
        await control.send(cid, agent["id"], "hi from Alice")
        await guest.wait_for(is_outbound_text)
        async with httpx2.AsyncClient(base_url=manual.control_url, timeout=WAIT) as http:
            for name, content in ECHO_EXAMPLES.items():
                path = f"/conversations/{cid}/members/{agent['id']}/messages"
                sent = await http.post(path, json={"body": name, "content": content})
                assert sent.status_code == 200, sent.text
                structured = await guest.wait_for(is_outbound_text)
                assert structured["body"]["content"] == content
        await control.typing(cid, agent["id"])
        await guest.wait_for(is_outbound_event("Typing", "On"))
        await guest.send("echo", message={"type": "Text", "text": "ping"}, tracingId="hc")
        await guest.send("getConfiguration", deploymentId=DEPLOYMENT)
        await guest.wait_for(of_class("GetConfigurationResponse"))
        await guest.say("x" * 5000)
        await guest.wait_for(of_class("string"))
        async with web_guest(manual) as hasty:  # its own session, so the rate is its own
            for n in range(MESSAGES_PER_SECOND + 1):
                await hasty.say(f"burst {n}")
            await hasty.wait_for(of_class("TooManyRequestsErrorMessage"))
            # The connection's health-check rate, then a step up (its Presence SignIn).
            for _ in range(HEALTH_CHECKS_PER_CONNECTION_PER_MINUTE + 1):
                await hasty.send("echo", message={"type": "Text", "text": "ping"}, tracingId="hc")
            await hasty.wait_for(of_class("TooManyRequestsErrorMessage"))
            async with httpx2.AsyncClient(base_url=manual.base_url, timeout=WAIT) as api:
                oauth = {"code": "Ada Lovelace", "redirectUri": "https://shop.test/in"}
                exchange = {"deploymentId": DEPLOYMENT, "oauth": oauth}
                signed = (await api.post(TOKEN_EXCHANGE_PATH, json=exchange)).json()
            await hasty.send(
                "configureAuthenticatedSession",
                deploymentId=DEPLOYMENT,
                data={"code": signed["jwt"]},
            )
            await hasty.wait_for(of_class("SessionResponse"))
            sign_in = {"eventType": "Presence", "presence": {"type": "SignIn"}}
            messages = [f["body"] for f in hasty.seen if f["class"] == "StructuredMessage"]
            assert any(body.get("events") == [sign_in] for body in messages)
            seen += hasty.seen
        await control.leave(cid, agent["id"], end=True)
        await guest.wait_for(is_outbound_event("Presence", "Disconnect"))
        await guest.send("closeSession", closeAllConnections=True)
        await guest.wait_for(lambda f: f["class"] == "SessionResponse")
        await other.closed()
        await guest.configure(startNew=True)
        await guest.event({"eventType": "Presence", "presence": {"type": "Clear"}})
        await guest.closed()
        seen += guest.seen + other.seen
    brief = service_factory(agent="manual", web_messaging_session_seconds=1)
    async with web_guest(brief) as expiring:

        async def expired() -> bool:
            await expiring.send("echo", message={"type": "Text", "text": "ping"})
            answer = await expiring.next()
            return bool(answer["class"] == "SessionExpiredEvent")

        await until(expired, "SessionExpiredEvent")
        seen += expiring.seen

    assert {frame["class"] for frame in seen} == set(BODIES)
    content_types = {
        item["contentType"]
        for frame in seen
        if frame["class"] == "StructuredMessage"
        for item in frame["body"].get("content", [])
    }
    assert content_types == set(CONTENT_ITEMS)
    wrong = [frame for frame in seen if not conforms(frame)]
    assert not wrong, wrong


def test_the_checker_refuses_renamed_and_retyped_fields() -> None:
    good = {
        "type": "response",
        "class": "SessionResponse",
        "code": 200,
        "body": {"connected": True, "newSession": False, "expirationDate": 1796420000},
    }
    assert conforms(good)
    assert not conforms({**good, "body": {**good["body"], "expirationDate": "1796420000"}})
    assert not conforms({**good, "body": {"connected": True, "new_session": False}})
    assert not conforms({**good, "extra": 1})
    assert not conforms({**good, "class": "Invented"})
