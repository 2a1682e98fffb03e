"""``python -m purecloud_guest_chat_client.cli``, the same as ``guestchat``."""

from . import main

main()
