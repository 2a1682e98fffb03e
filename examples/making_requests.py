"""Making requests, as in the JS README: create a chat, set the JWT, send a message.

Each call returns the response body as a model (the JS SDK resolves a Promise with it) or raises
an ``ApiException`` (the JS SDK rejects). The guest's messages are only accepted while its event
stream is attached, so the stream is held open around the send.
"""

from __future__ import annotations

from _target import CREATE_CHAT_BODY, environment, event_stream, parse_args, run

import purecloud_guest_chat_client as platform_client


def main() -> None:
    args = parse_args(__doc__ or "")
    with environment(args.environment) as env:
        platform_client.ApiClient.instance.set_environment(env)
        # Create API instance
        web_chat_api = platform_client.WebChatApi()
        chat_info = web_chat_api.post_webchat_guest_conversations(CREATE_CHAT_BODY)
        # Set JWT
        platform_client.ApiClient.instance.set_jwt(chat_info.jwt)

        with event_stream(chat_info):
            try:
                # Send a message
                sent = web_chat_api.post_webchat_guest_conversation_member_messages(
                    chat_info.id, chat_info.member.id, {"body": "Message from chat guest"}
                )
            except platform_client.ApiException as err:
                # Handle failure response
                print(f"Sending failed: {err.status} {err.code}")
                raise
            print(f"Message sent: {sent.id} {sent.body!r} at {sent.timestamp:%H:%M:%S}")

            # Options are keyword arguments.
            page = web_chat_api.get_webchat_guest_conversation_messages(
                chat_info.id, sort_order="ascending", max_results=10
            )
            print(f"The chat holds {len(page.entities or [])} messages so far")
            members = web_chat_api.get_webchat_guest_conversation_members(
                chat_info.id, page_size=25, exclude_disconnected_members=True
            )
            for member in members.entities or []:
                print(f"Member: {member.display_name} ({member.role}, {member.state})")

            web_chat_api.delete_webchat_guest_conversation_member(chat_info.id, chat_info.member.id)
            print("Left the chat")


if __name__ == "__main__":
    run(main)
