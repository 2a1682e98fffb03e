"""``guestchat transcript``: print or export a chat's messages as Markdown or JSON."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ._clients import logging_as_asked
from ._errors import CliError, report_failures, run_options
from ._options import ApiName, ChatEnvironment, LogLevel, ShowVersion, Timeout
from ._transcripts import entries_from_messages, render

if TYPE_CHECKING:
    from ..apis.web_chat_api import WebChatApi
    from ..models import WebChatMemberInfo, WebChatMessage

MAX_PAGE_SIZE = 100


class TranscriptFormat(StrEnum):
    md = "md"
    json = "json"


def transcript_command(
    environment: ChatEnvironment = None,
    conversation: Annotated[
        str | None,
        typer.Option(
            "--conversation",
            "-c",
            envvar="GUESTCHAT_CONVERSATION",
            help="Conversation id.",
            show_default=False,
        ),
    ] = None,
    jwt: Annotated[
        str | None,
        typer.Option(
            "--jwt",
            envvar="GUESTCHAT_JWT",
            help=(
                "The guest's JWT for that conversation (never printed). Prefer GUESTCHAT_JWT or "
                "--state: a command-line argument shows in the process list."
            ),
            show_default=False,
        ),
    ] = None,
    state: Annotated[
        Path | None,
        typer.Option(
            "--state",
            envvar="GUESTCHAT_STATE",
            exists=True,
            dir_okay=False,
            help="A saved session state (JSON from GuestChat.state()) instead of the three above.",
            show_default=False,
        ),
    ] = None,
    api: Annotated[
        ApiName | None,
        typer.Option(
            "--api",
            case_sensitive=False,
            help=(
                "The guest API the chat was held on: guest-chat or web-messaging. Default: the "
                "one --state says, else guest-chat. A Web Messaging chat is read with --state."
            ),
            show_default=False,
        ),
    ] = None,
    output_format: Annotated[
        TranscriptFormat,
        typer.Option("--format", "-f", envvar="GUESTCHAT_FORMAT", help="Output format."),
    ] = TranscriptFormat.md,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            dir_okay=False,
            help="Write to this file instead of standard output.",
            show_default=False,
        ),
    ] = None,
    page_size: Annotated[
        int,
        typer.Option(
            "--page-size",
            min=1,
            max=MAX_PAGE_SIZE,
            help="Messages fetched per request; every page is read.",
        ),
    ] = MAX_PAGE_SIZE,
    timeout: Timeout = 16.0,
    log_level: LogLevel = None,
    version: ShowVersion = False,
) -> None:
    """Print or export every message of a chat, as the guest sees them.

    **Examples**

    * `guestchat transcript -e http://127.0.0.1:8080 -c CONVERSATION_ID --jwt "$JWT"`

    * `guestchat transcript --state chat-state.json --format json -o chat.json`
    """
    with report_failures():
        if _api_of(api, state) == ApiName.web_messaging:
            if state is None:
                raise CliError(
                    "a Web Messaging transcript needs --state FILE (from `guestchat chat --api "
                    "web-messaging --save-state FILE`): its session token is the credential"
                )
            if conversation or jwt:
                raise CliError("--conversation and --jwt are Guest Chat's; --state is enough")
            document, count = _web_messaging_document(
                state, environment, output_format, page_size, timeout
            )
            _write(document, count, output)
            return
        environment, conversation, jwt = _credentials(environment, conversation, jwt, state)
        from ..api_client import ApiClient
        from ..apis.web_chat_api import WebChatApi

        with logging_as_asked(ApiClient(environment, jwt=jwt, timeout=timeout)) as client:
            run_options.target = client.base_path
            web_chat = WebChatApi(client)
            members = _all_members(web_chat, conversation)
            messages = _all_messages(web_chat, conversation, page_size)
        document = render(
            conversation, entries_from_messages(messages, members), output_format.value
        )
        _write(document, len(messages), output)


def _write(document: str, count: int, output: Path | None) -> None:
    if output is None:
        typer.echo(document, nl=False)
    else:
        output.write_text(document, encoding="utf-8")
        typer.echo(f"wrote {count} messages to {output}", err=True)


def _web_messaging_document(
    state: Path,
    environment: str | None,
    output_format: TranscriptFormat,
    page_size: int,
    timeout: float,
) -> tuple[str, int]:
    """The session's messages from the REST history. Reading it configures the session (the
    history's JWT comes over the socket), which renews the session's lifetime."""
    import asyncio
    import contextlib
    from dataclasses import replace

    from ..session import WebMessageEvent, WebMessagingState
    from ._transcripts import entries_from_events

    saved = WebMessagingState.from_json(state.read_text(encoding="utf-8"))
    if environment:
        saved = replace(saved, environment=environment)

    async def read() -> tuple[str, int]:
        from ..webmessaging import WebMessagingClient, WebMessagingError

        async with WebMessagingClient(
            saved.deployment_id,
            saved.environment,
            token=saved.token,
            origin=saved.origin,
            reconnect=False,
            open_timeout=timeout,
            request_timeout=timeout,
            history_page_size=page_size,
        ) as client:
            run_options.target = saved.environment
            if client.session is not None and client.session.new_session:
                # The token started a new conversation: end it, it is nobody's.
                with contextlib.suppress(WebMessagingError):
                    await client.clear()
                raise CliError(
                    f"the Web Messaging session of {state} is gone (left, cleared or expired): "
                    "the service keeps no transcript of it"
                )
            events = [WebMessageEvent.of(message) for message in await client.history()]
        return render(None, entries_from_events(events), output_format.value), len(events)

    return asyncio.run(read())


def _api_of(asked: ApiName | None, state: Path | None) -> ApiName:
    """The API the command line names, else the saved state's; they must agree."""
    if state is None:
        return asked or ApiName.guest_chat
    from ..session import state_api

    try:
        saved = ApiName(state_api(state.read_text(encoding="utf-8")).value)
    except ValueError as exc:
        raise CliError(f"--state {state}: {exc}") from None
    if asked is not None and asked != saved:
        raise CliError(f"--state {state} holds a {saved.value} chat, not a {asked.value} one")
    return saved


