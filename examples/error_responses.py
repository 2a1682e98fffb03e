"""Error responses, as in the JS README: a failed call raises an exception carrying the whole
extended response.

The JS SDK rejects with ``{status, statusText, headers, body, text, error}``. Here the call raises
an ``ApiException`` subclass chosen by the status (``NotFoundError`` for 404, and so on) with the
same fields, plus ``code`` and ``correlation_id`` read from the ErrorBody.
"""

from __future__ import annotations

from _target import CREATE_CHAT_BODY, environment, parse_args, run

import purecloud_guest_chat_client as platform_client


def show(err: platform_client.ApiException) -> None:
    print(f"{type(err).__name__}: status {err.status}, code {err.code}")
    print(f"  correlation id: {err.correlation_id} (header and body agree)")
    if err.body is not None:
        print(f"  body.message: {err.body.message}")
    print(f"  text: {err.text[:60]}...")


def main() -> None:
    args = parse_args(__doc__ or "")
    with environment(args.environment) as env:
        client = platform_client.ApiClient.instance
        client.set_environment(env)
        web_chat_api = platform_client.WebChatApi()
        chat_info = web_chat_api.post_webchat_guest_conversations(CREATE_CHAT_BODY)
        client.set_jwt(chat_info.jwt)

        # 404: a message that does not exist.
        try:
            web_chat_api.get_webchat_guest_conversation_message(chat_info.id, "no-such-message")
        except platform_client.NotFoundError as err:
            show(err)

        # 400: a message sent before the event stream is attached.
        try:
            web_chat_api.post_webchat_guest_conversation_member_messages(
                chat_info.id, chat_info.member.id, {"body": "too early"}
            )
        except platform_client.BadRequestError as err:
            show(err)

        # 401: a forged JWT. The exception never shows the token.
        client.set_jwt("forged.jwt.token")
        try:
            web_chat_api.get_webchat_guest_conversation_members(chat_info.id)
        except platform_client.AuthenticationError as err:
            show(err)

        # Every one of them is an ApiException, which is a GuestChatError.
        try:
            web_chat_api.get_webchat_guest_conversation_member(chat_info.id, chat_info.member.id)
        except platform_client.ApiException as err:
            print(f"caught as ApiException: {err.status} ({type(err).__name__})")


if __name__ == "__main__":
    run(main)
