"""Guest Chat load across many machines with Locust.

The guests are ``GuestChatUser``s: each creates a chat, waits for an agent, then sends a message,
waits for its answer and pauses (``wait_time``), ten messages a chat, and reports every step to
Locust (``create``, ``attach``, ``agent join``, ``send``, ``reply``, ``leave``, and ``lost`` or
``duplicated`` as failures). Needs ``pip install 'purecloud-guest-chat-client[load]'``.

One machine, with the local service in another terminal (``guestchat serve``)::

    locust -f examples/locustfile.py --host http://127.0.0.1:8080 --headless -u 100 -r 10 -t 1m

Many machines: one master, then any number of workers pointed at it::

    locust -f examples/locustfile.py --host http://SERVICE:8080 --master --headless \
        --expect-workers 4 -u 8000 -r 100 -t 10m --csv results
    locust -f examples/locustfile.py --worker --master-host MASTER   # on each worker machine
"""

from __future__ import annotations

from locust import between

from purecloud_guest_chat_client.load.locust import GuestChatUser


class Guest(GuestChatUser):
    queue = "Chat Queue"
    messages_per_chat = 10
    wait_time = between(1, 3)


if __name__ == "__main__":
    print("This is a locustfile: run it with Locust, for example")
    print("  locust -f examples/locustfile.py --host http://127.0.0.1:8080 --headless -u 10 -t 30s")
