"""A private event loop in a daemon thread, for the synchronous facades.

The sync classes run their async counterparts here, so that the connection keeps being serviced
(heartbeats, reconnects) between the caller's calls, and no logic is written twice.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

_T = TypeVar("_T")


class LoopThread:
    """Runs coroutines on its own event loop, in its own thread, until :meth:`stop`."""

    def __init__(self, name: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    @classmethod
    def started_with(cls, name: str, coroutine: Coroutine[Any, Any, _T]) -> tuple[LoopThread, _T]:
        """A new loop thread and the result of ``coroutine`` run on it; the thread is stopped
        again if the coroutine fails."""
        loop = cls(name)
        try:
            return loop, loop.run(coroutine)
        except BaseException:
            loop.stop()
            raise

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_forever()
        finally:
            # Finished here, in the loop's own thread: the thread calling stop() may be running
            # an event loop of its own (notebooks, Playwright's sync API), where a second
            # run_until_complete is refused.
            leftovers = asyncio.all_tasks(self._loop)
            if leftovers:
                self._loop.run_until_complete(_cancelled(leftovers))
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
            self._loop.close()

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self._loop.is_closed()

    def run(self, coroutine: Coroutine[Any, Any, _T], timeout: float | None = None) -> _T:
        """Run ``coroutine`` on the loop and wait for its result (``TimeoutError`` after
        ``timeout`` seconds, the coroutine being cancelled)."""
        if not self.running:
            coroutine.close()
            raise RuntimeError("this object is closed")
        if threading.current_thread() is self._thread:
            coroutine.close()
            raise RuntimeError("a synchronous facade cannot be called from its own event loop")
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            # The same class as the builtin since 3.11: a coroutine that timed out itself (a
            # ``next_event(timeout=...)``) lands here too, and its own error is the answer.
            if future.done():
                raise
            future.cancel()
            raise TimeoutError(f"no result within {timeout:g} s") from None
        except BaseException:
            # An interrupted caller (Ctrl-C) must not leave the coroutine running on its own.
            future.cancel()
            raise

    def close_with(self, *closers: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Await each closer in turn on the loop, then stop it, even if one fails. Does nothing
        once the loop is stopped, so that the facades' ``close()`` is idempotent."""
        if not self.running:
            return
        try:
            for close in closers:
                self.run(close())
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop the loop and join the thread. Idempotent."""
        if self._thread.is_alive():
            with contextlib.suppress(RuntimeError):  # the loop closed itself meanwhile
                self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()


class _Closable(Protocol):
    async def close(self) -> None: ...


class LoopFacade:
    """What every synchronous facade does alike: it runs one async object on its own
    :class:`LoopThread`; ``close()`` closes that object (then whatever else it was given), then
    the loop, once; leaving a ``with`` block closes it; it shows as the object it runs."""

    def __init__(
        self,
        loop: LoopThread,
        runs: _Closable,
        *also_close: Callable[[], Coroutine[Any, Any, None]],
    ) -> None:
        self._loop = loop
        self._runs = runs
        self._closers = (runs.close, *also_close)

    def close(self) -> None:
        """Close it and its loop thread. Idempotent."""
        self._loop.close_with(*self._closers)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Sync{self._runs!r}"


async def _cancelled(tasks: set[asyncio.Task[Any]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
