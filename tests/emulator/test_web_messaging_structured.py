"""Structured content over the Web Messaging door: what the echo agent, a script and the control
API send (quick replies, cards, carousels, list and date pickers), and the guest's button
answers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx2
import pytest

from purecloud_guest_chat_client.emulator import AsyncControlClient, LocalService
from purecloud_guest_chat_client.emulator.structured_content import ECHO_EXAMPLES

from ..helpers import WAIT
from .test_web_messaging_frames import conforms
from .web_messaging_guest import (
    DEPLOYMENT,
    conversations_of,
    is_outbound_text,
    of_class,
    until,
    web_guest,
)

QUICK_REPLIES = [
    {"contentType": "QuickReply", "quickReply": {"text": "Small", "payload": "small"}},
    {"contentType": "QuickReply", "quickReply": {"text": "Large", "payload": "large"}},
]


def _answer(text: str, payload: str, kind: str = "QuickReply") -> dict[str, Any]:
    return {
        "contentType": "ButtonResponse",
        "buttonResponse": {"text": text, "payload": payload, "type": kind},
    }


@pytest.mark.parametrize("name", sorted(ECHO_EXAMPLES))
async def test_the_echo_agent_sends_the_content_its_convention_names(
    service: LocalService, name: str
) -> None:
    async with web_guest(service) as guest:
        await guest.say(f"  {name.title()} ")
        reply = await guest.wait_for(is_outbound_text)
        body = reply["body"]
        assert body["type"] == "Structured" and body["text"] == f"You said:   {name.title()} "
        assert body["content"] == ECHO_EXAMPLES[name]
        assert body["originatingEntity"] == "Bot"
        assert conforms(reply), reply
        await guest.say("plain words")
        plain = await guest.wait_for(is_outbound_text)
        assert plain["body"]["type"] == "Text" and "content" not in plain["body"]


@pytest.fixture
def manual(service_factory: Callable[..., LocalService]) -> LocalService:
    return service_factory(agent="manual")


@pytest.fixture
async def http(manual: LocalService) -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(base_url=manual.control_url, timeout=WAIT) as client:
        yield client


async def test_the_control_api_sends_content_to_the_guest(
    manual: LocalService, http: httpx2.AsyncClient
) -> None:
    async with web_guest(manual) as guest, AsyncControlClient(manual.control_url) as control:
        chats = await until(lambda: conversations_of(control, DEPLOYMENT), "the conversation")
        cid = chats[0]["id"]
        agent = await control.join_agent(cid, "Alice")
        path = f"/conversations/{cid}/members/{agent['id']}/messages"
        sent = await http.post(path, json={"body": "Which size?", "content": QUICK_REPLIES})
        assert sent.status_code == 200, sent.text
        reply = await guest.wait_for(is_outbound_text)
        assert reply["body"]["type"] == "Structured" and reply["body"]["text"] == "Which size?"
        assert reply["body"]["content"] == QUICK_REPLIES
        assert reply["body"]["id"] == sent.json()["id"]
        # The agent side and a Guest Chat reader see the text.
        stored = (await control.conversation(cid))["messages"][-1]
        assert stored["body"] == "Which size?" and stored["bodyType"] == "standard"


@pytest.mark.parametrize(
    ("content", "named"),
    [
        ([], "content"),
        ("quick", "content"),
        ([{"contentType": "Hologram", "hologram": {}}], "content[0].contentType"),
        ([{"contentType": "QuickReply", "quickReply": {"text": "x"}}], "payload"),
        ([{"contentType": "Card", "card": {"title": "t", "actions": [{"type": "Jump"}]}}], "type"),
        ([{"contentType": "QuickReply", "quickReply": {"text": 1, "payload": "p"}}], "text"),
        (
            [{"contentType": "QuickReply", "quickReply": {"text": "a", "payload": "b"}, "x": 1}],
            "unknown",
        ),
    ],
)
async def test_bad_content_refused_with_the_field_named_and_nothing_sent(
    manual: LocalService, http: httpx2.AsyncClient, content: Any, named: str
) -> None:
    async with web_guest(manual) as guest, AsyncControlClient(manual.control_url) as control:
        chats = await until(lambda: conversations_of(control, DEPLOYMENT), "the conversation")
        cid = chats[0]["id"]
        agent = await control.join_agent(cid, "Alice")
        before = (await control.conversation(cid))["messageCount"]
        path = f"/conversations/{cid}/members/{agent['id']}/messages"
        refused = await http.post(path, json={"body": "Pick", "content": content})
        assert refused.status_code == 400
        assert named in refused.json()["message"]
        assert (await control.conversation(cid))["messageCount"] == before
        await guest.say("still fine", "t")
        assert (await guest.wait_for(of_class("StructuredMessage")))["tracingId"] == "t"


async def test_a_script_rule_sends_its_content(
    service_factory: Callable[..., LocalService], tmp_path: Path
) -> None:
    script = tmp_path / "bot.toml"
    script.write_text(
        """
