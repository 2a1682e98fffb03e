"""A chaos soak: many GuestChat sessions talk to the echo agent while everything goes wrong.

The local service runs as a real subprocess (echo agent, one SQLite file, one port). This process
holds the guests: each one is a public ``GuestChat`` session that sends its messages one at a
time and waits for the agent's ``You said: <text>`` before the next. Meanwhile:

- random streams are dropped every few seconds (some of them again as they reattach);
- about 5% of the REST requests fail with a 500, 502, 503, 504 or 429;
- latency is added to every REST request, changing every few seconds;
- the service is SIGKILLed and restarted on the same port and database, twice, so the guests'
  clients reconnect to it;
- a tenth of the guests also close their session half-way and resume it from its saved state.

A guest whose send fails does what any careful client does with a request it cannot know the
fate of: it reads the transcript and sends again only what the service does not have.

Afterwards every guest's events and every transcript (read through the control API) are compared
with what was sent, body by body: each guest message must appear exactly once, and each echo be
received exactly once, in order. The run prints the lost, duplicated and out-of-order counts
(all must be 0) and the sessions finished and recovered (all must be all), with retries,
reconnects and durations. It exits 1 when any of them is off.

    python benchmarks/chaos_soak.py [--guests 200] [--messages 50] [--kills 2]

Everything is bounded: the run stops by itself after ``--deadline`` seconds at the latest, and
only loopback is used. Figures are also written to benchmarks/results/chaos_soak.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from purecloud_guest_chat_client.api_client import AsyncApiClient
from purecloud_guest_chat_client.emulator import AsyncControlClient
from purecloud_guest_chat_client.errors import GuestChatError
from purecloud_guest_chat_client.models import BodyType
from purecloud_guest_chat_client.session import AgentJoined, ChatEnded, EndReason, GuestChat
from purecloud_guest_chat_client.stream import Backoff, MessageEvent, Reconnected

RESULTS = Path(__file__).parent / "results" / "chaos_soak.json"
ECHO_PREFIX = "You said: "
INJECTED_STATUSES = (500, 502, 503, 504, 429)
_REQUEST_LINE = re.compile(r"emulator\.requests: [A-Z]+ (/\S*) (\d{3}) ")
_API_PREFIX = "/api/v2/"
RATE_LIMIT_PER_MINUTE = 180  # the service's default


@dataclass(frozen=True)
class SoakConfig:
    """The size of a run and the strength of its faults."""

    guests: int = 200
    messages: int = 50
    kills: int = 2
    error_share: float = 0.05
    drop_share: float = 0.10
    drop_every: tuple[float, float] = (2.0, 4.0)
    latency_ms: tuple[int, int] = (0, 60)
    latency_every: float = 3.0
    resume_share: float = 0.10
    think: tuple[float, float] = (0.1, 0.6)
    heartbeat: float = 2.0
    downtime: float = 1.0
    ramp_up: float = 10.0
    exchange_timeout: float = 90.0
    deadline: float = 1200.0
    progress_every: float = 5.0

    def __post_init__(self) -> None:
        if self.guests < 1 or self.messages < 1 or self.kills < 0:
            raise ValueError("guests and messages must be positive, kills not negative")
        if not 0 <= self.error_share < 1 or not 0 <= self.drop_share <= 1:
            raise ValueError("error_share and drop_share are shares between 0 and 1")
        if self.deadline <= 0 or self.exchange_timeout <= 0:
            raise ValueError("deadline and exchange_timeout must be positive")


# -- the service, as a process that can be killed ---------------------------------------------


class ServiceLog:
    """Reads the service's log in a thread: counts the REST responses by status and keeps the
    warnings and errors (without the per-request lines)."""

    def __init__(self) -> None:
        self.api_requests = 0
        self.statuses: Counter[int] = Counter()
        self.problems: list[str] = []
        self._lock = threading.Lock()

    def follow(self, stream: IO[str]) -> threading.Thread:
        thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        thread.start()
        return thread

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            found = _REQUEST_LINE.search(line)
            if found is not None:
                if found.group(1).startswith(_API_PREFIX):
                    with self._lock:
                        self.api_requests += 1
                        self.statuses[int(found.group(2))] += 1
            elif " WARNING " in line or " ERROR " in line or "Traceback" in line:
                with self._lock:
                    if len(self.problems) < 200:
                        self.problems.append(line.rstrip())

    def failures_served(self) -> int:
        with self._lock:
            return sum(n for status, n in self.statuses.items() if status in INJECTED_STATUSES)


class ServiceProcess:
    """``python -m purecloud_guest_chat_client.emulator`` on one port and one database, which
    can be SIGKILLed and started again on both."""

    def __init__(self, db: Path, port: int, heartbeat: float, guests: int, log: ServiceLog) -> None:
        self.db, self.port, self.heartbeat, self.log = db, port, heartbeat, log
        # Creating a chat counts against the client's address, and every guest here shares one:
        # the limit makes room for all of them, and stays the service's own per guest above it.
        self.rate_limit = max(RATE_LIMIT_PER_MINUTE, 3 * guests)
        self.process: subprocess.Popen[str] | None = None
        self.base_url = f"http://127.0.0.1:{port}"
        self.start_durations: list[float] = []

    def start(self) -> None:
        command = [
            sys.executable, "-m", "purecloud_guest_chat_client.emulator",
            "--host", "127.0.0.1", "--port", str(self.port), "--db", str(self.db),
            "--agent", "echo", "--agent-join-delay", "0.2", "--agent-reply-delay", "0.02",
            "--heartbeat", str(self.heartbeat), "--log-level", "info",
            "--rate-limit", str(self.rate_limit),
        ]  # fmt: skip
        started = time.monotonic()
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1
        )
        assert process.stdout is not None and process.stderr is not None
        self.log.follow(process.stderr)
        line = process.stdout.readline()
        if "listening on" not in line:
            process.kill()
            process.wait(10)
            raise RuntimeError(f"the service did not start: {line!r} {self.log.problems[-5:]}")
        threading.Thread(target=process.stdout.read, daemon=True).start()
        self.process = process
        self.start_durations.append(time.monotonic() - started)

    def kill(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def terminate(self) -> int | None:
        """Stop cleanly with SIGTERM; the exit status (None if it had to be killed)."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- one guest ----------------------------------------------------------------------------------


