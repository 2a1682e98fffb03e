"""Structured content through the control API: what /openapi.json says the agent-send route takes
is what the service takes, bad content is an ErrorBody naming the field, the control clients
check content before sending it, and a Guest Chat guest, whose API has no content, reads the
text."""

from __future__ import annotations

import asyncio
import copy
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx2
import jsonschema_rs
import pytest

from purecloud_guest_chat_client.control_content import ContentError, ContentItem, check_content
from purecloud_guest_chat_client.emulator import AsyncControlClient, ControlClient, LocalService
from purecloud_guest_chat_client.emulator.structured_content import ECHO_EXAMPLES
from purecloud_guest_chat_client.models import ErrorBody

from ..helpers import WAIT, create_guest, is_message
from .web_messaging_guest import DEPLOYMENT, conversations_of, is_outbound_text, until, web_guest

AGENT_SEND = "/emulator/v1/conversations/{conversationId}/members/{agentId}/messages"
QUICK_REPLY: dict[str, Any] = {
    "contentType": "QuickReply",
    "quickReply": {"text": "Small", "payload": "small"},
}

# Content the service refuses, and the field its answer names: the document and the clients
# must refuse it too.
BAD_CONTENT: list[tuple[Any, str]] = [
    ([], "content"),
    ({"contentType": "QuickReply"}, "content"),
    ([{"contentType": "Hologram", "hologram": {}}], "content[0].contentType"),
    ([{"contentType": "QuickReply"}], "content[0].quickReply"),
    ([{"contentType": "QuickReply", "quickReply": {"text": "Small"}}], "payload"),
    ([{"contentType": "QuickReply", "quickReply": {"text": 1, "payload": "p"}}], "text"),
    ([{**QUICK_REPLY, "card": {}}], "content[0]"),
    ([{"contentType": "Card", "card": {"title": "t", "actions": [{"type": "Jump"}]}}], "type"),
    (
        [
            {
                "contentType": "Card",
                "card": {"title": "t", "actions": [{"type": "Link", "text": "x"}]},
            }
        ],
        "url",
    ),
    ([{"contentType": "Carousel", "carousel": {"cards": []}}], "cards"),
    (
        [
            {
                "contentType": "DatePicker",
                "datePicker": {"availableTimes": [{"dateTime": "2030-01-07", "duration": "1h"}]},
            }
        ],
        "duration",
    ),
    (
        [
            {
                "contentType": "ListPicker",
                "listPicker": {
                    "receivedMessage": "Pick",
                    "replyMessage": "Thanks",
                    "sections": [{"title": "Sizes", "items": [{"id": "s"}]}],
                },
            }
        ],
        "title",
    ),
]
BAD_IDS = [f"{named}-{index}" for index, (_, named) in enumerate(BAD_CONTENT)]


@pytest.fixture
def manual(service_factory: Callable[..., LocalService]) -> LocalService:
    return service_factory(agent="manual")


@pytest.fixture
async def control_http(manual: LocalService) -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(base_url=manual.control_url, timeout=WAIT) as client:
        yield client


@pytest.fixture
async def request_schema(manual: LocalService) -> Any:
    """A validator of the agent-send body, as /openapi.json describes it."""
    async with httpx2.AsyncClient(base_url=manual.base_url, timeout=WAIT) as http:
        document = (await http.get("/openapi.json")).json()
    operation = document["paths"][AGENT_SEND]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    # The references point into the document's components, carried along with the schema.
    return jsonschema_rs.Draft202012Validator({**schema, "components": document["components"]})


async def _agent_on_web_chat(control: AsyncControlClient) -> tuple[str, str]:
    chats = await until(lambda: conversations_of(control, DEPLOYMENT), "the conversation")
    agent = await control.join_agent(chats[0]["id"], "Alice")
    return chats[0]["id"], agent["id"]


@pytest.mark.parametrize("name", sorted(ECHO_EXAMPLES))
async def test_each_kind_the_document_describes_reaches_a_web_messaging_guest(
    manual: LocalService, request_schema: Any, name: str
) -> None:
    content = copy.deepcopy(ECHO_EXAMPLES[name])
    request_schema.validate({"body": "Pick one", "content": content})
    assert check_content(content) == content
    async with web_guest(manual) as guest, AsyncControlClient(manual.control_url) as control:
        cid, agent_id = await _agent_on_web_chat(control)
        sent = await control.send(cid, agent_id, "Pick one", content=content)
        reply = await guest.wait_for(is_outbound_text)
    assert reply["body"]["type"] == "Structured" and reply["body"]["text"] == "Pick one"
    assert reply["body"]["content"] == content
    assert reply["body"]["id"] == sent["id"]


