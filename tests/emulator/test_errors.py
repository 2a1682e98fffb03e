"""Every error the service reports: an ErrorBody with the documented code, never a 500."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import httpx2
import pytest
import websockets

from purecloud_guest_chat_client.emulator import (
    AsyncControlClient,
    ControlClient,
    ControlError,
    LocalService,
)

from ..helpers import API, Guest, NewGuest, create_body


def assert_error(response: httpx2.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code
    assert body["status"] == status
    assert body["contextId"] == response.headers["inin-correlation-id"]
    assert body["details"] == [] and body["errors"] == []
    # messageWithParams is the template that messageParams fill into message.
    assert body["messageWithParams"].format(**body["messageParams"]) == body["message"]


async def test_every_response_has_a_correlation_id(new_guest: NewGuest) -> None:
    guest = await new_guest()
    response = await guest.request("GET", f"/members/{guest.member_id}")
    assert response.status_code == 200
    assert response.headers["inin-correlation-id"]


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "authentication.required"),
        ({"Authorization": "Basic abc"}, "authentication.required"),
        ({"Authorization": "Bearer not-a-jwt"}, "bad.credentials"),
    ],
)
async def test_missing_or_malformed_token(
    new_guest: NewGuest, headers: dict[str, str], code: str
) -> None:
    guest = await new_guest()
    response = await guest.http.get(guest.path("/messages"), headers=headers)
    assert_error(response, 401, code)


async def test_forged_token_is_refused(new_guest: NewGuest) -> None:
    guest = await new_guest()
    header, payload, signature = guest.jwt.split(".")
    forged = f"{header}.{payload}.{signature[::-1]}"
    response = await guest.http.get(
        guest.path("/messages"), headers={"Authorization": f"Bearer {forged}"}
    )
    assert_error(response, 401, "bad.credentials")
    with pytest.raises(websockets.InvalidStatus) as rejected:
        await websockets.connect(guest.stream_uri.replace(guest.jwt, forged))
    assert rejected.value.response.status_code == 401


async def test_expired_token(service_factory: Callable[..., LocalService]) -> None:
    service = service_factory(jwt_lifetime_seconds=1)
    async with httpx2.AsyncClient(base_url=service.base_url) as http:
        guest = Guest(http, (await http.post(API, json=create_body())).json())
        for _ in range(100):
            response = await guest.request("GET", "/messages")
            if response.status_code == 401:
                break
            await asyncio.sleep(0.05)
        assert_error(response, 401, "credentials.expired")


async def test_token_of_another_conversation_or_member(new_guest: NewGuest) -> None:
    first, second = await new_guest(), await new_guest()
    response = await first.http.get(second.path("/messages"), headers=first.headers)
    assert_error(response, 403, "not.authorized")
    _, agent_id = await first.routed()
    as_agent = await first.request("POST", f"/members/{agent_id}/messages", json={"body": "x"})
    assert_error(as_agent, 403, "not.authorized")
    stranger = await first.request(
        "POST", f"/members/{second.member_id}/messages", json={"body": "x"}
    )
    assert_error(stranger, 404, "chat.error.not.found")


async def test_unknown_ids(new_guest: NewGuest) -> None:
    guest = await new_guest()
    assert_error(await guest.request("GET", "/members/nope"), 404, "chat.error.not.found")
    assert_error(await guest.request("GET", "/messages/nope"), 404, "chat.error.not.found")
    assert_error(await guest.request("GET", "/mediarequests/nope"), 404, "chat.error.not.found")
    assert_error(await guest.http.get("/api/v2/nothing/here"), 404, "not.found")
    response = await guest.http.put(guest.path("/messages"), headers=guest.headers)
    assert response.status_code == 405
    assert response.json()["contextId"] == response.headers["inin-correlation-id"]


async def test_send_after_routing_is_required(new_guest: NewGuest) -> None:
    guest = await new_guest()
    assert_error(await guest.send("x"), 400, "chat.error.conversation.state")
    assert_error(
        await guest.request("POST", f"/members/{guest.member_id}/typing"),
        400,
        "chat.error.conversation.state",
    )
    assert_error(
        await guest.request("DELETE", f"/members/{guest.member_id}"),
        400,
        "chat.error.conversation.state",
    )


async def test_message_validation_stores_nothing(new_guest: NewGuest) -> None:
    guest = await new_guest()
    await guest.routed()
    before = len((await guest.request("GET", "/messages")).json()["entities"])
    too_long = await guest.send("x" * 4001)
    assert_error(too_long, 400, "constraint.validation")
    assert_error(
        await guest.request("POST", f"/members/{guest.member_id}/messages", json={}),
        400,
        "chat.error.notnull.createconversationmessagerequest.body",
    )
    assert_error(
        await guest.request("POST", f"/members/{guest.member_id}/messages", json={"body": None}),
        400,
        "chat.error.notnull.createconversationmessagerequest.body",
    )
    assert_error(
        await guest.request("POST", f"/members/{guest.member_id}/messages", json={"body": 5}),
        400,
        "invalid.value",
    )
    assert_error(await guest.send("x", bodyType="member-join"), 400, "invalid.value")
    malformed = await guest.request(
        "POST",
        f"/members/{guest.member_id}/messages",
        content=b'{"body": ',
        headers={"Content-Type": "application/json"},
    )
    assert_error(malformed, 400, "bad.request")
    wrong_type = await guest.request(
        "POST",
        f"/members/{guest.member_id}/messages",
        content=b"body=hi",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_error(wrong_type, 415, "unsupported.media.type")
    huge = await guest.request(
        "POST",
        f"/members/{guest.member_id}/messages",
        content=b'{"body": "' + b"x" * 200_000 + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert_error(huge, 413, "request.entity.too.large")
    after = len((await guest.request("GET", "/messages")).json()["entities"])
    assert after == before
    assert (await guest.send("x" * 4000, unknownField=1)).status_code == 200


@pytest.mark.parametrize("content", [None, b"", b"{}", b"null"])
async def test_bodyless_operations_accept_empty_bodies(
    new_guest: NewGuest, content: bytes | None
) -> None:
    guest = await new_guest()
    await guest.routed()
    headers = {"Content-Type": "application/json"}
    for method, suffix in [
        ("GET", f"/members/{guest.member_id}"),
        ("GET", "/members"),
        ("GET", "/messages"),
        ("GET", "/mediarequests"),
        ("POST", f"/members/{guest.member_id}/typing"),
        ("DELETE", f"/members/{guest.member_id}"),
    ]:
        response = await guest.request(method, suffix, content=content, headers=headers)
        assert response.status_code in (200, 204), (method, suffix, response.text)


@pytest.mark.parametrize(
    ("remove", "code"),
    [
        ("routingTarget", "chat.error.notnull.createconversationrequest.routingtarget"),
        ("memberInfo", "chat.error.notnull.createconversationrequest.memberinfo"),
        ("organizationId", "chat.error.notnull.createconversationrequest.organizationid"),
    ],
)
async def test_create_missing_fields(http: httpx2.AsyncClient, remove: str, code: str) -> None:
    body = create_body()
    del body[remove]
    assert_error(await http.post(API, json=body), 400, code)


async def test_create_field_errors(http: httpx2.AsyncClient) -> None:
    no_name = create_body(memberInfo={"firstName": "Ada"})
    assert_error(
        await http.post(API, json=no_name),
        400,
        "chat.error.notnull.createconversationrequest.memberinfo.displayname",
    )
    journey = create_body(journeyContext={"customer": {"idType": "cookie"}})
    assert_error(
        await http.post(API, json=journey),
        400,
        "chat.error.notnull.createconversationrequest.journeycontext.customer.customerid",
    )
    wrong_type = create_body(memberInfo={"displayName": 42})
    assert_error(await http.post(API, json=wrong_type), 400, "invalid.value")
    not_queue = create_body(routingTarget={"targetType": "USER", "targetAddress": "x"})
    assert_error(
        await http.post(API, json=not_queue),
        400,
        "chat.error.createconversationrequest.routingtarget",
    )
    assert_error(
        await http.post(API, content=b"[1]", headers={"Content-Type": "application/json"}),
        400,
        "bad.request",
    )
    assert_error(await http.post(API), 400, "bad.request")
    listing = await http.get("/emulator/v1/conversations")
    assert listing.json()["entities"] == []


async def test_query_parameter_errors(new_guest: NewGuest) -> None:
    guest = await new_guest()
    for query in (
        {"maxResults": "101"},
        {"maxResults": "0"},
        {"maxResults": "ten"},
        {"sortOrder": "sideways"},
        {"after": "unknown-id"},
    ):
        response = await guest.request("GET", "/messages", params=query)
        assert_error(response, 400, "invalid.query.param.value")
    for query in ({"pageSize": "0"}, {"pageNumber": "-1"}, {"excludeDisconnectedMembers": "x"}):
        response = await guest.request("GET", "/members", params=query)
        assert_error(response, 400, "invalid.query.param.value")


async def test_rate_limit(service_factory: Callable[..., LocalService]) -> None:
    service = service_factory(rate_limit_per_minute=3)
    async with httpx2.AsyncClient(base_url=service.base_url) as http:
        guest = Guest(http, (await http.post(API, json=create_body())).json())
        counts = []
        for _ in range(3):
            response = await guest.request("GET", "/messages")
            assert response.status_code == 200
            assert response.headers["inin-ratelimit-allowed"] == "3"
            counts.append(int(response.headers["inin-ratelimit-count"]))
        assert counts == [1, 2, 3]
        limited = await guest.request("GET", "/messages")
        assert_error(limited, 429, "too.many.requests.retry.after")
        assert int(limited.headers["Retry-After"]) >= 1
        assert limited.json()["messageParams"] == {"retryAfter": limited.headers["Retry-After"]}
        assert limited.headers["inin-ratelimit-reset"] == limited.headers["Retry-After"]


def test_member_state_for_an_agent_who_left(
    service_factory: Callable[..., LocalService],
) -> None:
    service = service_factory(agent="manual")
    with (
        httpx2.Client(base_url=service.base_url) as http,
        ControlClient(service.control_url) as control,
    ):
        chat = http.post(API, json=create_body()).json()
        with pytest.raises(ControlError) as not_routed:
            control.join_agent(chat["id"], "Alice")
        assert not_routed.value.code == "chat.error.conversation.state"

        async def attach_and_leave() -> None:
            async with websockets.connect(chat["eventStreamUri"]) as ws:
                await ws.recv()
                agent = await asyncio.to_thread(control.join_agent, chat["id"], "Alice")
                await asyncio.to_thread(control.leave, chat["id"], agent["id"])
                with pytest.raises(ControlError) as left:
                    await asyncio.to_thread(control.send, chat["id"], agent["id"], "hello?")
                assert left.value.status == 400
                assert left.value.code == "chat.error.member.state"

        asyncio.run(attach_and_leave())


def test_control_token(service_factory: Callable[..., LocalService]) -> None:
    service = service_factory(control_token="s3cret")
    with ControlClient(service.control_url) as anonymous:
        with pytest.raises(ControlError) as refused:
            anonymous.conversations()
        assert refused.value.status == 401
    with ControlClient(service.control_url, token="wrong") as wrong:
        with pytest.raises(ControlError) as refused:
            wrong.conversations()
        assert refused.value.code == "bad.credentials"
    with ControlClient(service.control_url, token="s3cret") as allowed:
        assert allowed.conversations() == []


async def test_unpaired_surrogate_is_refused_and_not_stored(new_guest: NewGuest) -> None:
    guest = await new_guest()
    await guest.routed()
    before = len((await guest.request("GET", "/messages")).json()["entities"])
    refused = await guest.request(
        "POST",
        f"/members/{guest.member_id}/messages",
        content=b'{"body": "half \\ud83d of an emoji"}',
        headers={"Content-Type": "application/json"},
    )
    assert_error(refused, 400, "bad.request")
    assert "surrogate" in refused.json()["message"]
    paired = await guest.request(
        "POST",
        f"/members/{guest.member_id}/messages",
        content=b'{"body": "whole \\ud83d\\ude00 emoji"}',
        headers={"Content-Type": "application/json"},
    )
    assert paired.status_code == 200
    assert paired.json()["body"] == "whole \U0001f600 emoji"
    after = (await guest.request("GET", "/messages")).json()["entities"]
    assert len(after) == before + 1


def assert_rate_headers(response: httpx2.Response) -> None:
    assert response.headers["inin-ratelimit-allowed"] == "180"
    assert int(response.headers["inin-ratelimit-count"]) >= 1
    assert int(response.headers["inin-ratelimit-reset"]) >= 1


async def test_errors_from_routing_and_faults_are_error_bodies_with_rate_headers(
    new_guest: NewGuest, acontrol: AsyncControlClient
) -> None:
    guest = await new_guest()
    unknown = await guest.http.get("/api/v2/nothing/here")
    assert_error(unknown, 404, "not.found")
    assert_rate_headers(unknown)
    wrong_method = await guest.http.put(guest.path("/messages"), headers=guest.headers)
    assert_error(wrong_method, 405, "method.not.allowed")
    assert "GET" in wrong_method.headers["Allow"]
    assert_rate_headers(wrong_method)
    no_token = await guest.http.get(guest.path("/messages"))
    assert_error(no_token, 401, "authentication.required")
    assert_rate_headers(no_token)
    await acontrol.set_faults(errors=[{"status": 503, "count": 1, "pathContains": "/messages"}])
    injected = await guest.request("GET", "/messages")
    assert_error(injected, 503, "chat.error.service.unavailable")
    assert_rate_headers(injected)
    outside_the_api = await guest.http.get("/nothing/here")
    assert_error(outside_the_api, 404, "not.found")


async def test_stream_handshakes_carry_a_correlation_id(new_guest: NewGuest) -> None:
    guest = await new_guest()
    stream = await guest.connect()
    assert stream.ws.response is not None
    assert stream.ws.response.headers["inin-correlation-id"]
    base = guest.stream_uri.split("/v1/token/", 1)[0]
    for uri, status, code in [
        (guest.stream_uri.replace(guest.jwt, "not-a-jwt"), 401, "bad.credentials"),
        (base + "/nowhere", 404, "not.found"),
        (base + API, 404, "not.found"),
    ]:
        with pytest.raises(websockets.InvalidStatus) as refused:
            await websockets.connect(uri)
        response = refused.value.response
        assert response.status_code == status
        body = json.loads(bytes(response.body))
        assert body["code"] == code
        assert body["contextId"] == response.headers["inin-correlation-id"]


async def test_deeply_nested_json_is_refused_not_failed(new_guest: NewGuest) -> None:
    guest = await new_guest()
    await guest.routed()
    before = len((await guest.request("GET", "/messages")).json()["entities"])
    nested = await guest.request(
        "POST",
        f"/members/{guest.member_id}/messages",
        content=b'{"body": ' + b"[" * 60_000 + b"]" * 60_000 + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert_error(nested, 400, "bad.request")
    after = len((await guest.request("GET", "/messages")).json()["entities"])
    assert after == before