@dataclass
class Delivered:
    """A message as the guest's session delivered it."""

    id: str
    mine: bool
    body: str


@dataclass
class Guest:
    """One guest: what it meant to send, what it sent, and what its sessions delivered."""

    number: int
    intended: list[str]
    resume_at: int | None
    conversation_id: str = ""
    member_id: str = ""
    delivered: list[Delivered] = field(default_factory=list)
    echoes: set[str] = field(default_factory=set)
    acknowledged: int = 0
    send_retries: int = 0
    start_retries: int = 0
    reconnects: int = 0
    unresolved_senders: int = 0
    # When the session showed it carried on: a reconnect or resume, or its end arriving (a
    # guest whose leave was accepted just before a kill hears of the end, not of a reconnect).
    recovered_at: list[float] = field(default_factory=list)
    planned_resumes: int = 0
    failed_sessions: list[str] = field(default_factory=list)
    ended: str | None = None
    finished: bool = False
    round_trips: list[float] = field(default_factory=list)
    chat: GuestChat | None = field(default=None, repr=False)
    reader: asyncio.Task[None] | None = field(default=None, repr=False)
    progress: asyncio.Event = field(default_factory=asyncio.Event, repr=False)
    agent_joined: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    def my_bodies(self) -> list[str]:
        return [d.body for d in self.delivered if d.mine]

    def agent_bodies(self) -> list[str]:
        return [d.body for d in self.delivered if not d.mine]