[[rules]]
match = "(?i)size"
reply = "Which size?"
content = [{contentType = "QuickReply", quickReply = {text = "Small", payload = "small"}}]

[[rules]]
match = ".*"
reply = "Noted: {text}"
""",
        encoding="utf-8",
    )
    service = service_factory(agent=f"script:{script}")
    async with web_guest(service) as guest:
        await guest.say("what size is it?")
        reply = await guest.wait_for(is_outbound_text)
        assert reply["body"]["content"] == [QUICK_REPLIES[0]]
        await guest.say("thanks")
        plain = await guest.wait_for(is_outbound_text)
        assert plain["body"]["text"] == "Noted: thanks" and "content" not in plain["body"]


def test_a_script_with_bad_content_is_refused(
    service_factory: Callable[..., LocalService], tmp_path: Path
) -> None:
    script = tmp_path / "bot.toml"
    script.write_text(
        '[[rules]]\nmatch = ".*"\nreply = "x"\ncontent = [{contentType = "Nope"}]\n',
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="rule 0 content"):
        service_factory(agent=f"script:{script}")


@pytest.mark.parametrize(
    ("message_type", "text"),
    [("Text", ""), ("Structured", "Small")],
    ids=["empty-text-answer", "structured-answer"],
)
async def test_a_button_answer_is_stored_as_its_text_and_echoed_with_its_content(
    service: LocalService, message_type: str, text: str
) -> None:
    answer = _answer("Small", "small")
    async with web_guest(service) as guest, AsyncControlClient(service.control_url) as control:
        await guest.send(
            "onMessage",
            message={"type": message_type, "text": text, "content": [answer]},
            tracingId="button",
        )
        echo = await guest.wait_for(lambda f: f.get("tracingId") == "button")
        assert echo["class"] == "StructuredMessage" and echo["body"]["direction"] == "Inbound"
        assert echo["body"]["type"] == message_type and echo["body"]["content"] == [answer]
        assert conforms(echo), echo
        reply = await guest.wait_for(is_outbound_text)
        assert reply["body"]["text"] == "You said: Small"
        chat = (await conversations_of(control, DEPLOYMENT))[0]
        texts = [m["body"] for m in (await control.conversation(chat["id"]))["messages"]]
        assert "Small" in texts


async def test_a_payload_only_answer_is_stored_as_its_payload(manual: LocalService) -> None:
    answer = {
        "contentType": "ButtonResponse",
        "buttonResponse": {"payload": "2030-01-07T09:00:00.000Z", "type": "DatePicker"},
    }
    async with web_guest(manual) as guest, AsyncControlClient(manual.control_url) as control:
        await guest.send("onMessage", message={"type": "Text", "content": [answer]}, tracingId="d")
        echo = await guest.wait_for(lambda f: f.get("tracingId") == "d")
        assert "text" not in echo["body"] and echo["body"]["content"] == [answer]
        chat = (await conversations_of(control, DEPLOYMENT))[0]
        texts = [m["body"] for m in (await control.conversation(chat["id"]))["messages"]]
        assert "2030-01-07T09:00:00.000Z" in texts


@pytest.mark.parametrize(
    "content",
    [
        "a string",
        [{"contentType": "ButtonResponse"}],
        [{"contentType": "ButtonResponse", "buttonResponse": {"type": "QuickReply"}}],
        [{"contentType": "ButtonResponse", "buttonResponse": {"text": 3, "payload": "p"}}],
    ],
)
async def test_bad_button_answers_refused(manual: LocalService, content: Any) -> None:
    async with web_guest(manual) as guest:
        await guest.send("onMessage", message={"type": "Structured", "content": content})
        refused = await guest.next()
        assert refused["class"] == "string" and refused["code"] == 400
