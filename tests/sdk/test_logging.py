"""Request logging: the JS SDK's levels and formats, and the JWT never written anywhere."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from purecloud_guest_chat_client import (
    JSON,
    TEXT,
    ApiClient,
    BadRequestError,
    LDebug,
    LError,
    LNone,
    LogFormat,
    LogLevel,
    LTrace,
    WebChatApi,
)

from ..helpers import create_body
from .conftest import attach_stream


@pytest.mark.parametrize("level", [LTrace, LDebug, LError])
@pytest.mark.parametrize("log_format", [JSON, TEXT])
@pytest.mark.parametrize("bodies", [True, False])
def test_jwt_never_logged(
    service: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    level: LogLevel,
    log_format: LogFormat,
    bodies: bool,
) -> None:
    log_file = tmp_path / "sdk.log"
    with ApiClient(service.base_url) as client:
        logger = client.config.logger
        logger.log_level = level
        logger.log_format = log_format
        logger.log_to_console = True
        logger.log_file_path = log_file
        logger.log_request_body = bodies
        logger.log_response_body = bodies
        logger.set_logger()
        api = WebChatApi(client)
        with caplog.at_level(logging.DEBUG, logger="purecloud_guest_chat_client"):
            created = api.post_webchat_guest_conversations(create_body())
            assert created.jwt and created.id and created.member and created.member.id
            client.set_jwt(created.jwt)
            socket = attach_stream(created)
            api.post_webchat_guest_conversation_member_messages(
                created.id, created.member.id, {"body": f"my token is {created.jwt}"}
            )
            api.get_webchat_guest_conversation_messages(created.id)
            api.delete_webchat_guest_conversation_member(created.id, created.member.id)
            with pytest.raises(BadRequestError):
                api.post_webchat_guest_conversation_member_messages(
                    created.id, created.member.id, {"body": "after leaving"}
                )
            socket.close()
    console = capsys.readouterr().err
    written = log_file.read_text(encoding="utf-8")
    captured = "\n".join(
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("purecloud_guest_chat_client")
    )
    for output in (console, written, captured):
        assert created.jwt not in output
        assert (created.event_stream_uri or "~") not in output
        assert output.count("[REDACTED]") >= 1
    lines = [line for line in written.splitlines() if line]
    assert lines, "nothing was logged"
    if log_format is JSON:
        entries = [json.loads(line) for line in lines]
        assert all(entry["correlationId"] for entry in entries)
        assert any(entry["status"] == 400 for entry in entries)
        if level is LError:
            assert {entry["status"] for entry in entries} == {400}
            assert "responseHeaders" in entries[0]
        if bodies:
            assert any("requestBody" in entry for entry in entries)
        else:
            assert not any("requestBody" in entry or "responseBody" in entry for entry in entries)
        if level is LDebug:
            assert all("responseHeaders" not in e for e in entries if e["status"] < 400)
        if level is LTrace:
            assert all("responseHeaders" in entry for entry in entries)
    else:
        assert all("correlation_id=" in line for line in lines)


def test_lnone_logs_nothing(
    service: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log_file = tmp_path / "none.log"
    with ApiClient(service.base_url) as client:
        client.config.logger.log_level = LNone
        client.config.logger.log_file_path = log_file
        client.config.logger.set_logger()
        WebChatApi(client).post_webchat_guest_conversations(create_body())
    assert not log_file.exists() or log_file.read_text() == ""
    assert capsys.readouterr().err == ""


def test_logger_settings_are_validated() -> None:
    with ApiClient() as client:
        logger = client.config.logger
        with pytest.raises(ValueError, match="log_level"):
            logger.log_level = "verbose"
        with pytest.raises(ValueError, match="log_format"):
            logger.log_format = "xml"
        with pytest.raises(TypeError, match="log_to_console"):
            logger.log_to_console = "yes"  # type: ignore[assignment]
        logger.log_level = "trace"
        assert logger.log_level is LTrace and logger.log_level_enum is LogLevel
