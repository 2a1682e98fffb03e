"""The asyncio load engine: many guests in one process, following a :class:`~.plan.LoadPlan`,
measured by a :class:`~.metrics.Recorder`. A guest is a
:class:`~purecloud_guest_chat_client.session.GuestChat` or, with ``LoadTarget.api`` Web Messaging,
a :class:`~purecloud_guest_chat_client.session.WebMessagingChat`; the engine holds either through
the :class:`~purecloud_guest_chat_client.session.GuestSession` interface.

Each guest creates its chat (which attaches the event stream), waits for an agent (over Web
Messaging, where the agent shows up with its first answer, it speaks first), sends its
messages one at a time, each after the answer to the previous one and a think pause, and leaves.
All guests share one connection pool. :meth:`LoadRun.stop` (Ctrl-C) stops them: no guest starts or
sends any more, and every guest already chatting leaves its chat.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx2

from ..api_client import AsyncApiClient
from ..errors import APIConnectionError, ApiException, APITimeoutError
from ..session import GuestApi, GuestChat, GuestSession, WebMessagingChat
from ..session.events import AgentJoined, ChatEnded
from ..stream.errors import StreamError
from ..stream.events import MessageEvent, Reconnected
from .ledger import MessageLedger
from .machine import SAMPLE_EVERY, GeneratorSampler
from .metrics import Recorder
from .plan import LoadPlan

if TYPE_CHECKING:
    from .._base_client import PreparedCall

__all__ = ["LoadRun", "LoadTarget", "error_code"]

POOL_CONNECTIONS = 16
"""HTTP connections the guests share. The pool checks every idle connection on each request, so a
pool grown to hundreds of connections by a burst costs more than the requests themselves; a few
dozen keep-alive connections carry thousands of guests' requests."""
FREEZE_GROWTH = 1.1
DRAIN_BOUND = 10.0
"""Seconds a guest that has left waits for the rest of its events before it lets go of the
chat."""


@dataclass(frozen=True)
class LoadTarget:
    """Where the guests chat."""

    environment: str
    organization_id: str
    deployment_id: str
    queue: str
    api: GuestApi = GuestApi.GUEST_CHAT
    """Over Web Messaging only ``environment`` and ``deployment_id`` count: the deployment
    routes the chats."""


class _ChatEndedEarly(Exception):
    pass


class _ForeignStream(Exception):
    pass


class _NoAgent(Exception):
    pass


def error_code(exc: BaseException) -> str:
    """A short, stable name for a failure, to count failures by kind. Never includes a JWT."""
    if isinstance(exc, APITimeoutError):
        return "HTTP timeout"
    if isinstance(exc, APIConnectionError):
        return "connection failed"
    if isinstance(exc, ApiException):
        return f"{exc.status} {exc.code}" if exc.code else f"HTTP {exc.status}"
    if isinstance(exc, _ChatEndedEarly):
        return "chat ended early"
    if isinstance(exc, _NoAgent):
        return "no agent within the timeout"
    if isinstance(exc, _ForeignStream):
        return "event stream on another host"
    if isinstance(exc, StreamError):
        return type(exc).__name__
    return type(exc).__name__


def _counting_client(environment: str, recorder: Recorder) -> AsyncApiClient:
    """A client whose every retry (and its clones', which share the pool) counts in the run,
    with a pool of POOL_CONNECTIONS connections."""

    class RunClient(AsyncApiClient):
        def _http_client_options(self) -> dict[str, Any]:
            limits = httpx2.Limits(
                max_connections=POOL_CONNECTIONS, max_keepalive_connections=POOL_CONNECTIONS
            )
            return {**super()._http_client_options(), "limits": limits}

        def _assess(self, call: PreparedCall, outcome: httpx2.Response | Exception) -> float | None:
            delay = super()._assess(call, outcome)
            if delay is not None:
                recorder.retries += 1
            return delay

    return RunClient(environment)


