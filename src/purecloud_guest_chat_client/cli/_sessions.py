"""The chat a command holds, over the guest API the command line chose.

``demo`` and ``chat`` talk to it through :class:`~purecloud_guest_chat_client.session.GuestSession`
alone, so that each runs the same over both APIs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._options import ApiName
from ._target import ChatTarget

if TYPE_CHECKING:
    from ..session import GuestSession


async def start_session(
    target: ChatTarget, api: ApiName, member_info: Mapping[str, Any]
) -> GuestSession:
    """A new chat on ``target``: in its queue over Guest Chat."""
    from ._errors import CliError

    if api == ApiName.web_messaging:
        raise CliError("--api web-messaging is not available in this version yet")
    from ..session import GuestChat

    return await GuestChat.start(
        target.organization_id,
        target.deployment_id,
        target.queue,
        member_info,
        client=target.client,
    )


def api_label(api: ApiName) -> str:
    """The API as the command's messages name it."""
    return "Web Messaging" if api == ApiName.web_messaging else "Guest Chat"
