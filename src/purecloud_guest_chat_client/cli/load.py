"""``guestchat load``: many guests chatting at once, with a live display, a summary table, loss
checked message by message, ``results.json`` and plots."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from ._errors import EXIT_FAILURE, EXIT_INTERRUPTED, CliError, report_failures
from ._options import Api, ApiName, Deployment, Environment, Organization, Queue, ShowVersion
from ._output import make_console
from ._sessions import api_label
from ._target import chat_target

if TYPE_CHECKING:
    from ..load import LoadPlan, LoadRun

DEFAULT_GUESTS = 20
DEFAULT_CONCURRENCY = 10
DEFAULT_MESSAGES = 3
EXIT_USAGE = 2
EMBEDDED_MIN_CONNECTIONS = 1000
PLAIN_PROGRESS_EVERY = 10.0
"""Seconds between two progress lines when the output is not a terminal (a log, a pipe)."""


def load_command(
    environment: Environment = None,
    organization: Organization = None,
    deployment: Deployment = None,
    queue: Queue = None,
    api: Api = ApiName.guest_chat,
    guests: Annotated[
        int,
        typer.Option("--guests", "-n", min=1, max=1_000_000, help="How many guests chat in all."),
    ] = DEFAULT_GUESTS,
    concurrency: Annotated[
        int | None,
        typer.Option(
            "--concurrency",
            "-c",
            min=1,
            max=100_000,
            help=f"Guests chatting at once; a new one starts when one leaves. [default: "
            f"{DEFAULT_CONCURRENCY}, unless --arrival-rate]",
            show_default=False,
        ),
    ] = None,
    arrival_rate: Annotated[
        float | None,
        typer.Option(
            "--arrival-rate",
            min=0.001,
            help="Open model instead of --concurrency: new guests per second, however many "
            "are still chatting.",
            show_default=False,
        ),
    ] = None,
    ramp: Annotated[
        float,
        typer.Option(
            "--ramp",
            min=0.0,
            help="Seconds over which the guests (or the arrival rate) build up.",
        ),
    ] = 0.0,
    messages: Annotated[
        int | None,
        typer.Option(
            "--messages",
            "-m",
            min=0,
            max=1_000_000,
            help=f"Messages each guest sends. [default: {DEFAULT_MESSAGES}, unless --duration]",
            show_default=False,
        ),
    ] = None,
    duration: Annotated[
        float | None,
        typer.Option(
            "--duration",
            "-d",
            min=0.001,
            help="Instead of --messages: seconds after which the guests stop sending and leave.",
            show_default=False,
        ),
    ] = None,
    think: Annotated[
        str,
        typer.Option(
            "--think",
            help="Seconds a guest pauses after an answer before its next message: fixed (5) "
            "or a range (2..8).",
        ),
    ] = "0",
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout",
            min=0.001,
            help="Seconds a guest waits for an agent, and for each answer, before counting an "
            "error. [default: 30 plus 0.01 per guest chatting at once]",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            file_okay=False,
            help="Directory for results.json and the PNG plots (the plots need the [load] extra).",
            show_default=False,
        ),
    ] = None,
    version: ShowVersion = False,
) -> None:
    """Run many guests at once and report how the service coped.

    Each guest creates a chat, waits for an agent, sends its messages one at a time (each after
    the answer to the previous one and the `--think` pause) and leaves. With `--api
    web-messaging` the guests hold Web Messaging sessions instead (and speak first: the agent
    shows up with its answer). Every message is
    checked: it must come back on the guest's stream once and be answered once, else it counts
    as lost or duplicated.

    Without `--environment` an embedded service with an instant echo agent and no rate limit
    answers in this process, which measures this machine; to measure a service, run it apart
    (`guestchat serve`) and name it with `--environment`. Requests go only to that address.

    Ctrl-C stops the run: no guest sends any more, every guest leaves its chat, and the summary
    so far is printed.

    Exit status: 0 when every guest completed with nothing lost or duplicated; 1 when a guest
    failed or a message was lost or duplicated; 2 for a bad option; 130 when interrupted.

    **Examples**

    * `guestchat load -n 200 -c 50 -m 20 --out results/`

    * `guestchat load -e http://127.0.0.1:8080 -n 2000 -c 2000 --ramp 30 --duration 120 --think 5`

    * `guestchat load --arrival-rate 20 -n 1000 -m 5 --think 1..3`

    * `guestchat load --api web-messaging -n 200 -c 50`
    """
    try:
        plan = _plan(guests, concurrency, arrival_rate, ramp, messages, duration, think, timeout)
    except _BadOption as exc:
        print(f"error: {exc} (see guestchat load --help)", file=sys.stderr)
        raise typer.Exit(EXIT_USAGE) from None
    if out is not None:
        from ..load.plots import MISSING_MATPLOTLIB, plots_available

        if not plots_available():
            print(f"error: {MISSING_MATPLOTLIB}", file=sys.stderr)
            raise typer.Exit(EXIT_FAILURE)
    console = make_console()
    with report_failures():
        code = asyncio.run(
            _load(console, environment, organization, deployment, queue, api, plan, out)
        )
    raise typer.Exit(code)


class _BadOption(Exception):
    """Options that cannot go together, or a value the plan refuses."""


def _plan(
    guests: int,
    concurrency: int | None,
    arrival_rate: float | None,
    ramp: float,
    messages: int | None,
    duration: float | None,
    think: str,
    timeout: float | None,
) -> LoadPlan:
    from ..load import LoadPlan, ThinkTime

    if concurrency is not None and arrival_rate is not None:
        raise _BadOption("give --concurrency or --arrival-rate, not both")
    if messages is not None and duration is not None:
        raise _BadOption("give --messages or --duration, not both")
    try:
        pause = ThinkTime.parse(think)
    except ValueError as exc:
        raise _BadOption(f"--think: {exc}") from None
    try:
        return LoadPlan(
            guests=guests,
            concurrency=DEFAULT_CONCURRENCY
            if concurrency is None and arrival_rate is None
            else concurrency,
            arrival_rate=arrival_rate,
            ramp=ramp,
            messages=DEFAULT_MESSAGES if messages is None and duration is None else messages,
            duration=duration,
            think=pause,
            timeout=timeout,
        )
    except ValueError as exc:
        raise _BadOption(str(exc)) from None


async def _load(
    console: Console,
    environment: str | None,
    organization: str | None,
    deployment: str | None,
    queue: str | None,
    api: ApiName,
    plan: LoadPlan,
    out: Path | None,
) -> int:
    from ..load import LoadRun, LoadTarget
    from ..session import GuestApi

    async with chat_target(
        environment,
        organization,
        deployment,
        queue,
        agent="echo",
        agent_join_delay=0.0,
        agent_reply_delay=0.0,
        rate_limit_per_minute=0,
        # Each guest holds its stream and may hold a pooled HTTP connection.
        max_connections=max(EMBEDDED_MIN_CONNECTIONS, plan.guests_at_once + 100),
    ) as target:
        where = "an embedded service" if target.embedded else target.environment
        console.print(f"{plan.describe()}, against {where} over {api_label(api)}")
        display = _Display(console)
        run = LoadRun(
            LoadTarget(
                target.environment,
                target.organization_id,
                target.deployment_id,
                target.queue,
                api=GuestApi(api.value),
            ),
            plan,
            on_tick=display.update,
        )
        with display, _stopped_by_ctrl_c(run, console):
            await run.run()
    _summary(console, run, embedded=target.embedded)
    if out is not None:
        _write(console, run, out)
    recorder = run.recorder
    if run.interrupted:
        return EXIT_INTERRUPTED
    if (
        recorder.lost
        or recorder.duplicated
        or recorder.guests_failed
        or not recorder.guests_completed
    ):
        return EXIT_FAILURE
    return 0


@contextlib.contextmanager
def _stopped_by_ctrl_c(run: LoadRun, console: Console) -> Iterator[None]:
    """The first Ctrl-C stops the run gracefully (every guest leaves); a second one aborts."""
    loop = asyncio.get_running_loop()
    main = asyncio.current_task()
    presses = 0

    def pressed() -> None:
        nonlocal presses
        presses += 1
        if presses == 1:
            console.print("[warn]stopping: every guest leaves its chat (Ctrl-C again to abort)[/]")
            run.stop()
        elif main is not None:
            main.cancel()

    try:
        loop.add_signal_handler(signal.SIGINT, pressed)
    except (NotImplementedError, RuntimeError):  # not on this platform: KeyboardInterrupt
        yield
        return
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGINT)


class _Display:
    """The live view while the run goes: a rich panel on a terminal, a line every 10 s
    otherwise."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._live: Live | None = None
        self._next_line = time.monotonic() + PLAIN_PROGRESS_EVERY

    def __enter__(self) -> _Display:
        if self._console.is_terminal:
            self._live = Live(
                Text("starting…"), console=self._console, refresh_per_second=4, transient=True
            )
            self._live.__enter__()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._live is not None:
            self._live.__exit__(None, None, None)

    def update(self, run: LoadRun) -> None:
        if self._live is not None:
            self._live.update(_progress_table(run))
        elif time.monotonic() >= self._next_line:
            self._next_line = time.monotonic() + PLAIN_PROGRESS_EVERY
            self._console.print(_progress_line(run))


