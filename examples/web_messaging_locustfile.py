"""Web Messaging load across many machines with Locust.

The guests are ``WebMessagingUser``s: each opens a session on the Web Messaging WebSocket, then
sends a message, waits for its echo and its answer and pauses (``wait_time``), ten messages a
conversation, clears it and opens another. Every step is reported to Locust as a request of type
``webmessaging`` (``configure``, ``send``, ``reply``, ``leave``, ``reconnect``, and ``lost`` or
``duplicated`` as failures). Needs ``pip install 'purecloud-guest-chat-client[load]'``.

One machine, with the local service in another terminal (``guestchat serve``)::

    locust -f examples/web_messaging_locustfile.py --host http://127.0.0.1:8080 --headless \
        -u 100 -r 10 -t 1m

Both APIs in one run: name both locustfiles,
``-f examples/locustfile.py,examples/web_messaging_locustfile.py``.
"""

from __future__ import annotations

from locust import between

from purecloud_guest_chat_client.load.locust import WebMessagingUser


class Messenger(WebMessagingUser):
    deployment_id = "00000000-0000-4000-8000-0000000de911"
    messages_per_chat = 10
    wait_time = between(1, 3)


if __name__ == "__main__":
    print("This is a locustfile: run it with Locust, for example")
    print(
        "  locust -f examples/web_messaging_locustfile.py --host http://127.0.0.1:8080 "
        "--headless -u 10 -t 30s"
    )
