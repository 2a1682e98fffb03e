"""The console's pages and assets, and how the control token reaches a browser."""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib import resources

import httpx2
import pytest

from purecloud_guest_chat_client.emulator import LocalService
from purecloud_guest_chat_client.models.protocol import CONTROL_PREFIX, MAX_MESSAGE_LENGTH

TOKEN = "s3cret-token"
ASSETS = ("console.html", "login.html", "console.js", "console.css")
CONSOLE_HEADER = {"X-Guestchat-Console": "1"}


@pytest.fixture
def secured(service_factory: Callable[..., LocalService]) -> LocalService:
    return service_factory(agent="manual", control_token=TOKEN)


def _client(service: LocalService) -> httpx2.Client:
    return httpx2.Client(base_url=service.base_url, timeout=5.0, follow_redirects=False)


def _cookie_name(service: LocalService) -> str:
    return f"guestchat_console_{service.port}"


def test_without_a_token_the_console_is_served_with_its_assets(service: LocalService) -> None:
    with _client(service) as http:
        page = http.get("/console")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert 'src="/console/assets/console.js"' in page.text
        policy = page.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "connect-src 'self'" in policy
        assert page.headers["cache-control"] == "no-store"
        script = http.get("/console/assets/console.js")
        assert script.status_code == 200
        assert script.headers["content-type"].startswith("text/javascript")
        assert 'CONTROL + "/events"' in script.text
        # The wire facts are filled in from their one home, as the service has them.
        assert f'const CONTROL = "{CONTROL_PREFIX}";' in script.text
        assert f'maxlength="{MAX_MESSAGE_LENGTH}"' in page.text
        style = http.get("/console/assets/console.css")
        assert style.headers["content-type"].startswith("text/css")
        missing = http.get("/console/assets/secrets.txt")
        assert missing.status_code == 404
        assert missing.json()["code"] == "not.found"
        traversal = http.get("/console/assets/..%2Fstore.py")
        assert traversal.status_code == 404


def test_the_assets_load_nothing_from_another_origin() -> None:
    folder = resources.files("purecloud_guest_chat_client.emulator") / "console_assets"
    for name in ASSETS:
        text = (folder / name).read_text("utf-8")
        assert not re.search(r"\b(?:https?|wss?|ftp):|//[a-z0-9-]+(?:\.[a-z0-9-]+)+", text, re.I), (
            name
        )
        assert "@import" not in text, name
        # Every reference the page makes is a path on the service itself.
        for reference in re.findall(r'(?:src|href|action)="([^"]*)"', text):
            assert reference.startswith("/") or reference.startswith("data:"), reference


def test_with_a_token_the_console_asks_for_it(secured: LocalService) -> None:
    with _client(secured) as http:
        page = http.get("/console")
        assert page.status_code == 401
        assert 'name="token"' in page.text and "Control token" in page.text
        assert "console.js" not in page.text
        wrong = http.get("/console", params={"token": "guess"})
        assert wrong.status_code == 401
        assert "not this service&#x27;s control token" in wrong.text
        assert "set-cookie" not in wrong.headers


def test_the_token_in_the_address_becomes_a_strict_httponly_cookie(secured: LocalService) -> None:
    with _client(secured) as http:
        signed_in = http.get("/console", params={"token": TOKEN})
        assert signed_in.status_code == 303
        assert signed_in.headers["location"] == "/console"  # the token leaves the address bar
        cookie = signed_in.headers["set-cookie"]
        assert cookie.startswith(_cookie_name(secured) + "=")
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
        assert TOKEN not in cookie
        page = http.get("/console")
        assert page.status_code == 200 and "console.js" in page.text
        listed = http.get("/emulator/v1/conversations", headers=CONSOLE_HEADER)
        assert listed.status_code == 200


def test_the_sign_in_form_exchanges_the_token(secured: LocalService) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    with _client(secured) as http:
        empty = http.post("/console/login", content=b"token=", headers=form)
        assert empty.status_code == 401 and "Enter the control token" in empty.text
        wrong = http.post("/console/login", content=b"token=nope", headers=form)
        assert wrong.status_code == 401
        right = http.post("/console/login", content=f"token={TOKEN}".encode(), headers=form)
        assert right.status_code == 303 and right.headers["location"] == "/console"
        assert http.get("/console").status_code == 200
        out = http.post("/console/logout")
        assert out.status_code == 303
        assert http.get("/console").status_code == 401


def test_the_session_cookie_alone_does_not_open_the_control_api(secured: LocalService) -> None:
    """Another page on any local port is the same site, so the browser would send it the
    cookie: without the console's header (which such a page cannot add) it is refused."""
    with _client(secured) as http:
        http.get("/console", params={"token": TOKEN})
        assert http.cookies.get(_cookie_name(secured))
        forged = http.post(
            "/emulator/v1/faults",
            content=b'{"latencyMs": 5000}',
            headers={"Content-Type": "text/plain"},
        )
        assert forged.status_code == 401
        assert forged.json()["code"] == "authentication.required"
        assert http.get("/emulator/v1/faults").status_code == 401
    with _client(secured) as stranger:
        stranger.cookies.set(_cookie_name(secured), "0" * 64)
        refused = stranger.get("/emulator/v1/conversations", headers=CONSOLE_HEADER)
        assert refused.status_code == 401


def test_the_bearer_token_still_opens_the_control_api(secured: LocalService) -> None:
    with _client(secured) as http:
        ok = http.get("/emulator/v1/health", headers={"Authorization": f"Bearer {TOKEN}"})
        assert ok.status_code == 200
        wrong = http.get("/emulator/v1/health", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and wrong.json()["code"] == "bad.credentials"
        basic = http.get("/emulator/v1/health", headers={"Authorization": "Basic abc"})
        assert basic.json()["code"] == "authentication.required"


def test_a_token_offered_without_one_set_is_dropped_from_the_address(
    service: LocalService,
) -> None:
    with _client(service) as http:
        response = http.get("/console", params={"token": "anything"})
        assert response.status_code == 303 and response.headers["location"] == "/console"
        assert "set-cookie" not in response.headers
