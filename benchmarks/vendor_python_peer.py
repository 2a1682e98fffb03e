"""The vendor's Python SDK as a peer of ``bench_sdk.py``: the same round trips, timed here.

Started by ``bench_sdk.py`` with the local service's base URL, in an empty home (see
``vendor_peers.py``). It reads one JSON request a line on stdin and answers each with one JSON
line on stdout: ``{"op": "send", "calls": N, "conversationId", "memberId", "jwt"}`` sends N
messages one after the other, ``{"op": "create", "calls": N}`` creates N chats; the answer is
``{"wall": s, "cpu": s}``, the wall and this process's CPU seconds per call, or ``{"error": why}``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

import PureCloudPlatformClientV2 as vendor


def main() -> None:
    base_url, create_body = sys.argv[1], json.loads(sys.argv[2])
    # The answers own stdout; anything the SDK prints goes to stderr.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    sys.stdout = sys.stderr
    client = vendor.ApiClient(host=base_url)
    # Only the base URL given decides where requests go, whatever a configuration file says.
    client.gateway_configuration = None
    api = vendor.WebChatApi(client)
    configuration = vendor.Configuration()
    configuration.api_key_prefix["Authorization"] = "Bearer"

    def send(request: dict[str, Any]) -> None:
        configuration.api_key["Authorization"] = request["jwt"]
        cid, mid = request["conversationId"], request["memberId"]
        for n in range(request["calls"]):
            api.post_webchat_guest_conversation_member_messages(cid, mid, {"body": f"py {n}"})

    def create(request: dict[str, Any]) -> None:
        for _ in range(request["calls"]):
            api.post_webchat_guest_conversations(create_body)

    operations = {"send": send, "create": create}
    for line in sys.stdin:
        request = json.loads(line)
        started, cpu_started = time.perf_counter(), time.process_time()
        try:
            operations[request["op"]](request)
        except Exception as error:  # the peer reports, the benchmark decides
            answers.write(json.dumps({"error": f"{type(error).__name__}: {error}"[:300]}) + "\n")
            continue
        calls = request["calls"]
        wall = (time.perf_counter() - started) / calls
        cpu = (time.process_time() - cpu_started) / calls
        answers.write(json.dumps({"wall": wall, "cpu": cpu}) + "\n")


if __name__ == "__main__":
    main()
