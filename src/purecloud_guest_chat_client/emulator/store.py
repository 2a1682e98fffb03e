"""Durable state in SQLite (WAL), written by one thread with group commit.

Changes are applied in memory first, then queued as SQL operations; ``commit`` resolves only once
the transaction that holds them is committed, so a change is acknowledged only when it is durable.
Concurrent requests share one transaction, which keeps throughput high without weakening that.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import queue
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..models import format_timestamp
from .records import Conversation, MediaRequest, Member, Message

logger = logging.getLogger(__name__)

_CHECKPOINT_SECONDS = 1.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY, organization_id TEXT NOT NULL, deployment_id TEXT NOT NULL,
    queue TEXT NOT NULL, guest_id TEXT NOT NULL, status TEXT NOT NULL, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS members (
    id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, role TEXT NOT NULL, state TEXT NOT NULL,
    profile TEXT NOT NULL, join_date TEXT, leave_date TEXT, authenticated_guest INTEGER NOT NULL,
    is_bot INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS messages (
    id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, sender_id TEXT NOT NULL,
    sender_role TEXT NOT NULL, body TEXT NOT NULL, body_type TEXT NOT NULL,
    timestamp TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS media_requests (
    id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, types TEXT NOT NULL, state TEXT NOT NULL,
    communication_id TEXT, security_key TEXT);
"""

_UPSERT_CONVERSATION = (
    "INSERT INTO conversations VALUES (?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT(id) DO UPDATE SET status = excluded.status"
)
_UPSERT_MEMBER = (
    "INSERT INTO members VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
    "state = excluded.state, join_date = excluded.join_date, leave_date = excluded.leave_date"
)
_INSERT_MESSAGE = "INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?, ?)"
_UPSERT_MEDIA_REQUEST = (
    "INSERT INTO media_requests VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
    "state = excluded.state, communication_id = excluded.communication_id, "
    "security_key = excluded.security_key"
)


@dataclass(frozen=True)
class Operation:
    sql: str
    params: tuple[Any, ...]


class StoreError(Exception):
    """The database could not commit a change."""


def _ts(value: datetime | None) -> str | None:
    return None if value is None else format_timestamp(value)


