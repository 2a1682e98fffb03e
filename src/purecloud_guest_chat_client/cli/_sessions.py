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
    """A new chat on ``target``: in its queue over Guest Chat; over Web Messaging, a session of
    its deployment, whose routing the deployment decides (the guest's custom fields travel as
    custom attributes of the first message)."""
    if api == ApiName.web_messaging:
        from ..session import WebMessagingChat

        fields = member_info.get("customFields")
        return await WebMessagingChat.start(
            target.deployment_id, environment=target.environment, custom_attributes=fields
        )
    from ..session import GuestChat

    return await GuestChat.start(
        target.organization_id,
        target.deployment_id,
        target.queue,
        member_info,
        client=target.client,
    )


def agent_comes_first(api: ApiName) -> bool:
    """Whether the API tells of an agent before it answers: Guest Chat does (a member joins),
    Web Messaging does not (the agent shows up with its first message), so over it the guest
    speaks first."""
    return api == ApiName.guest_chat


def api_label(api: ApiName) -> str:
    """The API as the command's messages name it."""
    return "Web Messaging" if api == ApiName.web_messaging else "Guest Chat"
