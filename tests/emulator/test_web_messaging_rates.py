"""The Web Messaging door's per-connection limits against the real service: every request of a
connection (60 a minute) and its health checks (2 a minute), each refused over the rate with a
``TooManyRequestsErrorMessage`` and not processed, and off with the service's rate limiting."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from purecloud_guest_chat_client.emulator import AsyncControlClient, LocalService
from purecloud_guest_chat_client.emulator.rate_limiter import SlidingWindow
from purecloud_guest_chat_client.models.web_messaging_protocol import (
    HEALTH_CHECK_TRACING_ID,
    HEALTH_CHECKS_PER_CONNECTION_PER_MINUTE,
    REQUESTS_PER_CONNECTION_PER_MINUTE,
    ErrorCode,
)

from .web_messaging_guest import DEPLOYMENT, Frame, WebGuest, conversations_of, web_guest

# The requests of these tests come faster than the service's bound on inbound frames per second
# of any WebSocket (which closes the connection): that bound is raised for them.
_MANY_FRAMES = {"agent": "manual", "stream_max_frames_per_second": 1000}


@pytest.fixture
def limited(service_factory: Callable[..., LocalService]) -> LocalService:
    service = service_factory(**_MANY_FRAMES)
    assert service.settings.rate_limit_per_minute > 0
    return service


async def _request(guest: WebGuest, action: str, tracing_id: str, **fields: object) -> Frame:
    await guest.send(action, tracingId=tracing_id, **fields)
    return await guest.wait_for(lambda frame: frame.get("tracingId") == tracing_id)


def _is_too_many_requests(frame: Frame, tracing_id: str) -> int:
    """Checks a refusal over a per-minute rate; returns its retryAfter."""
    assert frame["type"] == "response" and frame["class"] == "TooManyRequestsErrorMessage"
    assert frame["code"] == 429 and frame["tracingId"] == tracing_id
    body = frame["body"]
    assert body["errorCode"] == ErrorCode.RATE_TOO_HIGH and body["errorMessage"]
    retry_after = body["retryAfter"]
    assert isinstance(retry_after, int) and 1 <= retry_after <= 60
    return retry_after


async def _stored_texts(control: AsyncControlClient) -> list[str]:
    chat = (await conversations_of(control, DEPLOYMENT))[0]
    messages = (await control.conversation(chat["id"]))["messages"]
    return [m["body"] for m in messages if m["bodyType"] == "standard"]


async def test_a_connections_requests_over_sixty_a_minute_are_refused_unprocessed(
    limited: LocalService,
) -> None:
    async with web_guest(limited) as guest, AsyncControlClient(limited.control_url) as control:
        # The configure was the first request of the connection.
        for n in range(REQUESTS_PER_CONNECTION_PER_MINUTE - 1):
            answer = await _request(guest, "getConfiguration", f"c-{n}", deploymentId=DEPLOYMENT)
            assert answer["class"] == "GetConfigurationResponse", answer
        refused = await _request(
            guest, "onMessage", "one-too-many", message={"type": "Text", "text": "too many"}
        )
        _is_too_many_requests(refused, "one-too-many")
        assert "too many" not in await _stored_texts(control)
        # A frame that is not even JSON counts, and is refused the same way (no tracingId).
        await guest.ws.send("not json")
        garbage = await guest.next()
        assert garbage["class"] == "TooManyRequestsErrorMessage" and "tracingId" not in garbage

        # The limit is the connection's: another connection of the same session is served.
        async with web_guest(limited, guest.token) as other:
            echo = await _request(
                other, "onMessage", "other", message={"type": "Text", "text": "from the other"}
            )
            assert echo["class"] == "StructuredMessage"
        assert await _stored_texts(control) == ["from the other"]


async def test_a_connections_third_health_check_in_a_minute_is_refused(
    limited: LocalService,
) -> None:
    ping = {"type": "Text", "text": "ping"}
    async with web_guest(limited) as guest:
        for _ in range(HEALTH_CHECKS_PER_CONNECTION_PER_MINUTE):
            answer = await _request(guest, "echo", HEALTH_CHECK_TRACING_ID, message=ping)
            assert answer["class"] == "StructuredMessage" and answer["body"]["text"] == "ping"
        refused = await _request(guest, "echo", HEALTH_CHECK_TRACING_ID, message=ping)
        _is_too_many_requests(refused, HEALTH_CHECK_TRACING_ID)
        # Only the health checks are held back: the connection's other requests are served.
        echo = await _request(guest, "onMessage", "text", message={"type": "Text", "text": "hi"})
        assert echo["class"] == "StructuredMessage" and echo["body"]["direction"] == "Inbound"
        async with web_guest(limited, guest.token) as other:
            answer = await _request(other, "echo", HEALTH_CHECK_TRACING_ID, message=ping)
            assert answer["class"] == "StructuredMessage"


async def test_the_connection_limits_are_off_with_the_services_rate_limiting(
    service_factory: Callable[..., LocalService],
) -> None:
    service = service_factory(**_MANY_FRAMES, rate_limit_per_minute=0)
    ping = {"type": "Text", "text": "ping"}
    async with web_guest(service) as guest:
        for n in range(REQUESTS_PER_CONNECTION_PER_MINUTE + 5):
            answer = await _request(guest, "getConfiguration", f"c-{n}", deploymentId=DEPLOYMENT)
            assert answer["class"] == "GetConfigurationResponse"
        for n in range(HEALTH_CHECKS_PER_CONNECTION_PER_MINUTE + 2):
            answer = await _request(guest, "echo", f"hc-{n}", message=ping)
            assert answer["class"] == "StructuredMessage"


def test_the_sliding_window_counts_the_last_window_and_its_retry_after_is_honest() -> None:
    window = SlidingWindow(3, 60.0)
    assert [window.retry_after(t) for t in (0.0, 10.0, 30.5)] == [None, None, None]
    # Full: the wait is until the oldest event leaves the window, rounded up.
    assert window.retry_after(45.2) == 15
    assert window.retry_after(59.9) == 1
    # Refused events were not counted: at the time it said, the next one goes.
    assert window.retry_after(60.0) is None
    # A fixed window would have started afresh at 60 s; this one still holds 10 and 30.5.
    assert window.retry_after(61.0) == 9
    assert window.retry_after(70.0) is None
    with pytest.raises(ValueError, match="limit >= 1"):
        SlidingWindow(0, 60.0)