class LoadRun:
    """One run: ``await LoadRun(target, plan).run()``; :meth:`stop` from a signal handler."""

    def __init__(
        self,
        target: LoadTarget,
        plan: LoadPlan,
        *,
        recorder: Recorder | None = None,
        on_tick: Callable[[LoadRun], None] | None = None,
    ) -> None:
        self.target = target
        self.plan = plan
        self.recorder = recorder or Recorder()
        self.sampler = GeneratorSampler(self.recorder)
        self._on_tick = on_tick
        self._stopping = asyncio.Event()
        self._talking: set[asyncio.Task[None]] = set()
        self._next_guest = 0
        self._deadline: float | None = None
        self._allowed_hosts: tuple[str, ...] = ()
        self.interrupted = False

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def stop(self) -> None:
        """Start no more guests; every guest chatting stops sending and leaves its chat."""
        if self._stopping.is_set():
            return
        self.interrupted = True
        self._stopping.set()
        for task in self._talking:
            task.cancel()

    async def run(self) -> Recorder:
        recorder = self.recorder
        recorder.started_at = time.perf_counter()
        if self.plan.duration is not None:
            self._deadline = time.monotonic() + self.plan.duration
        async with _counting_client(self.target.environment, recorder) as client:
            # The REST host, and for a region domain its subdomains (the region's own stream
            # host): the guests send nowhere else.
            self._allowed_hosts = (_host_of(client.base_path), _host_of(client.environment))
            ticker = asyncio.create_task(self._tick())
            try:
                if self.plan.open_model:
                    await self._open(client)
                else:
                    await self._closed(client)
            finally:
                ticker.cancel()
                await asyncio.gather(ticker, return_exceptions=True)
                recorder.finish()
                gc.unfreeze()
        return recorder

    async def _tick(self) -> None:
        frozen_at = 0
        while True:
            await asyncio.sleep(SAMPLE_EVERY)
            self.sampler.tick()
            active = self.recorder.guests_active
            if active > frozen_at * FREEZE_GROWTH:
                # The sessions live for the whole run: out of the collector's sight, full
                # collections stop scanning them, which on thousands of sessions stalled every
                # guest for hundreds of milliseconds, measured as the service's latency.
                gc.freeze()
                frozen_at = active
            if self._on_tick is not None:
                self._on_tick(self)

    def _allowed(self, host: str) -> bool:
        rest, domain = self._allowed_hosts
        return host in (rest, domain) or (bool(domain) and host.endswith(f".{domain}"))

    def _past_deadline(self) -> bool:
        return self._deadline is not None and time.monotonic() >= self._deadline

    async def _pause(self, seconds: float) -> bool:
        """Sleep, unless the run stops first; true when it stopped."""
        if seconds <= 0:
            return self.stopping
        try:
            async with asyncio.timeout(seconds):
                await self._stopping.wait()
        except TimeoutError:
            return False
        return True

    async def _closed(self, client: AsyncApiClient) -> None:
        async def slot(number: int) -> None:
            if await self._pause(self.plan.slot_offset(number)):
                return
            while not self.stopping and not self._past_deadline():
                guest = self._next_guest
                if guest >= self.plan.guests:
                    return
                self._next_guest += 1
                await self._guest(client, guest)

        async with asyncio.TaskGroup() as group:
            for number in range(self.plan.slots):
                group.create_task(slot(number))

    async def _open(self, client: AsyncApiClient) -> None:
        began = time.monotonic()
        async with asyncio.TaskGroup() as group:
            for guest in range(self.plan.guests):
                due = began + self.plan.arrival_offset(guest)
                if await self._pause(due - time.monotonic()) or self._past_deadline():
                    return
                group.create_task(self._guest(client, guest))

    async def _guest(self, client: AsyncApiClient, number: int) -> None:
        recorder = self.recorder
        recorder.guests_started += 1
        recorder.guests_active += 1
        ledger = MessageLedger(f"Load Guest {number + 1}")
        try:
            began = time.perf_counter()
            chat = await self._start(client, ledger)
            recorder.latency("create", time.perf_counter() - began)
            async with chat:
                await self._converse(chat, ledger)
        except Exception as exc:
            # One guest's failure is counted, never the end of the run.
            recorder.error(error_code(exc))
            recorder.guests_failed += 1
        finally:
            recorder.guests_active -= 1

    async def _start(self, client: AsyncApiClient, ledger: MessageLedger) -> GuestSession:
        target = self.target
        if target.api == GuestApi.WEB_MESSAGING:
            return await WebMessagingChat.start(
                target.deployment_id,
                environment=target.environment,
                open_timeout=self.plan.wait_limit,
                request_timeout=self.plan.wait_limit,
            )
        return await GuestChat.start(
            target.organization_id,
            target.deployment_id,
            target.queue,
            ledger.guest,
            client=client,
            attach_timeout=self.plan.wait_limit,
        )

    async def _converse(self, chat: GuestSession, ledger: MessageLedger) -> None:
        recorder = self.recorder
        guest = _Guest(chat, ledger, recorder)
        talk = asyncio.create_task(self._talk(guest))
        self._talking.add(talk)
        if self.stopping:
            talk.cancel()
        try:
            await asyncio.wait({talk})
        finally:
            self._talking.discard(talk)
        interrupted = talk.cancelled()
        failure = None if interrupted else talk.exception()
        if failure is not None:
            recorder.error(error_code(failure))
        if not isinstance(failure, _ChatEndedEarly):
            try:
                # The plan's timeout: when every guest leaves at the end of a duration, the
                # service confirms thousands of departures at once.
                async with asyncio.timeout(self.plan.wait_limit + DRAIN_BOUND):
                    await chat.leave()
            except Exception as exc:
                recorder.error(f"leave: {error_code(exc)}")
        await guest.drain()
        abandoned = frozenset(guest.awaiting) if interrupted else frozenset()
        for line in ledger.lost(abandoned):
            recorder.lost_message(line)
        for line in ledger.duplicated():
            recorder.duplicated_message(line)
        if interrupted:
            recorder.guests_interrupted += 1
        elif failure is not None:
            recorder.guests_failed += 1
        else:
            recorder.guests_completed += 1

    async def _talk(self, guest: _Guest) -> None:
        plan, recorder = self.plan, self.recorder
        joined_from = time.perf_counter()
        stream_host = _host_of(_stream_url(guest.chat))
        if not self._allowed(stream_host):
            raise _ForeignStream(stream_host)
        if self.target.api == GuestApi.GUEST_CHAT:
            await guest.until_agent(plan.wait_limit)
            recorder.latency("agent_join", time.perf_counter() - joined_from)
        number = 0
        while plan.messages is None or number < plan.messages:
            if self._past_deadline():
                break
            number += 1
            body = guest.ledger.body(number)
            sent = time.perf_counter()
            await guest.chat.send(body)
            recorder.latency("send", time.perf_counter() - sent)
            recorder.message_sent()
            guest.ledger.sent(body, sent)
            if not await guest.until_answered(body, plan.wait_limit):
                recorder.error("no reply within the timeout")
            think = plan.think.draw()
            if think and (plan.messages is None or number < plan.messages):
                if self._deadline is not None:
                    think = min(think, self._deadline - time.monotonic())
                await asyncio.sleep(max(0.0, think))


