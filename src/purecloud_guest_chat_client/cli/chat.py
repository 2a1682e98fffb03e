"""``guestchat chat``: chat with an agent from the terminal, as the guest."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from ._errors import EXIT_INTERRUPTED, CliError, describe, report_failures
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
from ._output import make_console, write_private
from ._sessions import agent_comes_first, api_label, start_session
from ._target import chat_target
from ._transcripts import entries_from_events, print_table, render

if TYPE_CHECKING:
    from ..session import GuestSession
    from ..webmessaging import QuickReply, WebMessagingClient

HELP_TEXT = """Commands:
  /transcript [FILE]  show the transcript, or write it to FILE (.json for JSON, else Markdown)
  /state [FILE]       save the chat's state (it holds the credential) for `guestchat
                      transcript --state FILE` or resume_session; FILE defaults to
                      --save-state's
  /reply N            answer the agent's quick reply number N (Web Messaging)
  /attach FILE        send FILE as an attachment (Web Messaging)
  /help               this help
  /quit               leave the chat (also Ctrl-D; Ctrl-C leaves it too, with exit status 130)"""
AGENT_WAIT = 30.0
"""Seconds piped input waits for an agent before sending; a bound, not an expected duration."""


def chat_command(
    environment: Environment = None,
    organization: Organization = None,
    deployment: Deployment = None,
    queue: Queue = None,
    name: GuestName = "Guest",
    api: Api = ApiName.guest_chat,
    fields: Annotated[
        list[str] | None,
        typer.Option(
            "--field",
            help="A custom field for the agent, as key=value; repeat for more.",
            show_default=False,
        ),
    ] = None,
    reply_wait: Annotated[
        float,
        typer.Option(
            "--reply-wait",
            min=0.0,
            help="With piped input: seconds to wait for the agent's answer after each line.",
        ),
    ] = 10.0,
    save_state: Annotated[
        Path | None,
        typer.Option(
            "--save-state",
            envvar="GUESTCHAT_SAVE_STATE",
            dir_okay=False,
            help=(
                "Write the chat's resumable state (JSON, as the session's state()) to this file "
                "when the chat starts and when it ends, for `guestchat transcript --state FILE` "
                "or resume_session. It holds the guest's JWT or session token, so it is written "
                "readable by you only (mode 0600)."
            ),
            show_default=False,
        ),
    ] = None,
    log_level: LogLevel = None,
    version: ShowVersion = False,
) -> None:
    """Chat with an agent from the terminal.

    Type a line and press Enter to send it. Agent messages, typing, joins, leaves, transfers and
    connection problems show above the prompt. Without `--environment` an embedded local service
    with an echo agent answers. `--api web-messaging` holds the chat over Web Messaging instead of
    Guest Chat.

    When standard input is not a terminal, each line read from it is sent in turn, waiting for the
    agent's answer after each (handy for scripts): `printf 'hello\\n' | guestchat chat`.

    Ctrl-D or `/quit` leave the chat; Ctrl-C leaves it too and exits with status 130, as in
    `demo` and `load`.

    **Examples**

    * `guestchat chat --name Ada --field orderNumber=4711`

    * `guestchat chat --environment http://127.0.0.1:8080 --queue Support`

    * `guestchat chat --save-state chat.json`, then `guestchat transcript --state chat.json`

    * `guestchat chat --api web-messaging`
    """
    custom_fields = _parse_fields(fields or [])
    console = make_console()
    with report_failures():
        asyncio.run(
            _chat(
                console,
                environment,
                organization,
                deployment,
                queue,
                name,
                custom_fields,
                reply_wait,
                save_state,
                api,
            )
        )


def _parse_fields(fields: list[str]) -> dict[str, str]:
    parsed: dict[str, str] = {}
    for field in fields:
        key, separator, value = field.partition("=")
        if not separator or not key.strip():
            raise typer.BadParameter(f"expected key=value, got {field!r}", param_hint="--field")
        parsed[key.strip()] = value
    return parsed


async def _chat(
    console: Console,
    environment: str | None,
    organization: str | None,
    deployment: str | None,
    queue: str | None,
    name: str,
    custom_fields: dict[str, str],
    reply_wait: float,
    save_state: Path | None,
    api: ApiName,
) -> None:
    member_info: dict[str, object] = {"displayName": name}
    if custom_fields:
        member_info["customFields"] = custom_fields
    async with chat_target(environment, organization, deployment, queue) as target:
        where = "a local service" if target.embedded else target.environment
        console.print(f"[system]Connecting to {where} over {api_label(api)}…[/]")
        chat = await start_session(target, api, member_info)
        async with chat:
            started = f"chat {chat.conversation_id}" if chat.conversation_id else "chat"
            waiting = (
                "waiting for an agent"
                if agent_comes_first(api)
                else "say hello: the agent shows up with its answer"
            )
            console.print(f"[ok]✓[/] {started} started; {waiting}. Type /help for commands.")
            conversation = _Conversation(
                chat, console, name, save_state, wait_for_agent=agent_comes_first(api)
            )
            if save_state is not None:
                conversation.save_state(save_state)
            try:
                await conversation.run(interactive=sys.stdin.isatty(), reply_wait=reply_wait)
            except asyncio.CancelledError:
                # Ctrl-C before the conversation took it over: leave all the same (exit 130).
                await chat.leave()
                console.print("[system]You left the chat.[/]")
                raise
    if conversation.interrupted:
        raise typer.Exit(EXIT_INTERRUPTED)


class _Conversation:
    """The guest's side: lines typed go out, events coming in are printed above the prompt."""

    def __init__(
        self,
        chat: GuestSession,
        console: Console,
        name: str,
        state_file: Path | None,
        *,
        wait_for_agent: bool,
    ) -> None:
        self._chat = chat
        self._console = console
        self._name = name
        self._state_file = state_file
        self._wait_for_agent = wait_for_agent
        """Whether piped input waits for an agent to join before its first line."""
        self.interrupted = False
        """Whether the guest left with Ctrl-C, which ends the command with status 130."""
        self._printer = EventPrinter(console, chat.member_id)
        self._ended = asyncio.Event()
        self._agent_present = asyncio.Event()
        self._agent_spoke = asyncio.Event()
        self._stream_failure: BaseException | None = None
        self._offers: tuple[QuickReply, ...] = ()
        """The quick replies of the agent's last Web Messaging message, for /reply."""

    async def run(self, *, interactive: bool, reply_wait: float) -> None:
        follower = asyncio.create_task(self._follow())
        try:
            if interactive:
                await self._prompt_loop()
            else:
                self.interrupted = await _until_interrupted(self._piped_loop(reply_wait))
        finally:
            follower.cancel()
            await asyncio.gather(follower, return_exceptions=True)
        if self._stream_failure is not None:
            raise self._stream_failure
        if not self._ended.is_set():
            await self._chat.leave()
            self._printer.system("You left the chat.")
        if self._state_file is not None:
            # Again at the end, so that the saved state knows the last message.
            self.save_state(self._state_file)

    async def _follow(self) -> None:
        from ..session import WebMessageEvent
        from ..session.events import AgentJoined, AgentLeft, ChatEnded, Transferred
        from ..stream.events import MessageEvent

        try:
            async for event in self._chat.events():
                self._printer.show(event)
                if isinstance(event, WebMessageEvent) and event.sender.is_agent:
                    message = event.web_message
                    self._offers = message.quick_replies if message is not None else ()
                if isinstance(event, AgentJoined | Transferred):
                    self._agent_present.set()
                elif isinstance(event, AgentLeft):
                    self._agent_present.clear()
                elif (
                    isinstance(event, MessageEvent)
                    and event.sender.is_agent
                    and not event.is_membership_notice
                ):
                    # The agent's member-join notice, which can come after AgentJoined, is no
                    # answer: piped input would send its next line too early.
                    self._agent_spoke.set()
                elif isinstance(event, ChatEnded):
                    break
        except Exception as exc:
            self._stream_failure = exc
        self._ended.set()

    async def _prompt_loop(self) -> None:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
        from prompt_toolkit.patch_stdout import patch_stdout

        bindings = KeyBindings()

        @bindings.add("c-c")
        def _leave(event: KeyPressEvent) -> None:
            # As Ctrl-D: a KeyboardInterrupt raised inside the prompt's task would escape asyncio.
            self.interrupted = True
            event.app.exit(exception=EOFError())

        # The line typed is erased once sent and printed again with its time, as the agent's.
        session: PromptSession[str] = PromptSession(key_bindings=bindings, erase_when_done=True)
        session.default_buffer.on_text_changed += lambda buffer: self._typing(buffer.text)
        with patch_stdout(raw=True):
            while not self._ended.is_set():
                prompt = asyncio.create_task(session.prompt_async("you> "))
                ended = asyncio.create_task(self._ended.wait())
                done, _ = await asyncio.wait({prompt, ended}, return_when=asyncio.FIRST_COMPLETED)
                ended.cancel()
                if prompt not in done:
                    prompt.cancel()
                    await asyncio.gather(prompt, return_exceptions=True)
                    return
                try:
                    line = prompt.result()
                except (EOFError, KeyboardInterrupt):
                    return
                if not await self._handle(line):
                    return

    async def _piped_loop(self, reply_wait: float) -> None:
        lines = _stdin_lines()
        waited_for_agent = not self._wait_for_agent
        while not self._ended.is_set():
            line = await lines.get()
            if line is None:
                return
            line = line.rstrip("\n")
            is_message = bool(line.strip()) and not line.startswith("/")
            if is_message and not waited_for_agent:
                waited_for_agent = True
                await self._wait(self._agent_present, AGENT_WAIT)
            if is_message:
                self._agent_spoke.clear()
            if not await self._handle(line):
                return
            if is_message:
                await self._wait(self._agent_spoke, reply_wait)

    async def _wait(self, event: asyncio.Event, seconds: float) -> None:
        waiters = {asyncio.create_task(event.wait()), asyncio.create_task(self._ended.wait())}
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()

    def _typing(self, text: str) -> None:
        # A command being typed (/transcript, /quit, ...) is not a message being written.
        is_message = bool(text.strip()) and not text.lstrip().startswith("/")
        if is_message and not self._ended.is_set():
            asyncio.get_running_loop().create_task(self._send_typing())

    async def _send_typing(self) -> None:
        # A lost typing indicator is harmless, and a broken chat surfaces on the next send.
        with contextlib.suppress(Exception):
            await self._chat.typing()

    async def _handle(self, line: str) -> bool:
        """Act on one line; False means the guest is done."""
        text = line.strip()
        if not text:
            return True
        if text.startswith("/"):
            command, _, argument = text.partition(" ")
            return await self._command(command.lower(), argument.strip())
        self._printer.guest_said(self._name, line)
        try:
            await self._chat.send(line)
        except Exception as exc:
            self._console.print(f"[failure]not sent: {describe(exc)}[/]")
        return True

    async def _command(self, command: str, argument: str) -> bool:
        if command in ("/quit", "/exit", "/leave"):
            return False
        if command == "/help":
            self._console.print(HELP_TEXT, markup=False)
        elif command == "/transcript":
            await self._transcript(argument)
        elif command == "/reply":
            await self._reply(argument)
        elif command == "/attach":
            await self._attach(argument)
        elif command == "/state":
            destination = Path(argument).expanduser() if argument else self._state_file
            if destination is None:
                self._console.print("[warn]usage: /state FILE (or start with --save-state)[/]")
            else:
                self.save_state(destination)
        else:
            self._console.print(f"[warn]unknown command {command}; type /help[/]")
        return True

    def _web_messaging(self, command: str) -> WebMessagingClient | None:
        from ..session import WebMessagingChat

        if isinstance(self._chat, WebMessagingChat):
            return self._chat.client
        self._console.print(f"[warn]{command} is for Web Messaging chats (--api web-messaging)[/]")
        return None

    async def _reply(self, argument: str) -> None:
        client = self._web_messaging("/reply")
        if client is None:
            return
        if not self._offers:
            self._console.print("[warn]the agent offered no quick replies[/]")
            return
        if not argument.isdigit() or not 1 <= int(argument) <= len(self._offers):
            self._console.print(f"[warn]usage: /reply N, N from 1 to {len(self._offers)}[/]")
            return
        offer = self._offers[int(argument) - 1]
        text = offer.text or offer.payload or ""
        self._printer.guest_said(self._name, text)
        try:
            await client.send_quick_reply(text, offer.payload or text)
        except Exception as exc:
            self._console.print(f"[failure]not sent: {describe(exc)}[/]")

    async def _attach(self, argument: str) -> None:
        client = self._web_messaging("/attach")
        if client is None:
            return
        if not argument:
            self._console.print("[warn]usage: /attach FILE[/]")
            return
        path = Path(argument).expanduser()
        try:
            data = path.read_bytes()
        except OSError as exc:
            self._console.print(f"[failure]cannot read {path}: {describe(exc)}[/]")
            return
        try:
            await client.send_attachment(path.name, data)
        except Exception as exc:
            self._console.print(f"[failure]not sent: {describe(exc)}[/]")
            return
        self._printer.system(f"Attachment {path.name} sent ({len(data)} bytes).")

    async def _transcript(self, destination: str) -> None:
        try:
            entries = entries_from_events(await self._chat.history())
            if not destination:
                print_table(self._console, entries)
                return
            path = Path(destination).expanduser()
            output_format = "json" if path.suffix.lower() == ".json" else "md"
            path.write_text(
                render(self._chat.conversation_id, entries, output_format),
                encoding="utf-8",
            )
            self._printer.system(f"Transcript written to {path} ({len(entries)} messages).")
        except (OSError, CliError) as exc:
            self._console.print(f"[failure]transcript not written: {describe(exc)}[/]")

    def save_state(self, path: Path) -> None:
        try:
            write_private(path, self._chat.state().to_json())
        except OSError as exc:
            self._console.print(f"[failure]state not saved: {describe(exc)}[/]")
            return
        self._printer.system(f"State saved to {path} (it holds the chat's credential: mode 0600).")