class Soak:
    """The run: guests, fault injection, kills, then the comparison."""

    def __init__(
        self, config: SoakConfig, folder: Path, report: Callable[[str], None] | None = print
    ) -> None:
        self.config = config
        self.report = report or (lambda line: None)
        self.log = ServiceLog()
        self.service = ServiceProcess(
            folder / "soak.db", free_port(), config.heartbeat, config.guests, self.log
        )
        self.guests = [
            Guest(
                number=n,
                intended=[f"guest {n} message {m}" for m in range(config.messages)],
                resume_at=config.messages // 2
                if n < round(config.guests * config.resume_share)
                else None,
            )
            for n in range(config.guests)
        ]
        self.started_at = 0.0
        self.deadline = 0.0
        self.kills: list[dict[str, Any]] = []
        self.streams_dropped = 0
        self.drops_on_reattach = 0
        self.error_rules = 0
        self.control_failures = 0
        self.restarting = asyncio.Event()
        self.backoff = Backoff(initial=0.2, maximum=2.0, give_up_after=120.0)

    # -- the guests' side ---------------------------------------------------------------------

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    async def _read(self, guest: Guest, chat: GuestChat) -> None:
        try:
            async for event in chat.events():
                if isinstance(event, MessageEvent):
                    if event.body_type != BodyType.STANDARD:
                        continue
                    mine = event.sender.id == guest.member_id
                    guest.delivered.append(Delivered(event.id, mine, event.body))
                    if not mine:
                        guest.echoes.add(event.body)
                        guest.unresolved_senders += not event.sender.is_agent
                        guest.progress.set()
                elif isinstance(event, Reconnected):
                    guest.reconnects += 1
                    guest.recovered_at.append(time.monotonic())
                elif isinstance(event, AgentJoined):
                    guest.agent_joined.set()
                elif isinstance(event, ChatEnded):
                    guest.ended = str(event.reason)
                    guest.recovered_at.append(time.monotonic())
        except GuestChatError as exc:
            guest.failed_sessions.append(f"{type(exc).__name__}: {exc}")
        finally:
            guest.progress.set()

    def _attach_reader(self, guest: Guest, chat: GuestChat) -> None:
        guest.chat = chat
        guest.reader = asyncio.create_task(self._read(guest, chat), name=f"soak-{guest.number}")

    async def _retrying(self, guest: Guest, what: Callable[[], Any], counter: str) -> Any:
        """``what()`` until it succeeds or the run's deadline passes (then raises)."""
        delay = 0.2
        while True:
            try:
                return await what()
            except GuestChatError:
                setattr(guest, counter, getattr(guest, counter) + 1)
                if self.remaining() <= delay:
                    raise
                await asyncio.sleep(delay * random.uniform(0.5, 1.0))
                delay = min(2.0, delay * 2)

    async def _start(self, guest: Guest, shared: AsyncApiClient) -> None:
        async def start() -> GuestChat:
            return await GuestChat.start(
                "soak-org",
                "soak-deployment",
                "Soak",
                f"Guest {guest.number}",
                client=shared,
                heartbeat_interval=self.config.heartbeat,
                backoff=self.backoff,
            )

        chat: GuestChat = await self._retrying(guest, start, "start_retries")
        guest.conversation_id, guest.member_id = chat.conversation_id, chat.member_id
        self._attach_reader(guest, chat)

    async def _resume(self, guest: Guest, shared: AsyncApiClient) -> None:
        """Close the session, let it hand over what it had, and pick it up from its state."""
        chat, reader = guest.chat, guest.reader
        assert chat is not None and reader is not None
        await chat.close()
        await reader
        state = chat.state()

        async def resume() -> GuestChat:
            return await GuestChat.resume(
                state, client=shared, heartbeat_interval=self.config.heartbeat, backoff=self.backoff
            )

        resumed: GuestChat = await self._retrying(guest, resume, "start_retries")
        guest.recovered_at.append(time.monotonic())
        self._attach_reader(guest, resumed)

    async def _has(self, guest: Guest, body: str) -> bool:
        """Whether the service holds ``body`` from this guest: its transcript has the last word."""
        if body in guest.my_bodies():
            return True
        assert guest.chat is not None
        chat = guest.chat
        history = await self._retrying(guest, chat.history, "send_retries")
        return any(m.sender.id == guest.member_id and m.body == body for m in history)

    async def _send(self, guest: Guest, body: str, shared: AsyncApiClient) -> None:
        delay = 0.3
        while True:
            await self._recover_if_failed(guest, shared)
            assert guest.chat is not None
            try:
                await guest.chat.send(body)
                return
            except GuestChatError:
                guest.send_retries += 1
                if self.remaining() <= delay:
                    raise
            # The request may or may not have reached the service before it failed.
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))
            delay = min(2.0, delay * 2)
            if await self._has(guest, body):
                return

    async def _recover_if_failed(self, guest: Guest, shared: AsyncApiClient) -> None:
        """A session whose events stopped with an error is resumed from its state."""
        if guest.reader is not None and guest.reader.done() and guest.ended is None:
            await self._resume(guest, shared)

    async def _await_echo(self, guest: Guest, body: str, shared: AsyncApiClient) -> None:
        echo = ECHO_PREFIX + body
        timeout = min(self.config.exchange_timeout, self.remaining())
        until = time.monotonic() + timeout
        while echo not in guest.echoes:
            guest.progress.clear()
            if echo in guest.echoes:
                break
            await self._recover_if_failed(guest, shared)
            left = until - time.monotonic()
            if left <= 0:
                return
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(left):
                    await guest.progress.wait()

    async def run_guest(self, guest: Guest, shared: AsyncApiClient) -> None:
        await asyncio.sleep(random.uniform(0, self.config.ramp_up))
        await self._start(guest, shared)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(min(30.0, self.remaining())):
                await guest.agent_joined.wait()
        for number, body in enumerate(guest.intended):
            if number == guest.resume_at:
                guest.planned_resumes += 1
                await self._resume(guest, shared)
            sent_at = time.monotonic()
            await self._send(guest, body, shared)
            await self._await_echo(guest, body, shared)
            if ECHO_PREFIX + body in guest.echoes:
                guest.acknowledged += 1
                guest.round_trips.append(time.monotonic() - sent_at)
            await asyncio.sleep(random.uniform(*self.config.think))
        await self._leave(guest, shared)

    async def _leave(self, guest: Guest, shared: AsyncApiClient) -> None:
        while True:
            await self._recover_if_failed(guest, shared)
            assert guest.chat is not None
            chat = guest.chat
            await self._retrying(guest, chat.leave, "send_retries")
            assert guest.reader is not None
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(30.0, self.remaining())):
                    await asyncio.shield(guest.reader)
            if guest.ended is not None or self.remaining() <= 0:
                break
        await chat.close()
        guest.finished = guest.ended == EndReason.GUEST_LEFT

    # -- the faults ---------------------------------------------------------------------------

    def _active(self) -> list[Guest]:
        return [g for g in self.guests if g.conversation_id and g.ended is None]

    async def _control(self, control: AsyncControlClient, **faults: Any) -> dict[str, Any] | None:
        if self.restarting.is_set():
            return None
        try:
            return await control.set_faults(**faults)
        except Exception:  # the service may be down for a restart: the next tick tries again
            self.control_failures += 1
            return None

    async def inject_errors(self, control: AsyncControlClient, stop: asyncio.Event) -> None:
        """Every half second, error rules for about ``error_share`` of the requests just seen,
        each on the next request of a random active conversation."""
        seen = self.log.api_requests
        owed = 0.0
        while not stop.is_set():
            await _pause(stop, 0.5)
            now = self.log.api_requests
            owed += (now - seen) * self.config.error_share
            seen = now
            active = self._active()
            count = int(owed)
            if not count or not active:
                continue
            rules = [
                {
                    "status": random.choice(INJECTED_STATUSES),
                    "count": 1,
                    "pathContains": guest.conversation_id,
                }
                for guest in random.choices(active, k=count)
            ]
            if await self._control(control, errors=rules) is not None:
                owed -= count
                self.error_rules += count

    async def drop_streams(self, control: AsyncControlClient, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await _pause(stop, random.uniform(*self.config.drop_every))
            active = self._active()
            if not active:
                continue
            victims = random.sample(active, max(1, round(len(active) * self.config.drop_share)))
            for guest in victims:
                # A quarter of them are dropped again as soon as they reattach.
                again = random.random() < 0.25
                answer = await self._control(
                    control,
                    dropStreams={"conversationId": guest.conversation_id, "count": int(again)},
                )
                if answer is not None:
                    self.streams_dropped += int(answer.get("droppedStreams", 0))
                    self.drops_on_reattach += int(again)

    async def vary_latency(self, control: AsyncControlClient, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self._control(control, latencyMs=random.randint(*self.config.latency_ms))
            await _pause(stop, self.config.latency_every)

    async def kill_and_restart(self, stop: asyncio.Event) -> None:
        """SIGKILL the service when a share of the exchanges is done, then start it again on
        the same port and database."""
        total = self.config.guests * self.config.messages
        for kill in range(1, self.config.kills + 1):
            threshold = total * kill / (self.config.kills + 1)
            # Every session is up by the first kill (creating chats is rate limited per address,
            # so the last guests of the ramp-up may still be waiting for their turn).
            while self.acknowledged() < threshold or not all(g.member_id for g in self.guests):
                if stop.is_set():
                    return
                await asyncio.sleep(0.2)
            live = [g.number for g in self._active()]
            self.restarting.set()
            killed_at = time.monotonic()
            self.service.kill()
            self.report(f"  SIGKILL {kill}: service killed with {len(live)} sessions live")
            await asyncio.sleep(self.config.downtime)
            await asyncio.to_thread(self.service.start)
            self.restarting.clear()
            self.kills.append(
                {
                    "at_seconds": round(killed_at - self.started_at, 1),
                    "live": live,
                    "killed_at": killed_at,
                    "restart_seconds": round(self.service.start_durations[-1], 2),
                }
            )
            self.report(
                f"  restart {kill}: listening again {time.monotonic() - killed_at:.1f} s after "
                f"the kill (start {self.service.start_durations[-1]:.1f} s)"
            )

    def acknowledged(self) -> int:
        return sum(g.acknowledged for g in self.guests)

    async def show_progress(self, stop: asyncio.Event) -> None:
        total = self.config.guests * self.config.messages
        while not stop.is_set():
            await _pause(stop, self.config.progress_every)
            self.report(
                f"[{time.monotonic() - self.started_at:6.1f} s] exchanges "
                f"{self.acknowledged()}/{total}, sessions live {len(self._active())}, "
                f"finished {sum(g.finished for g in self.guests)}, reconnects "
                f"{sum(g.reconnects for g in self.guests)}, retries "
                f"{sum(g.send_retries + g.start_retries for g in self.guests)}, drops "
                f"{self.streams_dropped}, errors served {self.log.failures_served()}/"
                f"{self.log.api_requests}, kills {len(self.kills)}/{self.config.kills}"
            )

    # -- the run ------------------------------------------------------------------------------

    async def run(self) -> dict[str, Any]:
        config = self.config
        await asyncio.to_thread(self.service.start)
        self.started_at = time.monotonic()
        self.deadline = self.started_at + config.deadline
        base_url = self.service.base_url
        self.report(
            f"chaos soak: {config.guests} guests x {config.messages} messages, "
            f"{config.kills} SIGKILLs, service on {base_url}"
        )
        stop = asyncio.Event()
        async with (
            AsyncApiClient(base_url) as shared,
            AsyncControlClient(f"{base_url}/emulator/v1") as control,
        ):
            chaos = [
                asyncio.create_task(self.inject_errors(control, stop)),
                asyncio.create_task(self.drop_streams(control, stop)),
                asyncio.create_task(self.vary_latency(control, stop)),
                asyncio.create_task(self.show_progress(stop)),
            ]
            killer = asyncio.create_task(self.kill_and_restart(stop))
            guests = [asyncio.create_task(self.run_guest(g, shared)) for g in self.guests]
            _, pending = await asyncio.wait(guests, timeout=self.remaining())
            for task in pending:
                task.cancel()
            outcomes = await asyncio.gather(*guests, return_exceptions=True)
            guests_seconds = time.monotonic() - self.started_at
            stop.set()
            await asyncio.gather(*chaos, return_exceptions=True)
            if not killer.done():
                killer.cancel()
            await asyncio.gather(killer, return_exceptions=True)
            errors = [
                f"guest {g.number}: {type(o).__name__}: {o}"
                for g, o in zip(self.guests, outcomes, strict=True)
                if isinstance(o, BaseException)
            ]
            for guest in self.guests:
                if guest.chat is not None:
                    await guest.chat.close()
            transcripts = await self._transcripts(control)
        exit_status = await asyncio.to_thread(self.service.terminate)
        return self._figures(transcripts, errors, guests_seconds, exit_status)

    async def _transcripts(self, control: AsyncControlClient) -> dict[int, list[dict[str, Any]]]:
        await control.clear_faults()
        transcripts: dict[int, list[dict[str, Any]]] = {}
        for guest in self.guests:
            if guest.conversation_id:
                detail = await control.conversation(guest.conversation_id)
                transcripts[guest.number] = detail.get("messages", [])
        return transcripts

    def _figures(
        self,
        transcripts: dict[int, list[dict[str, Any]]],
        errors: list[str],
        guests_seconds: float,
        exit_status: int | None,
    ) -> dict[str, Any]:
        events = Tally()
        stored = Tally()
        id_mismatches = 0
        findings: list[str] = []
        for guest in self.guests:
            echoes = [ECHO_PREFIX + body for body in guest.intended]
            before = asdict(events)
            events.add(guest.intended, guest.my_bodies())
            events.add(echoes, guest.agent_bodies())
            if asdict(events) != before:
                had = {*guest.my_bodies(), *guest.echoes}
                missing = [b for b in (*guest.intended, *echoes) if b not in had]
                findings.append(
                    f"guest {guest.number} events: {_changes(before, events)}, "
                    f"missing {missing[:4]}"
                )
            messages = [
                m
                for m in transcripts.get(guest.number, [])
                if m.get("bodyType") == BodyType.STANDARD
            ]
            mine = [m["body"] for m in messages if m["sender"]["id"] == guest.member_id]
            theirs = [m["body"] for m in messages if m["sender"]["id"] != guest.member_id]
            before = asdict(stored)
            stored.add(guest.intended, mine)
            stored.add(echoes, theirs)
            stored.out_of_order += echo_order_breaks(messages, guest.member_id)
            if asdict(stored) != before:
                findings.append(f"guest {guest.number} transcript: {_changes(before, stored)}")
            if [d.id for d in guest.delivered] != [m["id"] for m in messages]:
                id_mismatches += 1
        recovered = []
        for kill in self.kills:
            live = [self.guests[n] for n in kill["live"]]
            back = [g for g in live if any(t > kill["killed_at"] for t in g.recovered_at)]
            recovered.append({"live": len(live), "recovered": len(back)})
        planned = [g for g in self.guests if g.resume_at is not None]
        trips = sorted(t for g in self.guests for t in g.round_trips)
        figures: dict[str, Any] = {
            "guests": self.config.guests,
            "messages_per_guest": self.config.messages,
            "guest_messages_sent": sum(len(g.my_bodies()) for g in self.guests),
            "echoes_received": sum(len(g.agent_bodies()) for g in self.guests),
            "events": asdict(events),
            "transcripts": asdict(stored),
            "event_ids_differing_from_transcript": id_mismatches,
            "sessions_finished": sum(g.finished for g in self.guests),
            "sessions_resumed_planned": sum(g.planned_resumes > 0 for g in planned),
            "sessions_to_resume": len(planned),
            "sessions_failed": sum(bool(g.failed_sessions) for g in self.guests),
            "sessions_that_saw_the_agent_join": sum(g.agent_joined.is_set() for g in self.guests),
            "echoes_without_the_agent_role": sum(g.unresolved_senders for g in self.guests),
            "session_failures": sorted({f for g in self.guests for f in g.failed_sessions})[:10],
            "guest_errors": errors[:10],
            "findings": findings[:20],
            "kills": recovered,
            "restart_seconds": [k["restart_seconds"] for k in self.kills],
            "reconnects": sum(g.reconnects for g in self.guests),
            "send_retries": sum(g.send_retries for g in self.guests),
            "start_retries": sum(g.start_retries for g in self.guests),
            "streams_dropped": self.streams_dropped,
            "drops_on_reattach": self.drops_on_reattach,
            "error_rules_injected": self.error_rules,
            "api_requests_served": self.log.api_requests,
            "api_failures_served": self.log.failures_served(),
            "statuses_served": dict(sorted(self.log.statuses.items())),
            "round_trip_p50_ms": round(_percentile(trips, 0.5) * 1000, 1),
            "round_trip_p99_ms": round(_percentile(trips, 0.99) * 1000, 1),
            "round_trip_max_ms": round((trips[-1] if trips else 0.0) * 1000, 1),
            "guests_seconds": round(guests_seconds, 1),
            "service_exit_status": exit_status,
            "service_problems": self.log.problems[:10],
            "kills_planned": self.config.kills,
        }
        figures["passed"] = passed(figures)
        return figures


@dataclass
class Tally:
    """Lost, duplicated, unexpected and out-of-order messages, against what was meant."""

    lost: int = 0
    duplicated: int = 0
    unexpected: int = 0
    out_of_order: int = 0

    def add(self, expected: list[str], got: Iterable[str]) -> None:
        got = list(got)
        counts = Counter(got)
        position = {body: index for index, body in enumerate(expected)}
        self.lost += sum(1 for body in expected if counts[body] == 0)
        self.duplicated += sum(n - 1 for body, n in counts.items() if n > 1 and body in position)
        self.unexpected += sum(n for body, n in counts.items() if body not in position)
        furthest = -1
        for body in dict.fromkeys(got):  # first arrivals, in arrival order
            index = position.get(body)
            if index is None:
                continue
            if index < furthest:
                self.out_of_order += 1
            furthest = max(furthest, index)


def echo_order_breaks(messages: list[dict[str, Any]], member_id: str) -> int:
    """Echoes stored before the guest message they answer."""
    seen: set[str] = set()
    breaks = 0
    for message in messages:
        if message["sender"]["id"] == member_id:
            seen.add(message["body"])
        elif (
            message["body"].startswith(ECHO_PREFIX)
            and message["body"][len(ECHO_PREFIX) :] not in seen
        ):
            breaks += 1
    return breaks


def passed(figures: dict[str, Any]) -> bool:
    clean = all(
        value == 0 for side in ("events", "transcripts") for value in figures[side].values()
    )
    return (
        clean
        and figures["event_ids_differing_from_transcript"] == 0
        and figures["sessions_finished"] == figures["guests"]
        and figures["sessions_resumed_planned"] == figures["sessions_to_resume"]
        and figures["sessions_failed"] == 0
        and figures["sessions_that_saw_the_agent_join"] == figures["guests"]
        and figures["echoes_without_the_agent_role"] == 0
        and not figures["guest_errors"]
        and all(kill["recovered"] == kill["live"] for kill in figures["kills"])
        and len(figures["kills"]) == figures["kills_planned"]
    )


def _changes(before: dict[str, int], tally: Tally) -> str:
    return ", ".join(
        f"{name} +{value - before[name]}"
        for name, value in asdict(tally).items()
        if value != before[name]
    )


def _percentile(values: list[float], share: float) -> float:
    return values[min(len(values) - 1, int(share * len(values)))] if values else 0.0


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await stop.wait()


def run_soak(config: SoakConfig, report: Callable[[str], None] | None = print) -> dict[str, Any]:
    """Run one soak in a temporary folder; the figures (``figures["passed"]`` says it all)."""
    with tempfile.TemporaryDirectory(prefix="guestchat-soak-") as folder:
        soak = Soak(config, Path(folder), report)
        started = time.monotonic()
        try:
            figures = asyncio.run(soak.run())
        finally:
            soak.service.kill()
        figures["total_seconds"] = round(time.monotonic() - started, 1)
        return figures


def table(figures: dict[str, Any]) -> str:
    events, stored = figures["events"], figures["transcripts"]

    def share(count: int) -> str:
        return f"{100 * count / max(1, figures['api_requests_served']):.1f}%"

    kills = ", ".join(f"{k['recovered']}/{k['live']}" for k in figures["kills"]) or "-"
    rows = [
        ("guests x messages", f"{figures['guests']} x {figures['messages_per_guest']}"),
        ("guest messages delivered (events)", str(figures["guest_messages_sent"])),
        ("echoes received (events)", str(figures["echoes_received"])),
        ("lost (events / transcripts)", f"{events['lost']} / {stored['lost']}"),
        ("duplicated (events / transcripts)", f"{events['duplicated']} / {stored['duplicated']}"),
        (
            "out of order (events / transcripts)",
            f"{events['out_of_order']} / {stored['out_of_order']}",
        ),
        ("unexpected (events / transcripts)", f"{events['unexpected']} / {stored['unexpected']}"),
        ("event ids differing from transcript", (
            str(figures["event_ids_differing_from_transcript"])
        )),
        ("sessions finished", f"{figures['sessions_finished']}/{figures['guests']}"),
        (
            "sessions resumed from saved state",
            f"{figures['sessions_resumed_planned']}/{figures['sessions_to_resume']}",
        ),
        ("sessions recovered after each SIGKILL", kills),
        ("sessions whose events failed", str(figures["sessions_failed"])),
        ("sessions that saw AgentJoined", (
            f"{figures['sessions_that_saw_the_agent_join']}/{figures['guests']}"
        )),
        ("echoes whose sender was not known as AGENT", (
            str(figures["echoes_without_the_agent_role"])
        )),
        ("service restarts (s to listen)", ", ".join(map(str, figures["restart_seconds"])) or "-"),
        ("reconnects", str(figures["reconnects"])),
        ("streams dropped (+ again on reattach)", (
            f"{figures['streams_dropped']} (+{figures['drops_on_reattach']})"
        )),
        ("REST requests served", str(figures["api_requests_served"])),
        ("5xx/429 served (of them injected)", (
            f"{figures['api_failures_served']} = {share(figures['api_failures_served'])} "
            f"({figures['error_rules_injected']} = {share(figures['error_rules_injected'])})"
        )),
        ("guest send/read retries, start/resume retries", (
            f"{figures['send_retries']}, {figures['start_retries']}"
        )),
        ("exchange round trip p50 / p99 / max (ms)", (
            f"{figures['round_trip_p50_ms']} / {figures['round_trip_p99_ms']} / "
            f"{figures['round_trip_max_ms']}"
        )),
        ("guests' run / whole run (s)", (
            f"{figures['guests_seconds']} / {figures['total_seconds']}"
        )),
        ("service exit status on SIGTERM", str(figures["service_exit_status"])),
        ("result", "PASSED" if figures["passed"] else "FAILED"),
    ]  # fmt: skip
    width = max(len(name) for name, _ in rows)
    lines = [f"{name:<{width}}  {value}" for name, value in rows]
    for key in ("findings", "session_failures", "guest_errors", "service_problems"):
        lines.extend(f"{key}: {item}" for item in figures[key])
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    defaults = SoakConfig()
    parser.add_argument("--guests", type=int, default=defaults.guests)
    parser.add_argument("--messages", type=int, default=defaults.messages)
    parser.add_argument("--kills", type=int, default=defaults.kills)
    parser.add_argument("--error-share", type=float, default=defaults.error_share)
    parser.add_argument("--deadline", type=float, default=defaults.deadline, help="seconds")
    args = parser.parse_args()
    try:
        config = SoakConfig(
            guests=args.guests,
            messages=args.messages,
            kills=args.kills,
            error_share=args.error_share,
            deadline=args.deadline,
        )
    except ValueError as exc:
        parser.error(str(exc))
    figures = run_soak(config, lambda line: print(line, flush=True))
    print(table(figures))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    figures["cpus"] = os.cpu_count()
    RESULTS.write_text(json.dumps(figures, indent=2, default=str) + "\n")
    print(f"written to {RESULTS}")
    return 0 if figures["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
