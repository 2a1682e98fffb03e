"""The SDK clients the CLI talks through: they log only as the command line asks.

A user's SDK configuration file (``~/.genesyscloudpython-guest/config``) may turn on a request
log to the console for their own programs; the CLI's output is its own, so its clients take their
logging from ``--log-level`` and ``--debug`` alone, and do not follow later edits of that file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from ._errors import run_options

if TYPE_CHECKING:
    from .._base_client import BaseClient

Client = TypeVar("Client", bound="BaseClient")


def logging_as_asked(client: Client) -> Client:
    """``client``, with its request log set by the command line rather than the config file."""
    client.config.live_reload_config = False
    logger = client.config.logger
    logger.log_level = run_options.log_level or ("debug" if run_options.debug else "none")
    logger.log_to_console = True
    logger.log_file_path = None
    logger.log_request_body = False
    logger.log_response_body = False
    logger.set_logger()
    return client