def _credentials(
    environment: str | None, conversation: str | None, jwt: str | None, state: Path | None
) -> tuple[str, str, str]:
    if state is not None:
        from ..session import ChatState

        saved = ChatState.from_json(state.read_text(encoding="utf-8"))
        environment = environment or saved.environment
        conversation = conversation or saved.conversation_id
        jwt = jwt or saved.jwt
    missing = [
        flag
        for flag, value in (
            ("--environment", environment),
            ("--conversation", conversation),
            ("--jwt", jwt),
        )
        if not value
    ]
    if missing:
        raise CliError(f"missing {', '.join(missing)} (or give --state FILE)")
    assert environment and conversation and jwt
    return environment, conversation, jwt


def _all_members(api: WebChatApi, conversation: str) -> dict[str, WebChatMemberInfo]:
    members: dict[str, WebChatMemberInfo] = {}
    page_number = 1
    while True:
        page = api.get_webchat_guest_conversation_members(
            conversation, page_size=MAX_PAGE_SIZE, page_number=page_number
        )
        for member in page.entities or []:
            if member.id:
                members[member.id] = member
        if not page.entities or page_number >= (page.page_count or page_number):
            return members
        page_number += 1


def _all_messages(api: WebChatApi, conversation: str, page_size: int) -> list[WebChatMessage]:
    messages: list[WebChatMessage] = []
    seen: set[str] = set()
    after: str | None = None
    while True:
        page = api.get_webchat_guest_conversation_messages(
            conversation, after=after, sort_order="ascending", max_results=page_size
        )
        fresh = [message for message in page.entities or [] if message.id not in seen]
        messages.extend(fresh)
        seen.update(message.id for message in fresh if message.id)
        # A page that is short or brings nothing new is the last; this also stops a server that
        # ignores `after` from looping forever.
        if len(page.entities or []) < page_size or not fresh or fresh[-1].id is None:
            return messages
        after = fresh[-1].id
