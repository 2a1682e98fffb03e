"""``SyncEventStream`` shows the state of the stream it runs, as ``EventStream`` does."""

from __future__ import annotations

from purecloud_guest_chat_client._redact import REDACTED
from purecloud_guest_chat_client.api_client import ApiClient
from purecloud_guest_chat_client.apis.web_chat_api import WebChatApi
from purecloud_guest_chat_client.emulator import LocalService
from purecloud_guest_chat_client.models import MemberState
from purecloud_guest_chat_client.stream import StreamEnd, SyncEventStream

from ..helpers import create_body
from .conftest import HEARTBEAT


def test_the_sync_stream_shows_the_async_streams_state(manual_service: LocalService) -> None:
    with ApiClient(manual_service.base_url) as client:
        created = WebChatApi(client).post_webchat_guest_conversations(create_body("Ann"))
    assert created.event_stream_uri and created.jwt and created.member and created.member.id
    stream = SyncEventStream(
        created.event_stream_uri,
        environment=manual_service.base_url,
        heartbeat_interval=HEARTBEAT,
        backfill_on_connect=True,
    )
    assert not stream.connected
    with stream:
        assert stream.connected
        assert stream.uri == stream.stream.uri and REDACTED in stream.uri
        assert created.jwt not in stream.uri
        assert (stream.conversation_id, stream.member_id) == (created.id, created.member.id)
        assert stream.heartbeat_interval == HEARTBEAT and not stream.heartbeat_measured
        assert stream.member_states.get(created.member.id) == MemberState.CONNECTED
        assert stream.member_states == stream.stream.member_states
    assert not stream.connected
    assert stream.end_reason is StreamEnd.CLOSED
