"""SDK logging, as in the JS README: set the logger's fields, then ``set_logger()``.

The log goes to a file here so the example can show what was written. Request and response bodies
are logged only because this example asks for them (they can hold personal data); the guest's JWT
is never written, not even in the response body that carries it.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from _target import CREATE_CHAT_BODY, environment, parse_args, run

import purecloud_guest_chat_client as platform_client


def main() -> None:
    args = parse_args(__doc__ or "")
    log_dir = tempfile.TemporaryDirectory()
    log_file = Path(log_dir.name) / "pythonguestsdk.log"
    with log_dir, environment(args.environment) as env:
        client = platform_client.ApiClient.instance
        client.set_environment(env)

        client.config.logger.log_level = client.config.logger.log_level_enum.LTrace
        client.config.logger.log_format = client.config.logger.log_format_enum.JSON
        client.config.logger.log_request_body = True
        client.config.logger.log_response_body = True
        client.config.logger.log_to_console = False
        client.config.logger.log_file_path = str(log_file)
        client.config.logger.set_logger()  # To apply above changes

        chat_info = platform_client.WebChatApi().post_webchat_guest_conversations(CREATE_CHAT_BODY)
        client.set_jwt(chat_info.jwt)
        platform_client.WebChatApi().get_webchat_guest_conversation_members(chat_info.id)
        client.config.logger.close()

        text = log_file.read_text(encoding="utf-8")
        records = [json.loads(line) for line in text.splitlines() if line.strip()]
        print(f"{len(records)} JSON log records written to {log_file.name}:")
        for record in records:
            print(json.dumps(record)[:160])
        if chat_info.jwt in text:
            raise SystemExit("the JWT reached the log")
        print("The guest's JWT appears nowhere in the log.")


if __name__ == "__main__":
    run(main)