def _progress_figures(run: LoadRun) -> list[tuple[str, str]]:
    recorder = run.recorder
    return [
        ("elapsed", f"{recorder.now():.0f} s"),
        ("sessions up", f"{recorder.guests_active}"),
        ("guests done", f"{recorder.guests_completed + recorder.guests_failed}/{run.plan.guests}"),
        ("sent", f"{recorder.sent}"),
        ("answered", f"{recorder.received}"),
        ("errors", f"{sum(recorder.errors.values())}"),
        ("rate", f"{recorder.recent_rate():.1f}/s"),
        ("generator CPU", f"{run.sampler.latest_share():.0%}"),
    ]


def _progress_table(run: LoadRun) -> Group:
    table = Table(show_header=True, show_edge=False, box=None)
    figures = _progress_figures(run)
    for name, _value in figures:
        table.add_column(name, justify="right")
    table.add_row(*(value for _name, value in figures))
    lines: list[Table | Text] = [table]
    if run.stopping:
        lines.append(Text("stopping: guests are leaving their chats…", style="warn"))
    return Group(*lines)


def _progress_line(run: LoadRun) -> str:
    return ", ".join(f"{name} {value}" for name, value in _progress_figures(run))


def _ms(value: float) -> str:
    return f"{value * 1000:.1f}"


