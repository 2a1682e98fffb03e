"""Hostile request bodies, parameters and tokens: refused with an ErrorBody that names the
problem, nothing of them stored, and no effect on any other client."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import jwt
import pytest

from purecloud_guest_chat_client.emulator import AsyncControlClient, LocalService
from purecloud_guest_chat_client.emulator.api_error import MAX_JSON_DEPTH
from purecloud_guest_chat_client.emulator.store import Operation, Store, StoreError
from purecloud_guest_chat_client.emulator.token_authority import key_path

from ..helpers import API, Guest, NewGuest, create_body
from .test_errors import assert_error

JSON = {"Content-Type": "application/json"}


def _with_name(name: str) -> dict[str, Any]:
    return create_body(memberInfo={"displayName": name})


# -- the body's charset --------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        json.dumps(_with_name("\ud800")).encode("utf-16"),
        json.dumps(_with_name("\ud800")).encode("utf-16-le"),
        json.dumps(_with_name("Ada")).encode("utf-32"),
        # CESU-8: the surrogate U+D800 written as UTF-8 bytes, which json.loads(bytes) lets in.
        json.dumps(_with_name("A\ud800"), ensure_ascii=False).encode("utf-8", "surrogatepass"),
        json.dumps(_with_name("Adé"), ensure_ascii=False).encode("latin-1"),
    ],
    ids=["utf-16", "utf-16-le", "utf-32", "cesu-8", "latin-1"],
)
async def test_a_body_that_is_not_utf8_is_refused_and_nothing_is_stored(
    http: httpx2.AsyncClient, acontrol: AsyncControlClient, raw: bytes
) -> None:
    refused = await http.post(API, content=raw, headers=JSON)
    assert_error(refused, 400, "bad.request")
    assert "UTF-8" in refused.json()["message"]
    # The repro: that create was stored, and the control API's list failed from then on.
    assert await acontrol.conversations() == []
    assert (await http.post(API, json=_with_name("Ada"))).status_code == 200


async def test_a_charset_other_than_utf8_is_unsupported(http: httpx2.AsyncClient) -> None:
    body = json.dumps(_with_name("Ada")).encode("utf-16")
    refused = await http.post(
        API, content=body, headers={"Content-Type": "application/json; charset=utf-16"}
    )
    assert_error(refused, 415, "unsupported.media.type")
    assert "utf-16" in refused.json()["message"]
    declared = await http.post(
        API,
        content=json.dumps(_with_name("Adé")).encode(),
        headers={"Content-Type": 'application/json; charset="UTF-8"'},
    )
    assert declared.status_code == 200, declared.text


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (b'{"body": "\\ud800"}', "body"),
        (b'{"body": "x", "\\udfff": 1}', "(the body)"),
        (b'{"body": "x", "extra": [1, {"deep": "\\uDBFF"}]}', "extra[1].deep"),
    ],
)
async def test_a_lone_surrogate_anywhere_in_the_body_is_refused(
    new_guest: NewGuest, body: bytes, where: str
) -> None:
    guest = await new_guest()
    await guest.routed()
    refused = await guest.request(
        "POST", f"/members/{guest.member_id}/messages", content=body, headers=JSON
    )
    assert_error(refused, 400, "bad.request")
    assert refused.json()["messageParams"]["path"] == where
    assert "surrogate" in refused.json()["message"]


async def test_a_lone_surrogate_in_a_create_is_refused_and_not_stored(
    http: httpx2.AsyncClient, acontrol: AsyncControlClient
) -> None:
    fields = create_body(memberInfo={"displayName": "Ada", "customFields": {"note": "half \ud83d"}})
    refused = await http.post(API, content=json.dumps(fields).encode(), headers=JSON)
    assert_error(refused, 400, "bad.request")
    assert refused.json()["messageParams"]["path"] == "memberInfo.customFields.note"
    assert await acontrol.conversations() == []


@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"-Infinity", b"1e999"])
async def test_numbers_json_has_not_are_refused(http: httpx2.AsyncClient, number: bytes) -> None:
    body = json.dumps(create_body(memberInfo={"displayName": "Ada", "customFields": {"n": 0}}))
    raw = body.encode().replace(b'"n": 0', b'"n": ' + number)
    assert_error(await http.post(API, content=raw, headers=JSON), 400, "bad.request")


# -- depth ---------------------------------------------------------------------------------


def _nested(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {"leaf": True}
    for _ in range(levels - 1):
        value = {"x": value}
    return value


async def test_deep_custom_fields_are_refused_at_the_documented_depth(
    http: httpx2.AsyncClient, acontrol: AsyncControlClient
) -> None:
    # The body, memberInfo and customFields are three levels.
    deepest = create_body(
        memberInfo={"displayName": "Ada", "customFields": _nested(MAX_JSON_DEPTH - 2)}
    )
    accepted = await http.post(API, json=deepest)
    assert accepted.status_code == 200, accepted.text
    for levels in (MAX_JSON_DEPTH - 1, 500):
        too_deep = create_body(memberInfo={"displayName": "Ada", "customFields": _nested(levels)})
        refused = await http.post(API, json=too_deep)
        assert_error(refused, 400, "bad.request")
        assert refused.json()["messageParams"] == {"maxDepth": str(MAX_JSON_DEPTH)}
    assert len(await acontrol.conversations()) == 1
    document = (await http.get("/openapi.json")).json()
    assert f"{MAX_JSON_DEPTH} levels" in document["info"]["description"]


async def test_every_body_has_the_same_depth_limit(
    new_guest: NewGuest, acontrol: AsyncControlClient
) -> None:
    guest = await new_guest()
    _, agent_id = await guest.routed()
    deep = {"body": "x", "extra": _nested(MAX_JSON_DEPTH)}
    refused = await guest.request("POST", f"/members/{guest.member_id}/messages", json=deep)
    assert_error(refused, 400, "bad.request")
    async with httpx2.AsyncClient(base_url=acontrol.control_url) as control:
        for path in (f"/conversations/{guest.id}/members/{agent_id}/messages", "/faults"):
            assert_error(await control.post(path, json=deep), 400, "bad.request")


# -- one bad change never fails another's --------------------------------------------------


def _message_row(message_id: str, body: str) -> Operation:
    return Operation(
        "INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?, ?)",
        (message_id, "c", "s", "CUSTOMER", body, "standard", "2024-01-01T00:00:00.000Z"),
    )


async def test_a_change_the_database_refuses_fails_only_its_own_commit(tmp_path: Path) -> None:
    store = Store(tmp_path / "chats.db")
    shown: list[str] = []
    try:

        def commit(message_id: str, body: str) -> Any:
            return store.commit(
                _message_row(message_id, body), on_commit=lambda: shown.append(message_id)
            )

        # All in one pass of the loop, so all in one transaction: one unstorable body, one
        # duplicate id, and good changes before, between and after them.
        results = await asyncio.gather(
            commit("m1", "one"),
            commit("bad", "half \ud800"),
            commit("m2", "two"),
            commit("m1", "duplicate id"),
            commit("m3", "three"),
            return_exceptions=True,
        )
        assert [type(r) for r in results] == [
            type(None),
            StoreError,
            type(None),
            StoreError,
            type(None),
        ]
        assert shown == ["m1", "m2", "m3"]
        await commit("m4", "after")
    finally:
        store.close()
    with sqlite3.connect(tmp_path / "chats.db") as db:
        rows = db.execute("SELECT id, body FROM messages ORDER BY rowid").fetchall()
    assert rows == [("m1", "one"), ("m2", "two"), ("m3", "three"), ("m4", "after")]


async def test_hostile_senders_do_not_fail_other_guests_writes(
    service_factory: Callable[..., LocalService],
) -> None:
    service = service_factory(agent="manual", rate_limit_per_minute=0)
    async with (
        httpx2.AsyncClient(base_url=service.base_url) as http,
        AsyncControlClient(service.control_url) as control,
    ):

        async def routed_guest() -> Guest:
            guest = Guest(http, (await http.post(API, json=create_body())).json())
            await guest.connect()
            for _ in range(200):
                if (await control.conversation(guest.id))["status"] == "active":
                    break
                await asyncio.sleep(0.01)
            await control.join_agent(guest.id, "Agent")
            return guest

        hostile = [await routed_guest() for _ in range(3)]
        guests = [await routed_guest() for _ in range(8)]
        refused: list[int] = []
        sent: list[int] = []
        raw = b'{"body": "half \\ud83d"}'
        utf16 = json.dumps({"body": "\ud800"}).encode("utf-16")

        async def attack(guest: Guest) -> None:
            for i in range(20):
                response = await guest.request(
                    "POST",
                    f"/members/{guest.member_id}/messages",
                    content=raw if i % 2 else utf16,
                    headers=JSON,
                )
                refused.append(response.status_code)

        async def chat(guest: Guest, n: int) -> None:
            for i in range(10):
                response = await guest.send(f"guest {n} message {i}")
                sent.append(response.status_code)

        await asyncio.gather(
            *(attack(g) for g in hostile), *(chat(g, n) for n, g in enumerate(guests))
        )
        assert set(refused) == {400}
        assert sent == [200] * 80
        for n, guest in enumerate(guests):
            history = (await guest.request("GET", "/messages")).json()["entities"]
            bodies = [m["body"] for m in history if m["bodyType"] == "standard"]
            assert bodies == [f"guest {n} message {i}" for i in range(10)]
        for guest in hostile:
            history = (await guest.request("GET", "/messages")).json()["entities"]
            assert [m for m in history if m["bodyType"] == "standard"] == []


def test_a_profile_stored_with_a_lone_surrogate_is_repaired_at_load(
    service_factory: Callable[..., LocalService], tmp_path: Path
) -> None:
    """A database written before surrogates were refused: the service starts and lists it."""
    db = tmp_path / "old.db"
    first = service_factory(db_path=db, agent="manual")
    with httpx2.Client(base_url=first.base_url) as http:
        chat = http.post(API, json=_with_name("Ada")).json()
    first.stop()
    with sqlite3.connect(db) as conn:
        conn.execute(
            "UPDATE members SET profile = ? WHERE id = ?",
            (json.dumps({"displayName": "A\ud800da"}), chat["member"]["id"]),
        )
    second = service_factory(db_path=db, agent="manual")
    with httpx2.Client(base_url=second.control_url) as control:
        listing = control.get("/conversations")
    assert listing.status_code == 200, listing.text
    names = [m.get("displayName") for m in listing.json()["entities"][0]["members"]]
    assert names == ["A\ufffdda"]


# -- fields and parameters -----------------------------------------------------------------


@pytest.mark.parametrize("body_type", [[], {}, "", 0, False, "STANDARD"])
async def test_a_falsy_or_unknown_body_type_is_refused_not_taken_as_standard(
    new_guest: NewGuest, body_type: Any
) -> None:
    guest = await new_guest()
    await guest.routed()
    refused = await guest.send("x", bodyType=body_type)
    assert_error(refused, 400, "invalid.value")
    history = (await guest.request("GET", "/messages")).json()["entities"]
    assert [m for m in history if m["bodyType"] == "standard"] == []
    assert (await guest.send("x", bodyType=None)).json()["bodyType"] == "standard"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("pageSize", "1_0"),
        ("pageSize", ""),
        ("pageSize", "\u0661\u0660"),  # Arabic-Indic digits: 10
        ("pageSize", " 10"),
        ("pageSize", "+10"),
        ("pageSize", "10.0"),
        ("pageNumber", "1" * 40),
        ("maxResults", "\uff15"),  # fullwidth 5
    ],
)
async def test_only_plain_decimal_numbers_are_numbers(
    new_guest: NewGuest, name: str, value: str
) -> None:
    guest = await new_guest()
    path = "/messages" if name == "maxResults" else "/members"
    refused = await guest.request("GET", path, params={name: value})
    assert_error(refused, 400, "invalid.query.param.value")
    assert refused.json()["messageParams"]["param"] == name
    assert (await guest.request("GET", path, params={name: "010"})).status_code == 200


def _forge(service: LocalService, token: str, **claims: Any) -> str:
    """A token signed with the service's own key, with some claims replaced."""
    payload = jwt.decode(token, options={"verify_signature": False})
    payload.update(claims)
    key = key_path(service.db_path).read_text()
    return jwt.encode(payload, key, algorithm="RS256")


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": "9999999999"},
        {"exp": 9999999999.5},
        {"exp": True},
        {"iat": "0"},
        {"iss": "someone.else"},
        {"data": {"conv": 1}},
    ],
)
async def test_a_signed_token_with_malformed_claims_is_refused(
    service: LocalService, new_guest: NewGuest, claims: dict[str, Any]
) -> None:
    guest = await new_guest()
    data = jwt.decode(guest.jwt, options={"verify_signature": False})["data"]
    if "data" in claims:
        claims = {"data": {**data, **claims["data"]}}
    forged = _forge(service, guest.jwt, **claims)
    refused = await guest.http.get(
        guest.path("/messages"), headers={"Authorization": f"Bearer {forged}"}
    )
    assert_error(refused, 401, "bad.credentials")
    good = _forge(service, guest.jwt)
    accepted = await guest.http.get(
        guest.path("/messages"), headers={"Authorization": f"Bearer {good}"}
    )
    assert accepted.status_code == 200