class _Guest:
    """One guest's chat and the reading of its events into its ledger."""

    def __init__(self, chat: GuestSession, ledger: MessageLedger, recorder: Recorder) -> None:
        self.chat = chat
        self.ledger = ledger
        self.recorder = recorder
        self.awaiting: list[str] = []
        self._agent_joined = False
        self._ended = False

    def _take(self, event: object) -> None:
        recorder = self.recorder
        if isinstance(event, MessageEvent):
            if event.body_type != "standard":
                return
            if event.sender.id == self.chat.member_id:
                if not self.ledger.delivered(event.body):
                    recorder.duplicated_message(f"{event.body!r} came back twice")
                return
            answer = self.ledger.answered(event.body, time.perf_counter())
            if answer.waited is not None:
                recorder.latency("reply", answer.waited)
                recorder.answer_received()
        elif isinstance(event, AgentJoined):
            self._agent_joined = True
        elif isinstance(event, Reconnected):
            recorder.reconnects += 1
        elif isinstance(event, ChatEnded):
            self._ended = True

    async def _read_until(self, done: Callable[[], bool], limit: float) -> bool:
        """Read events until ``done()``; false after ``limit`` seconds without it."""
        try:
            async with asyncio.timeout(limit):
                while not done():
                    if self._ended:
                        raise _ChatEndedEarly
                    event = await self.chat.next_event()
                    if event is None:
                        self._ended = True
                        raise _ChatEndedEarly
                    self._take(event)
        except TimeoutError:
            return False
        return True

    async def until_agent(self, limit: float) -> None:
        if not await self._read_until(lambda: self._agent_joined, limit):
            raise _NoAgent

    async def until_answered(self, body: str, limit: float) -> bool:
        self.awaiting = [body]
        answered = await self._read_until(lambda: not self.ledger.waiting_for(body), limit)
        self.awaiting = [] if answered else self.awaiting
        return answered

    async def drain(self) -> None:
        """Take the events still queued after leaving (late answers, late duplicates)."""
        try:
            async with asyncio.timeout(DRAIN_BOUND):
                while (event := await self.chat.next_event()) is not None:
                    self._take(event)
        except TimeoutError:
            pass
        except Exception as exc:
            self.recorder.error(error_code(exc))


def _stream_url(chat: GuestSession) -> str:
    """Where the chat's events come from: the event stream, or the Web Messaging socket."""
    if isinstance(chat, WebMessagingChat):
        return chat.client.websocket_url
    if isinstance(chat, GuestChat):
        return chat.state().event_stream_uri
    raise TypeError(f"a load guest is a GuestChat or a WebMessagingChat, not {type(chat).__name__}")


def _host_of(url: str) -> str:
    parts = urlsplit(url if "://" in url else f"https://{url}")
    return (parts.hostname or "").lower()
