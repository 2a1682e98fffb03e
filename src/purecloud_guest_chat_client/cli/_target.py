"""Where ``demo``, ``chat`` and ``load`` hold their chats: an embedded local service, or a server
named by ``--environment``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from ._errors import CliError, run_options

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


@asynccontextmanager
async def chat_target(
    environment: str | None,
    organization_id: str | None,
    deployment_id: str | None,
    queue: str | None,
    **service_overrides: Any,
) -> AsyncIterator[ChatTarget]:
    """Yield the target; without an environment, run an embedded service for the duration."""
    if environment is not None:
        if not environment.strip():
            raise CliError("--environment must not be empty")
        run_options.target = environment
        yield ChatTarget(
            environment=environment,
            organization_id=_or_default(organization_id, DEFAULT_ORGANIZATION),
            deployment_id=_or_default(deployment_id, DEFAULT_DEPLOYMENT),
            queue=_or_default(queue, DEFAULT_QUEUE),
            embedded=False,
        )
        return
    from ..emulator import LocalService

    async with LocalService(port=0, **service_overrides) as service:
        run_options.target = service.base_url
        yield ChatTarget(
            environment=service.base_url,
            organization_id=_or_default(organization_id, DEFAULT_ORGANIZATION),
            deployment_id=_or_default(deployment_id, DEFAULT_DEPLOYMENT),
            queue=_or_default(queue, DEFAULT_QUEUE),
            embedded=True,
        )


def _or_default(given: str | None, default: str) -> str:
    # An empty --queue "" is a mistake to report (the session names it), not a request for the
    # default.
    return default if given is None else given
