"""Environments, as in the JS README: choose the region the client talks to.

``set_environment`` takes a ``PureCloudRegionHosts`` member, a domain such as ``mypurecloud.ie``,
or a full URL; a URL whose host is not a Genesys domain (the local service, a gateway) is used as
it is. Setting an environment makes no request, so the regions are only shown, not called.
"""

from __future__ import annotations

from _target import CREATE_CHAT_BODY, environment, parse_args, run

import purecloud_guest_chat_client as platform_client


def main() -> None:
    args = parse_args(__doc__ or "")
    client = platform_client.ApiClient.instance

    client.set_environment(platform_client.PureCloudRegionHosts.eu_west_1)
    print(f"eu_west_1 -> {client.base_path}")
    client.set_environment("mypurecloud.com.au")
    print(f"mypurecloud.com.au -> {client.base_path}")
    print(f"{len(list(platform_client.PureCloudRegionHosts))} regions known:")
    for region in platform_client.PureCloudRegionHosts:
        print(f"  {region.name:<14} {region.value}")

    with environment(args.environment) as env:
        client.set_environment(env)
        print(f"{env} -> {client.base_path}")
        chat_info = platform_client.WebChatApi().post_webchat_guest_conversations(CREATE_CHAT_BODY)
        print(f"created chat {chat_info.id} at {client.base_path}")


if __name__ == "__main__":
    run(main)
