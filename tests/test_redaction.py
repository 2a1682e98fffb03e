"""No credential is ever written anywhere: logs (console, file, records), exception messages,
reprs. Checked on whole chats against the local service, and on the cases patterns alone miss:
a token that is not JWT-shaped, and a token cut by a truncating formatter."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from purecloud_guest_chat_client import (
    JSON,
    TEXT,
    ApiClient,
    AsyncApiClient,
    LogFormat,
    LTrace,
    WebChatApi,
)
from purecloud_guest_chat_client._redact import (
    MIN_FRAGMENT,
    REDACTED,
    redact_text,
    remember_secret,
)
from purecloud_guest_chat_client.apis.web_chat_api import AsyncWebChatApi
from purecloud_guest_chat_client.emulator import AsyncControlClient, LocalService
from purecloud_guest_chat_client.errors import ApiException, BadRequestError
from purecloud_guest_chat_client.models.frames import parse_frame
from purecloud_guest_chat_client.session import GuestChat
from purecloud_guest_chat_client.stream import (
    AgentJoined,
    ChatEvent,
    EventStream,
    MessageEvent,
    StreamAuthError,
    UnknownEvent,
)
from purecloud_guest_chat_client.stream._mapping import event_from_frame

from .helpers import create_body
from .sdk._local_http import Canned, canned_server

HEARTBEAT = 0.3


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No config file of the machine's user changes what the clients log."""
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def _pieces(secret: str, size: int = 12) -> list[str]:
    """Every ``size``-long piece of ``secret``: none may survive anywhere."""
    return [secret[start : start + size] for start in range(0, len(secret) - size + 1)]


def _leaks(text: str, jwt: str) -> list[str]:
    """The pieces of ``jwt``'s payload and signature found in ``text`` (its header is the same
    in every token the service signs, so it tells nothing)."""
    _header, payload, signature = jwt.split(".")
    found = [piece for piece in (jwt, payload, signature) if piece in text]
    found += [piece for piece in _pieces(signature) + _pieces(payload) if piece in text]
    return found


def _log_to(client: ApiClient | AsyncApiClient, log_format: LogFormat, log_file: Path) -> None:
    logger = client.config.logger
    logger.log_level = LTrace
    logger.log_format = log_format
    logger.log_to_console = True
    logger.log_file_path = log_file
    logger.log_request_body = True
    logger.log_response_body = True
    logger.set_logger()


# The local service runs in the test's process; its own log lines are the server's, not the
# client's, and are left out.
_SERVER_LOGGERS = ("uvicorn", "purecloud_guest_chat_client.emulator")


@pytest.fixture
def everything_logged(caplog: pytest.LogCaptureFixture) -> Iterator[Callable[[], str]]:
    """Every client-side record of every logger at debug (websockets' frame dumps and the HTTP
    library's included), as one text made the way a handler would: message, traceback, stack."""
    caplog.set_level(logging.DEBUG)
    formatter = logging.Formatter("%(name)s %(message)s")
    yield lambda: "\n".join(
        formatter.format(record)
        for record in caplog.records
        if not record.name.startswith(_SERVER_LOGGERS)
    )


# -- the cases the patterns alone missed ---------------------------------------------------------


@pytest.mark.parametrize("log_format", [JSON, TEXT])
def test_a_token_that_is_not_jwt_shaped_is_not_logged_before_set_jwt(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], log_format: LogFormat
) -> None:
    """A create answer whose JWT does not begin with ``eyJ`` (an opaque token from a gateway,
    say) used to be written in full to the trace log: ``set_jwt()`` had not been called yet."""
    token = "opaque-7f3k9QzLmW2xVb8nR4tY6uJ1hG5dS0aP"
    created = {
        "id": "c-1",
        "jwt": token,
        "eventStreamUri": f"ws://127.0.0.1:9/v1/token/{token}",
        "member": {"id": "m-1", "role": "CUSTOMER"},
    }
    log_file = tmp_path / "sdk.log"
    with (
        canned_server(Canned(200, json.dumps(created).encode())) as (url, _hits),
        ApiClient(url) as client,
    ):
        _log_to(client, log_format, log_file)
        answer = WebChatApi(client).post_webchat_guest_conversations(create_body("Ann"))
        assert answer.jwt == token
    written = log_file.read_text(encoding="utf-8")
    console = capsys.readouterr().err
    for output in (written, console):
        assert "post_webchat_guest_conversations" in output
        assert not [piece for piece in _pieces(token) if piece in output], output
        assert REDACTED in output


