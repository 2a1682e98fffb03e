"""``guestchat demo``: play a whole chat, from creation to leaving, without any input."""

from __future__ import annotations

import asyncio
import shlex
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from ._errors import CliError, describe, report_failures
from ._events import EventPrinter
from ._options import (
    Api,
    ApiName,
    Deployment,
    Environment,
    GuestName,
    LogLevel,
    Organization,
    Queue,
    ShowVersion,
)
from ._output import make_console
from ._sessions import agent_comes_first, api_label, start_session
from ._target import (
    DEFAULT_DEPLOYMENT,
    DEFAULT_ORGANIZATION,
    DEFAULT_QUEUE,
    ChatTarget,
    chat_target,
)
from ._transcripts import entries_from_events, print_table

if TYPE_CHECKING:
    from ..session import GuestSession, WebMessagingChat

GUEST_LINES = (
    "Hello! I ordered a blue kettle last week and it has not arrived.",
    "The order number is 4711.",
    "Thank you, that is all I needed.",
)
STEPS = 6
WEB_MESSAGING_STEPS = STEPS + 2
"""Over Web Messaging the demo also answers a quick reply and sends an attachment."""
QUICK_REPLIES_REQUEST = "quick replies"
"""The line the echo agent answers with quick replies (its structured-content convention)."""
ATTACHMENT_NAME = "receipt.txt"
ATTACHMENT_TEXT = "Here is my receipt."
ATTACHMENT_DATA = b"Order 4711: one blue kettle.\n"
WAIT_LIMIT = 30.0
"""Seconds to wait for the agent before giving up; a bound, not an expected duration."""


def demo_command(
    environment: Environment = None,
    organization: Organization = None,
    deployment: Deployment = None,
    queue: Queue = None,
    name: GuestName = "Demo Guest",
    api: Api = ApiName.guest_chat,
    pace: Annotated[
        float,
        typer.Option(
            "--pace",
            min=0.0,
            max=10.0,
            help="Seconds the embedded agent and the guest pause before each reply.",
        ),
    ] = 0.5,
    log_level: LogLevel = None,
    version: ShowVersion = False,
) -> None:
    """Play a whole guest chat and print its transcript.

    Without `--environment` it starts a local Guest Chat service in-process (echo agent, temporary
    database) and needs nothing else. With `--environment` it plays the same chat against that
    server. `--api web-messaging` plays it over Web Messaging instead of Guest Chat. Ctrl-C makes
    the guest leave the chat, and exits with status 130.

    **Examples**

    * `guestchat demo`

    * `guestchat demo --api web-messaging`

    * `guestchat demo --environment http://127.0.0.1:8080 --queue Support`
    """
    console = make_console()
    with report_failures():
        asyncio.run(_demo(console, environment, organization, deployment, queue, name, pace, api))


async def _demo(
    console: Console,
    environment: str | None,
    organization: str | None,
    deployment: str | None,
    queue: str | None,
    name: str,
    pace: float,
    api: ApiName,
) -> None:
    if environment is None:
        _step(
            console, 1, "Starting a local Guest Chat service (echo agent, temporary database)", api
        )
    else:
        _step(console, 1, f"Using the server at {environment}", api)
    async with chat_target(
        environment,
        organization,
        deployment,
        queue,
        agent="echo",
        agent_join_delay=pace * 1.5,
        agent_reply_delay=pace,
    ) as target:
        if target.embedded:
            console.print(f"  [ok]✓[/] listening on [url]{target.environment}[/]")
        await _play(console, target, name, pace, api)


async def _play(console: Console, target: ChatTarget, name: str, pace: float, api: ApiName) -> None:
    if api == ApiName.web_messaging:
        _step(console, 2, "Opening a Web Messaging session", api)
    else:
        _step(
            console,
            2,
            f"Creating the chat in queue {target.queue!r} and attaching the event stream",
            api,
        )
    chat = await start_session(target, api, {"displayName": name})
    async with chat:
        if api == ApiName.web_messaging:
            console.print(f"  [ok]✓[/] {api_label(api)} session configured")
        else:
            console.print(f"  [ok]✓[/] chat {chat.conversation_id} created, event stream attached")
        printer = EventPrinter(console, chat.member_id)
        async with _EventWatcher(chat, printer, console) as watcher:
            try:
                await _converse(console, chat, watcher, printer, name, pace, api)
            except asyncio.CancelledError:
                # Ctrl-C: the guest leaves, as in `chat`, before the command exits with 130.
                await chat.leave()
                printer.system("You left the chat.")
                raise
    console.print(f"[ok]Done.[/] {_next_step_hint(target, api)}")


async def _converse(
    console: Console,
    chat: GuestSession,
    watcher: _EventWatcher,
    printer: EventPrinter,
    name: str,
    pace: float,
    api: ApiName,
) -> None:
    from ..models import BodyType
    from ..session import WebMessagingChat
    from ..session.events import AgentJoined, ChatEnded
    from ..stream.events import MessageEvent

    if agent_comes_first(api):
        _step(console, 3, "Waiting for an agent", api)
        await watcher.wait_for(lambda event: isinstance(event, AgentJoined), "an agent")
    else:
        _step(
            console, 3, "Speaking first: over Web Messaging the agent shows up with its answer", api
        )

    def is_reply(event: object) -> bool:
        # The agent's join notice is a message from the agent too, and it may come after the
        # AgentJoined inferred from the member change: counted, it would answer the first line.
        return (
            isinstance(event, MessageEvent)
            and event.sender.is_agent
            and event.body_type == BodyType.STANDARD
        )

    _step(console, 4, "Chatting, with typing indicators both ways", api)
    for line in GUEST_LINES:
        replies = watcher.count(is_reply)
        await chat.typing()
        printer.system(f"{name} is typing…")
        await asyncio.sleep(pace)
        printer.guest_said(name, line)
        await chat.send(line)
        await watcher.wait_for(is_reply, "the agent's reply", after=replies)

    step = 5
    if isinstance(chat, WebMessagingChat):
        _step(console, step, "A structured message: the agent's quick replies, answered", api)
        await _quick_reply(chat, watcher, printer, name, is_reply)
        _step(console, step + 1, "An attachment, uploaded and sent", api)
        await _attachment(chat, watcher, printer, name, is_reply)
        step += 2

    _step(console, step, "The transcript, as the service keeps it", api)
    entries = entries_from_events(await chat.history())
    print_table(console, entries)

    _step(console, step + 1, "Leaving the chat", api)
    await chat.leave()
    await watcher.wait_for(lambda event: isinstance(event, ChatEnded), "the end of chat")


