"""Tickets in SQLite: the embedded default on one machine.

WAL lets readers work while one writer writes; each thread has its own
connection; every change that must be atomic is one `BEGIN IMMEDIATE`
transaction, which also makes numbering atomic without gaps.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from ..ports import FIRST_NUMBER, STALE_CLAIM, StorageError, UploadTaken
from ..records import Attachment, Message, Requester, Ticket, TicketDraft, Upload

SCHEMA = """
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS tickets (
    number TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, status TEXT NOT NULL,
    request_type TEXT NOT NULL, product TEXT NOT NULL, subject TEXT NOT NULL, description TEXT NOT NULL,
    requester_email TEXT NOT NULL, requester_name TEXT NOT NULL, organization TEXT,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS attachments (
    id TEXT PRIMARY KEY, ticket TEXT NOT NULL REFERENCES tickets(number), position INTEGER NOT NULL,
    filename TEXT NOT NULL, content_type TEXT NOT NULL, size INTEGER NOT NULL, key TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS attachments_by_ticket ON attachments(ticket, position);
CREATE TABLE IF NOT EXISTS uploads (
    id TEXT PRIMARY KEY, filename TEXT NOT NULL, content_type TEXT NOT NULL, size INTEGER NOT NULL,
    key TEXT NOT NULL, expires_at TEXT NOT NULL, ticket TEXT
);
CREATE TABLE IF NOT EXISTS messages (
    id TEXT PRIMARY KEY, ticket TEXT NOT NULL, kind TEXT NOT NULL, recipient TEXT NOT NULL, raw BLOB NOT NULL,
    created_at TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, claimed_at TEXT, sent_at TEXT, error TEXT
);
CREATE INDEX IF NOT EXISTS pending_messages ON messages(created_at) WHERE sent_at IS NULL;
CREATE TABLE IF NOT EXISTS rate_hits (key TEXT NOT NULL, window INTEGER NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (key, window));
CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY, status TEXT NOT NULL, expiry INTEGER, in_progress_expiry INTEGER,
    response_data TEXT, payload_hash TEXT
);
"""


_locks: dict[Path, threading.Lock] = {}
_locks_guard = threading.Lock()


def _writers(path: Path) -> threading.Lock:
    """One lock per database file for the whole process."""
    with _locks_guard:
        return _locks.setdefault(path.resolve(), threading.Lock())


def _time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat()


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


class SQLiteStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.local = threading.local()
        self.connection().executescript(SCHEMA)  # executescript manages its own transaction

    def connection(self) -> sqlite3.Connection:
        db = getattr(self.local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=True)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; WAL keeps it consistent
            db.execute("PRAGMA foreign_keys=ON")
            self.local.db = db
        return db

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        db = self.connection()
        # Threads of this process take turns here: SQLite's own busy wait sleeps in steps
        # of up to 100 ms, which is what a burst of writers would otherwise see.
        with _writers(self.path):
            try:
                db.execute("BEGIN IMMEDIATE")
                yield db
                db.execute("COMMIT")
            except BaseException as error:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                if isinstance(error, sqlite3.Error):
                    raise StorageError(str(error)) from error
                raise

    # Tickets

    def create_ticket(self, draft: TicketDraft, prefix: str, compose: Callable[[Ticket], Sequence[Message]]) -> Ticket:
        with self.transaction() as db:
            db.execute("INSERT OR IGNORE INTO counters (name, value) VALUES ('ticket', ?)", (FIRST_NUMBER - 1,))
            seq = db.execute("UPDATE counters SET value = value + 1 WHERE name = 'ticket' RETURNING value").fetchone()[0]
            ticket = draft.numbered(f"{prefix}-{seq}")
            db.execute(
                "INSERT INTO tickets VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (ticket.number, seq, ticket.status, ticket.request_type, ticket.product, ticket.subject,
                 ticket.description, ticket.requester.email, ticket.requester.name, ticket.organization,
                 _time(ticket.created_at), _time(ticket.updated_at)),
            )
            for position, attachment in enumerate(ticket.attachments):
                claimed = db.execute("UPDATE uploads SET ticket = ? WHERE id = ? AND ticket IS NULL", (ticket.number, attachment.id))
                if claimed.rowcount != 1:
                    raise UploadTaken(attachment.id)
                db.execute(
                    "INSERT INTO attachments VALUES (?,?,?,?,?,?,?)",
                    (attachment.id, ticket.number, position, attachment.filename, attachment.content_type, attachment.size, attachment.key),
                )
            for message in compose(ticket):
                db.execute(
                    "INSERT INTO messages (id, ticket, kind, recipient, raw, created_at) VALUES (?,?,?,?,?,?)",
                    (message.id, message.ticket, message.kind, message.recipient, message.raw, _time(message.created_at)),
                )
        return ticket

    def get_ticket(self, number: str) -> Ticket | None:
        db = self.connection()
        row = db.execute("SELECT * FROM tickets WHERE number = ?", (number,)).fetchone()
        if row is None:
            return None
        attachments = tuple(
            Attachment(id=a["id"], filename=a["filename"], content_type=a["content_type"], size=a["size"], key=a["key"])
            for a in db.execute("SELECT * FROM attachments WHERE ticket = ? ORDER BY position", (number,))
        )
        return Ticket(
            number=row["number"], status=row["status"], request_type=row["request_type"], product=row["product"],
            subject=row["subject"], description=row["description"],
            requester=Requester(email=row["requester_email"], name=row["requester_name"]),
            organization=row["organization"], created_at=_parse(row["created_at"]), updated_at=_parse(row["updated_at"]),
            attachments=attachments,
        )

    # Uploads

    def save_upload(self, upload: Upload) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO uploads (id, filename, content_type, size, key, expires_at) VALUES (?,?,?,?,?,?)",
                (upload.id, upload.filename, upload.content_type, upload.size, upload.key, _time(upload.expires_at)),
            )

    def get_upload(self, upload_id: str) -> Upload | None:
        row = self.connection().execute("SELECT * FROM uploads WHERE id = ?", (upload_id,)).fetchone()
        if row is None:
            return None
        return Upload(id=row["id"], filename=row["filename"], content_type=row["content_type"], size=row["size"],
                      key=row["key"], expires_at=_parse(row["expires_at"]))

    # Outbox

    def pending_messages(self, now: datetime, limit: int = 50) -> list[Message]:
        stale = _time(now - STALE_CLAIM)
        rows = self.connection().execute(
            "SELECT * FROM messages WHERE sent_at IS NULL AND (claimed_at IS NULL OR claimed_at < ?) ORDER BY created_at LIMIT ?",
            (stale, limit),
        )
        return [
            Message(id=r["id"], ticket=r["ticket"], kind=r["kind"], recipient=r["recipient"], raw=r["raw"],
                    created_at=_parse(r["created_at"]), attempts=r["attempts"], error=r["error"])
            for r in rows
        ]

    def claim_message(self, message_id: str, now: datetime) -> bool:
        with self.transaction() as db:
            claimed = db.execute(
                "UPDATE messages SET claimed_at = ?, attempts = attempts + 1 "
                "WHERE id = ? AND sent_at IS NULL AND (claimed_at IS NULL OR claimed_at < ?)",
                (_time(now), message_id, _time(now - STALE_CLAIM)),
            )
            return claimed.rowcount == 1

    def mark_sent(self, message_id: str, now: datetime) -> None:
        with self.transaction() as db:
            db.execute("UPDATE messages SET sent_at = ?, claimed_at = NULL, error = NULL WHERE id = ?", (_time(now), message_id))

    def release_message(self, message_id: str, error: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE messages SET claimed_at = NULL, error = ? WHERE id = ?", (error, message_id))

    # Rate limits

    def count_hit(self, key: str, window_seconds: int, now: datetime) -> int:
        window = int(now.timestamp()) // window_seconds
        with self.transaction() as db:
            db.execute("DELETE FROM rate_hits WHERE key = ? AND window < ?", (key, window))
            row = db.execute(
                "INSERT INTO rate_hits (key, window, count) VALUES (?, ?, 1) "
                "ON CONFLICT (key, window) DO UPDATE SET count = count + 1 RETURNING count",
                (key, window),
            ).fetchone()
            return int(row[0])