def _parse_ts(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def conversation_op(conversation: Conversation) -> Operation:
    c = conversation
    return Operation(
        _UPSERT_CONVERSATION,
        (c.id, c.organization_id, c.deployment_id, c.queue, c.guest_id, c.status, _ts(c.created)),
    )


def member_op(member: Member) -> Operation:
    m = member
    return Operation(
        _UPSERT_MEMBER,
        (
            m.id,
            m.conversation_id,
            m.role,
            m.state,
            json.dumps(m.profile),
            _ts(m.join_date),
            _ts(m.leave_date),
            int(m.authenticated_guest),
            int(m.is_bot),
        ),
    )


def message_op(message: Message) -> Operation:
    m = message
    return Operation(
        _INSERT_MESSAGE,
        (
            m.id,
            m.conversation_id,
            m.sender_id,
            m.sender_role,
            m.body,
            m.body_type,
            _ts(m.timestamp),
        ),
    )


def media_request_op(request: MediaRequest) -> Operation:
    r = request
    return Operation(
        _UPSERT_MEDIA_REQUEST,
        (r.id, r.conversation_id, json.dumps(r.types), r.state, r.communication_id, r.security_key),
    )


class Store:
    """The SQLite database file: loading at start, and a writer thread with group commit."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL still survives a killed process; only an OS crash could lose the tail.
        self._conn.execute("PRAGMA synchronous=NORMAL")
        # Checkpoints flush the database file with fsync, which can take long enough to stall
        # every commit queued behind it; a separate thread runs them off the commit path.
        self._conn.execute("PRAGMA wal_autocheckpoint=0")
        self._conn.executescript(_SCHEMA)
        self._queue: queue.SimpleQueue[tuple[list[Operation], asyncio.Future[None]] | None] = (
            queue.SimpleQueue()
        )
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._checkpointer: threading.Thread | None = None
        self._stopping = threading.Event()

    # -- before the writer starts ----------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self._conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def load(self) -> dict[str, Conversation]:
        conversations: dict[str, Conversation] = {}
        for row in self._conn.execute("SELECT * FROM conversations ORDER BY rowid"):
            cid, org, dep, queue_name, guest_id, status, created = row
            conversations[cid] = Conversation(
                id=cid,
                organization_id=org,
                deployment_id=dep,
                queue=queue_name,
                guest_id=guest_id,
                status=status,
                created=datetime.fromisoformat(created),
            )
        for row in self._conn.execute("SELECT * FROM members ORDER BY rowid"):
            mid, cid, role, state, profile, join, leave, authenticated, bot = row
            conversation = conversations.get(cid)
            if conversation is not None:
                conversation.members[mid] = Member(
                    id=mid,
                    conversation_id=cid,
                    role=role,
                    state=state,
                    profile=json.loads(profile),
                    join_date=_parse_ts(join),
                    leave_date=_parse_ts(leave),
                    authenticated_guest=bool(authenticated),
                    is_bot=bool(bot),
                )
        for row in self._conn.execute("SELECT * FROM messages ORDER BY rowid"):
            mid, cid, sender, role, body, body_type, timestamp = row
            conversation = conversations.get(cid)
            if conversation is not None:
                conversation.add_message(
                    Message(
                        mid, cid, sender, role, body, body_type, datetime.fromisoformat(timestamp)
                    )
                )
        for row in self._conn.execute("SELECT * FROM media_requests ORDER BY rowid"):
            rid, cid, types, state, communication_id, security_key = row
            conversation = conversations.get(cid)
            if conversation is not None:
                conversation.media_requests[rid] = MediaRequest(
                    rid, cid, json.loads(types), state, communication_id, security_key
                )
        return conversations

    # -- the writer ------------------------------------------------------------------------

    def start_writer(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._thread = threading.Thread(
            target=self._write_loop, name="guestchat-store", daemon=True
        )
        self._thread.start()
        self._checkpointer = threading.Thread(
            target=self._checkpoint_loop, name="guestchat-checkpoint", daemon=True
        )
        self._checkpointer.start()

    async def commit(self, *operations: Operation) -> None:
        """Returns once every operation is committed to the database file."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._queue.put((list(operations), future))
        await future

    def close(self) -> None:
        self._stopping.set()
        if self._checkpointer is not None:
            self._checkpointer.join(timeout=10)
            self._checkpointer = None
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=10)
            self._thread = None
        with contextlib.suppress(sqlite3.Error):
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self._conn.close()

    def _checkpoint_loop(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None)
        try:
            while not self._stopping.wait(_CHECKPOINT_SECONDS):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                except sqlite3.Error as exc:
                    logger.warning("database checkpoint failed: %s", exc)
        finally:
            conn.close()

    def _write_loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stopping = False
            while True:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stopping = True
                    break
                batch.append(item)
            error = self._write(batch)
            self._settle([future for _, future in batch], error)
            if stopping:
                return

    def _write(self, batch: list[tuple[list[Operation], asyncio.Future[None]]]) -> Exception | None:
        try:
            self._conn.execute("BEGIN")
            for operations, _ in batch:
                for operation in operations:
                    self._conn.execute(operation.sql, operation.params)
            self._conn.execute("COMMIT")
        except sqlite3.Error as exc:
            logger.error("database write failed: %s", exc)
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            return StoreError(str(exc))
        return None

    def _settle(self, futures: list[asyncio.Future[None]], error: Exception | None) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        # The loop may close while shutting down; then nobody waits for these any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(_resolve, futures, error)


def _resolve(futures: list[asyncio.Future[None]], error: Exception | None) -> None:
    for future in futures:
        if future.done():
            continue
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)