async def _until_interrupted(work: Coroutine[Any, Any, None]) -> bool:
    """Run ``work`` with Ctrl-C (SIGINT) ending it rather than the program, so that the chat is
    then left as it is after the prompt's Ctrl-C. True when Ctrl-C ended it."""
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(work)
    previous = signal.getsignal(signal.SIGINT)
    # Where the loop cannot take signals (Windows), Ctrl-C still stops the program.
    with contextlib.suppress(NotImplementedError):
        loop.add_signal_handler(signal.SIGINT, task.cancel)
    try:
        await asyncio.wait({task})
    finally:
        task.cancel()
        with contextlib.suppress(NotImplementedError):
            loop.remove_signal_handler(signal.SIGINT)
        signal.signal(signal.SIGINT, previous)
    if task.cancelled():
        return True
    task.result()
    return False


def _stdin_lines() -> asyncio.Queue[str | None]:
    """The lines of standard input as they come, then None. A daemon thread reads them: a read
    blocked on a pipe that stays open must not hold the program once the chat is over, as a
    thread of the loop's executor would."""
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str | None] = asyncio.Queue()

    def read() -> None:
        # Once the loop is gone nobody wants the lines any more.
        with contextlib.suppress(RuntimeError):
            for line in iter(sys.stdin.readline, ""):
                loop.call_soon_threadsafe(lines.put_nowait, line)
            loop.call_soon_threadsafe(lines.put_nowait, None)

    threading.Thread(target=read, name="guestchat-stdin", daemon=True).start()
    return lines