@pytest.mark.parametrize(("content", "named"), BAD_CONTENT, ids=BAD_IDS)
async def test_bad_content_is_refused_alike_by_the_document_the_service_and_the_client(
    manual: LocalService,
    control_http: httpx2.AsyncClient,
    request_schema: Any,
    content: Any,
    named: str,
) -> None:
    assert not request_schema.is_valid({"body": "Pick", "content": content})
    with pytest.raises(ContentError, match=re.escape(named)):
        check_content(content)
    async with web_guest(manual), AsyncControlClient(manual.control_url) as control:
        cid, agent_id = await _agent_on_web_chat(control)
        before = (await control.conversation(cid))["messageCount"]
        with pytest.raises(ContentError):
            await control.send(cid, agent_id, "Pick", content=content)
        path = f"/conversations/{cid}/members/{agent_id}/messages"
        refused = await control_http.post(path, json={"body": "Pick", "content": content})
        assert refused.status_code == 400
        error = ErrorBody.model_validate(refused.json())
        assert error.status == 400 and error.code == "bad.request"
        assert named in (error.message or "")
        assert error.context_id == refused.headers["inin-correlation-id"]
        assert (await control.conversation(cid))["messageCount"] == before


async def test_the_item_limit_is_the_services_and_comes_back_as_a_control_error(
    manual: LocalService, request_schema: Any
) -> None:
    eleven: list[ContentItem] = [QUICK_REPLY] * 11
    assert not request_schema.is_valid({"body": "Pick", "content": eleven})
    async with web_guest(manual), AsyncControlClient(manual.control_url) as control:
        cid, agent_id = await _agent_on_web_chat(control)
        with pytest.raises(Exception, match="at most 10") as refused:
            await control.send(cid, agent_id, "Pick", content=eleven)
    assert getattr(refused.value, "status", None) == 400


async def test_only_a_standard_message_carries_content(
    manual: LocalService, control_http: httpx2.AsyncClient, request_schema: Any
) -> None:
    notice = {"body": "Pick", "bodyType": "notice", "content": [QUICK_REPLY]}
    assert not request_schema.is_valid(notice)
    request_schema.validate({**notice, "content": None})
    async with web_guest(manual), AsyncControlClient(manual.control_url) as control:
        cid, agent_id = await _agent_on_web_chat(control)
        with pytest.raises(ValueError, match="only a standard message carries content"):
            await control.send(cid, agent_id, "Pick", "notice", content=[QUICK_REPLY])
        refused = await control_http.post(
            f"/conversations/{cid}/members/{agent_id}/messages", json=notice
        )
        assert refused.status_code == 400 and "standard" in refused.json()["message"]


async def test_a_guest_chat_guest_reads_the_text_of_a_message_with_content(
    manual: LocalService,
) -> None:
    """The Guest Chat API has no field for content: the guest gets the text as a standard
    message, and the agent side keeps the message as any other."""
    async with httpx2.AsyncClient(base_url=manual.base_url, timeout=WAIT) as http:
        guest = await create_guest(http)
        stream = await guest.connect()
        try:
            with ControlClient(manual.control_url) as control:
                agent = await asyncio.to_thread(control.join_agent, guest.id, "Alice")
                sent = await asyncio.to_thread(
                    lambda: control.send(
                        guest.id, agent["id"], "Which size?", content=[QUICK_REPLY]
                    )
                )
                frame = await stream.wait_for(
                    lambda f: is_message(f, "standard", sender=agent["id"])
                )
                assert frame["eventBody"]["body"] == "Which size?"
                assert frame["eventBody"]["id"] == sent["id"]
                assert "content" not in frame["eventBody"]
                listed = await http.get(guest.path("/messages"), headers=guest.headers)
                stored = [m for m in listed.json()["entities"] if m["id"] == sent["id"]]
                assert stored and stored[0]["body"] == "Which size?" and "content" not in stored[0]
        finally:
            await stream.close()


def test_the_sync_client_checks_content_before_sending(manual: LocalService) -> None:
    with ControlClient(manual.control_url) as control:
        # Made-up ids: a request that went out would be a 404, not a ContentError.
        with pytest.raises(ContentError, match=r"content\[0\]\.quickReply\.payload is required"):
            control.send(
                "no-chat",
                "no-agent",
                "Pick",
                content=[{"contentType": "QuickReply", "quickReply": {"text": "x"}}],
            )
        with pytest.raises(Exception, match="404") as missing:
            control.send("no-chat", "no-agent", "Pick", content=[QUICK_REPLY])
        assert getattr(missing.value, "status", None) == 404
