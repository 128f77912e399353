"""Tickets in SQLite: the embedded default on one machine.

WAL lets readers work while one writer writes; each thread has its own
connection; every change that must be atomic is one `BEGIN IMMEDIATE`
transaction, which also makes numbering atomic without gaps.
"""

from __future__ import annotations

import fcntl
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ..ports import FIRST_NUMBER, STALE_CLAIM, AlreadyChanged, AlreadyOpened, DomainTaken, StorageError, UploadTaken
from ..records import (
    Attachment,
    Author,
    Comment,
    Message,
    Organization,
    Requester,
    Ticket,
    TicketChange,
    TicketDraft,
    TicketFilter,
    Upload,
)
from ..text import fold

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
DROP INDEX IF EXISTS pending_messages;
CREATE TABLE IF NOT EXISTS request_keys (key TEXT PRIMARY KEY, ticket TEXT NOT NULL REFERENCES tickets(number));
CREATE TABLE IF NOT EXISTS rate_hits (key TEXT NOT NULL, window INTEGER NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (key, window));
CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY, status TEXT NOT NULL, expiry INTEGER, in_progress_expiry INTEGER,
    response_data TEXT, payload_hash TEXT
);
CREATE TABLE IF NOT EXISTS comments (
    id TEXT PRIMARY KEY, ticket TEXT NOT NULL REFERENCES tickets(number), author_email TEXT NOT NULL,
    author_name TEXT NOT NULL, author_role TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS comments_by_ticket ON comments(ticket, created_at);
CREATE TABLE IF NOT EXISTS sign_ins (token_hash TEXT PRIMARY KEY, email TEXT NOT NULL, expires_at TEXT NOT NULL, used_at TEXT);
CREATE TABLE IF NOT EXISTS sessions (session_hash TEXT PRIMARY KEY, email TEXT NOT NULL, expires_at TEXT NOT NULL);
-- Each new token or session sweeps the expired ones: by index, not by reading them all.
CREATE INDEX IF NOT EXISTS sign_ins_by_expiry ON sign_ins(expires_at);
CREATE INDEX IF NOT EXISTS sessions_by_expiry ON sessions(expires_at);
CREATE TABLE IF NOT EXISTS organizations (id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS organization_domains (domain TEXT PRIMARY KEY, organization TEXT NOT NULL REFERENCES organizations(id));
CREATE TABLE IF NOT EXISTS organization_members (email TEXT PRIMARY KEY, organization TEXT NOT NULL REFERENCES organizations(id));
"""

# Columns added after the first release: a data dir made by an older kbdesk gains them on open.
LATER_COLUMNS = {
    "tickets": {"subject_folded": "TEXT NOT NULL DEFAULT ''", "confirmed": "INTEGER NOT NULL DEFAULT 1"},
    "attachments": {"comment": "TEXT"},  # set for a comment's attachments, NULL for the ticket's own
    # When the outbox tries a message next ('' for one queued by an older kbdesk: due now), and when it gave up.
    "messages": {"next_attempt_at": "TEXT NOT NULL DEFAULT ''", "failed_at": "TEXT"},
}

# Lookups, newest first, for each way customers and support narrow them (see find_tickets).
INDEXES = """
CREATE INDEX IF NOT EXISTS tickets_by_requester ON tickets(requester_email, seq);
CREATE INDEX IF NOT EXISTS tickets_by_requester_status ON tickets(requester_email, status, seq);
CREATE INDEX IF NOT EXISTS tickets_by_requester_type ON tickets(requester_email, request_type, seq);
CREATE INDEX IF NOT EXISTS tickets_by_organization ON tickets(organization, seq);
CREATE INDEX IF NOT EXISTS tickets_by_organization_status ON tickets(organization, status, seq);
CREATE INDEX IF NOT EXISTS tickets_by_organization_type ON tickets(organization, request_type, seq);
CREATE INDEX IF NOT EXISTS tickets_by_status ON tickets(status, seq);
CREATE INDEX IF NOT EXISTS tickets_by_type ON tickets(request_type, seq);
CREATE INDEX IF NOT EXISTS unused_uploads ON uploads(expires_at) WHERE ticket IS NULL;
CREATE INDEX IF NOT EXISTS due_messages ON messages(next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX IF NOT EXISTS failed_messages ON messages(failed_at) WHERE failed_at IS NOT NULL;
"""


SWEEP_AFTER = timedelta(days=1)  # expired sign-in tokens and sessions are kept this long, then dropped


class _WriterTurns:
    """Writers of one database file take turns: this process's threads, then the processes.

    SQLite's own busy wait sleeps in steps of up to 100 ms, which is what a burst of
    writers would otherwise see; the local server's workers are processes, so the
    turn is a lock on a file beside the database, held by one thread at a time.
    """

    def __init__(self, path: Path) -> None:
        self.threads = threading.Lock()
        self.file = open(path.with_name(path.name + ".writer"), "ab")  # open for the process's life

    def __enter__(self) -> None:
        self.threads.acquire()
        try:
            fcntl.flock(self.file, fcntl.LOCK_EX)
        except BaseException:
            self.threads.release()
            raise

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self.file, fcntl.LOCK_UN)
        self.threads.release()


_turns: dict[Path, _WriterTurns] = {}
_turns_guard = threading.Lock()


def _writers(path: Path) -> _WriterTurns:
    """One turn per database file for the whole process."""
    with _turns_guard:
        if path.resolve() not in _turns:
            _turns[path.resolve()] = _WriterTurns(path.resolve())
        return _turns[path.resolve()]


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


class SQLiteStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.local = threading.local()
        with _writers(path):
            db = self.connection()
            db.executescript(SCHEMA)  # executescript manages its own transaction
            for table, columns in LATER_COLUMNS.items():
                present = {row["name"] for row in db.execute(f"PRAGMA table_info({table})")}
                for name, definition in columns.items():
                    if name not in present:
                        db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {definition}")
            db.executescript(INDEXES)

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
            if draft.request_key:
                opened = db.execute("SELECT ticket FROM request_keys WHERE key = ?", (draft.request_key,)).fetchone()
                if opened:
                    raise AlreadyOpened(opened["ticket"])
            db.execute("INSERT OR IGNORE INTO counters (name, value) VALUES ('ticket', ?)", (FIRST_NUMBER - 1,))
            seq = db.execute("UPDATE counters SET value = value + 1 WHERE name = 'ticket' RETURNING value").fetchone()[0]
            ticket = draft.numbered(f"{prefix}-{seq}")
            db.execute(
                "INSERT INTO tickets (number, seq, status, request_type, product, subject, subject_folded, description, "
                "requester_email, requester_name, organization, created_at, updated_at, confirmed) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    ticket.number,
                    seq,
                    ticket.status,
                    ticket.request_type,
                    ticket.product,
                    ticket.subject,
                    fold(ticket.subject),
                    ticket.description,
                    ticket.requester.email,
                    ticket.requester.name,
                    ticket.organization,
                    _time(ticket.created_at),
                    _time(ticket.updated_at),
                    ticket.confirmed,
                ),
            )
            _attach(db, ticket.number, None, ticket.attachments)
            if draft.request_key:
                db.execute("INSERT INTO request_keys (key, ticket) VALUES (?,?)", (draft.request_key, ticket.number))
            _queue(db, compose(ticket))
        return ticket

    def get_ticket(self, number: str) -> Ticket | None:
        db = self.connection()
        row = db.execute("SELECT * FROM tickets WHERE number = ?", (number,)).fetchone()
        if row is None:
            return None
        attachments: dict[str | None, list[Attachment]] = {}
        for a in db.execute("SELECT * FROM attachments WHERE ticket = ? ORDER BY position", (number,)):
            attachments.setdefault(a["comment"], []).append(_attachment(a))
        comments = tuple(
            Comment(
                id=c["id"],
                author=Author(email=c["author_email"], name=c["author_name"], role=c["author_role"]),
                body=c["body"],
                created_at=_parse(c["created_at"]),
                attachments=tuple(attachments.get(c["id"], ())),
            )
            for c in db.execute("SELECT * FROM comments WHERE ticket = ? ORDER BY created_at, rowid", (number,))
        )
        return replace(_ticket(row), attachments=tuple(attachments.get(None, ())), comments=comments)

    def confirm_tickets(self, email: str) -> list[str]:
        with self.transaction() as db:
            rows = db.execute(
                "UPDATE tickets SET confirmed = 1 WHERE requester_email = ? AND confirmed = 0 RETURNING number", (email,)
            ).fetchall()
        return [row["number"] for row in rows]

    def update_ticket(self, number: str, change: TicketChange, compose: Callable[[Ticket], Sequence[Message]]) -> Ticket | None:
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM tickets WHERE number = ?", (number,)).fetchone() is None:
                return None
            if change.request_key is not None:
                if db.execute("SELECT 1 FROM request_keys WHERE key = ?", (change.request_key,)).fetchone():
                    raise AlreadyChanged(number)
                db.execute("INSERT INTO request_keys (key, ticket) VALUES (?, ?)", (change.request_key, number))
            if change.status is not None:
                db.execute("UPDATE tickets SET status = ? WHERE number = ?", (change.status, number))
            db.execute("UPDATE tickets SET updated_at = ? WHERE number = ?", (_time(change.at), number))
            if change.comment is not None:
                comment = change.comment
                db.execute(
                    "INSERT INTO comments (id, ticket, author_email, author_name, author_role, body, created_at) VALUES (?,?,?,?,?,?,?)",
                    (
                        comment.id,
                        number,
                        comment.author.email,
                        comment.author.name,
                        comment.author.role,
                        comment.body,
                        _time(comment.created_at),
                    ),
                )
                _attach(db, number, comment.id, comment.attachments)
            ticket = self._ticket_in(db, number)
            _queue(db, compose(ticket))
        return ticket

    def _ticket_in(self, db: sqlite3.Connection, number: str) -> Ticket:
        """The ticket as this transaction sees it, without its comments (what e-mails need)."""
        row = db.execute("SELECT * FROM tickets WHERE number = ?", (number,)).fetchone()
        own = db.execute("SELECT * FROM attachments WHERE ticket = ? AND comment IS NULL ORDER BY position", (number,))
        return replace(_ticket(row), attachments=tuple(_attachment(a) for a in own))

    def find_tickets(self, which: TicketFilter, limit: int, before: int | None = None) -> tuple[list[Ticket], bool]:
        conditions, values = _conditions(which)
        if before is not None:
            conditions.append("seq < ?")
            values.append(before)
        where = " AND ".join(conditions) or "1"
        rows = (
            self.connection()
            .execute(f"SELECT * FROM tickets WHERE {where} ORDER BY seq DESC LIMIT ?", (*values, limit + 1))
            .fetchall()
        )
        tickets = [_ticket(row) for row in rows[:limit]]
        if tickets:
            # Only the listed tickets' own attachments: one query for the page, not one a ticket.
            found: dict[str, list[Attachment]] = {}
            marks = ",".join("?" * len(tickets))
            for a in self.connection().execute(
                f"SELECT * FROM attachments WHERE comment IS NULL AND ticket IN ({marks}) ORDER BY position",
                [t.number for t in tickets],
            ):
                found.setdefault(a["ticket"], []).append(_attachment(a))
            tickets = [replace(t, attachments=tuple(found.get(t.number, ()))) for t in tickets]
        return tickets, len(rows) > limit

    # Uploads

    def save_upload(self, upload: Upload) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO uploads (id, filename, content_type, size, key, expires_at) VALUES (?,?,?,?,?,?)",
                (upload.id, upload.filename, upload.content_type, upload.size, upload.key, _time(upload.expires_at)),
            )

    def forget_unused_uploads(self, expired_before: datetime) -> list[str]:
        with self.transaction() as db:
            rows = db.execute(
                "DELETE FROM uploads WHERE ticket IS NULL AND expires_at < ? RETURNING key", (_time(expired_before),)
            ).fetchall()
        return [row["key"] for row in rows]

    def get_upload(self, upload_id: str) -> Upload | None:
        row = self.connection().execute("SELECT * FROM uploads WHERE id = ?", (upload_id,)).fetchone()
        if row is None:
            return None
        return Upload(
            id=row["id"],
            filename=row["filename"],
            content_type=row["content_type"],
            size=row["size"],
            key=row["key"],
            expires_at=_parse(row["expires_at"]),
        )

    # Outbox

    def pending_messages(self, now: datetime, limit: int = 50, due_by: datetime | None = None) -> list[Message]:
        rows = self.connection().execute(
            f"SELECT * FROM messages WHERE {_DUE} ORDER BY next_attempt_at LIMIT ?",
            (_time(due_by or now), _time(now - STALE_CLAIM), limit),
        )
        return [_message(row) for row in rows]

    def claim_message(self, message_id: str, now: datetime) -> bool:
        with self.transaction() as db:
            claimed = db.execute(
                f"UPDATE messages SET claimed_at = ?, attempts = attempts + 1 WHERE id = ? AND {_DUE}",
                (_time(now), message_id, _time(now), _time(now - STALE_CLAIM)),
            )
            return claimed.rowcount == 1

    def hasten_messages(self, now: datetime) -> int:
        with self.transaction() as db:
            hastened = db.execute(
                "UPDATE messages SET next_attempt_at = ? WHERE sent_at IS NULL AND failed_at IS NULL "
                "AND next_attempt_at > ? AND (claimed_at IS NULL OR claimed_at < ?)",
                (_time(now), _time(now), _time(now - STALE_CLAIM)),
            )
            return hastened.rowcount

    def mark_sent(self, message_id: str, now: datetime) -> None:
        with self.transaction() as db:
            db.execute("UPDATE messages SET sent_at = ?, claimed_at = NULL, error = NULL WHERE id = ?", (_time(now), message_id))

    def release_message(self, message_id: str, error: str, retry_at: datetime) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE messages SET claimed_at = NULL, next_attempt_at = ?, error = ? "
                "WHERE id = ? AND sent_at IS NULL AND failed_at IS NULL",
                (_time(retry_at), error, message_id),
            )

    def give_up_message(self, message_id: str, error: str, now: datetime) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE messages SET claimed_at = NULL, failed_at = ?, error = ? "
                "WHERE id = ? AND sent_at IS NULL AND failed_at IS NULL",
                (_time(now), error, message_id),
            )

    def failed_messages(self, limit: int = 50) -> list[Message]:
        rows = self.connection().execute(
            "SELECT * FROM messages WHERE failed_at IS NOT NULL ORDER BY failed_at DESC LIMIT ?", (limit,)
        )
        return [_message(row) for row in rows]

    def retry_message(self, message_id: str, now: datetime) -> bool:
        with self.transaction() as db:
            again = db.execute(
                "UPDATE messages SET failed_at = NULL, attempts = 0, next_attempt_at = ? WHERE id = ? AND failed_at IS NOT NULL",
                (_time(now), message_id),
            )
            return again.rowcount == 1

    # Sign-in and sessions

    def save_sign_in(self, token_hash: str, email: str, expires_at: datetime, message: Message | None = None) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM sign_ins WHERE expires_at < ?", (_time(expires_at - SWEEP_AFTER),))
            db.execute(
                "INSERT INTO sign_ins (token_hash, email, expires_at) VALUES (?,?,?)", (token_hash, email, _time(expires_at))
            )
            _queue(db, [message] if message else [])

    def use_sign_in(self, token_hash: str, now: datetime) -> str | None:
        with self.transaction() as db:
            row = db.execute(
                "UPDATE sign_ins SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING email",
                (_time(now), token_hash, _time(now)),
            ).fetchone()
        return row["email"] if row else None

    def save_session(self, session_hash: str, email: str, expires_at: datetime) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM sessions WHERE expires_at < ?", (_time(expires_at - SWEEP_AFTER),))
            db.execute(
                "INSERT INTO sessions (session_hash, email, expires_at) VALUES (?,?,?)", (session_hash, email, _time(expires_at))
            )

    def get_session(self, session_hash: str, now: datetime) -> str | None:
        row = (
            self.connection()
            .execute("SELECT email FROM sessions WHERE session_hash = ? AND expires_at > ?", (session_hash, _time(now)))
            .fetchone()
        )
        return row["email"] if row else None

    def end_session(self, session_hash: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM sessions WHERE session_hash = ?", (session_hash,))

    # Organizations

    def save_organization(self, organization: Organization) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO organizations (id, name) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name",
                (organization.id, organization.name),
            )
            for domain in organization.domains:
                owner = db.execute("SELECT organization FROM organization_domains WHERE domain = ?", (domain,)).fetchone()
                if owner is not None and owner["organization"] != organization.id:
                    raise DomainTaken(domain)  # the transaction rolls back: nothing of this call is kept
                db.execute(
                    "INSERT OR IGNORE INTO organization_domains (domain, organization) VALUES (?, ?)", (domain, organization.id)
                )

    def add_member(self, organization_id: str, email: str) -> bool:
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM organizations WHERE id = ?", (organization_id,)).fetchone() is None:
                return False
            db.execute(
                "INSERT INTO organization_members (email, organization) VALUES (?, ?) "
                "ON CONFLICT (email) DO UPDATE SET organization = excluded.organization",
                (email, organization_id),
            )
        return True

    def list_organizations(self) -> list[Organization]:
        db = self.connection()
        domains: dict[str, list[str]] = {}
        for row in db.execute("SELECT * FROM organization_domains ORDER BY domain"):
            domains.setdefault(row["organization"], []).append(row["domain"])
        members: dict[str, list[str]] = {}
        for row in db.execute("SELECT * FROM organization_members ORDER BY email"):
            members.setdefault(row["organization"], []).append(row["email"])
        return [
            Organization(
                id=row["id"],
                name=row["name"],
                domains=tuple(domains.get(row["id"], ())),
                members=tuple(members.get(row["id"], ())),
            )
            for row in db.execute("SELECT * FROM organizations ORDER BY id")
        ]

    def organization_for(self, email: str) -> str | None:
        db = self.connection()
        row = db.execute("SELECT organization FROM organization_members WHERE email = ?", (email,)).fetchone()
        if row is None:
            row = db.execute(
                "SELECT organization FROM organization_domains WHERE domain = ?", (email.rpartition("@")[2],)
            ).fetchone()
        return row["organization"] if row else None

    # Rate limits

    def hits(self, key: str, window_seconds: int, now: datetime) -> tuple[int, int]:
        window = int(now.timestamp()) // window_seconds
        counts = dict(
            self.connection().execute(
                "SELECT window, count FROM rate_hits WHERE key = ? AND window IN (?, ?)", (key, window - 1, window)
            )
        )
        return counts.get(window - 1, 0), counts.get(window, 0)

    def count_hit(self, key: str, window_seconds: int, now: datetime, at_most: float, amount: int = 1) -> bool:
        window = int(now.timestamp()) // window_seconds
        if at_most < 0:
            return False
        with self.transaction() as db:
            db.execute("DELETE FROM rate_hits WHERE key = ? AND window < ?", (key, window - 1))
            counted = db.execute(
                "INSERT INTO rate_hits (key, window, count) VALUES (?, ?, ?) "
                "ON CONFLICT (key, window) DO UPDATE SET count = count + excluded.count WHERE count <= ? RETURNING count",
                (key, window, amount, at_most),
            ).fetchone()
            return counted is not None


def _ticket(row: sqlite3.Row) -> Ticket:
    return Ticket(
        number=row["number"],
        status=row["status"],
        request_type=row["request_type"],
        product=row["product"],
        subject=row["subject"],
        description=row["description"],
        requester=Requester(email=row["requester_email"], name=row["requester_name"]),
        organization=row["organization"],
        created_at=_parse(row["created_at"]),
        updated_at=_parse(row["updated_at"]),
        confirmed=bool(row["confirmed"]),
    )


def _attachment(row: sqlite3.Row) -> Attachment:
    return Attachment(id=row["id"], filename=row["filename"], content_type=row["content_type"], size=row["size"], key=row["key"])


def _attach(db: sqlite3.Connection, number: str, comment: str | None, attachments: Sequence[Attachment]) -> None:
    """Keep the attachments of a ticket (comment None) or of one of its comments; each upload is used once."""
    start = db.execute("SELECT COUNT(*) FROM attachments WHERE ticket = ?", (number,)).fetchone()[0]
    for position, attachment in enumerate(attachments, start):
        used = db.execute("UPDATE uploads SET ticket = ? WHERE id = ? AND ticket IS NULL", (number, attachment.id))
        if used.rowcount != 1:
            raise UploadTaken(attachment.id)
        db.execute(
            "INSERT INTO attachments (id, ticket, position, filename, content_type, size, key, comment) VALUES (?,?,?,?,?,?,?,?)",
            (
                attachment.id,
                number,
                position,
                attachment.filename,
                attachment.content_type,
                attachment.size,
                attachment.key,
                comment,
            ),
        )


# A message to try: not sent, not given up, due (by the first ?), and held by no sender (claimed before the second ?).
_DUE = "sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ? AND (claimed_at IS NULL OR claimed_at < ?)"


def _queue(db: sqlite3.Connection, messages: Sequence[Message]) -> None:
    for message in messages:
        db.execute(
            "INSERT INTO messages (id, ticket, kind, recipient, raw, created_at, next_attempt_at) VALUES (?,?,?,?,?,?,?)",
            (
                message.id,
                message.ticket,
                message.kind,
                message.recipient,
                message.raw,
                _time(message.created_at),
                _time(message.created_at),
            ),
        )


def _message(row: sqlite3.Row) -> Message:
    return Message(
        id=row["id"],
        ticket=row["ticket"],
        kind=row["kind"],
        recipient=row["recipient"],
        raw=row["raw"],
        created_at=_parse(row["created_at"]),
        attempts=row["attempts"],
        error=row["error"],
        failed_at=_parse(row["failed_at"]) if row["failed_at"] else None,
    )


def _conditions(which: TicketFilter) -> tuple[list[str], list[object]]:
    """The filter as SQL conditions; the indexes above serve the common ones."""
    conditions: list[str] = []
    values: list[object] = []
    for column, value in (
        ("requester_email", which.requester),
        ("organization", which.organization),
        ("status", which.status),
        ("request_type", which.request_type),
        ("product", which.product),
        ("number", which.number),
    ):
        if value is not None:
            conditions.append(f"{column} = ?")
            values.append(value)
    if which.organization is not None:
        conditions.append("confirmed = 1")  # as DynamoDB's organization indexes hold only confirmed tickets
    for word in which.words:
        conditions.append("instr(subject_folded, ?) > 0")
        values.append(word)
    return conditions, values
