"""The three things the rules need from a backend: storage, files and mail.

Each backend implements them in one adapter module (SQLite | DynamoDB, local
files | S3, outbox folder | SES). The routes and rules never know which one
runs; the contract suite proves both behave the same.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from .records import Message, StoredObject, Ticket, TicketDraft, Upload


FIRST_NUMBER = 1001  # PC-1001: the first ticket of a deployment
STALE_CLAIM = timedelta(minutes=10)  # a sender that crashed mid-send gives its messages back after this


class StorageError(Exception):
    """The store failed (a fault of ours or of a dependency); nothing was half-written."""


class FileChanged(StorageError):
    """An upload was replaced after it was checked."""


class UploadTaken(StorageError):
    """An upload named by a ticket is already attached to another one."""


class TicketStore(Protocol):
    def create_ticket(self, draft: TicketDraft, prefix: str, compose: Callable[[Ticket], Sequence[Message]]) -> Ticket:
        """Store a ticket under the next number `<prefix>-<n>`, all or nothing.

        In one atomic write: the ticket, its attachments, the uploads it uses
        (each may be used once: a used one raises UploadTaken) and the e-mails
        `compose` returns for the numbered ticket, queued in the outbox.
        """

    def get_ticket(self, number: str) -> Ticket | None: ...

    def save_upload(self, upload: Upload) -> None: ...

    def get_upload(self, upload_id: str) -> Upload | None: ...

    def pending_messages(self, now: datetime, limit: int = 50) -> list[Message]:
        """Messages not sent yet, oldest first (including ones whose claim went stale)."""

    def claim_message(self, message_id: str, now: datetime) -> bool:
        """Take a pending message for sending; False if another sender has it or it was sent."""

    def mark_sent(self, message_id: str, now: datetime) -> None: ...

    def release_message(self, message_id: str, error: str) -> None:
        """Give a claimed message back after a failed send, to be retried."""

    def count_hit(self, key: str, window_seconds: int, now: datetime) -> int:
        """Count one request against `key` in the current window; the count so far, this one included."""


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


class Mailer(Protocol):
    def send(self, message: Message) -> None:
        """Send one stored message; raise on failure (the outbox retries it later)."""
