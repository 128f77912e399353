"""The three things the rules need from a backend: storage, files and mail.

Each backend implements them in one adapter module (SQLite | DynamoDB, local
files | S3, outbox folder | SES). The routes and rules never know which one
runs; the contract suite proves both behave the same.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from .records import Message, Organization, StoredObject, Ticket, TicketChange, TicketDraft, TicketFilter, Upload

FIRST_NUMBER = 1001  # PC-1001: the first ticket of a deployment
UNUSED_UPLOAD_KEPT = timedelta(days=1)  # after its 15-minute grant, an upload no ticket used is removed
STALE_CLAIM = timedelta(minutes=10)  # a sender that crashed mid-send gives its messages back after this


class StorageError(Exception):
    """The store failed (a fault of ours or of a dependency); nothing was half-written."""


class FileChanged(StorageError):
    """An upload was replaced after it was checked."""


class MailRejected(Exception):
    """The mail service refused this message for good (an address that cannot exist, content it will
    never take): retrying cannot help, so the outbox gives it up at once."""


class UploadTaken(StorageError):
    """An upload named by a ticket is already attached to another one."""


class AlreadyOpened(StorageError):
    """A ticket was already opened by this request (its draft's `request_key`): nothing new was written."""

    def __init__(self, number: str) -> None:
        super().__init__(f"already opened as {number}")
        self.number = number


class AlreadyChanged(StorageError):
    """A change with this request key was made before; nothing was changed now."""


class DomainTaken(StorageError):
    """An e-mail domain is already owned by another organization."""


class TicketStore(Protocol):
    def create_ticket(self, draft: TicketDraft, prefix: str, compose: Callable[[Ticket], Sequence[Message]]) -> Ticket:
        """Store a ticket under the next number `<prefix>-<n>`, all or nothing.

        In one atomic write: the ticket, its attachments, the uploads it uses
        (each may be used once: a used one raises UploadTaken) and the e-mails
        `compose` returns for the numbered ticket, queued in the outbox; and
        the draft's `request_key`, kept once: a draft whose key a ticket
        already has raises AlreadyOpened with that ticket's number.
        """

    def get_ticket(self, number: str) -> Ticket | None:
        """The ticket with its comments, oldest first."""

    def confirm_tickets(self, email: str) -> list[str]:
        """Its requester proved the address: the unconfirmed tickets of `email` are confirmed (and listed
        under their organization from now on); their numbers."""

    def update_ticket(self, number: str, change: TicketChange, compose: Callable[[Ticket], Sequence[Message]]) -> Ticket | None:
        """Apply a change, all or nothing: the comment (its uploads used once, as in
        create_ticket), the status, `updated_at` = change.at, and the e-mails `compose`
        returns for the changed ticket. None when there is no such ticket; AlreadyChanged
        when a change with the same `request_key` was made before."""

    def find_tickets(self, which: TicketFilter, limit: int, before: int | None = None) -> tuple[list[Ticket], bool]:
        """Up to `limit` matching tickets, newest first, without comments; and whether more match.

        `before` continues a listing: only tickets whose sequence is lower. A
        page is full whenever enough tickets match, however many are skipped.
        """

    # Sign-in and sessions: only hashes of tokens are ever stored.

    def save_sign_in(self, token_hash: str, email: str, expires_at: datetime, message: Message | None = None) -> None:
        """Keep a sign-in token and queue the e-mail that carries it, together (a ticket's
        confirmation carries one too, queued with the ticket: then `message` is None)."""

    def use_sign_in(self, token_hash: str, now: datetime) -> str | None:
        """The token's e-mail if it is known, unused and unexpired, marking it used; else None.

        Atomic: of two uses at once, one wins."""

    def save_session(self, session_hash: str, email: str, expires_at: datetime) -> None: ...

    def get_session(self, session_hash: str, now: datetime) -> str | None:
        """The session's e-mail while it lasts."""

    def end_session(self, session_hash: str) -> None: ...

    # Organizations

    def save_organization(self, organization: Organization) -> None:
        """Create an organization or rename it; its `domains` are added to those it owns
        (DomainTaken, and nothing changed, if another organization owns one). Members are
        not touched: add_member adds them."""

    def add_member(self, organization_id: str, email: str) -> bool:
        """List the e-mail as a member (moving it from any other organization); False if no such organization."""

    def list_organizations(self) -> list[Organization]: ...

    def organization_for(self, email: str) -> str | None:
        """The organization listing the e-mail as a member, else the one owning its domain, else None."""

    def save_upload(self, upload: Upload) -> None: ...

    def get_upload(self, upload_id: str) -> Upload | None: ...

    def forget_unused_uploads(self, expired_before: datetime) -> list[str]:
        """Drop the uploads no ticket used whose grant expired before then; the keys of their files.
        (A store whose items expire by themselves, as DynamoDB's TTL does, returns none.)"""

    def pending_messages(self, now: datetime, limit: int = 50, due_by: datetime | None = None) -> list[Message]:
        """Messages whose next attempt is due by `due_by` (default: now), soonest first; none another
        sender holds (a claim older than STALE_CLAIM is no longer held)."""

    def claim_message(self, message_id: str, now: datetime) -> bool:
        """Take a message `pending_messages` would give for sending, counting the attempt; False if
        another sender has it, or it is sent, given up or not due."""

    def mark_sent(self, message_id: str, now: datetime) -> None: ...

    def hasten_messages(self, now: datetime) -> int:
        """Make every message waiting for a later attempt due now (none a sender holds); how many."""

    def release_message(self, message_id: str, error: str, retry_at: datetime) -> None:
        """Give a claimed message back after a failed send, to be tried again at `retry_at`."""

    def give_up_message(self, message_id: str, error: str, now: datetime) -> None:
        """Stop trying a claimed message: it is kept, with why, among the failed ones."""

    def failed_messages(self, limit: int = 50) -> list[Message]:
        """Messages given up, the latest first."""

    def retry_message(self, message_id: str, now: datetime) -> bool:
        """Put a given-up message back in the queue, due now, with its attempts counted afresh; False if it
        is not a given-up message."""

    def hits(self, key: str, window_seconds: int, now: datetime) -> tuple[int, int]:
        """The hits counted against `key` in the window before this one, and in this one so far."""

    def count_hit(self, key: str, window_seconds: int, now: datetime, at_most: float, amount: int = 1) -> bool:
        """Count `amount` hits in this window if its count so far is at most `at_most`, atomically; whether it was."""


class FileStore(Protocol):
    def upload_form(self, upload: Upload) -> tuple[str, dict[str, str]]:
        """The URL and form fields a browser posts the file to (multipart/form-data, `file` last)."""

    def stat(self, key: str, head_bytes: int = 4096) -> StoredObject | None:
        """The object as stored (real size and first bytes), or None when nothing was uploaded."""

    def keep(self, key: str, stored: StoredObject, attachment_id: str) -> str:
        """Make the checked upload the ticket's own; the key it is kept under from now on.

        An upload form stays valid for minutes after the file was checked, so the
        bytes a ticket keeps must be out of its reach: copied, as they were checked
        (`stored.version`), to a key no form can write, or never writable again.
        Raises FileChanged when the upload no longer holds the checked bytes.
        """

    def download_url(self, key: str, filename: str, expires_in: int) -> str: ...

    def delete(self, key: str) -> None:
        """Remove an upload's file; one already gone is no error."""

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Keep bytes the server itself received (an e-mail, its attachments) under `key`."""

    def read(self, key: str) -> bytes | None:
        """The bytes under `key`, or None when there are none."""


class Mailer(Protocol):
    def send(self, message: Message) -> None:
        """Send one stored message; raise on failure (the outbox retries it later)."""