def _summary(console: Console, run: LoadRun, *, embedded: bool) -> None:
    from ..load.machine import generator_limited
    from ..load.metrics import LATENCY_KINDS

    recorder = run.recorder
    title = "guestchat load" + (" (interrupted: partial figures)" if run.interrupted else "")
    table = Table(title=title, show_edge=False)
    table.add_column("latency (ms)")
    for column in ("count", "mean", "min", "p50", "p90", "p99", "max"):
        table.add_column(column, justify="right")
    for kind, label in LATENCY_KINDS.items():
        stats = recorder.stats(kind)
        if stats is None:
            table.add_row(label, "0", *("-" for _ in range(6)))
        else:
            table.add_row(
                label,
                str(stats.count),
                *(
                    _ms(getattr(stats, name))
                    for name in ("mean", "min", "p50", "p90", "p99", "max")
                ),
            )
    console.print(table)
    guests = (
        f"guests: {recorder.guests_completed} of {recorder.guests_started} completed, "
        f"{recorder.guests_failed} failed"
    )
    if recorder.guests_interrupted:
        guests += f", {recorder.guests_interrupted} interrupted"
    console.print(guests + f", in {recorder.elapsed:.2f} s")
    console.print(
        f"messages: {recorder.sent} sent, {recorder.received} answered, "
        f"{recorder.lost} lost, {recorder.duplicated} duplicated; "
        f"throughput {recorder.throughput():.1f} answers/s"
    )
    console.print(f"retries: {recorder.retries}, reconnects: {recorder.reconnects}")
    if recorder.errors:
        listed = ", ".join(f"{code} ({count})" for code, count in recorder.errors.most_common())
        console.print(f"[failure]errors: {listed}[/]")
    else:
        console.print("errors: none")
    for example in recorder.lost_examples[:3]:
        console.print(f"[failure]lost: {example}[/]")
    for example in recorder.duplicated_examples[:3]:
        console.print(f"[failure]duplicated: {example}[/]")
    cpu_mean, cpu_max = recorder.cpu_share()
    console.print(
        f"load generator: {cpu_mean:.0%} of a core on average, {cpu_max:.0%} at most"
        + (" (the embedded service runs in this process too)" if embedded else "")
    )
    limited = generator_limited(recorder)
    if limited is not None:
        console.print(f"[warn]warning: {limited}[/]")


def _write(console: Console, run: LoadRun, out: Path) -> None:
    from ..load.plots import write_plots
    from ..load.report import write_results

    try:
        results = write_results(run, out)
        plots = write_plots(run.recorder, out, "guestchat load")
    except OSError as exc:
        raise CliError(f"cannot write to {out}: {exc.strerror or exc}") from None
    console.print(f"wrote {results} and {len(plots)} plots in {out}")
