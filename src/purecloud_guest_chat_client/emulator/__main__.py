"""``python -m purecloud_guest_chat_client.emulator``: serve the local Guest Chat service."""

from __future__ import annotations

import argparse
import logging
import os
import sqlite3
import sys

from . import MissingExtraError
from .settings import ServiceSettings


def _parser() -> argparse.ArgumentParser:
    defaults = ServiceSettings()
    parser = argparse.ArgumentParser(
        prog="python -m purecloud_guest_chat_client.emulator",
        description="Serve the local Guest Chat service (REST API, event stream, control API).",
    )
    parser.add_argument("--host", default=defaults.host, help="address to bind (loopback)")
    parser.add_argument("--port", type=int, default=defaults.port, help="0 picks a free port")
    parser.add_argument("--db", default=None, help="SQLite file (default: a temporary one)")
    parser.add_argument("--config", default=None, help="contact-centre file, TOML or JSON")
    parser.add_argument(
        "--agent", default=defaults.agent, help="echo | manual | script:FILE (default: echo)"
    )
    parser.add_argument("--heartbeat", type=float, default=defaults.heartbeat_seconds)
    parser.add_argument(
        "--rate-limit",
        type=int,
        default=defaults.rate_limit_per_minute,
        help="requests per minute per guest token or client; 0 turns it off",
    )
    parser.add_argument("--jwt-lifetime", type=int, default=defaults.jwt_lifetime_seconds)
    parser.add_argument("--guest-grace", type=float, default=defaults.guest_grace_seconds)
    parser.add_argument("--agent-join-delay", type=float, default=defaults.agent_join_delay)
    parser.add_argument("--agent-reply-delay", type=float, default=defaults.agent_reply_delay)
    parser.add_argument("--workflow-greeting", default=None)
    parser.add_argument(
        "--control-token",
        default=os.environ.get("GUESTCHAT_CONTROL_TOKEN"),
        help="bearer token the control API requires (also GUESTCHAT_CONTROL_TOKEN; a token given "
        "here is visible to every local user in the process list)",
    )
    parser.add_argument(
        "--control-token-file",
        default=os.environ.get("GUESTCHAT_CONTROL_TOKEN_FILE"),
        help="file holding the control API's token (also GUESTCHAT_CONTROL_TOKEN_FILE)",
    )
    parser.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="HOST",
        help="a Host besides loopback the control API and console answer ('*': any); repeatable",
    )
    parser.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="a page origin besides the service's own allowed to call the control API "
        "(such as http://localhost:3000; '*': any); repeatable",
    )
    parser.add_argument(
        "--log-level", default="info", choices=["debug", "info", "warning", "error"]
    )
    limits = parser.add_argument_group("limits (docs/local-service.md, Limits)")
    for option, field in _LIMIT_OPTIONS.items():
        default = getattr(defaults, field)
        limits.add_argument(option, dest=field, type=type(default), default=default)
    return parser


_LIMIT_OPTIONS = {
    "--max-header-bytes": "max_header_bytes",
    "--header-timeout": "header_timeout_seconds",
    "--body-timeout": "body_timeout_seconds",
    "--idle-timeout": "idle_timeout_seconds",
    "--max-connections": "max_connections",
    "--stream-max-frame-bytes": "stream_max_frame_bytes",
    "--stream-max-frames-per-second": "stream_max_frames_per_second",
    "--stream-max-queued-frames": "stream_max_queued_frames",
    "--max-streams-per-guest": "max_streams_per_guest",
    "--ended-chat-retention": "ended_chat_retention_seconds",
}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        from . import run_server
    except MissingExtraError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        settings = ServiceSettings(
            host=args.host,
            port=args.port,
            db_path=args.db,
            config_file=args.config,
            agent=args.agent,
            heartbeat_seconds=args.heartbeat,
            rate_limit_per_minute=args.rate_limit,
            jwt_lifetime_seconds=args.jwt_lifetime,
            guest_grace_seconds=args.guest_grace,
            agent_join_delay=args.agent_join_delay,
            agent_reply_delay=args.agent_reply_delay,
            workflow_greeting=args.workflow_greeting,
            control_token=args.control_token,
            **{field: getattr(args, field) for field in _LIMIT_OPTIONS.values()},
            control_token_file=args.control_token_file,
            allowed_hosts=tuple(args.allow_host),
            allowed_origins=tuple(args.allow_origin),
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=getattr(logging, args.log_level.upper()),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        run_server(settings)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except sqlite3.DatabaseError as exc:
        print(f"error: --db {args.db}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