async def test_a_frame_cut_by_the_websocket_debug_output_shows_no_piece_of_the_token(
    everything_logged: Callable[[], str], guest_chat: tuple[LocalService, GuestChat, str]
) -> None:
    """websockets shows a long frame as its head, ``...`` and its tail: the tail of a token at
    the end of a frame no longer looks like a JWT, and used to be logged."""
    service, chat, jwt = guest_chat
    async with AsyncControlClient(service.control_url) as control:
        await control.set_faults(
            rawFrames={
                "conversationId": chat.conversation_id,
                "frames": [json.dumps({"note": jwt}), jwt],
            }
        )
        await control.join_agent(chat.conversation_id, "Bo")
        await _until(chat, lambda event: isinstance(event, AgentJoined))
    logged = everything_logged()
    assert "TEXT '" in logged, "websockets' frame dumps were not captured"
    assert not _leaks(logged, jwt)


def test_the_repr_of_an_unknown_event_hides_the_frame() -> None:
    secret = "s3cr3t-frame-content-9Xq2"
    event = event_from_frame(parse_frame(json.dumps({"what": secret})))
    assert isinstance(event, UnknownEvent) and event.raw == json.dumps({"what": secret})
    assert secret not in repr(event) and secret not in str(event)
    assert f"<{len(event.raw)} chars>" in repr(event)
    frame = parse_frame(secret)
    assert secret not in repr(frame) and secret not in str(frame)


def test_every_piece_of_a_token_seen_once_is_hidden_from_then_on() -> None:
    token = "Zq8opaque_tok3n-Wv5Xy7Kp2Lm9Nb4Hc6Jd"
    assert redact_text(f"jwt={token}") == f"jwt={REDACTED}"
    for piece in (token[:MIN_FRAGMENT], token[-MIN_FRAGMENT:], token[10:30], token):
        assert piece not in redact_text(f"...{piece}'}} [120 bytes]")
    # Shorter pieces and ordinary words are left alone.
    assert redact_text(f"{token[:4]} and an ordinary sentence") == (
        f"{token[:4]} and an ordinary sentence"
    )


def test_the_tokens_remembered_are_bounded_and_the_newest_kept() -> None:
    made = [secrets.token_urlsafe(24) for _ in range(5000)]
    for token in made:
        remember_secret(token)
    assert made[0] in redact_text(f"old {made[0]} one"), "the oldest are forgotten"
    for token in made[-1000:]:
        assert redact_text(f"new {token} one") == f"new {REDACTED} one"
    remember_secret("odd+token/with=other*chars")
    assert redact_text("x odd+token/with=other*chars y") == f"x {REDACTED} y"


def test_prose_does_not_teach_the_redaction_an_ordinary_word() -> None:
    assert redact_text("the bearer of good news") == f"the bearer {REDACTED} good news"
    assert redact_text("wonderful news, truly") == "wonderful news, truly"


# -- whole chats ---------------------------------------------------------------------------------


@pytest.fixture
def manual_service(service_factory: Callable[..., LocalService]) -> LocalService:
    return service_factory(agent="manual", heartbeat_seconds=HEARTBEAT)


async def _until(
    chat: GuestChat, predicate: Callable[[ChatEvent], bool], timeout: float = 10.0
) -> list[ChatEvent]:
    seen: list[ChatEvent] = []
    async with asyncio.timeout(timeout):
        async for event in chat.events():
            seen.append(event)
            if predicate(event):
                return seen
    raise AssertionError(f"the chat ended before the expected event; saw {seen}")