def _next_step_hint(target: ChatTarget, api: ApiName) -> str:
    """What to try next, on the server the demo ran against."""
    over = [] if api == ApiName.guest_chat else ["--api", api.value]
    if target.embedded:
        local = shlex.join(["guestchat", "chat", *over])
        return f"Try [step]{escape(local)}[/] to talk to the echo agent yourself."
    command = ["guestchat", "chat", *over, "--environment", target.environment]
    for flag, value, default in (
        ("--org", target.organization_id, DEFAULT_ORGANIZATION),
        ("--deployment", target.deployment_id, DEFAULT_DEPLOYMENT),
        ("--queue", target.queue, DEFAULT_QUEUE),
    ):
        if value != default:
            command += [flag, value]
    return f"Try [step]{escape(shlex.join(command))}[/] to chat on that server yourself."


async def _quick_reply(
    chat: WebMessagingChat,
    watcher: _EventWatcher,
    printer: EventPrinter,
    name: str,
    is_reply: Callable[[object], bool],
) -> None:
    from ..session import WebMessageEvent

    replies = watcher.count(is_reply)
    printer.guest_said(name, QUICK_REPLIES_REQUEST)
    await chat.send(QUICK_REPLIES_REQUEST)
    offered = await watcher.wait_for(is_reply, "the agent's quick replies", after=replies)
    message = offered.web_message if isinstance(offered, WebMessageEvent) else None
    offers = message.quick_replies if message is not None else ()
    if not offers:
        printer.system("The agent offered no quick replies (the server has no such convention).")
        return
    choice = offers[0]
    text = choice.text or choice.payload or ""
    replies = watcher.count(is_reply)
    printer.guest_said(name, f"{text} (quick reply)")
    await chat.client.send_quick_reply(text, choice.payload or text)
    await watcher.wait_for(is_reply, "the agent's answer to the quick reply", after=replies)


async def _attachment(
    chat: WebMessagingChat,
    watcher: _EventWatcher,
    printer: EventPrinter,
    name: str,
    is_reply: Callable[[object], bool],
) -> None:
    from ..webmessaging import WebMessagingError

    replies = watcher.count(is_reply)
    try:
        echo = await chat.client.send_attachment(
            ATTACHMENT_NAME, ATTACHMENT_DATA, text=ATTACHMENT_TEXT, content_type="text/plain"
        )
    except WebMessagingError as exc:
        # A server without attachments refuses them; the rest of the demo does not need one.
        printer.system(f"The server took no attachment: {describe(exc)}")
        return
    sent = ", ".join(item.filename or item.id or "?" for item in echo.attachments)
    printer.guest_said(name, f"{ATTACHMENT_TEXT} [attachment: {sent or ATTACHMENT_NAME}]")
    await watcher.wait_for(is_reply, "the agent's answer to the attachment", after=replies)


def _step(console: Console, number: int, text: str, api: ApiName) -> None:
    total = WEB_MESSAGING_STEPS if api == ApiName.web_messaging else STEPS
    console.print(f"[step][{number}/{total}][/] {text}", markup=True)


class _EventWatcher:
    """Prints every event as it arrives and lets the script wait for the one it needs."""

    def __init__(self, chat: GuestSession, printer: EventPrinter, console: Console) -> None:
        self._chat = chat
        self._console = console
        self._printer = printer
        self._seen: list[object] = []
        self._changed = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None
        self._failure: BaseException | None = None

    async def __aenter__(self) -> _EventWatcher:
        self._task = asyncio.create_task(self._follow())
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _follow(self) -> None:
        try:
            async for event in self._chat.events():
                self._printer.show(event)
                async with self._changed:
                    self._seen.append(event)
                    self._changed.notify_all()
        except Exception as exc:
            async with self._changed:
                self._failure = exc
                self._changed.notify_all()

    def count(self, matches: Callable[[object], bool]) -> int:
        return sum(1 for event in self._seen if matches(event))

    async def wait_for(
        self, matches: Callable[[object], bool], what: str, *, after: int = 0
    ) -> object:
        """Wait until more than ``after`` events match, and return the one after those; fail
        with a clear line if none comes."""

        def arrived() -> bool:
            return self._failure is not None or self.count(matches) > after

        try:
            with self._console.status(f"waiting for {what}…"):
                async with asyncio.timeout(WAIT_LIMIT), self._changed:
                    await self._changed.wait_for(arrived)
        except TimeoutError:
            raise CliError(f"gave up waiting for {what} after {WAIT_LIMIT:.0f} s") from None
        if self._failure is not None and self.count(matches) <= after:
            raise self._failure
        return [event for event in self._seen if matches(event)][after]
