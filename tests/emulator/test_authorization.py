"""Who may do what: guest tokens on the REST API and the event stream, and the control API's
token, Host and Origin checks. Every refusal is the documented ErrorBody."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import jwt as pyjwt
import pytest
import websockets
from cryptography.hazmat.primitives import serialization
from websockets.exceptions import InvalidStatus

from purecloud_guest_chat_client.emulator import ControlClient, LocalService
from purecloud_guest_chat_client.emulator.__main__ import _parser
from purecloud_guest_chat_client.emulator.host_guard import HostGuard, host_name
from purecloud_guest_chat_client.emulator.settings import ServiceSettings
from purecloud_guest_chat_client.emulator.token_authority import key_path

from ..helpers import NewGuest

CONTROL = "/emulator/v1"


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(token: str) -> dict[str, Any]:
    return dict(pyjwt.decode(token, options={"verify_signature": False}))


def _private_key(service: LocalService) -> Any:
    pem = key_path(service.db_path).read_bytes()
    return serialization.load_pem_private_key(pem, password=None)


def _forgeries(service: LocalService, token: str) -> dict[str, str]:
    """Tokens an attacker can make from a real one: each names the same guest."""
    header, payload, signature = token.split(".")
    claims = _claims(token)
    public_pem = (
        _private_key(service)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    flipped = ("A" if signature[10] != "A" else "B").join((signature[:10], signature[11:]))
    expired = {**claims, "iat": claims["iat"] - 7200, "exp": int(time.time()) - 3600}
    return {
        "forged signature": f"{header}.{payload}.{flipped}",
        "no signature": f"{header}.{payload}.",
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{payload}.",
        "alg None": f"{_b64({'alg': 'None', 'typ': 'JWT'})}.{payload}.",
        "HS256 keyed with the public key": _hs256(claims, public_pem),
        "other claims, old signature": f"{header}.{_b64({**claims, 'exp': 4102444800})}."
        + signature,
        "expired": pyjwt.encode(expired, _private_key(service), algorithm="RS256"),
        "garbage": "not-a-token",
        "empty parts": "..",
    }


def _hs256(claims: dict[str, Any], key: bytes) -> str:
    # PyJWT rightly refuses to use a PEM as an HMAC key, so the token is signed by hand.
    signing_input = f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64(claims)}"
    mac = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def _is_error_body(response: httpx2.Response, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == status and body["code"] and body["message"]
    assert body["contextId"] == response.headers["inin-correlation-id"]
    if code is not None:
        assert body["code"] == code


# -- guest tokens on REST ----------------------------------------------------------------------


async def test_forged_tokens_are_refused_on_every_guest_operation(
    service: LocalService, new_guest: NewGuest, http: httpx2.AsyncClient
) -> None:
    guest = await new_guest()
    calls = [
        ("GET", guest.path("/members")),
        ("GET", guest.member_path),
        ("GET", guest.path("/messages")),
        ("POST", guest.member_path + "/messages"),
        ("POST", guest.member_path + "/typing"),
        ("DELETE", guest.member_path),
    ]
    for what, forged in _forgeries(service, guest.jwt).items():
        expected = "credentials.expired" if what == "expired" else "bad.credentials"
        for method, path in calls:
            body = {"body": "forged"} if path.endswith("/messages") and method == "POST" else None
            response = await http.request(
                method, path, json=body, headers={"Authorization": f"Bearer {forged}"}
            )
            _is_error_body(response, 401, expected)
    # Nothing the forgeries tried happened: the guest is still there, and said nothing.
    messages = await guest.request("GET", "/messages")
    assert messages.status_code == 200
    assert not [m for m in messages.json()["entities"] if m.get("body") == "forged"]


async def test_a_token_opens_only_its_own_conversation_and_member(
    new_guest: NewGuest, http: httpx2.AsyncClient
) -> None:
    ann, bob = await new_guest(), await new_guest()
    _stream, agent_id = await ann.routed()
    as_ann = {"Authorization": f"Bearer {ann.jwt}"}
    # Bob's conversation, with Ann's token.
    for method, path in [
        ("GET", bob.path("/messages")),
        ("GET", bob.path("/members")),
        ("POST", bob.member_path + "/messages"),
        ("DELETE", bob.member_path),
    ]:
        response = await http.request(method, path, json={"body": "x"}, headers=as_ann)
        _is_error_body(response, 403, "not.authorized")
    # Another member of Ann's own conversation: the agent.
    agent_path = ann.path(f"/members/{agent_id}")
    for method, suffix in [("POST", "/messages"), ("POST", "/typing"), ("DELETE", "")]:
        response = await http.request(
            method, agent_path + suffix, json={"body": "x"}, headers=as_ann
        )
        _is_error_body(response, 403, "not.authorized")
    members = (await ann.request("GET", "/members")).json()["entities"]
    states = {member["id"]: member["state"] for member in members}
    assert states[ann.member_id] == states[agent_id] == "CONNECTED", members


async def test_a_token_in_the_query_string_is_not_a_credential(
    new_guest: NewGuest, http: httpx2.AsyncClient
) -> None:
    guest = await new_guest()
    for name in ("jwt", "token", "access_token", "authorization"):
        response = await http.get(guest.path("/messages"), params={name: guest.jwt})
        _is_error_body(response, 401, "authentication.required")


@pytest.mark.parametrize(
    "authorization",
    [
        "",
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "Token abc",
        "Bearer " + "A" * 20_000,
        "Bearer a.b.c",
        "Bearer " + "." * 100,
        "Bearer " + "é".encode().decode("latin-1"),
    ],
)
async def test_garbage_and_huge_authorization_headers_are_refused(
    new_guest: NewGuest, http: httpx2.AsyncClient, authorization: str
) -> None:
    guest = await new_guest()
    response = await http.get(
        guest.path("/messages"), headers={"Authorization": authorization.encode("latin-1")}
    )
    # Over the header limit, the connection layer refuses it before the token is looked at.
    _is_error_body(response, 431 if len(authorization) > 16_000 else 401)
    assert (await guest.request("GET", "/messages")).status_code == 200


@pytest.mark.parametrize("authorization", [b"Bearer " + b"A" * 300_000, b"Bearer \x7f\x01x"])
async def test_headers_the_server_cannot_parse_leave_it_serving(
    service: LocalService, new_guest: NewGuest, http: httpx2.AsyncClient, authorization: bytes
) -> None:
    guest = await new_guest()
    try:
        response = await http.get(guest.path("/messages"), headers={"Authorization": authorization})
    except httpx2.TransportError:
        pass  # the server may cut the connection rather than answer
    else:
        _is_error_body(response, 400 if b"\x7f" in authorization else 431)
    with ControlClient(service.control_url) as control:
        assert control.conversations()
    assert (await guest.request("GET", "/messages")).status_code == 200


# -- guest tokens on the event stream ----------------------------------------------------------


async def _handshake_status(uri: str) -> int:
    try:
        async with websockets.connect(uri, open_timeout=5) as ws:
            await ws.close()
    except InvalidStatus as refused:
        body = json.loads(refused.response.body or b"{}")
        assert body.get("status") == refused.response.status_code, body
        return int(refused.response.status_code)
    return 101


async def test_the_stream_refuses_forged_tokens(service: LocalService, new_guest: NewGuest) -> None:
    guest = await new_guest()
    base = guest.stream_uri.removesuffix(guest.jwt)
    assert base.endswith("/v1/token/")
    for what, forged in _forgeries(service, guest.jwt).items():
        assert await _handshake_status(base + forged) == 401, what
    for garbage in ("%00", "A" * 8_000, "a.b.c", "%2e%2e%2f"):
        assert await _handshake_status(base + garbage) in (401, 404), garbage
    # The token only counts in the path: a query string or a header does not open a stream.
    assert await _handshake_status(f"{base}?jwt={guest.jwt}") in (401, 404)
    assert await _handshake_status(guest.stream_uri) == 101


async def test_a_handshake_too_large_to_parse_is_answered(
    service: LocalService, new_guest: NewGuest
) -> None:
    """A handshake over the WebSocket parser's limits used to get no answer at all: the client
    waited until its own timeout while the server held the connection open."""
    guest = await new_guest()
    base = guest.stream_uri.removesuffix(guest.jwt)
    assert await _handshake_status(base + "A" * 20_000) == 414
    with pytest.raises(InvalidStatus) as refused:
        async with websockets.connect(
            guest.stream_uri, open_timeout=5, additional_headers={"X-Padding": "p" * 9_000}
        ):
            pass
    assert refused.value.response.status_code == 431
    body = json.loads(refused.value.response.body or b"{}")
    assert body["code"] == "request.header.fields.too.large"
    assert await _handshake_status(guest.stream_uri) == 101


# -- the control API ---------------------------------------------------------------------------


def test_the_control_api_without_a_token_serves_local_callers(service: LocalService) -> None:
    response = httpx2.get(f"{service.control_url}/conversations")
    assert response.status_code == 200


def test_the_control_api_with_a_token(service_factory: Callable[..., LocalService]) -> None:
    service = service_factory(control_token="s3cret-control-token")
    url = f"{service.control_url}/conversations"
    _is_error_body(httpx2.get(url), 401, "authentication.required")
    _is_error_body(httpx2.get(url, headers={"Authorization": "Bearer wrong"}), 401)
    _is_error_body(httpx2.get(url, params={"token": "s3cret-control-token"}), 401)
    _is_error_body(httpx2.get(url, headers={"Authorization": "Basic s3cret-control-token"}), 401)
    ok = httpx2.get(url, headers={"Authorization": "Bearer s3cret-control-token"})
    assert ok.status_code == 200
    assert "s3cret-control-token" not in repr(service.settings)


def test_the_control_token_can_come_from_a_file(
    service_factory: Callable[..., LocalService], tmp_path: Path
) -> None:
    token_file = tmp_path / "control-token"
    token_file.write_text("from-a-file-9d8f7\n", encoding="utf-8")
    service = service_factory(control_token_file=token_file)
    url = f"{service.control_url}/conversations"
    _is_error_body(httpx2.get(url), 401)
    assert httpx2.get(url, headers={"Authorization": "Bearer from-a-file-9d8f7"}).status_code == 200


def test_the_control_token_file_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("t0ken-in-a-file\n", encoding="utf-8")
    args = _parser().parse_args(["--control-token-file", str(token_file)])
    assert ServiceSettings(control_token_file=args.control_token_file).control_token == (
        "t0ken-in-a-file"
    )
    monkeypatch.setenv("GUESTCHAT_CONTROL_TOKEN_FILE", str(token_file))
    assert _parser().parse_args([]).control_token_file == str(token_file)
    monkeypatch.setenv("GUESTCHAT_CONTROL_TOKEN", "t0ken-in-the-environment")
    assert _parser().parse_args([]).control_token == "t0ken-in-the-environment"
    with pytest.raises(ValueError, match="cannot be read"):
        ServiceSettings(control_token_file=tmp_path / "missing")
    (tmp_path / "empty").write_text("\n", encoding="utf-8")
    with pytest.raises(ValueError, match="one token"):
        ServiceSettings(control_token_file=tmp_path / "empty")
    with pytest.raises(ValueError, match="not both"):
        ServiceSettings(control_token="other", control_token_file=token_file)
    settings = ServiceSettings(control_token_file=token_file)
    assert settings.with_overrides(port=0).control_token == "t0ken-in-a-file"
    assert "t0ken-in-a-file" not in repr(settings)


def test_the_guestchat_serve_command_takes_a_token_file(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from purecloud_guest_chat_client.cli import app

    missing = tmp_path / "missing"
    result = CliRunner().invoke(app.app, ["serve", "--control-token-file", str(missing)])
    assert result.exit_code != 0 and "control-token-file" in result.output


@pytest.mark.parametrize(
    "host",
    [
        "rebind.attacker.example",
        "rebind.attacker.example:{port}",
        "127.0.0.1.nip.io:{port}",
        "localhost.attacker.example",
        "10.0.0.1:{port}",
        "",
        "[::1",
        "127.0.0.1:{port}@evil.example",
    ],
)
def test_the_control_api_refuses_a_foreign_host(service: LocalService, host: str) -> None:
    """Without this check a page whose name was rebound to 127.0.0.1 could drive the agents:
    ``Host: rebind.attacker.example`` used to get 200."""
    for path in ("/conversations", "/faults", "/health"):
        response = httpx2.get(
            service.control_url + path, headers={"Host": host.format(port=service.port)}
        )
        _is_error_body(response, 403, "not.authorized")
    response = httpx2.post(
        service.control_url + "/faults",
        json={"latencyMs": 1000},
        headers={"Host": host.format(port=service.port)},
    )
    _is_error_body(response, 403)
    assert httpx2.get(service.control_url + "/faults").json()["latencyMs"] == 0


@pytest.mark.parametrize(
    "host", ["127.0.0.1:{port}", "localhost:{port}", "127.8.9.10", "[::1]:{port}", "LOCALHOST"]
)
def test_the_control_api_serves_loopback_hosts(service: LocalService, host: str) -> None:
    response = httpx2.get(
        service.control_url + "/conversations", headers={"Host": host.format(port=service.port)}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "origin",
    [
        "http://rebind.attacker.example",
        "null",
        "http://127.0.0.1:1",
        "file://",
        "https://evil.example",
    ],
)
def test_the_control_api_refuses_a_cross_origin_page(service: LocalService, origin: str) -> None:
    response = httpx2.post(
        service.control_url + "/faults", json={"latencyMs": 1000}, headers={"Origin": origin}
    )
    _is_error_body(response, 403, "not.authorized")
    assert httpx2.get(service.control_url + "/faults").json()["latencyMs"] == 0


def test_the_control_api_serves_its_own_origin(service: LocalService) -> None:
    own = f"http://127.0.0.1:{service.port}"
    response = httpx2.get(service.control_url + "/conversations", headers={"Origin": own})
    assert response.status_code == 200


def test_hosts_and_origins_can_be_allowed(service_factory: Callable[..., LocalService]) -> None:
    service = service_factory(
        allowed_hosts=["chat.test"], allowed_origins=["http://localhost:3000"]
    )
    url = service.control_url + "/conversations"
    assert httpx2.get(url, headers={"Host": "chat.test:8080"}).status_code == 200
    assert httpx2.get(url, headers={"Origin": "http://localhost:3000"}).status_code == 200
    _is_error_body(httpx2.get(url, headers={"Origin": "http://localhost:3001"}), 403)
    _is_error_body(httpx2.get(url, headers={"Host": "other.test"}), 403)
    anything = service_factory(allowed_hosts=["*"], allowed_origins=["*"])
    headers = {"Host": "anything.example", "Origin": "http://anything.example:1"}
    assert httpx2.get(anything.control_url + "/conversations", headers=headers).status_code == 200


def test_the_console_and_the_guest_api(service: LocalService, new_guest: NewGuest) -> None:
    """The console is guarded like the control API; the guest API is not (a guest's page is on
    another site by nature)."""
    foreign = {"Host": "rebind.attacker.example", "Origin": "http://rebind.attacker.example"}
    for path in ("/console", "/console/", "/console/app.js"):
        _is_error_body(httpx2.get(service.base_url + path, headers=foreign), 403)
    response = httpx2.get(service.base_url + "/openapi.json", headers=foreign)
    assert response.status_code == 200


async def test_a_websocket_under_the_console_from_a_foreign_host_is_refused(
    service: LocalService,
) -> None:
    uri = f"ws://127.0.0.1:{service.port}/console/ws"
    with pytest.raises(InvalidStatus) as refused:
        async with websockets.connect(uri, additional_headers={"Origin": "http://evil.example"}):
            pass
    assert refused.value.response.status_code == 403
    assert json.loads(refused.value.response.body or b"{}")["code"] == "not.authorized"


def test_host_names_are_read_strictly() -> None:
    assert host_name("127.0.0.1:8080") == "127.0.0.1"
    assert host_name("[::1]:8080") == "::1"
    assert host_name("LocalHost") == "localhost"
    for unreadable in ("", "[::1", "[::1]x", "a:b:c", "host:port", "a b", "user@host", "h/x"):
        assert host_name(unreadable) is None, unreadable
    guard = HostGuard(lambda scope, receive, send: None, ServiceSettings(host="127.0.0.2"))  # type: ignore[arg-type, return-value]
    assert guard.refusal("127.0.0.2:1", None) is None
    assert guard.refusal("example.com", None) is not None
    assert guard.refusal(None, None) is not None
