"""Paging, media requests, heartbeats and ping, fault injection, configuration and scripts."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from pathlib import Path

import httpx2
import pytest
import websockets

from purecloud_guest_chat_client.emulator import AsyncControlClient, ControlError, LocalService
from purecloud_guest_chat_client.emulator.routes_web_messaging_rest import WEB_MESSAGING_REST

from ..helpers import API, WAIT, Guest, NewGuest, create_body, is_channel, is_message

JSON_HEADERS = {"Content-Type": "application/json"}


async def _manual_chat(service: LocalService, http: httpx2.AsyncClient) -> Guest:
    guest = Guest(http, (await http.post(API, json=create_body())).json())
    stream = await guest.connect()
    await stream.wait_for(lambda f: is_message(f, "member-join", sender=guest.member_id))
    return guest


async def test_message_paging(service_factory: Callable[..., LocalService]) -> None:
    service = service_factory(agent="manual")
    async with httpx2.AsyncClient(base_url=service.base_url) as http:
        guest = await _manual_chat(service, http)
        for n in range(7):
            assert (await guest.send(f"m{n}")).status_code == 200
        everything = (await guest.request("GET", "/messages")).json()["entities"]
        ids = [m["id"] for m in everything]
        assert [m["body"] for m in everything if m["bodyType"] == "standard"] == [
            f"m{n}" for n in range(7)
        ]
        collected: list[str] = []
        params: dict[str, str] = {"maxResults": "3"}
        while True:
            page = (await guest.request("GET", "/messages", params=params)).json()
            assert page["pageSize"] == 3
            collected += [m["id"] for m in page["entities"]]
            if "next" not in page:
                break
            params = {"maxResults": "3", "after": page["next"]}
        assert collected == ids
        backwards: list[str] = []
        params = {"maxResults": "3", "sortOrder": "descending"}
        while True:
            page = (await guest.request("GET", "/messages", params=params)).json()
            backwards += [m["id"] for m in page["entities"]]
            if "next" not in page:
                break
            params = {"maxResults": "3", "sortOrder": "descending", "before": page["next"]}
        assert backwards == ids[::-1]
        middle = (
            await guest.request("GET", "/messages", params={"after": ids[1], "before": ids[5]})
        ).json()
        assert [m["id"] for m in middle["entities"]] == ids[2:5]
        last = (await guest.request("GET", "/messages", params={"after": ids[-1]})).json()
        assert last["entities"] == [] and "next" not in last
        older = (
            await guest.request("GET", "/messages", params={"before": ids[3], "maxResults": "2"})
        ).json()
        assert [m["id"] for m in older["entities"]] == ids[1:3]
        assert older["previousPage"] == ids[1]
        message = await guest.request("GET", f"/messages/{ids[-1]}")
        assert message.json()["body"] == "m6"


async def test_member_paging(service_factory: Callable[..., LocalService]) -> None:
    service = service_factory(agent="manual")
    async with (
        httpx2.AsyncClient(base_url=service.base_url) as http,
        AsyncControlClient(service.control_url) as control,
    ):
        guest = await _manual_chat(service, http)
        await control.join_agent(guest.id, "Alice")
        await control.transfer(guest.id, "Bob")
        page = (await guest.request("GET", "/members", params={"pageSize": "2"})).json()
        assert page["total"] == 4 and page["pageCount"] == 2 and page["pageNumber"] == 1
        assert len(page["entities"]) == 2 and "previousUri" not in page
        assert page["nextUri"].endswith("pageSize=2&pageNumber=2")
        second = (await http.get(page["nextUri"], headers=guest.headers)).json()
        assert second["pageNumber"] == 2 and "nextUri" not in second
        assert second["previousUri"] == page["firstUri"]
        connected = (
            await guest.request("GET", "/members", params={"excludeDisconnectedMembers": "true"})
        ).json()
        assert {m["displayName"] for m in connected["entities"]} == {"Ada Guest", "Bob"}
        beyond = (await guest.request("GET", "/members", params={"pageNumber": "9"})).json()
        assert beyond["entities"] == []


async def test_media_requests(service_factory: Callable[..., LocalService]) -> None:
    service = service_factory(agent="manual")
    async with (
        httpx2.AsyncClient(base_url=service.base_url) as http,
        AsyncControlClient(service.control_url) as control,
    ):
        guest = await _manual_chat(service, http)
        with pytest.raises(ControlError) as no_agent:
            await control.media_request(guest.id, ["COBROWSE"])
        assert no_agent.value.code == "chat.error.member.state"
        await control.join_agent(guest.id, "Alice")
        with pytest.raises(ControlError):
            await control.media_request(guest.id, ["FAX"])
        created = await control.media_request(guest.id, ["COBROWSE"])
        assert created["state"] == "PENDING"
        frame = await guest.streams[0].wait_for(lambda f: is_message(f, "media-request"))
        assert json.loads(frame["eventBody"]["body"])["id"] == created["id"]
        listing = (await guest.request("GET", "/mediarequests")).json()
        assert [r["id"] for r in listing["entities"]] == [created["id"]]
        path = f"/mediarequests/{created['id']}"
        bad = await guest.request("PATCH", path, json={"state": "TIMEDOUT", "types": ["COBROWSE"]})
        assert bad.status_code == 400 and bad.json()["code"] == "invalid.value"
        for state in ("MAYBE", ["ACCEPTED"], {"state": "ACCEPTED"}, 5):
            unknown = await guest.request("PATCH", path, json={"state": state})
            assert unknown.status_code == 400 and unknown.json()["code"] == "invalid.value"
        accepted = await guest.request("PATCH", path, json={"state": "ACCEPTED"})
        assert accepted.status_code == 200 and accepted.json()["state"] == "ACCEPTED"
        assert accepted.json()["communicationId"]
        again = await guest.request("PATCH", path, json={"state": "DECLINED"})
        assert again.status_code == 400
        fetched = (await guest.request("GET", path)).json()
        assert fetched["state"] == "ACCEPTED"


async def test_heartbeat_and_ping(service_factory: Callable[..., LocalService]) -> None:
    service = service_factory(agent="manual", heartbeat_seconds=0.2)
    async with httpx2.AsyncClient(base_url=service.base_url) as http:
        guest = await _manual_chat(service, http)
        stream = guest.streams[0]
        heartbeat = await stream.wait_for(lambda f: is_channel(f, "WebSocket Heartbeat"))
        assert "metadata" not in heartbeat
        await stream.ws.send(json.dumps({"message": "ping"}))
        await stream.wait_for(lambda f: is_channel(f, "pong"))
        await stream.ws.send("not json")  # ignored, the stream stays open
        await stream.ws.send(json.dumps({"message": "ping"}))
        await stream.wait_for(lambda f: is_channel(f, "pong"))


async def test_fault_injection(service_factory: Callable[..., LocalService]) -> None:
    service = service_factory(agent="manual", heartbeat_seconds=0.2)
    async with (
        httpx2.AsyncClient(base_url=service.base_url) as http,
        AsyncControlClient(service.control_url) as control,
    ):
        guest = await _manual_chat(service, http)
        await control.set_faults(
            errors=[{"status": 503, "count": 2, "method": "POST", "pathContains": "/messages",
                     "retryAfter": 1}]
        )  # fmt: skip
        for _ in range(2):
            failed = await guest.send("lost")
            assert failed.status_code == 503 and failed.headers["Retry-After"] == "1"
            assert failed.json()["contextId"] == failed.headers["inin-correlation-id"]
        assert (await guest.send("kept")).status_code == 200
        bodies = [m["body"] for m in (await guest.request("GET", "/messages")).json()["entities"]]
        assert "lost" not in bodies and "kept" in bodies

        await control.set_faults(rawFrames={"conversationId": guest.id, "frames": ["not json"]})
        stream = guest.streams[0]
        while (await asyncio.wait_for(stream.ws.recv(), 5)) != "not json":
            pass

        await control.set_faults(silence={"conversationId": guest.id})
        await stream.ws.send(json.dumps({"message": "ping"}))
        with pytest.raises(asyncio.TimeoutError):
            await stream.wait_for(lambda f: f.get("topicName") == "channel.metadata", 0.6)
        assert (await control.faults())["silence"] == [guest.id]
        await control.clear_faults()
        await stream.wait_for(lambda f: is_channel(f, "WebSocket Heartbeat"))

        await control.set_faults(dropStreams={"conversationId": guest.id, "count": 1})
        with pytest.raises(websockets.ConnectionClosedError):
            await stream.next()
        assert stream.ws.close_code == 1006
        dropped_again = await guest.connect()
        with pytest.raises(websockets.ConnectionClosedError):
            while True:
                await dropped_again.next()
        survivor = await guest.connect()
        await survivor.ws.send(json.dumps({"message": "ping"}))
        await survivor.wait_for(lambda f: is_channel(f, "pong"))

        with pytest.raises(ControlError):
            await control.set_faults(bogus=1)


async def test_latency_fault_still_answers(
    new_guest: NewGuest, acontrol: AsyncControlClient
) -> None:
    guest = await new_guest()
    await acontrol.set_faults(latencyMs=50)
    assert (await acontrol.faults())["latencyMs"] == 50
    assert (await guest.request("GET", "/messages")).status_code == 200


async def test_workflow_greeting(service_factory: Callable[..., LocalService]) -> None:
    service = service_factory(workflow_greeting="Welcome to support")
    async with httpx2.AsyncClient(base_url=service.base_url) as http:
        guest = Guest(http, (await http.post(API, json=create_body())).json())
        stream = await guest.connect()
        greeting = await stream.wait_for(lambda f: is_message(f, "standard"))
        assert greeting["eventBody"]["body"] == "Welcome to support"
        workflow_id = greeting["eventBody"]["sender"]["id"]
        member = (await guest.request("GET", f"/members/{workflow_id}")).json()
        assert member["role"] == "WORKFLOW"
        await stream.wait_for(lambda f: is_message(f, "member-leave", sender=workflow_id))
        await guest.routed(stream)


async def test_config_file_and_script_agent(
    service_factory: Callable[..., LocalService], tmp_path: Path
) -> None:
    config = tmp_path / "centre.toml"
    config.write_text(
        """
