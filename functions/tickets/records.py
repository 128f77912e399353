"""What the desk stores: tickets and their conversation, organizations, uploads and outgoing e-mail.

Plain dataclasses shared by the rules and every backend; the API's JSON shapes
are built from them in `models.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes
from email.utils import parseaddr


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
class Person:
    """Someone signed in: a customer, and the organization they belong to now."""

    email: str
    organization: str | None


@dataclass(frozen=True)
class Author:
    email: str
    name: str
    role: str  # "customer" or "agent"


@dataclass(frozen=True)
class Comment:
    """One message of a ticket's conversation, from the customer's side or support's."""

    id: str
    author: Author
    body: str
    created_at: datetime
    attachments: tuple[Attachment, ...] = ()


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
    comments: tuple[Comment, ...] = ()  # oldest first; only a single ticket's lookup reads them
    # False for a ticket opened without a session until its requester proves the address (signs in):
    # until then it is not listed under its organization, nor shown to the requester's colleagues.
    confirmed: bool = True

    @property
    def sequence(self) -> int:
        """The number's position in the deployment's sequence: PC-1001 -> 1001, newest is highest."""
        return sequence_of(self.number)


def sequence_of(number: str) -> int:
    return int(number.rsplit("-", 1)[1])


@dataclass(frozen=True)
class TicketChange:
    """What happens to a ticket after it is opened: a comment, a new status, or both at once."""

    at: datetime
    comment: Comment | None = None
    status: str | None = None
    # The request, as its sender would repeat it (an e-mail's Message-ID): a change is made once for it.
    request_key: str | None = None


@dataclass(frozen=True)
class TicketFilter:
    """Which tickets a lookup returns; every field set must match (the API's scope and filters).

    `requester` and `organization` come from who asks (scope mine, scope
    organization, created_by); the rest from the query string. `words` are
    folded (lower case, no accents) and must all appear in the folded subject.
    """

    requester: str | None = None
    organization: str | None = None
    status: str | None = None
    request_type: str | None = None
    product: str | None = None
    number: str | None = None
    words: tuple[str, ...] = ()


@dataclass(frozen=True)
class Organization:
    """A customer company: its people see each other's tickets.

    Members are listed one by one; anyone whose e-mail is at one of its
    domains belongs to it too (public mail domains never make one).
    """

    id: str
    name: str
    domains: tuple[str, ...] = ()
    members: tuple[str, ...] = ()


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
    # What identifies the request that opened it (its Idempotency-Key, person and body, hashed): the store
    # keeps it with the ticket, in the same write, so a retry finds the ticket whatever crashed where.
    request_key: str | None = None
    confirmed: bool = True

    def numbered(self, number: str) -> Ticket:
        return Ticket(
            number=number,
            status="open",
            request_type=self.request_type,
            product=self.product,
            subject=self.subject,
            description=self.description,
            requester=self.requester,
            organization=self.organization,
            created_at=self.created_at,
            updated_at=self.created_at,
            attachments=self.attachments,
            confirmed=self.confirmed,
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
class ReceivedFile:
    """A file that came attached to an e-mail, as its sender's client named and typed it."""

    filename: str
    content_type: str
    data: bytes


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
    """An e-mail waiting in the outbox: stored with what caused it, sent after."""

    id: str
    ticket: str  # the ticket it is about; "" for a sign-in link
    kind: str
    recipient: str
    raw: bytes  # the whole RFC 5322 message
    created_at: datetime
    attempts: int = 0
    sent_at: datetime | None = None
    error: str | None = field(default=None, compare=False)
    failed_at: datetime | None = field(default=None, compare=False)  # when the outbox gave it up

    @property
    def sender(self) -> str:
        """The address in From:, which mail services take as the envelope's sender too."""
        return parseaddr(message_from_bytes(self.raw).get("From", ""))[1]
