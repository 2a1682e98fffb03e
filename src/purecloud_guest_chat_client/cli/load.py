"""``guestchat load``: many guests chatting at once, with a progress bar and a results table."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ._errors import describe, report_failures
from ._options import Deployment, Environment, Organization, Queue, ShowVersion
from ._output import make_console
from ._target import ChatTarget, chat_target

if TYPE_CHECKING:
    from ..api_client import AsyncApiClient
    from ..session import GuestChat
    from ..stream.events import ChatEvent

GUEST_WAIT = 60.0
"""Seconds one guest waits for an agent or a reply before counting as failed; a bound."""


@dataclass
class GuestResult:
    created: float | None = None
    agent_joined: float | None = None
    replies: list[float] = field(default_factory=list)
    error: str | None = None


def load_command(
    environment: Environment = None,
    organization: Organization = None,
    deployment: Deployment = None,
    queue: Queue = None,
    guests: Annotated[
        int, typer.Option("--guests", "-n", min=1, max=100_000, help="How many guests chat.")
    ] = 20,
    concurrency: Annotated[
        int,
        typer.Option("--concurrency", "-c", min=1, max=10_000, help="Guests chatting at once."),
    ] = 10,
    messages: Annotated[
        int,
        typer.Option("--messages", "-m", min=0, max=1000, help="Messages each guest sends."),
    ] = 3,
    version: ShowVersion = False,
) -> None:
    """Run many guests at once and report how the server coped.

    Each guest creates a chat, waits for an agent, sends its messages one after the other, waiting
    for each answer, and leaves. Without `--environment` an embedded service with an instant echo
    agent and no rate limit answers, which measures this machine.

    **Examples**

    * `guestchat load -n 200 -c 50`

    * `guestchat load --environment http://127.0.0.1:8080 -n 50 -m 10`
    """
    console = make_console()
    with report_failures():
        asyncio.run(
            _load(
                console, environment, organization, deployment, queue, guests, concurrency, messages
            )
        )


async def _load(
    console: Console,
    environment: str | None,
    organization: str | None,
    deployment: str | None,
    queue: str | None,
    guests: int,
    concurrency: int,
    messages: int,
) -> None:
    from ..api_client import AsyncApiClient

    async with (
        chat_target(
            environment,
            organization,
            deployment,
            queue,
            agent="echo",
            agent_join_delay=0.0,
            agent_reply_delay=0.0,
            rate_limit_per_minute=0,
        ) as target,
        AsyncApiClient(target.environment) as client,
    ):
        console.print(
            f"{guests} guests, {concurrency} at a time, {messages} messages each, "
            f"against {target.environment}"
        )
        limit = asyncio.Semaphore(concurrency)
        results: list[GuestResult] = []
        started = time.perf_counter()
        with Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task("chatting", total=guests)

            async def one(number: int) -> None:
                async with limit:
                    results.append(await _guest(client, target, number, messages))
                progress.advance(task)

            async with asyncio.TaskGroup() as group:
                for number in range(guests):
                    group.create_task(one(number))
        elapsed = time.perf_counter() - started
    _report(console, results, elapsed)
    if all(result.error for result in results):
        raise typer.Exit(1)


async def _guest(
    client: AsyncApiClient, target: ChatTarget, number: int, messages: int
) -> GuestResult:
    from ..session import GuestChat

    result = GuestResult()
    began = time.perf_counter()
    try:
        chat = await GuestChat.start(
            target.organization_id,
            target.deployment_id,
            target.queue,
            f"Load Guest {number + 1}",
            client=client,
        )
        result.created = time.perf_counter() - began
        async with chat, asyncio.timeout(GUEST_WAIT):
            await _converse(chat, result, messages, began)
            await chat.leave()
    except TimeoutError:
        result.error = "timed out waiting for the agent"
    except Exception as exc:
        result.error = describe(exc)
    return result


async def _converse(chat: GuestChat, result: GuestResult, messages: int, began: float) -> None:
    from ..stream.events import AgentJoined, ChatEnded, MessageEvent

    async def until(wanted: Callable[[ChatEvent], bool]) -> None:
        while True:
            event = await chat.next_event()
            if event is None or isinstance(event, ChatEnded):
                raise RuntimeError("the chat ended early")
            if wanted(event):
                return

    await until(lambda event: isinstance(event, AgentJoined))
    result.agent_joined = time.perf_counter() - began
    for number in range(messages):
        sent = time.perf_counter()
        await chat.send(f"load message {number + 1}")
        await until(lambda event: isinstance(event, MessageEvent) and event.sender.is_agent)
        result.replies.append(time.perf_counter() - sent)


def _report(console: Console, results: list[GuestResult], elapsed: float) -> None:
    failed = [result for result in results if result.error]
    table = Table(title="guestchat load", show_edge=False)
    table.add_column("measure")
    table.add_column("count", justify="right")
    table.add_column("median", justify="right")
    table.add_column("p95", justify="right")
    table.add_column("max", justify="right")
    for label, values in (
        ("create chat", [r.created for r in results if r.created is not None]),
        ("agent joined", [r.agent_joined for r in results if r.agent_joined is not None]),
        ("reply round trip", [value for r in results for value in r.replies]),
    ):
        table.add_row(label, str(len(values)), *_stats(values))
    console.print(table)
    replies = sum(len(result.replies) for result in results)
    console.print(
        f"{len(results) - len(failed)} of {len(results)} guests completed in {elapsed:.2f} s; "
        f"{replies} replies, {replies / elapsed:.1f} round trips/s"
    )
    reasons: dict[str, int] = {}
    for result in failed:
        reasons[result.error or ""] = reasons.get(result.error or "", 0) + 1
    for reason, count in sorted(reasons.items(), key=lambda item: -item[1]):
        console.print(f"[failure]{count} failed: {reason}[/]")


def _stats(values: list[float]) -> tuple[str, str, str]:
    if not values:
        return ("-", "-", "-")
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"{statistics.median(ordered) * 1000:.0f} ms",
        f"{p95 * 1000:.0f} ms",
        f"{ordered[-1] * 1000:.0f} ms",
    )
