"""Signed-in Web Messaging guests against the real service: the OAuth code exchange, refresh,
configureAuthenticatedSession, the authenticated messages, and the logout with its LogoutEvent,
with the refusals of each."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx2
import jwt as pyjwt
import pytest
import websockets
from cryptography.hazmat.primitives import serialization

from purecloud_guest_chat_client.emulator import LocalService
from purecloud_guest_chat_client.emulator.token_authority import key_path
from purecloud_guest_chat_client.models.web_messaging_protocol import (
    HISTORY_PATH,
    TOKEN_EXCHANGE_PATH,
    TOKEN_REFRESH_PATH,
    TOKEN_REVOKE_PATH,
    ErrorCode,
)

from ..helpers import WAIT
from .web_messaging_requests import DEPLOYMENT, SocketGuest, is_class, socket_url


@pytest.fixture
async def http(service: LocalService) -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(base_url=service.base_url, timeout=WAIT) as client:
        yield client


def _exchange_body(code: str = "ada:1234", deployment: str = DEPLOYMENT) -> dict[str, Any]:
    return {
        "deploymentId": deployment,
        "oauth": {"code": code, "redirectUri": "https://shop.test/signed-in"},
    }


async def _sign_in(http: httpx2.AsyncClient, code: str = "ada:1234") -> dict[str, Any]:
    response = await http.post(TOKEN_EXCHANGE_PATH, json=_exchange_body(code))
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


async def _configure_signed_in(guest: SocketGuest, jwt: str) -> dict[str, Any]:
    return await guest.request(
        "configureAuthenticatedSession", deploymentId=DEPLOYMENT, data={"code": jwt}
    )


def _is_error_body(response: httpx2.Response, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == status and body["code"] and body["message"]
    assert body["contextId"] == response.headers["inin-correlation-id"]
    if code is not None:
        assert body["code"] == code


async def test_the_code_exchange_and_refresh(http: httpx2.AsyncClient) -> None:
    tokens = await _sign_in(http)
    assert set(tokens) == {"jwt", "refreshToken"}
    claims = pyjwt.decode(tokens["jwt"], options={"verify_signature": False})
    assert claims["sub"] == "ada" and claims["exp"] > claims["iat"]
    with_pkce = _exchange_body("bob")
    with_pkce["oauth"]["codeVerifier"] = "a-verifier"
    assert (await http.post(TOKEN_EXCHANGE_PATH, json=with_pkce)).status_code == 200
    implicit = {"deploymentId": DEPLOYMENT, "oauth": {"idToken": "carol", "nonce": "n-1"}}
    answer = await http.post(TOKEN_EXCHANGE_PATH, json=implicit)
    assert answer.status_code == 200 and set(answer.json()) == {"jwt"}
    refreshed = await http.post(TOKEN_REFRESH_PATH, json={"refreshToken": tokens["refreshToken"]})
    assert refreshed.status_code == 200, refreshed.text
    assert set(refreshed.json()) == {"jwt"}
    assert (
        pyjwt.decode(refreshed.json()["jwt"], options={"verify_signature": False})["sub"] == "ada"
    )


@pytest.mark.parametrize(
    "body",
    [
        _exchange_body("bad-code"),
        {"oauth": {"code": "ada", "redirectUri": "https://x.test"}},
        {"deploymentId": DEPLOYMENT},
        {"deploymentId": DEPLOYMENT, "oauth": {"code": "ada"}},
        {"deploymentId": DEPLOYMENT, "oauth": {"code": 7, "redirectUri": "https://x.test"}},
        {"deploymentId": DEPLOYMENT, "oauth": "ada"},
        {"deploymentId": DEPLOYMENT, "oauth": {"idToken": "ada"}},
        {
            "deploymentId": DEPLOYMENT,
            "oauth": {"code": "ada", "redirectUri": "https://x.test", "codeVerifier": None},
        },
        ["not", "an", "object"],
    ],
    ids=[
        "refused-code",
        "no-deployment",
        "no-oauth",
        "no-redirect-uri",
        "code-not-text",
        "oauth-not-object",
        "id-token-without-nonce",
        "null-code-verifier",
        "not-an-object",
    ],
)
async def test_a_bad_exchange_is_400(http: httpx2.AsyncClient, body: Any) -> None:
    _is_error_body(await http.post(TOKEN_EXCHANGE_PATH, json=body), 400)


async def test_a_listed_deployment_must_sign_guests_in(
    service_factory: Callable[..., LocalService], tmp_path: Path
) -> None:
    config = tmp_path / "centre.toml"
    config.write_text(
        '[[deployments]]\nid = "anonymous-only"\n\n'
        '[[deployments]]\nid = "signed-in"\nrequiresAuth = true\n',
        encoding="utf-8",
    )
    service = service_factory(config_file=config)
    async with httpx2.AsyncClient(base_url=service.base_url, timeout=WAIT) as http:
        refused = await http.post(TOKEN_EXCHANGE_PATH, json=_exchange_body("ada", "anonymous-only"))
        _is_error_body(refused, 400, "auth.not.enabled")
        unknown = await http.post(TOKEN_EXCHANGE_PATH, json=_exchange_body("ada", "nobody"))
        _is_error_body(unknown, 400, "invalid.value")
        signed_in = await http.post(TOKEN_EXCHANGE_PATH, json=_exchange_body("ada", "signed-in"))
        assert signed_in.status_code == 200


async def test_bad_refresh_tokens_are_refused(http: httpx2.AsyncClient) -> None:
    unknown = await http.post(TOKEN_REFRESH_PATH, json={"refreshToken": "never-issued"})
    _is_error_body(unknown, 401, "bad.credentials")
    _is_error_body(await http.post(TOKEN_REFRESH_PATH, json={}), 400)
    _is_error_body(await http.post(TOKEN_REFRESH_PATH, json={"refreshToken": 5}), 400)


async def test_a_signed_in_session_and_its_authenticated_messages(
    service: LocalService, http: httpx2.AsyncClient
) -> None:
    tokens = await _sign_in(http)
    async with websockets.connect(socket_url(service)) as ws:
        guest = SocketGuest(ws)
        answer = await _configure_signed_in(guest, tokens["jwt"])
        assert answer["class"] == "SessionResponse", answer
        assert answer["body"]["connected"] is True and answer["body"]["newSession"] is True
        echo = await guest.say("signed in now")
        assert echo["body"]["metadata"] == {"authenticated": "true"}
        jwt = (await guest.request("getJwt"))["body"]["jwt"]
        page = await http.get(HISTORY_PATH, headers={"Authorization": f"bearer {jwt}"})
        (entity,) = [e for e in page.json()["entities"] if e["id"] == echo["body"]["id"]]
        assert entity == echo["body"]
        # The token is a signed-in session's now: it cannot go anonymous.
        refused = await guest.configure()
        assert refused["class"] == "string"
        assert refused["code"] == ErrorCode.CANNOT_DOWNGRADE
    async with websockets.connect(socket_url(service)) as ws:
        again = SocketGuest(ws, guest.token)
        assert (await again.configure())["code"] == ErrorCode.CANNOT_DOWNGRADE
        resumed = await _configure_signed_in(again, tokens["jwt"])
        assert resumed["class"] == "SessionResponse" and resumed["body"]["newSession"] is False


async def test_an_anonymous_session_steps_up_to_the_same_conversation(
    service: LocalService, http: httpx2.AsyncClient
) -> None:
    async with websockets.connect(socket_url(service)) as ws:
        guest = SocketGuest(ws)
        await guest.configure()
        before = await guest.say("anonymous")
        assert "metadata" not in before["body"]
        tokens = await _sign_in(http)
        stepped = await _configure_signed_in(guest, tokens["jwt"])
        assert stepped["class"] == "SessionResponse" and stepped["body"]["newSession"] is False
        after = await guest.say("signed in")
        assert after["body"]["metadata"] == {"authenticated": "true"}


def _expired(service: LocalService, jwt: str) -> str:
    claims = pyjwt.decode(jwt, options={"verify_signature": False})
    key = serialization.load_pem_private_key(key_path(service.db_path).read_bytes(), None)
    late = {**claims, "iat": claims["iat"] - 7200, "exp": int(time.time()) - 3600}
    return pyjwt.encode(late, key, algorithm="RS256")  # type: ignore[arg-type]


async def test_bad_jwts_on_configure_authenticated_session_are_401(
    service: LocalService, http: httpx2.AsyncClient
) -> None:
    tokens = await _sign_in(http)
    async with websockets.connect(socket_url(service)) as ws:
        guest = SocketGuest(ws)
        await guest.configure()
        session_jwt = (await guest.request("getJwt"))["body"]["jwt"]
        header, payload, signature = tokens["jwt"].split(".")
        for what, jwt in {
            "garbage": "not-a-jwt",
            "forged": f"{header}.{payload}.{signature[:-4]}AAAA",
            "expired": _expired(service, tokens["jwt"]),
            "a session's getJwt": session_jwt,
        }.items():
            fresh = SocketGuest(ws, str(uuid.uuid4()))
            refused = await _configure_signed_in(fresh, jwt)
            assert refused["class"] == "string", what
            assert refused["code"] == 401 and refused["body"] == "User is unauthorized", what
        missing = await SocketGuest(ws).request(
            "configureAuthenticatedSession", deploymentId=DEPLOYMENT
        )
        assert missing["class"] == "string" and missing["code"] == 400
    async with websockets.connect(socket_url(service, "another-deployment")) as ws:
        elsewhere = await SocketGuest(ws).request(
            "configureAuthenticatedSession",
            deploymentId="another-deployment",
            data={"code": tokens["jwt"]},
        )
        assert elsewhere["code"] == 401


async def test_logout_tells_every_connection_and_makes_the_tokens_stale(
    service: LocalService, http: httpx2.AsyncClient
) -> None:
    tokens = await _sign_in(http)
    bearer = {"Authorization": f"bearer {tokens['jwt']}"}
    async with (
        websockets.connect(socket_url(service)) as first_ws,
        websockets.connect(socket_url(service)) as second_ws,
    ):
        first = SocketGuest(first_ws)
        second = SocketGuest(second_ws, first.token)
        await _configure_signed_in(first, tokens["jwt"])
        await _configure_signed_in(second, tokens["jwt"])
        revoked = await http.delete(TOKEN_REVOKE_PATH, headers=bearer)
        assert revoked.status_code == 204 and revoked.content == b""
        for connection in (first, second):
            logout = await connection.wait_for(is_class("LogoutEvent"))
            assert logout["type"] == "message" and logout["code"] == 200
            assert logout["body"] == {}
        stale = await http.delete(TOKEN_REVOKE_PATH, headers=bearer)
        _is_error_body(stale, 401, "credentials.expired")
        refresh = await http.post(TOKEN_REFRESH_PATH, json={"refreshToken": tokens["refreshToken"]})
        _is_error_body(refresh, 401, "bad.credentials")
        again = await _configure_signed_in(SocketGuest(first_ws), tokens["jwt"])
        assert again["code"] == 401


async def test_revoke_without_a_sign_in_jwt_is_401(
    service: LocalService, http: httpx2.AsyncClient
) -> None:
    _is_error_body(await http.delete(TOKEN_REVOKE_PATH), 401, "authentication.required")
    garbage = {"Authorization": "bearer not-a-jwt"}
    _is_error_body(await http.delete(TOKEN_REVOKE_PATH, headers=garbage), 401, "bad.credentials")
    tokens = await _sign_in(http)
    expired = {"Authorization": f"Bearer {_expired(service, tokens['jwt'])}"}
    _is_error_body(await http.delete(TOKEN_REVOKE_PATH, headers=expired), 401)
    async with websockets.connect(socket_url(service)) as ws:
        guest = SocketGuest(ws)
        await guest.configure()
        session_jwt = (await guest.request("getJwt"))["body"]["jwt"]
    not_a_sign_in = {"Authorization": f"bearer {session_jwt}"}
    _is_error_body(await http.delete(TOKEN_REVOKE_PATH, headers=not_a_sign_in), 401)


async def test_signing_in_elsewhere_closes_the_users_other_session(
    service: LocalService, http: httpx2.AsyncClient
) -> None:
    async with (
        websockets.connect(socket_url(service)) as phone_ws,
        websockets.connect(socket_url(service)) as laptop_ws,
    ):
        phone = SocketGuest(phone_ws)
        first = await _configure_signed_in(phone, (await _sign_in(http, "ada:1"))["jwt"])
        assert first["body"]["clearedExistingSession"] is False
        laptop = SocketGuest(laptop_ws)
        second = await _configure_signed_in(laptop, (await _sign_in(http, "ada:2"))["jwt"])
        assert second["class"] == "SessionResponse"
        assert second["body"]["clearedExistingSession"] is True
        closed = await phone.wait_for(is_class("ConnectionClosedEvent"))
        assert closed["type"] == "message" and closed["body"] == {"reason": "signedIn"}
        with pytest.raises(websockets.ConnectionClosed):
            await phone.wait_for(lambda frame: False)
        # Another user signing in closes nothing.
        async with websockets.connect(socket_url(service)) as other_ws:
            other = SocketGuest(other_ws)
            third = await _configure_signed_in(other, (await _sign_in(http, "bob"))["jwt"])
            assert third["body"]["clearedExistingSession"] is False
        assert (await laptop.say("still here"))["class"] == "StructuredMessage"


def _sign_in_events(guest: SocketGuest) -> list[dict[str, Any]]:
    return [
        frame
        for frame in guest.seen
        if frame["class"] == "StructuredMessage"
        and frame["body"].get("events")
        == [{"eventType": "Presence", "presence": {"type": "SignIn"}}]
    ]


async def test_the_step_up_tells_the_session_who_signed_in_before_the_session_response(
    service: LocalService, http: httpx2.AsyncClient
) -> None:
    async with (
        websockets.connect(socket_url(service)) as ws,
        websockets.connect(socket_url(service)) as other_ws,
    ):
        guest = SocketGuest(ws)
        await guest.configure()
        other = SocketGuest(other_ws, guest.token)  # a second tab of the same session
        await other.configure()
        await guest.say("anonymous")
        tokens = await _sign_in(http, "Ada Lovelace King:1")
        stepped = await _configure_signed_in(guest, tokens["jwt"])
        assert stepped["class"] == "SessionResponse" and stepped["body"]["newSession"] is False
        assert stepped["body"]["clearedExistingSession"] is False
        (signed_in,) = _sign_in_events(guest)
        assert guest.seen.index(signed_in) < guest.seen.index(stepped)
        assert signed_in["type"] == "message" and "tracingId" not in signed_in
        body = signed_in["body"]
        assert body["type"] == "Event" and body["direction"] == "Inbound"
        assert body["channel"]["from"] == {"firstName": "Ada", "lastName": "Lovelace King"}
        assert body["channel"]["time"] and body["metadata"] == {"authenticated": "true"}
        # Every connection of the session is told.
        await other.wait_for(lambda frame: frame["body"] == body)
        # Configuring the signed-in session again signs nobody in: no second SignIn.
        again = await _configure_signed_in(guest, tokens["jwt"])
        assert again["class"] == "SessionResponse"
        assert (await guest.say("still signed in"))["class"] == "StructuredMessage"
        assert len(_sign_in_events(guest)) == 1


async def test_a_new_signed_in_session_is_told_who_signed_in_with_a_first_name_only(
    service: LocalService, http: httpx2.AsyncClient
) -> None:
    async with websockets.connect(socket_url(service)) as ws:
        guest = SocketGuest(ws)
        answer = await _configure_signed_in(guest, (await _sign_in(http, "grace"))["jwt"])
        assert answer["body"]["newSession"] is True
        (signed_in,) = _sign_in_events(guest)
        assert signed_in["body"]["channel"]["from"] == {"firstName": "grace"}


async def test_a_step_up_closes_the_users_session_elsewhere_then_signs_in(
    service: LocalService, http: httpx2.AsyncClient
) -> None:
    async with (
        websockets.connect(socket_url(service)) as phone_ws,
        websockets.connect(socket_url(service)) as laptop_ws,
    ):
        phone = SocketGuest(phone_ws)
        await _configure_signed_in(phone, (await _sign_in(http, "ada:1"))["jwt"])
        laptop = SocketGuest(laptop_ws)
        await laptop.configure()
        before = await laptop.say("anonymous on the laptop")
        stepped = await _configure_signed_in(laptop, (await _sign_in(http, "ada:2"))["jwt"])
        assert stepped["body"]["newSession"] is False
        assert stepped["body"]["clearedExistingSession"] is True
        closed = await phone.wait_for(is_class("ConnectionClosedEvent"))
        assert closed["body"] == {"reason": "signedIn"}
        (signed_in,) = _sign_in_events(laptop)
        assert laptop.seen.index(signed_in) < laptop.seen.index(stepped)
        # The stepped-up session kept its conversation.
        jwt = (await laptop.request("getJwt"))["body"]["jwt"]
        page = await http.get(HISTORY_PATH, headers={"Authorization": f"bearer {jwt}"})
        assert before["body"]["id"] in [entity["id"] for entity in page.json()["entities"]]


async def test_a_deployment_without_session_upgrade_refuses_the_step_up(
    service_factory: Callable[..., LocalService], tmp_path: Path
) -> None:
    config = tmp_path / "centre.toml"
    config.write_text(
        f'[[deployments]]\nid = "{DEPLOYMENT}"\nrequiresAuth = true\nallowSessionUpgrade = false\n',
        encoding="utf-8",
    )
    service = service_factory(config_file=config)
    async with httpx2.AsyncClient(base_url=service.base_url, timeout=WAIT) as http:
        served = await http.get(f"/webdeployments/v1/deployments/{DEPLOYMENT}/config.json")
        assert served.json()["auth"] == {"enabled": True, "allowSessionUpgrade": False}
        jwt = (await _sign_in(http))["jwt"]
    async with websockets.connect(socket_url(service)) as ws:
        anonymous = SocketGuest(ws)
        await anonymous.configure()
        refused = await _configure_signed_in(anonymous, jwt)
        assert refused["class"] == "string" and refused["code"] == ErrorCode.FORBIDDEN
        assert not _sign_in_events(anonymous)
        # The anonymous session goes on, and a fresh token signs in.
        assert (await anonymous.say("still anonymous"))["body"].get("metadata") is None
        fresh = SocketGuest(ws)
        assert (await _configure_signed_in(fresh, jwt))["class"] == "SessionResponse"
