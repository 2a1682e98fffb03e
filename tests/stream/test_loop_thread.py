"""The loop thread under the synchronous facades: how a coroutine's outcome reaches the caller."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from purecloud_guest_chat_client.stream._loop_thread import LoopThread


@pytest.fixture
def loop_thread() -> Iterator[LoopThread]:
    thread = LoopThread("loop-thread-test")
    yield thread
    thread.close_with()


async def _times_out_itself() -> None:
    await asyncio.wait_for(asyncio.Event().wait(), 0.01)


@pytest.mark.parametrize("timeout", [None, 30.0])
def test_a_timeout_raised_by_the_coroutine_reaches_the_caller_as_it_was(
    loop_thread: LoopThread, timeout: float | None
) -> None:
    """``next_event(timeout=...)`` raises ``TimeoutError`` itself; the facade must not take it
    for its own wait running out (it did, and with no timeout of its own it failed formatting
    the message instead)."""
    with pytest.raises(TimeoutError) as raised:
        loop_thread.run(_times_out_itself(), timeout)
    assert "no result within" not in str(raised.value)


def test_the_callers_own_timeout_cancels_the_coroutine(loop_thread: LoopThread) -> None:
    cancelled = asyncio.Event()

    async def waits_forever() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    with pytest.raises(TimeoutError, match=r"no result within 0\.05 s"):
        loop_thread.run(waits_forever(), 0.05)
    assert loop_thread.run(asyncio.wait_for(cancelled.wait(), 5), 10) is True
