"""A bot-style guest: it opens a chat, states its question, answers what the agent asks, and
leaves when told goodbye or when it is asked something it cannot answer.

``GuestChat`` does the protocol's work: it waits for the event stream before the first message,
tells an agent from the queue, throttles typing indicators and survives dropped connections.
The bot only decides what to say.

By default the chat runs against an embedded local service whose scripted agent asks for an
order number. With ``--environment http://127.0.0.1:8080`` it runs against that server: against
a plain ``guestchat serve`` the echo agent repeats the bot's question, which the bot cannot
answer, so it says goodbye; a person playing the agent through the control API can hold the
whole conversation.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from _target import run

from purecloud_guest_chat_client.session import (
    AgentJoined,
    AgentLeft,
    ChatEnded,
    GuestChat,
    Transferred,
)
from purecloud_guest_chat_client.stream import MessageEvent, Reconnecting

AGENT_SCRIPT = """
[[rules]]
match = "(?i)my order"
reply = "Sure. What is your order number?"

[[rules]]
match = "\\\\d{5}"
reply = "Found it: it ships tomorrow. Anything else?"

[[rules]]
match = "(?i)that is all"
reply = "Goodbye!"
"""

QUESTION = "Hello, I have a question about my order."
ANSWERS = [
    (re.compile(r"(?i)how can i help"), "My order has not arrived."),
    (re.compile(r"(?i)order number"), "It is 48213."),
    (re.compile(r"(?i)anything else"), "No, that is all. Thank you!"),
]
CANNOT_ANSWER = "Sorry, I am a bot and cannot answer that. Goodbye!"


def answer_to(question: str) -> str | None:
    """The bot's whole intelligence: the first canned answer whose pattern matches."""
    for pattern, answer in ANSWERS:
        if pattern.search(question):
            return answer
    return None


async def run_bot(environment: str, max_seconds: float) -> None:
    async with await GuestChat.start(
        "example-org", "example-deployment", "Orders", "Order bot", environment=environment
    ) as chat:
        print(f"Chat started: {chat.conversation_id}")
        async with asyncio.timeout(max_seconds):
            async for event in chat.events():
                match event:
                    case AgentJoined(agent=agent):
                        print(f"{agent.label} joined")
                        await say(chat, QUESTION)
                    case Transferred(to_agent=agent):
                        print(f"Transferred to {agent.label}")
                    case AgentLeft(agent=agent):
                        print(f"{agent.label} left")
                    case Reconnecting(reason=reason):
                        print(f"(connection lost: {reason}; reconnecting)")
                    case MessageEvent(sender=sender, body=body) if sender.is_agent and body:
                        print(f"{sender.label}: {body}")
                        if re.search(r"(?i)\bgoodbye\b", body):
                            await chat.leave()
                            continue
                        reply = answer_to(body)
                        await say(chat, reply or CANNOT_ANSWER)
                        if reply is None:
                            await chat.leave()
                    case ChatEnded(reason=reason):
                        print(f"Chat ended ({reason})")


async def say(chat: GuestChat, text: str) -> None:
    await chat.typing()
    await chat.send(text)
    print(f"Bot: {text}")


@contextmanager
def chosen_environment(environment: str | None) -> Iterator[str]:
    if environment:
        yield environment
        return
    from purecloud_guest_chat_client.emulator import LocalService

    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "agent.toml"
        script.write_text(AGENT_SCRIPT, encoding="utf-8")
        with LocalService(
            port=0, agent=f"script:{script}", agent_join_delay=0.1, agent_reply_delay=0.1
        ) as service:
            yield service.base_url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--environment",
        help="server to use (e.g. http://127.0.0.1:8080); default: an embedded local service",
    )
    parser.add_argument(
        "--max-seconds", type=float, default=60.0, help="give up after this long (default 60)"
    )
    arguments = parser.parse_args()
    with chosen_environment(arguments.environment) as environment:
        asyncio.run(run_bot(environment, arguments.max_seconds))


if __name__ == "__main__":
    run(main)
