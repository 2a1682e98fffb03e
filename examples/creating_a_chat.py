"""Creating a chat, as in the JS README: create the chat, set the JWT, open the event stream.

This is the raw SDK way: a plain WebSocket and the frames as JSON, the way the JS README does it.
(``GuestChat`` does all of this for you; see bot_guest.py.) The chat is only routed to an agent
once the stream is attached, so the echo agent joins after the socket opens; the guest then says
hello, reads the agent's answer and leaves.
"""

from __future__ import annotations

import asyncio
import json

import websockets
from _target import CREATE_CHAT_BODY, environment, parse_args, run

import purecloud_guest_chat_client as platform_client


async def chat(web_chat_api: platform_client.WebChatApi) -> None:
    # Create chat
    chat_info = web_chat_api.post_webchat_guest_conversations(CREATE_CHAT_BODY)
    # Set JWT
    platform_client.ApiClient.instance.set_jwt(chat_info.jwt)
    print(f"Chat created: {chat_info.id}")

    # Connect to notifications
    async with websockets.connect(chat_info.event_stream_uri) as socket:
        print("WebSocket connected")
        async for raw in socket:
            message = json.loads(raw)
            metadata = message.get("metadata")
            if not metadata:
                continue  # heartbeats carry no metadata
            body = message["eventBody"]
            match metadata["type"]:
                case "message":
                    sender = body["sender"]["id"]
                    if sender == chat_info.member.id:
                        continue  # our own messages come back on our stream too
                    if body["bodyType"] == "member-join":
                        # Frames carry no role: ask the API who joined.
                        member = await asyncio.to_thread(
                            web_chat_api.get_webchat_guest_conversation_member,
                            chat_info.id,
                            sender,
                        )
                        print(f"{member.role} joined: {member.display_name}")
                        if member.role != "AGENT":
                            continue
                        # An agent is here: say hello (in a thread: the SDK call blocks).
                        await asyncio.to_thread(
                            web_chat_api.post_webchat_guest_conversation_member_messages,
                            chat_info.id,
                            chat_info.member.id,
                            {"body": "Hello from the Python guest"},
                        )
                    elif body["bodyType"] == "standard":
                        print(f"Agent says: {body['body']}")
                        break
                case "member-change":
                    member = body["member"]
                    print(f"Member {member['id']} is now {member['state']}")
                case "typing-indicator":
                    pass
                case other:
                    print(f"Unknown message type: {other}")

    web_chat_api.delete_webchat_guest_conversation_member(chat_info.id, chat_info.member.id)
    print("Left the chat")


def main() -> None:
    args = parse_args(__doc__ or "")
    with environment(args.environment) as env:
        client = platform_client.ApiClient.instance
        client.set_environment(env)
        # Create API instance
        web_chat_api = platform_client.WebChatApi()
        asyncio.run(chat(web_chat_api))


if __name__ == "__main__":
    run(main)
