"""Extended responses, as in the JS README: every call returns status, headers and body.

With ``set_return_extended_responses(True)`` each call returns an ``ExtendedResponse`` (status,
status_text, headers, body, text, error) instead of just the body. The raw ``text`` of a create
response holds the guest's JWT, so this example prints its length only. ``call_extended`` gets
the same for one call, typed as ``ExtendedResponse[Model]``, without the switch.
"""

from __future__ import annotations

from _target import CREATE_CHAT_BODY, environment, parse_args, run

import purecloud_guest_chat_client as platform_client


def main() -> None:
    args = parse_args(__doc__ or "")
    with environment(args.environment) as env:
        client = platform_client.ApiClient.instance
        client.set_environment(env)
        client.set_return_extended_responses(True)
        web_chat_api = platform_client.WebChatApi()

        response = web_chat_api.post_webchat_guest_conversations(CREATE_CHAT_BODY)
        print(f"status: {response.status} {response.status_text}")
        print(f"inin-correlation-id: {response.headers['inin-correlation-id']}")
        print(f"content-type: {response.headers['content-type']}")
        print(f"error: {response.error}")
        print(f"text: {len(response.text)} characters of JSON")
        chat_info = response.body
        print(f"body: a {type(chat_info).__name__} for chat {chat_info.id}")

        client.set_jwt(chat_info.jwt)
        members = web_chat_api.get_webchat_guest_conversation_members(chat_info.id)
        print(f"members call: {members.status}, {len(members.body.entities)} member(s)")

        client.set_return_extended_responses(False)
        member = web_chat_api.get_webchat_guest_conversation_member(
            chat_info.id, chat_info.member.id
        )
        print(f"plain again: {type(member).__name__} {member.display_name!r}")

        one_call = web_chat_api.call_extended(
            web_chat_api.get_webchat_guest_conversation_messages, chat_info.id, max_results=10
        )
        print(f"call_extended: {one_call.status}, {len(one_call.body.entities or [])} message(s)")


if __name__ == "__main__":
    run(main)
