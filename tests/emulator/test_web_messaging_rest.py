"""The Web Messaging REST parts against the real service: the history and the getJwt that opens
it (pages newest first in the live frames' shape), the deployment configuration, and every
refusal as an ErrorBody."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx2
import jwt as pyjwt
import pytest
import websockets
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from purecloud_guest_chat_client.emulator import LocalService
from purecloud_guest_chat_client.emulator.token_authority import key_path
from purecloud_guest_chat_client.models.web_messaging_protocol import (
    DEFAULT_SESSION_DURATION_SECONDS,
    DEPLOYMENT_CONFIG_PATH,
    HISTORY_CALLS_PER_MINUTE,
    HISTORY_MAX_PAGE_SIZE,
    HISTORY_PAGE_SIZE,
    HISTORY_PATH,
    INBOUND_FILE_TYPES,
    MAX_ATTACHMENT_KB,
    WEBSOCKET_PATH,
)

from ..helpers import API, WAIT, create_body
from .web_messaging_requests import DEPLOYMENT, SocketGuest, is_outbound_text, socket_url


@pytest.fixture
async def guest(service: LocalService) -> AsyncIterator[SocketGuest]:
    async with websockets.connect(socket_url(service)) as ws:
        guest = SocketGuest(ws)
        assert (await guest.configure())["class"] == "SessionResponse"
        yield guest


@pytest.fixture
async def http(service: LocalService) -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(base_url=service.base_url, timeout=WAIT) as client:
        yield client


async def _jwt(guest: SocketGuest) -> str:
    answer = await guest.request("getJwt")
    jwt: str = answer["body"]["jwt"]
    return jwt


async def _history(
    http: httpx2.AsyncClient, jwt: str, scheme: str = "bearer", **params: Any
) -> httpx2.Response:
    return await http.get(HISTORY_PATH, params=params, headers={"Authorization": f"{scheme} {jwt}"})


def _is_error_body(response: httpx2.Response, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == status and body["code"] and body["message"]
    assert body["contextId"] == response.headers["inin-correlation-id"]
    if code is not None:
        assert body["code"] == code


async def test_get_jwt_answers_a_jwt_response_that_names_the_conversation_not_the_token(
    guest: SocketGuest,
) -> None:
    answer = await guest.request("getJwt")
    assert answer["type"] == "response" and answer["class"] == "JwtResponse"
    assert answer["code"] == 200
    body = answer["body"]
    assert set(body) == {"jwt", "exp"}
    assert isinstance(body["jwt"], str) and isinstance(body["exp"], int)
    claims = pyjwt.decode(body["jwt"], options={"verify_signature": False})
    assert claims["exp"] == body["exp"] and body["exp"] > claims["iat"]
    assert guest.token not in json.dumps(claims) and guest.token not in body["jwt"]


async def test_get_jwt_before_configure_is_refused(service: LocalService) -> None:
    async with websockets.connect(socket_url(service)) as ws:
        answer = await SocketGuest(ws).request("getJwt")
    assert answer["class"] == "string" and answer["code"] == 400


async def test_history_holds_both_directions_newest_first_as_the_live_frames(
    guest: SocketGuest, http: httpx2.AsyncClient
) -> None:
    live = []
    for text in ("first", "second"):
        echo = await guest.say(text)
        assert echo["class"] == "StructuredMessage", echo
        live.append(echo["body"])
        live.append((await guest.wait_for(is_outbound_text(f"You said: {text}")))["body"])
    response = await _history(http, await _jwt(guest))
    assert response.status_code == 200, response.text
    page = response.json()
    assert set(page) == {"entities", "pageSize", "pageNumber", "total", "pageCount"}
    assert page["pageSize"] == HISTORY_PAGE_SIZE and page["pageNumber"] == 1
    entities = page["entities"]
    assert page["total"] == len(entities) and page["pageCount"] == 1
    by_id = {entity["id"]: entity for entity in entities}
    for body in live:
        assert by_id[body["id"]] == body  # same id, channel.time and messageId as live
    times = [entity["channel"]["time"] for entity in entities]
    assert times == sorted(times, reverse=True)
    texts = [e["text"] for e in entities if e["id"] in {b["id"] for b in live}]
    assert texts == ["You said: second", "second", "You said: first", "first"]
    directions = {entity["direction"] for entity in entities}
    assert directions == {"Inbound", "Outbound"}


async def test_history_pages_are_consistent_and_past_the_end_empty(
    guest: SocketGuest, http: httpx2.AsyncClient
) -> None:
    for text in ("a", "b", "c"):
        await guest.say(text)
        await guest.wait_for(is_outbound_text(f"You said: {text}"))
    jwt = await _jwt(guest)
    whole = (await _history(http, jwt, pageSize=HISTORY_MAX_PAGE_SIZE)).json()
    total = whole["total"]
    assert total >= 6
    pages = []
    for number in (1, 2, 3):
        page = (await _history(http, jwt, pageSize=2, pageNumber=number)).json()
        assert page["pageSize"] == 2 and page["pageNumber"] == number
        assert page["total"] == total and page["pageCount"] == -(-total // 2)
        pages.extend(page["entities"])
    assert pages == whole["entities"][:6]
    past_the_end = page["pageCount"] + 1
    beyond = (await _history(http, jwt, pageSize=2, pageNumber=past_the_end)).json()
    assert beyond["entities"] == [] and beyond["total"] == total


@pytest.mark.parametrize(
    "params",
    [
        {"pageSize": 0},
        {"pageSize": HISTORY_MAX_PAGE_SIZE + 1},
        {"pageSize": "ten"},
        {"pageNumber": 0},
        {"pageNumber": "-1"},
        {"pageNumber": "1.5"},
    ],
)
async def test_bad_paging_parameters_are_400(
    guest: SocketGuest, http: httpx2.AsyncClient, params: dict[str, Any]
) -> None:
    response = await _history(http, await _jwt(guest), **params)
    _is_error_body(response, 400, "invalid.query.param.value")
    assert next(iter(params)) in response.json()["message"]


async def test_the_bearer_scheme_is_read_in_any_case(
    guest: SocketGuest, http: httpx2.AsyncClient
) -> None:
    jwt = await _jwt(guest)
    for scheme in ("bearer", "Bearer", "BEARER"):
        assert (await _history(http, jwt, scheme)).status_code == 200


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _forgeries(service: LocalService, jwt: str) -> dict[str, tuple[str, str]]:
    """Authorization headers an attacker could send, with the ErrorBody code each gets."""
    header, payload, signature = jwt.split(".")
    claims = pyjwt.decode(jwt, options={"verify_signature": False})
    service_key = serialization.load_pem_private_key(
        key_path(service.db_path).read_bytes(), password=None
    )
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    expired = {**claims, "iat": claims["iat"] - 7200, "exp": int(time.time()) - 3600}
    flipped = ("A" if signature[10] != "A" else "B").join((signature[:10], signature[11:]))
    bad = "bad.credentials"
    return {
        "forged signature": (f"bearer {header}.{payload}.{flipped}", bad),
        "alg none": (f"bearer {_b64({'alg': 'none', 'typ': 'JWT'})}.{payload}.", bad),
        "another key": (f"bearer {pyjwt.encode(claims, other_key, algorithm='RS256')}", bad),
        "other claims": (f"bearer {header}.{_b64({**claims, 'exp': 4102444800})}.{signature}", bad),
        "garbage": ("bearer not-a-token", bad),
        "expired": (
            f"bearer {pyjwt.encode(expired, service_key, algorithm='RS256')}",  # type: ignore[arg-type]
            "credentials.expired",
        ),
        "no token": ("bearer", "authentication.required"),
        "another scheme": (f"Basic {jwt}", "authentication.required"),
        "no scheme": (jwt, "authentication.required"),
    }


async def test_missing_forged_and_expired_jwts_are_401(
    service: LocalService, guest: SocketGuest, http: httpx2.AsyncClient
) -> None:
    _is_error_body(await http.get(HISTORY_PATH), 401, "authentication.required")
    for what, (authorization, code) in _forgeries(service, await _jwt(guest)).items():
        response = await http.get(HISTORY_PATH, headers={"Authorization": authorization})
        assert response.status_code == 401, what
        _is_error_body(response, 401, code)


async def test_history_is_limited_per_session_when_rate_limiting_is_on(
    service: LocalService, guest: SocketGuest, http: httpx2.AsyncClient
) -> None:
    assert service.settings.rate_limit_per_minute > 0
    jwt = await _jwt(guest)
    for _ in range(HISTORY_CALLS_PER_MINUTE):
        assert (await _history(http, jwt)).status_code == 200
    refused = await _history(http, jwt)
    _is_error_body(refused, 429, "too.many.requests.retry.after")
    assert int(refused.headers["Retry-After"]) >= 1
    async with websockets.connect(socket_url(service)) as ws:
        other = SocketGuest(ws)
        await other.configure()
        assert (await _history(http, await _jwt(other))).status_code == 200


async def test_history_is_not_limited_when_rate_limiting_is_off(
    service_factory: Callable[..., LocalService],
) -> None:
    service = service_factory(rate_limit_per_minute=0)
    async with (
        websockets.connect(socket_url(service)) as ws,
        httpx2.AsyncClient(base_url=service.base_url, timeout=WAIT) as http,
    ):
        guest = SocketGuest(ws)
        await guest.configure()
        jwt = await _jwt(guest)
        for _ in range(HISTORY_CALLS_PER_MINUTE + 2):
            assert (await _history(http, jwt)).status_code == 200


async def test_a_new_session_has_an_empty_history(
    guest: SocketGuest, http: httpx2.AsyncClient
) -> None:
    page = (await _history(http, await _jwt(guest))).json()
    assert page["entities"] == [] and page["total"] == 0 and page["pageCount"] == 0


async def test_the_history_is_in_the_openapi_document(http: httpx2.AsyncClient) -> None:
    document = (await http.get("/openapi.json")).json()
    assert "get" in document["paths"][HISTORY_PATH]


async def test_a_guest_chat_token_is_no_web_messaging_credential(http: httpx2.AsyncClient) -> None:
    chat = (await http.post(API, json=create_body())).json()
    response = await http.get(HISTORY_PATH, headers={"Authorization": f"bearer {chat['jwt']}"})
    _is_error_body(response, 401, "bad.credentials")


# -- the deployment configuration ----------------------------------------------------------------


def _config_path(deployment_id: str) -> str:
    return DEPLOYMENT_CONFIG_PATH.format(deployment_id=deployment_id)


async def test_the_deployment_configuration_points_at_this_service(
    service: LocalService, http: httpx2.AsyncClient
) -> None:
    response = await http.get(_config_path(DEPLOYMENT))
    assert response.status_code == 200, response.text
    config = response.json()
    assert config["id"] == DEPLOYMENT and config["status"] == "Active"
    assert config["defaultLanguage"] in config["languages"]
    assert config["apiEndpoint"] == service.base_url
    assert config["auth"] == {"enabled": False, "allowSessionUpgrade": True}
    messenger = config["messenger"]
    upload = messenger["fileUpload"]
    assert upload["enableAttachments"] is True
    assert upload["modes"] == [
        {"fileTypes": list(INBOUND_FILE_TYPES), "maxFileSizeKB": MAX_ATTACHMENT_KB}
    ]
    conversations = messenger["apps"]["conversations"]
    assert conversations["showAgentTypingIndicator"] is True
    assert conversations["showUserTypingIndicator"] is True
    assert conversations["conversationDisconnect"] == {"enabled": True, "type": "ReadOnly"}
    assert conversations["conversationClear"] == {"enabled": True}
    assert conversations["sessionDurationSeconds"] == DEFAULT_SESSION_DURATION_SECONDS
    endpoint = conversations["messagingEndpoint"]
    assert endpoint == service.base_url.replace("http://", "ws://", 1)
    # A Messenger connects where the configuration says.
    async with websockets.connect(f"{endpoint}{WEBSOCKET_PATH}?deploymentId={DEPLOYMENT}") as ws:
        assert (await SocketGuest(ws).configure())["class"] == "SessionResponse"


async def test_a_listed_deployment_is_configured_from_the_contact_centre_and_others_are_404(
    service_factory: Callable[..., LocalService], tmp_path: Path
) -> None:
    config_file = tmp_path / "centre.toml"
    config_file.write_text(
        '[[deployments]]\nid = "signed-in"\nrequiresAuth = true\n\n'
        '[[deployments]]\nid = "switched-off"\nenabled = false\n',
        encoding="utf-8",
    )
    service = service_factory(config_file=config_file)
    async with httpx2.AsyncClient(base_url=service.base_url, timeout=WAIT) as http:
        signed_in = (await http.get(_config_path("signed-in"))).json()
        assert signed_in["auth"]["enabled"] is True and signed_in["status"] == "Active"
        switched_off = (await http.get(_config_path("switched-off"))).json()
        assert switched_off["status"] == "Inactive" and switched_off["auth"]["enabled"] is False
        unknown = await http.get(_config_path("nobody-knows"))
        _is_error_body(unknown, 404, "not.found")
        assert "nobody-knows" in unknown.json()["message"]