@pytest.fixture
async def guest_chat(manual_service: LocalService) -> Any:
    async with AsyncApiClient(manual_service.base_url) as client:
        chat = await GuestChat.start(
            "org-1",
            "deployment-1",
            "Support",
            "Ann",
            client=client,
            heartbeat_interval=HEARTBEAT,
        )
        async with chat:
            yield manual_service, chat, chat.state().jwt


@pytest.mark.parametrize("log_format", [JSON, TEXT])
async def test_whole_chats_write_no_credential_anywhere(
    manual_service: LocalService,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    everything_logged: Callable[[], str],
    log_format: LogFormat,
) -> None:
    log_file = tmp_path / "sdk.log"
    shown: list[str] = []  # every repr, str and exception message met on the way

    def show(*objects: object) -> None:
        for thing in objects:
            shown.extend((repr(thing), str(thing)))
            if isinstance(thing, BaseException):
                shown.extend(str(arg) for arg in thing.args)

    async with (
        AsyncApiClient(manual_service.base_url) as client,
        AsyncControlClient(manual_service.control_url) as control,
    ):
        _log_to(client, log_format, log_file)
        chat = await GuestChat.start(
            "org-1", "deployment-1", "Support", "Ann", client=client, heartbeat_interval=HEARTBEAT
        )
        state = chat.state()
        jwt = state.jwt
        show(client, chat, state, state.to_dict().keys())
        async with chat:
            agent = await control.join_agent(chat.conversation_id, "Bo")
            events = await _until(chat, lambda event: isinstance(event, AgentJoined))
            await chat.send(f"my token is {jwt}")
            events += await _until(
                chat, lambda event: isinstance(event, MessageEvent) and jwt in event.body
            )
            await control.send(chat.conversation_id, agent["id"], f"yours was {jwt}")
            await control.set_faults(
                rawFrames={"conversationId": chat.conversation_id, "frames": [f"?{jwt}"]}
            )
            await control.set_faults(dropStreams={"conversationId": chat.conversation_id})
            events += await _until(
                chat, lambda event: isinstance(event, MessageEvent) and "yours was" in event.body
            )
            show(*events, chat)

            # Failures: a message too long, a call with a forged token, a refused stream.
            api = AsyncWebChatApi(client.with_jwt(jwt))
            with pytest.raises(BadRequestError) as too_long:
                await api.post_webchat_guest_conversation_member_messages(
                    chat.conversation_id, chat.guest.id, {"body": "x" * 5000}
                )
            show(too_long.value, too_long.value.text, too_long.value.body)
            forged = jwt[:-8] + ("AAAAAAAA" if not jwt.endswith("AAAAAAAA") else "BBBBBBBB")
            with pytest.raises(ApiException) as refused:
                await AsyncWebChatApi(
                    client.with_jwt(forged)
                ).get_webchat_guest_conversation_messages(chat.conversation_id)
            show(refused.value, refused.value.text)
            uri = state.event_stream_uri.replace(jwt, forged)
            with pytest.raises(StreamAuthError) as stream_refused:
                await EventStream(uri).connect()
            show(stream_refused.value, EventStream(uri))
            messages = await api.get_webchat_guest_conversation_messages(chat.conversation_id)
            show(api, api.api_client)
            await chat.leave()
        show(chat)
    outputs = {
        "file": log_file.read_text(encoding="utf-8"),
        "console": "".join(capsys.readouterr()),
        "records": everything_logged(),
        "reprs": "\n".join(shown),
    }
    assert messages.entities and any(jwt in (m.body or "") for m in messages.entities)
    assert "post_webchat_guest_conversations" in outputs["file"]
    assert "TEXT '" in outputs["records"], "websockets' frame dumps were not captured"
    for where, output in outputs.items():
        assert not _leaks(output, jwt), f"the {where} show a piece of the JWT"
        assert not _leaks(output, forged), f"the {where} show a piece of the forged JWT"