# -- the event stream's address ------------------------------------------------------------


async def test_the_stream_uri_is_the_services_address_not_the_host_header(
    service: LocalService, http: httpx2.AsyncClient
) -> None:
    response = await http.post(API, json=create_body(), headers={"Host": "evil.example:666"})
    uri = response.json()["eventStreamUri"]
    assert uri.startswith(f"ws://127.0.0.1:{service.port}/v1/token/")


def test_the_stream_uri_follows_a_configured_public_url(
    service_factory: Callable[..., LocalService],
) -> None:
    service = service_factory(public_url="https://chat.example.com/guest/")
    with httpx2.Client(base_url=service.base_url) as http:
        uri = http.post(API, json=create_body()).json()["eventStreamUri"]
    assert uri.startswith("wss://chat.example.com/guest/v1/token/")


@pytest.mark.parametrize(
    "url", ["ftp://x.example", "https://", "https://x.example/?a=1", "https://u:p@x.example", 5]
)
def test_a_public_url_must_be_an_http_url(url: Any) -> None:
    with pytest.raises(ValueError, match="public_url"):
        LocalService(public_url=url)


# -- the signing key -----------------------------------------------------------------------


def test_the_signing_key_is_kept_apart_from_the_chats(
    service_factory: Callable[..., LocalService], tmp_path: Path
) -> None:
    db = tmp_path / "chats.db"
    service = service_factory(db_path=db)
    key = key_path(db)
    assert key.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    if os.name == "posix":
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    service.stop()
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT * FROM meta").fetchall() == []


