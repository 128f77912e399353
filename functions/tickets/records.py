"""What the desk stores: tickets, attachments, uploads and outgoing e-mail.

Plain dataclasses shared by the rules and every backend; the API's JSON shapes
are built from them in `models.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Attachment:
    id: str
    filename: str
    content_type: str
    size: int
    key: str  # where the bytes are kept in file storage


@dataclass(frozen=True)
class Requester:
    email: str
    name: str


@dataclass(frozen=True)
class Ticket:
    number: str
    status: str
    request_type: str
    product: str
    subject: str
    description: str
    requester: Requester
    organization: str | None
    created_at: datetime
    updated_at: datetime
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class TicketDraft:
    """A ticket before it has a number: what the customer sent, checked."""

    request_type: str
    product: str
    subject: str
    description: str
    requester: Requester
    organization: str | None
    created_at: datetime
    attachments: tuple[Attachment, ...] = ()

    def numbered(self, number: str) -> Ticket:
        return Ticket(
            number=number, status="open", request_type=self.request_type, product=self.product,
            subject=self.subject, description=self.description, requester=self.requester,
            organization=self.organization, created_at=self.created_at, updated_at=self.created_at,
            attachments=self.attachments,
        )


@dataclass(frozen=True)
class Upload:
    """Permission to upload one file, granted before the ticket is sent."""

    id: str
    filename: str
    content_type: str
    size: int
    key: str
    expires_at: datetime


@dataclass(frozen=True)
class StoredObject:
    """A stored file as storage reports it: its real size and first bytes, not what the client said.

    `version` names exactly these bytes (S3's ETag), so that what was checked is what is kept.
    """

    size: int
    head: bytes
    version: str = ""


@dataclass(frozen=True)
class Message:
    """An e-mail waiting in the outbox: stored with the ticket, sent after."""

    id: str
    ticket: str
    kind: str
    recipient: str
    raw: bytes  # the whole RFC 5322 message
    created_at: datetime
    attempts: int = 0
    sent_at: datetime | None = None
    error: str | None = field(default=None, compare=False)