[[organizations]]
id = "org-1"

[[deployments]]
id = "dep-1"
allowedOrigins = ["https://shop.test"]

[[deployments]]
id = "off"
enabled = false

[[deployments]]
id = "auth"
requiresAuth = true
authTokens = ["good"]

[[queues]]
name = "Support"
agents = ["Grace"]
"""
    )
    script = tmp_path / "agent.json"
    script.write_text(
        json.dumps({"rules": [{"match": "(?i)hours", "reply": "9 to 5"},
                              {"match": ".*", "reply": "Echo: {text}"}]})
    )  # fmt: skip
    service = service_factory(config_file=config, agent=f"script:{script}")
    shop = {"Origin": "https://shop.test"}
    async with httpx2.AsyncClient(base_url=service.base_url) as http:
        cases = [
            (create_body(), {}, 403, "origin.not.allowed"),
            (create_body(organizationId="x"), shop, 400, "invalid.value"),
            (create_body(deploymentId="off"), {}, 400, "chat.deployment.disabled"),
            (create_body(deploymentId="auth"), {}, 400, "chat.deployment.require.auth"),
            (create_body(deploymentId="auth", memberAuthToken="bad"), {}, 400,
             "chat.deployment.bad.auth"),
            (create_body(routingTarget={"targetType": "QUEUE", "targetAddress": "Sales"}), shop,
             400, "chat.error.invalid.queue"),
        ]  # fmt: skip
        for body, headers, status, code in cases:
            response = await http.post(API, json=body, headers=headers)
            assert (response.status_code, response.json()["code"]) == (status, code)
        authed = await http.post(API, json=create_body(deploymentId="auth", memberAuthToken="good"))
        assert authed.json()["member"]["authenticatedGuest"] is True
        guest = Guest(http, (await http.post(API, json=create_body(), headers=shop)).json())
        stream, agent_id = await guest.routed()
        agent = (await guest.request("GET", f"/members/{agent_id}")).json()
        assert agent["displayName"] == "Grace"
        await guest.send("What are your hours?")
        reply = await stream.wait_for(lambda f: is_message(f, "standard", sender=agent_id))
        assert reply["eventBody"]["body"] == "9 to 5"
        await guest.send("hello")
        reply = await stream.wait_for(lambda f: is_message(f, "standard", sender=agent_id))
        assert reply["eventBody"]["body"] == "Echo: hello"


def test_bad_settings_are_named(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="agent"):
        LocalService(agent="robot")
    with pytest.raises(ValueError, match="unknown service setting"):
        LocalService(colour="blue")
    with pytest.raises(ValueError, match="heartbeat_seconds"):
        LocalService(heartbeat_seconds=0)
    broken = tmp_path / "broken.toml"
    broken.write_text("[[queues]]\nname = 5\n")
    with pytest.raises(ValueError, match="name"):
        LocalService(port=0, config_file=broken).start()


async def test_guest_removed_after_grace(service_factory: Callable[..., LocalService]) -> None:
    service = service_factory(agent="manual", guest_grace_seconds=0.3)
    async with httpx2.AsyncClient(base_url=service.base_url) as http:
        guest = await _manual_chat(service, http)
        await guest.streams[0].close()
        for _ in range(100):
            member = (await guest.request("GET", f"/members/{guest.member_id}")).json()
            if member["state"] == "DISCONNECTED":
                break
            await asyncio.sleep(0.05)
        assert member["state"] == "DISCONNECTED"
        assert (await guest.send("back")).json()["code"] == "chat.error.conversation.state"
        late = await guest.connect()
        assert await late.closed() == 1001


async def test_openapi_document(http: httpx2.AsyncClient) -> None:
    document = (await http.get("/openapi.json")).json()
    assert document["openapi"].startswith("3.")
    assert API + "/{conversationId}/messages" in document["paths"]
    assert "/emulator/v1/faults" in document["paths"]
    assert "WebChatMessage" in document["components"]["schemas"]


async def test_every_operation_of_the_document_is_served(http: httpx2.AsyncClient) -> None:
    """The document is built from the routes the service mounts: each of its operations, with
    made-up ids, reaches a handler (which refuses it), never the unknown-resource answer."""
    document = (await http.get("/openapi.json")).json()
    operations = [
        (method.upper(), re.sub(r"\{\w+\}", "x", path))
        for path, described in document["paths"].items()
        for method in described
    ]
    assert len(operations) == 23 + len(WEB_MESSAGING_REST)  # guest and control, Web Messaging
    for method, path in operations:
        response = await http.request(method, path, content=b"[]", headers=JSON_HEADERS)
        assert response.status_code != 405, (method, path)
        assert not response.json().get("message", "").startswith("No resource"), (method, path)


async def test_logs_one_line_per_request_without_the_token(
    new_guest: NewGuest, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")
    guest = await new_guest()
    await guest.routed()
    await guest.request("GET", "/messages")
    line = f"GET {API}/{guest.id}/messages 200"
    # The service logs a request once its response is sent, so the line may trail the response.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while line not in caplog.text and loop.time() < deadline:
        await asyncio.sleep(0.01)
    text = caplog.text
    assert line in text
    assert guest.jwt not in text
    assert "/v1/token/<redacted>" in text