def test_a_key_kept_in_the_database_by_an_older_version_is_moved_out(
    service_factory: Callable[..., LocalService], tmp_path: Path
) -> None:
    db = tmp_path / "chats.db"
    first = service_factory(db_path=db)
    with httpx2.Client(base_url=first.base_url) as http:
        chat = http.post(API, json=create_body()).json()
    first.stop()
    key = key_path(db)
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO meta VALUES ('jwt_private_key', ?)", (key.read_text(),))
    key.unlink()
    second = service_factory(db_path=db)
    with httpx2.Client(base_url=second.base_url) as http:
        members = http.get(
            f"{API}/{chat['id']}/members", headers={"Authorization": f"Bearer {chat['jwt']}"}
        )
    assert members.status_code == 200, members.text
    assert key.exists()
    second.stop()
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT * FROM meta").fetchall() == []


# -- 405 names every method of the path ----------------------------------------------------


async def test_a_wrong_method_is_told_every_method_of_the_path(
    new_guest: NewGuest, acontrol: AsyncControlClient
) -> None:
    guest = await new_guest()
    cases = [
        (guest.http, guest.path(f"/members/{guest.member_id}"), {"GET", "HEAD", "DELETE"}),
        (guest.http, guest.path("/mediarequests/x"), {"GET", "HEAD", "PATCH"}),
        (guest.http, guest.path("/messages"), {"GET", "HEAD"}),
    ]
    async with httpx2.AsyncClient(base_url=acontrol.control_url) as control:
        cases.append((control, "/faults", {"GET", "HEAD", "POST", "DELETE"}))
        for client, path, allowed in cases:
            response = await client.put(path, headers=guest.headers)
            assert_error(response, 405, "method.not.allowed")
            assert {m.strip() for m in response.headers["Allow"].split(",")} == allowed


async def test_braces_quoted_from_the_request_keep_the_template_fillable(
    http: httpx2.AsyncClient, acontrol: AsyncControlClient
) -> None:
    unknown = await http.get("/emulator/v1/conversations/{x}}")
    assert_error(unknown, 404, "not.found")
    assert "{x}}" in unknown.json()["message"]
    async with httpx2.AsyncClient(base_url=acontrol.control_url) as control:
        refused = await control.post("/faults", json={"{": 1})
    assert_error(refused, 400, "bad.request")
    media = await http.post(API, content=b"{}", headers={"Content-Type": "text/{plain}"})
    assert_error(media, 415, "unsupported.media.type")
