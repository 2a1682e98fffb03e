"""A chat that survives a restart of the script: save ``state()`` to a file, exit, run again.

Run against a server, each run does one step::

    python examples/resume_chat.py --environment http://127.0.0.1:8080   # starts, saves, exits
    python examples/resume_chat.py --environment http://127.0.0.1:8080   # resumes, leaves

The state holds the guest's JWT, so the first run writes it readable by you only, to
``guest-chat-state.json`` in the current folder (``--state-file`` to choose), and says where;
the second run deletes it. The second run must come within the service's grace period (about
two minutes). It first receives what was said while no script was attached, if anything, then
carries on.

Without ``--environment`` the example shows both steps at once: it starts a local service, runs
itself twice as separate processes against it, and has the agent speak in between.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _target import run

from purecloud_guest_chat_client.emulator import ControlClient
from purecloud_guest_chat_client.session import ChatEnded, ChatEvent, ChatState, GuestChat
from purecloud_guest_chat_client.stream import MessageEvent


async def next_agent_message(chat: GuestChat) -> MessageEvent:
    """The next message from an agent (earlier events are printed as they come)."""
    async with asyncio.timeout(30):
        while (event := await chat.next_event()) is not None:
            if isinstance(event, MessageEvent) and event.sender.is_agent and event.body:
                return event
            describe(event)
    raise SystemExit("error: the chat ended before the agent answered")


def describe(event: ChatEvent) -> None:
    if isinstance(event, ChatEnded):
        print(f"Chat ended ({event.reason})")


async def first_run(environment: str, state_file: Path) -> None:
    chat = await GuestChat.start(
        "example-org", "example-deployment", "Support", "Resuming guest", environment=environment
    )
    await chat.send("Hello, I may have to restart.")
    print(f"Agent: {(await next_agent_message(chat)).body}")
    save_privately(state_file, chat.state().to_json())
    await chat.close()  # closes the connections without leaving the chat
    print(
        f"State saved to {state_file.resolve()} (it holds the chat's JWT: readable by you only); "
        "run again to resume, which deletes it"
    )


def save_privately(path: Path, text: str) -> None:
    """Write ``text`` to a file only its owner can read, from the moment it exists."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(descriptor, "w", encoding="utf-8") as file:
        os.chmod(path, 0o600)  # an existing file keeps its mode through O_CREAT
        file.write(text)


async def second_run(environment: str | None, state_file: Path) -> None:
    state = ChatState.from_json(state_file.read_text(encoding="utf-8"))
    if environment is not None and environment.rstrip("/") != state.environment.rstrip("/"):
        raise SystemExit(
            f"error: {state_file.name} belongs to {state.environment}, not {environment}"
        )
    # The state is used once: a chat resumed and left, or gone, cannot be resumed again.
    state_file.unlink()
    async with await GuestChat.resume(state) as chat:
        print(f"Resumed chat {chat.conversation_id}; state file deleted")
        await chat.send("I am back.")
        # Whatever was said while away comes first, reloaded from the service ("backfilled").
        missed = 0
        while (message := await next_agent_message(chat)).backfilled:
            missed += 1
            print(f"Missed while away: {message.body}")
        if not missed:
            print("Missed while away: nothing")
        print(f"Agent: {message.body}")
        await chat.leave()
        async for event in chat.events():
            describe(event)


def run_both_steps() -> None:
    """Start a local service, run this script twice against it, and speak while it is away."""
    from purecloud_guest_chat_client.emulator import LocalService

    with (
        tempfile.TemporaryDirectory() as folder,
        LocalService(
            port=0, db_path=Path(folder) / "chats.db", agent_join_delay=0.1, agent_reply_delay=0.1
        ) as service,
    ):
        state_file = Path(folder) / "chat-state.json"
        command = [
            sys.executable,
            __file__,
            "--environment",
            service.base_url,
            "--state-file",
            str(state_file),
        ]
        subprocess.run(command, check=True, timeout=60)
        with ControlClient(service.control_url) as control:
            conversation_id = ChatState.from_json(state_file.read_text()).conversation_id
            members = control.conversation(conversation_id)["members"]
            agent = next(member for member in members if member.get("role") == "AGENT")
            control.send(conversation_id, agent["id"], "Are you still there?")
        subprocess.run(command, check=True, timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--environment",
        help="server to use (e.g. http://127.0.0.1:8080); default: an embedded local service",
    )
    parser.add_argument(
        "--state-file",
        type=Path,
        default=Path("guest-chat-state.json"),
        help="where the chat's state is kept between runs (default: ./guest-chat-state.json)",
    )
    arguments = parser.parse_args()
    if arguments.environment is None:
        run_both_steps()
    elif arguments.state_file.exists():
        asyncio.run(second_run(arguments.environment, arguments.state_file))
    else:
        asyncio.run(first_run(arguments.environment, arguments.state_file))


if __name__ == "__main__":
    run(main)
