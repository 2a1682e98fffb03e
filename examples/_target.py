"""Where the examples hold their chats: a local Guest Chat service started for the run, or the
server given with ``--environment``.

Every example runs as it is (``python examples/creating_a_chat.py``) against an embedded local
service, and against any other server with ``--environment http://127.0.0.1:8080`` (for instance
one started with ``guestchat serve``).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from websockets.sync.client import ClientConnection, connect

from purecloud_guest_chat_client import GuestChatError
from purecloud_guest_chat_client.models import CreateWebChatConversationResponse

CREATE_CHAT_BODY = {
    "organizationId": "12b1a3fe-7a80-4b50-45fs-df88c0f9efad",
    "deploymentId": "a3e316a7-ec8b-4fe9-5a49-dded9dcc097e",
    "routingTarget": {"targetType": "QUEUE", "targetAddress": "Chat Queue"},
    "memberInfo": {
        "displayName": "Python Guest",
        "profileImageUrl": "http://yoursite.com/path/to/guest/image.png",
        "customFields": {"firstName": "John", "lastName": "Doe"},
    },
}
"""The JS README's create-chat body, word for word (``profileImageUrl`` is accepted and ignored)."""


def parse_args(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--environment",
        help="server to use (e.g. http://127.0.0.1:8080); default: an embedded local service",
    )
    return parser.parse_args()


@contextmanager
def environment(chosen: str | None) -> Iterator[str]:
    """Yield the environment to pass to ``set_environment``."""
    if chosen:
        yield chosen
        return
    # Imported here: with --environment the examples need no emulator extra.
    from purecloud_guest_chat_client.emulator import LocalService

    # Quick agent timings so the example finishes in a moment.
    with LocalService(port=0, agent_join_delay=0.2, agent_reply_delay=0.2) as service:
        yield service.base_url


def run(main: Callable[[], None]) -> None:
    """Run an example's ``main``; a failure is one line on stderr and exit status 1.

    The SDK's errors name what went wrong (``cannot connect to http://127.0.0.1:8080``, a
    status and its error code); a traceback would only bury that line.
    """
    try:
        main()
    except (GuestChatError, OSError, ImportError) as exc:
        raise SystemExit(f"error: {type(exc).__name__}: {exc}") from None
    except TimeoutError:
        raise SystemExit("error: gave up waiting for the agent") from None
    except KeyboardInterrupt:
        raise SystemExit(130) from None


@contextmanager
def event_stream(chat_info: CreateWebChatConversationResponse) -> Iterator[ClientConnection]:
    """Attach the chat's event stream and wait until the guest is connected.

    The service refuses the guest's messages (400 ``chat.error.conversation.state``) until the
    stream is attached, so the examples that send messages hold it open while they do.
    """
    assert chat_info.event_stream_uri and chat_info.member
    with connect(chat_info.event_stream_uri) as socket:
        for raw in socket:
            frame = json.loads(raw)
            if frame.get("metadata", {}).get("type") != "member-change":
                continue
            member = frame["eventBody"]["member"]
            if member["id"] == chat_info.member.id and member["state"] == "CONNECTED":
                break
        yield socket
