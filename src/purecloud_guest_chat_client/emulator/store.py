"""Durable state in SQLite (WAL) with group commit.

Changes are queued as SQL operations; ``commit`` resolves only once the transaction that holds
them is committed, so a change is acknowledged only when it is durable. Concurrent requests share
one transaction, which keeps throughput high without weakening that. What readers see is changed
by the ``on_commit`` callbacks, run right after COMMIT in the order the changes were queued, so a
reader never sees a change a crash could still erase.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import re
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..models import format_timestamp
from .records import Conversation, ConversationStatus, MediaRequest, Member, Message

logger = logging.getLogger(__name__)

_CHECKPOINT_SECONDS = 1.0
_SURROGATE = re.compile("[\ud800-\udfff]")

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
CREATE TABLE IF NOT EXISTS bot_answers (
    conversation_id TEXT PRIMARY KEY, message_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS web_messaging_sessions (
    token_key TEXT PRIMARY KEY, deployment_id TEXT NOT NULL, conversation_id TEXT NOT NULL,
    expires_at REAL NOT NULL, read_only INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS message_content (message_id TEXT PRIMARY KEY, content TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS members_by_conversation ON members (conversation_id);
CREATE INDEX IF NOT EXISTS messages_by_conversation ON messages (conversation_id);
CREATE INDEX IF NOT EXISTS media_requests_by_conversation ON media_requests (conversation_id);
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
_UPSERT_BOT_ANSWER = (
    "INSERT INTO bot_answers VALUES (?, ?) "
    "ON CONFLICT(conversation_id) DO UPDATE SET message_id = excluded.message_id"
)
_UPSERT_MEDIA_REQUEST = (
    "INSERT INTO media_requests VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
    "state = excluded.state, communication_id = excluded.communication_id, "
    "security_key = excluded.security_key"
)
_UPSERT_WEB_MESSAGING_SESSION = (
    "INSERT INTO web_messaging_sessions VALUES (?, ?, ?, ?, ?) ON CONFLICT(token_key) DO UPDATE "
    "SET conversation_id = excluded.conversation_id, expires_at = excluded.expires_at, "
    "read_only = excluded.read_only"
)
_INSERT_MESSAGE_CONTENT = "INSERT INTO message_content VALUES (?, ?)"
_DELETE_WEB_MESSAGING_SESSION = "DELETE FROM web_messaging_sessions WHERE token_key = ?"


@dataclass(frozen=True)
class Operation:
    sql: str
    params: tuple[Any, ...]


@dataclass(frozen=True)
class _Change:
    """The operations one request commits, and who waits for them."""

    operations: tuple[Operation, ...]
    future: asyncio.Future[None]
    on_commit: Callable[[], None] | None


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
            m.timestamp_text,
        ),
    )


def bot_progress_op(conversation_id: str, answered_message_id: str) -> Operation:
    """The last guest message a bot agent has answered in a conversation."""
    return Operation(_UPSERT_BOT_ANSWER, (conversation_id, answered_message_id))


def media_request_op(request: MediaRequest) -> Operation:
    r = request
    return Operation(
        _UPSERT_MEDIA_REQUEST,
        (r.id, r.conversation_id, json.dumps(r.types), r.state, r.communication_id, r.security_key),
    )


@dataclass(frozen=True)
class WebMessagingSessionRow:
    """A Web Messaging session as stored: keyed by a hash of its token, never the token."""

    key: str = field(repr=False)
    deployment_id: str
    conversation_id: str
    expires_at: float
    read_only: bool


def web_messaging_session_op(
    key: str, deployment_id: str, conversation_id: str, expires_at: float, read_only: bool
) -> Operation:
    return Operation(
        _UPSERT_WEB_MESSAGING_SESSION,
        (key, deployment_id, conversation_id, expires_at, int(read_only)),
    )


def message_content_op(message_id: str, content: list[dict[str, Any]]) -> Operation:
    """The structured content a message was sent with (quick replies, cards, ...)."""
    return Operation(_INSERT_MESSAGE_CONTENT, (message_id, json.dumps(content)))


def web_messaging_session_deleted_op(key: str) -> Operation:
    return Operation(_DELETE_WEB_MESSAGING_SESSION, (key,))


# -- Web Messaging attachments (their own table) ---------------------------------------------

_WEB_MESSAGING_ATTACHMENTS_SCHEMA = """
CREATE TABLE IF NOT EXISTS web_messaging_attachments (
    id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, file_name TEXT NOT NULL,
    file_type TEXT NOT NULL, base_url TEXT NOT NULL, size INTEGER NOT NULL,
    uploaded_at TEXT NOT NULL, message_id TEXT, data BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS web_messaging_attachments_by_conversation
    ON web_messaging_attachments (conversation_id);
"""
_INSERT_ATTACHMENT = "INSERT INTO web_messaging_attachments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
_ATTACHMENT_SENT = "UPDATE web_messaging_attachments SET message_id = ? WHERE id = ?"
_DELETE_ATTACHMENT = "DELETE FROM web_messaging_attachments WHERE id = ?"
_ATTACHMENT_COLUMNS = (
    "id, conversation_id, file_name, file_type, base_url, size, uploaded_at, message_id"
)


@dataclass(frozen=True)
class AttachmentRow:
    """An uploaded Web Messaging attachment as stored, but its bytes."""

    id: str
    conversation_id: str
    file_name: str
    file_type: str
    base_url: str
    size: int
    uploaded_at: str
    message_id: str | None


def web_messaging_attachment_op(row: AttachmentRow, data: bytes) -> Operation:
    r = row
    return Operation(
        _INSERT_ATTACHMENT,
        (
            r.id,
            r.conversation_id,
            r.file_name,
            r.file_type,
            r.base_url,
            r.size,
            r.uploaded_at,
            r.message_id,
            data,
        ),
    )


def web_messaging_attachment_sent_op(attachment_id: str, message_id: str) -> Operation:
    return Operation(_ATTACHMENT_SENT, (message_id, attachment_id))


def web_messaging_attachment_deleted_op(attachment_id: str) -> Operation:
    return Operation(_DELETE_ATTACHMENT, (attachment_id,))


# -- Web Messaging sign-ins (their own table) ------------------------------------------------

_WEB_MESSAGING_SIGNINS_SCHEMA = """
CREATE TABLE IF NOT EXISTS web_messaging_grants (
    id TEXT PRIMARY KEY, deployment_id TEXT NOT NULL, user_name TEXT NOT NULL,
    refresh_key TEXT NOT NULL UNIQUE, revoked INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS web_messaging_signins (
    token_key TEXT PRIMARY KEY, grant_id TEXT NOT NULL);
"""
_INSERT_GRANT = "INSERT INTO web_messaging_grants VALUES (?, ?, ?, ?, 0)"
_REVOKE_GRANT = "UPDATE web_messaging_grants SET revoked = 1 WHERE id = ?"
_UPSERT_SIGNIN = (
    "INSERT INTO web_messaging_signins VALUES (?, ?) "
    "ON CONFLICT(token_key) DO UPDATE SET grant_id = excluded.grant_id"
)


@dataclass(frozen=True)
class GrantRow:
    """A guest's sign-in (the code exchange), keyed by a hash of its refresh token."""

    id: str
    deployment_id: str
    user_name: str
    refresh_key: str = field(repr=False)
    revoked: bool


def web_messaging_grant_op(grant: GrantRow) -> Operation:
    g = grant
    return Operation(_INSERT_GRANT, (g.id, g.deployment_id, g.user_name, g.refresh_key))


def web_messaging_grant_revoked_op(grant_id: str) -> Operation:
    return Operation(_REVOKE_GRANT, (grant_id,))


def web_messaging_signin_op(token_key: str, grant_id: str) -> Operation:
    """The session of ``token_key`` is signed in by the grant: it cannot go anonymous again."""
    return Operation(_UPSERT_SIGNIN, (token_key, grant_id))


def _grant_row(row: tuple[Any, ...]) -> GrantRow:
    grant_id, deployment_id, user_name, refresh_key, revoked = row
    return GrantRow(grant_id, deployment_id, user_name, refresh_key, bool(revoked))


def _profile(text: str) -> dict[str, Any]:
    """A member's stored profile. Versions that did not refuse lone surrogates stored them
    (escaped): they become U+FFFD here, since such a string cannot be sent."""
    profile: dict[str, Any] = json.loads(text)
    if "\\ud" not in text.lower():
        return profile
    unpaired = json.dumps(profile, ensure_ascii=False)
    repaired: dict[str, Any] = json.loads(_SURROGATE.sub("\ufffd", unpaired))
    return repaired


def _session_row(row: tuple[Any, ...]) -> WebMessagingSessionRow:
    key, deployment_id, conversation_id, expires_at, read_only = row
    return WebMessagingSessionRow(
        key, deployment_id, conversation_id, float(expires_at), bool(read_only)
    )


class Store:
    """The SQLite database file: loading at start, then group commit on the event loop."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        # What the service guarantees is that an acknowledged change survives the process being
        # killed (SIGKILL included). In WAL mode, synchronous=NORMAL gives exactly that: COMMIT
        # appends to the WAL file through the OS page cache, which outlives the process, with no
        # fsync. Only an OS crash or power cut could lose the last commits, which FULL would cover
        # at the price of an fsync per commit.
        self._conn.execute("PRAGMA synchronous=NORMAL")
        # Checkpoints copy the WAL into the database file and fsync it, which can take hundreds
        # of milliseconds on a busy disk: a separate thread with its own connection runs them,
        # so commits (and the event loop that makes them) never wait for one.
        self._conn.execute("PRAGMA wal_autocheckpoint=0")
        self._conn.executescript(_SCHEMA)
        self._conn.executescript(_WEB_MESSAGING_ATTACHMENTS_SCHEMA)
        self._conn.executescript(_WEB_MESSAGING_SIGNINS_SCHEMA)
        self._pending: list[_Change] = []
        self._flush_scheduled = False
        self._checkpointer: threading.Thread | None = None
        self._stopping = threading.Event()

    # -- before the writer starts ----------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def delete_meta(self, key: str) -> None:
        self._conn.execute("DELETE FROM meta WHERE key = ?", (key,))

    def load(self, ended_since: datetime | None = None) -> dict[str, Conversation]:
        """The conversations to keep in memory: all of them, or with ``ended_since`` those not
        ended and those whose guest left at that time or later."""
        if ended_since is None:
            return self._read("1", ())
        return self._read(
            "c.status != ? OR EXISTS (SELECT 1 FROM members g "
            "WHERE g.id = c.guest_id AND g.leave_date >= ?)",
            (ConversationStatus.ENDED.value, format_timestamp(ended_since)),
        )

    def load_conversation(self, conversation_id: str) -> Conversation | None:
        """One conversation as the database holds it (an ended one no longer kept in memory)."""
        return self._read("c.id = ?", (conversation_id,)).get(conversation_id)

    def _read(self, where: str, params: tuple[Any, ...]) -> dict[str, Conversation]:
        """The conversations ``where`` selects (a condition on ``conversations c``), complete."""
        chosen = f"conversation_id IN (SELECT c.id FROM conversations c WHERE {where})"
        conversations: dict[str, Conversation] = {}
        for row in self._conn.execute(
            f"SELECT * FROM conversations c WHERE {where} ORDER BY rowid", params
        ):
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
        for row in self._conn.execute(
            f"SELECT * FROM members WHERE {chosen} ORDER BY rowid", params
        ):
            mid, cid, role, state, profile, join, leave, authenticated, bot = row
            conversation = conversations.get(cid)
            if conversation is not None:
                conversation.members[mid] = Member(
                    id=mid,
                    conversation_id=cid,
                    role=role,
                    state=state,
                    profile=_profile(profile),
                    join_date=_parse_ts(join),
                    leave_date=_parse_ts(leave),
                    authenticated_guest=bool(authenticated),
                    is_bot=bool(bot),
                )
        for row in self._conn.execute(
            f"SELECT * FROM messages WHERE {chosen} ORDER BY rowid", params
        ):
            mid, cid, sender, role, body, body_type, timestamp = row
            conversation = conversations.get(cid)
            if conversation is not None:
                conversation.add_message(
                    Message(
                        mid, cid, sender, role, body, body_type, datetime.fromisoformat(timestamp)
                    )
                )
        for row in self._conn.execute(
            f"SELECT * FROM media_requests WHERE {chosen} ORDER BY rowid", params
        ):
            rid, cid, types, state, communication_id, security_key = row
            conversation = conversations.get(cid)
            if conversation is not None:
                conversation.media_requests[rid] = MediaRequest(
                    rid, cid, json.loads(types), state, communication_id, security_key
                )
        for cid, message_id in self._conn.execute(
            f"SELECT * FROM bot_answers WHERE {chosen}", params
        ):
            conversation = conversations.get(cid)
            if conversation is not None:
                conversation.bot_answered = message_id
        for conversation in conversations.values():
            conversation.show_committed()
        return conversations

    def message_contents(self) -> dict[str, list[dict[str, Any]]]:
        """The structured content of every message sent with some, by message id."""
        rows = self._conn.execute("SELECT message_id, content FROM message_content")
        return {message_id: json.loads(content) for message_id, content in rows}

    def web_messaging_sessions(self) -> list[WebMessagingSessionRow]:
        """Every stored Web Messaging session."""
        rows = self._conn.execute("SELECT * FROM web_messaging_sessions ORDER BY rowid")
        return [_session_row(row) for row in rows]

    def web_messaging_session(self, key: str) -> WebMessagingSessionRow | None:
        row = self._conn.execute(
            "SELECT * FROM web_messaging_sessions WHERE token_key = ?", (key,)
        ).fetchone()
        return None if row is None else _session_row(row)

    def web_messaging_attachments(self) -> list[AttachmentRow]:
        """Every stored attachment, without its bytes."""
        rows = self._conn.execute(
            f"SELECT {_ATTACHMENT_COLUMNS} FROM web_messaging_attachments ORDER BY rowid"
        )
        return [AttachmentRow(*row) for row in rows]

    def web_messaging_attachment_data(self, attachment_id: str) -> bytes | None:
        row = self._conn.execute(
            "SELECT data FROM web_messaging_attachments WHERE id = ?", (attachment_id,)
        ).fetchone()
        return None if row is None else bytes(row[0])

    def web_messaging_grant(self, grant_id: str) -> GrantRow | None:
        """A sign-in, by its id."""
        row = self._conn.execute(
            "SELECT * FROM web_messaging_grants WHERE id = ?", (grant_id,)
        ).fetchone()
        return None if row is None else _grant_row(row)

    def web_messaging_grant_by_refresh_key(self, refresh_key: str) -> GrantRow | None:
        """A sign-in, by the hash of its refresh token."""
        row = self._conn.execute(
            "SELECT * FROM web_messaging_grants WHERE refresh_key = ?", (refresh_key,)
        ).fetchone()
        return None if row is None else _grant_row(row)

    def web_messaging_signin(self, token_key: str) -> str | None:
        """The grant a session is signed in with, if it is."""
        row = self._conn.execute(
            "SELECT grant_id FROM web_messaging_signins WHERE token_key = ?", (token_key,)
        ).fetchone()
        return None if row is None else str(row[0])

    def web_messaging_signed_in_conversations(self) -> set[str]:
        """The conversations of the sessions that are signed in."""
        rows = self._conn.execute(
            "SELECT s.conversation_id FROM web_messaging_sessions s "
            "JOIN web_messaging_signins i ON i.token_key = s.token_key"
        )
        return {str(row[0]) for row in rows}

    # -- group commit ----------------------------------------------------------------------

    def start_checkpoints(self) -> None:
        self._checkpointer = threading.Thread(
            target=self._checkpoint_loop, name="guestchat-checkpoint", daemon=True
        )
        self._checkpointer.start()

    async def commit(
        self, *operations: Operation, on_commit: Callable[[], None] | None = None
    ) -> None:
        """Returns once every operation is committed to the database file.

        ``on_commit`` runs once they are, before any waiter resumes and whether or not this one
        is still waiting; it does not run when they fail.

        The operations of every request that commits during one pass of the event loop share a
        transaction, written at the start of the next pass. A commit without fsync (see
        ``synchronous`` above) takes tens of microseconds, much less than handing the work to a
        thread and back, so it runs on the loop itself. One request's operations stand or fall
        together, and apart from the others': a change the database refuses fails its own
        request only.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._pending.append(_Change(operations, future, on_commit))
        if not self._flush_scheduled:
            self._flush_scheduled = True
            loop.call_soon(self._flush)
        await future

    def _flush(self) -> None:
        self._flush_scheduled = False
        changes, self._pending = self._pending, []
        failures = self._write(changes)
        for index, change in enumerate(changes):
            if change.on_commit is not None and index not in failures:
                try:
                    change.on_commit()
                except Exception:  # one failing callback must not keep the others' changes back
                    logger.exception("applying a committed change failed")
        for index, change in enumerate(changes):
            if change.future.done():  # its request was cancelled; the change is stored all the same
                continue
            error = failures.get(index)
            if error is None:
                change.future.set_result(None)
            else:
                change.future.set_exception(error)

    def _write(self, changes: list[_Change]) -> dict[int, StoreError]:
        """Commits the changes; returns the failed ones by index.

        All of them go in one transaction, as few statements as can be. Should that fail, they
        are written again in one transaction with a savepoint each, so that only the changes the
        database refuses are left out.
        """
        operations = [op for change in changes for op in change.operations]
        try:
            self._conn.execute("BEGIN")
            for sql, group in itertools.groupby(operations, key=lambda op: op.sql):
                self._conn.executemany(sql, [op.params for op in group])
            self._conn.execute("COMMIT")
        except Exception as exc:  # whatever the failure, it is found out below
            self._roll_back()
            if len(changes) == 1:
                logger.error("database write failed: %s", exc)
                return {0: StoreError(str(exc))}
        else:
            return {}
        return self._write_each(changes)

    def _write_each(self, changes: list[_Change]) -> dict[int, StoreError]:
        failures: dict[int, StoreError] = {}
        try:
            self._conn.execute("BEGIN")
            for index, change in enumerate(changes):
                self._conn.execute("SAVEPOINT change")
                try:
                    for op in change.operations:
                        self._conn.execute(op.sql, op.params)
                except Exception as exc:  # this change fails, the others go on
                    logger.error("database write failed: %s", exc)
                    self._conn.execute("ROLLBACK TO change")
                    failures[index] = StoreError(str(exc))
                self._conn.execute("RELEASE change")
            self._conn.execute("COMMIT")
        except Exception as exc:  # the transaction itself failed: so did every change
            logger.error("database write failed: %s", exc)
            self._roll_back()
            error = StoreError(str(exc))
            return dict.fromkeys(range(len(changes)), error)
        return failures

    def _roll_back(self) -> None:
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")

    def close(self) -> None:
        self._stopping.set()
        if self._checkpointer is not None:
            self._checkpointer.join(timeout=10)
            self._checkpointer = None
        if self._pending:
            self._flush()
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
