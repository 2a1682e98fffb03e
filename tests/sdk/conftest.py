from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from purecloud_guest_chat_client import ApiClient, RetryPolicy, WebChatApi
from purecloud_guest_chat_client.models import CreateWebChatConversationResponse

from ..helpers import create_body


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep the user's real ~/.genesyscloudpython-guest/config out of every test."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    return home


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def wait_for_agent(control: Any, cid: str) -> None:
    """Wait until the echo agent is CONNECTED: agent actions such as media requests need one."""

    def agent_connected() -> bool:
        members = control.conversation(cid)["members"]
        return any(m.get("role") == "AGENT" and m.get("state") == "CONNECTED" for m in members)

    wait_for(agent_connected, "an agent to connect")


@dataclass
class Chat:
    client: ApiClient
    api: WebChatApi
    created: CreateWebChatConversationResponse
    socket: ClientConnection

    @property
    def id(self) -> str:
        assert self.created.id is not None
        return self.created.id

    @property
    def member_id(self) -> str:
        assert self.created.member is not None and self.created.member.id is not None
        return self.created.member.id

    @property
    def jwt(self) -> str:
        assert self.created.jwt is not None
        return self.created.jwt


def _drain(socket: ClientConnection) -> None:
    with contextlib.suppress(Exception):
        for _frame in socket:
            pass


def attach_stream(created: CreateWebChatConversationResponse) -> ClientConnection:
    """Open the event stream and wait until the guest is CONNECTED (sending works from then)."""
    assert created.event_stream_uri is not None and created.member is not None
    # Entered as a context manager (websockets wants that); the caller closes it.
    socket = connect(created.event_stream_uri, open_timeout=10).__enter__()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        frame = json.loads(socket.recv(timeout=10))
        body = frame.get("eventBody") or {}
        member = body.get("member") or {}
        if member.get("id") == created.member.id and member.get("state") == "CONNECTED":
            # Keep reading: an unread stream would push back on the service's sends.
            threading.Thread(target=_drain, args=(socket,), daemon=True).start()
            return socket
    raise AssertionError("the guest never became CONNECTED")


def open_chat(base_url: str, name: str = "Guest", **client_options: Any) -> Chat:
    client_options.setdefault("retry", RetryPolicy.disabled())
    client = ApiClient(base_url, **client_options)
    api = WebChatApi(client)
    created = api.post_webchat_guest_conversations(create_body(name))
    client.set_jwt(created.jwt)
    return Chat(client, api, created, attach_stream(created))


@pytest.fixture
def chat(service: Any) -> Iterator[Chat]:
    opened = open_chat(service.base_url)
    yield opened
    opened.socket.close()
    opened.client.close()
