"""A guest bot written once against ``GuestSession``, run over Guest Chat and over Web Messaging.

The bot states its questions one at a time, prints each answer with who wrote it (a person or a
bot, where the API tells), and leaves once it has its last answer. Nothing in ``run_bot`` knows
which API holds the chat: only ``open_chat`` does, in one line per API.

By default it runs against an embedded local service, whose echo agent answers on both APIs;
``--environment http://127.0.0.1:8080`` runs it against that server (``guestchat serve``), and
``--api`` picks one API instead of both.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

from _target import run

from purecloud_guest_chat_client.models import BodyType
from purecloud_guest_chat_client.session import (
    AgentJoined,
    ChatEnded,
    GuestChat,
    GuestSession,
    WebMessagingChat,
)
from purecloud_guest_chat_client.stream import MessageEvent

QUESTIONS = ("Where is my parcel?", "It is order 4711.", "Thank you!")
APIS = ("guest-chat", "web-messaging")


async def open_chat(api: str, environment: str) -> GuestSession:
    """The only API-specific line of the bot, one per API."""
    if api == "web-messaging":
        return await WebMessagingChat.start("example-deployment", environment=environment)
    return await GuestChat.start(
        "example-org", "example-deployment", "Orders", "Parcel bot", environment=environment
    )


async def run_bot(chat: GuestSession) -> None:
    questions = iter(QUESTIONS)
    await chat.send(next(questions))
    async for event in chat.events():
        if isinstance(event, AgentJoined):
            print(f"  {event.agent.label} joined")
        elif (
            isinstance(event, MessageEvent)
            and event.sender.is_agent
            and event.body_type == BodyType.STANDARD
        ):
            origin = event.originating_entity or "the API does not say who"
            print(f"  {event.sender.label} ({origin}): {event.body}")
            question = next(questions, None)
            if question is None:
                await chat.leave()
            else:
                await chat.typing()
                await chat.send(question)
        elif isinstance(event, ChatEnded):
            print(f"  Chat ended ({event.reason})")


async def main_async(apis: list[str], environment: str, max_seconds: float) -> None:
    for api in apis:
        print(f"Over {api}:")
        async with asyncio.timeout(max_seconds), await open_chat(api, environment) as chat:
            await run_bot(chat)


@contextmanager
def chosen_environment(environment: str | None) -> Iterator[str]:
    if environment:
        yield environment
        return
    from purecloud_guest_chat_client.emulator import LocalService

    with LocalService(port=0, agent_join_delay=0.1, agent_reply_delay=0.1) as service:
        yield service.base_url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--environment",
        help="server to use (e.g. http://127.0.0.1:8080); default: an embedded local service",
    )
    parser.add_argument("--api", choices=APIS, help="run over this API only (default: both)")
    parser.add_argument(
        "--max-seconds", type=float, default=60.0, help="give up after this long (default 60)"
    )
    arguments = parser.parse_args()
    apis = [arguments.api] if arguments.api else list(APIS)
    with chosen_environment(arguments.environment) as environment:
        asyncio.run(main_async(apis, environment, arguments.max_seconds))


if __name__ == "__main__":
    run(main)
