"""Where ``demo``, ``chat`` and ``load`` hold their chats: an embedded local service, or a server
named by ``--environment``; and the client they reach it with."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..emulator import MissingExtraError
from ._clients import logging_as_asked
from ._errors import CliError, run_options

if TYPE_CHECKING:
    from ..api_client import AsyncApiClient

# The embedded service accepts any organization and deployment; these read well in its logs.
DEFAULT_ORGANIZATION = "00000000-0000-4000-8000-00000000c0de"
DEFAULT_DEPLOYMENT = "00000000-0000-4000-8000-0000000de910"
DEFAULT_QUEUE = "Chat Queue"


@dataclass(frozen=True)
class ChatTarget:
    environment: str
    organization_id: str
    deployment_id: str
    queue: str
    embedded: bool
    client: AsyncApiClient
    """Shared by every chat of the command (``GuestChat.start(client=...)``)."""


@asynccontextmanager
async def chat_target(
    environment: str | None,
    organization_id: str | None,
    deployment_id: str | None,
    queue: str | None,
    **service_overrides: Any,
) -> AsyncIterator[ChatTarget]:
    """Yield the target; without an environment, run an embedded service for the duration."""
    from ..api_client import AsyncApiClient

    def target(url: str, embedded: bool, client: AsyncApiClient) -> ChatTarget:
        run_options.target = url
        return ChatTarget(
            environment=url,
            organization_id=_or_default(organization_id, DEFAULT_ORGANIZATION),
            deployment_id=_or_default(deployment_id, DEFAULT_DEPLOYMENT),
            queue=_or_default(queue, DEFAULT_QUEUE),
            embedded=embedded,
            client=client,
        )

    if environment is not None:
        async with logging_as_asked(AsyncApiClient(environment)) as client:
            yield target(environment, False, client)
        return
    try:
        from ..emulator import LocalService
    except MissingExtraError as exc:
        raise CliError(f"{exc}; or give --environment URL") from None
    async with (
        LocalService(port=0, **service_overrides) as service,
        logging_as_asked(AsyncApiClient(service.base_url)) as client,
    ):
        yield target(service.base_url, True, client)


def _or_default(given: str | None, default: str) -> str:
    # An empty --queue "" is a mistake to report (the session names it), not a request for the
    # default.
    return default if given is None else given
