"""The API's JSON shapes, as pydantic models: validated on the way in, documented in OpenAPI."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import idna
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, EmailStr, Field
from pydantic_core import PydanticCustomError

from . import catalog
from .records import Attachment, Comment, Ticket

# What customers send: no unknown fields, and no coercion ("5" or true is not a size).
INPUT = ConfigDict(extra="forbid", strict=True)


def _whole(value: object) -> object:
    """104.0 is the integer 104 in JSON (RFC 8259 has one number type); 104.5, "104" and true are not."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _mailbox(address: str) -> str:
    """An address as mail headers carry it: the domain in IDNA (ASCII), the local part in ASCII.

    The outbox and SMTP send without SMTPUTF8, so a local part with accents could never be
    delivered: it is refused at the form. Lower-casing is ASCII only, as mail servers fold.
    """
    local, _, domain = address.rpartition("@")
    if not local.isascii():
        raise PydanticCustomError("non_ascii_local_part", "the part before @ must be ASCII")
    try:
        domain = idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError as error:
        raise PydanticCustomError("value_error", "not a domain") from error
    return f"{local.lower()}@{domain.lower()}"


Email = Annotated[EmailStr, AfterValidator(_mailbox)]

RequestTypeId = catalog.RequestTypeId
StatusId = catalog.StatusId


class TicketIn(BaseModel):
    """A customer's new ticket. `email` is required without a session."""

    model_config = INPUT

    request_type: RequestTypeId
    product: Annotated[str, Field(min_length=1, max_length=100)]
    subject: Annotated[str, Field(min_length=catalog.SUBJECT_LENGTH[0], max_length=catalog.SUBJECT_LENGTH[1])]
    description: Annotated[str, Field(min_length=catalog.DESCRIPTION_LENGTH[0], max_length=catalog.DESCRIPTION_LENGTH[1])]
    email: Email | None = None
    name: Annotated[str, Field(max_length=catalog.NAME_LENGTH)] = ""
    attachments: Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=catalog.MAX_ATTACHMENTS)] = []
    website: str = Field(default="", description="Left empty by people; a form-filling robot fills it.")


class CommentIn(BaseModel):
    """A customer's comment on a ticket they can see."""

    model_config = INPUT

    body: Annotated[str, Field(min_length=1, max_length=catalog.DESCRIPTION_LENGTH[1])]
    attachments: Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=catalog.MAX_ATTACHMENTS)] = []


class ReplyIn(BaseModel):
    """Support's answer; `status` sets the ticket's status at the same time."""

    model_config = INPUT

    body: Annotated[str, Field(min_length=1, max_length=catalog.DESCRIPTION_LENGTH[1])]
    status: StatusId | None = None


class StatusIn(BaseModel):
    model_config = INPUT

    status: StatusId


class LoginIn(BaseModel):
    model_config = INPUT

    email: Email
    next: Annotated[str | None, Field(max_length=500, description="The site path to return to after signing in.")] = None


class VerifyIn(BaseModel):
    model_config = INPUT

    token: Annotated[str, Field(min_length=1, max_length=200)]


class PersonOut(BaseModel):
    email: str
    organization: str | None


class AcceptedOut(BaseModel):
    status: Literal["accepted"]


class UploadIn(BaseModel):
    model_config = INPUT

    filename: Annotated[str, Field(min_length=1, max_length=255)]
    content_type: Annotated[str, Field(min_length=1, max_length=255)]
    # The limit is documented, not validated here: a larger file is 413, as the contract says, not 422.
    size: Annotated[int, Field(ge=1, json_schema_extra={"maximum": catalog.MAX_ATTACHMENT_BYTES}), BeforeValidator(_whole)]


class UploadOut(BaseModel):
    upload_id: str
    url: str
    fields: dict[str, str]
    expires_at: str


def iso(moment: datetime) -> str:
    """ISO 8601 UTC to the second, as the contract writes times: 2026-11-28T14:03:00Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


Link = Callable[[Attachment], str]  # an attachment's download link, signed for a few minutes


class AttachmentOut(BaseModel):
    id: str
    filename: str
    content_type: str
    size: int

    @staticmethod
    def of(attachment: Attachment) -> AttachmentOut:
        return AttachmentOut(
            id=attachment.id, filename=attachment.filename, content_type=attachment.content_type, size=attachment.size
        )


class DownloadOut(AttachmentOut):
    download_url: str = Field(description="Downloads the file; works for a few minutes.")

    @classmethod
    def linked(cls, attachment: Attachment, link: Link) -> DownloadOut:
        return cls(**AttachmentOut.of(attachment).model_dump(), download_url=link(attachment))


class AuthorOut(BaseModel):
    email: str
    name: str
    role: Literal["customer", "agent"]


class CommentOut(BaseModel):
    id: str
    author: AuthorOut
    body: str
    created_at: str
    attachments: list[DownloadOut]

    @classmethod
    def of(cls, comment: Comment, link: Link) -> CommentOut:
        return cls(
            id=comment.id,
            author=AuthorOut.model_validate(comment.author, from_attributes=True),
            body=comment.body,
            created_at=iso(comment.created_at),
            attachments=[DownloadOut.linked(a, link) for a in comment.attachments],
        )


class RequesterOut(BaseModel):
    email: str
    name: str


class TicketSummaryOut(BaseModel):
    """A ticket as lists show it: without its conversation."""

    number: str
    status: StatusId
    request_type: RequestTypeId
    product: str
    subject: str
    description: str
    requester: RequesterOut
    organization: str | None
    created_at: str
    updated_at: str
    attachments: list[AttachmentOut]

    @staticmethod
    def listed(ticket: Ticket) -> TicketSummaryOut:
        return TicketSummaryOut(**_ticket_fields(ticket), attachments=[AttachmentOut.of(a) for a in ticket.attachments])


class NewTicketOut(TicketSummaryOut):
    """A ticket as just opened: its conversation is still empty."""

    comments: list[CommentOut]

    @classmethod
    def opened(cls, ticket: Ticket) -> NewTicketOut:
        return cls(**TicketSummaryOut.listed(ticket).model_dump(), comments=[])


class TicketOut(TicketSummaryOut):
    """One ticket as its page shows it: download links and the conversation, oldest first."""

    # Narrower than the summary's: each attachment with its link. Pydantic lets a subclass refine a field.
    attachments: list[DownloadOut]  # type: ignore[assignment]
    comments: list[CommentOut]

    @classmethod
    def whole(cls, ticket: Ticket, link: Link) -> TicketOut:
        return cls(
            **_ticket_fields(ticket),
            attachments=[DownloadOut.linked(a, link) for a in ticket.attachments],
            comments=[CommentOut.of(c, link) for c in ticket.comments],
        )


class TicketListOut(BaseModel):
    items: list[TicketSummaryOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last.")


class Named(BaseModel):
    id: str
    name: str


class RequestTypeOut(Named):
    description: str


class Limits(BaseModel):
    max_attachment_bytes: int
    max_attachments: int
    allowed_types: list[str]


class CatalogOut(BaseModel):
    products: list[Named]
    request_types: list[RequestTypeOut]
    statuses: list[Named]
    limits: Limits


class ErrorDetail(BaseModel):
    code: str
    message: str
    fields: dict[str, str] | None = None


class ErrorOut(BaseModel):
    error: ErrorDetail


def _ticket_fields(ticket: Ticket) -> dict[str, Any]:
    """What every shape of a ticket says, attachments and conversation aside."""
    return {
        "number": ticket.number,
        "status": ticket.status,
        "request_type": ticket.request_type,
        "product": ticket.product,
        "subject": ticket.subject,
        "description": ticket.description,
        "requester": RequesterOut(email=ticket.requester.email, name=ticket.requester.name),
        "organization": ticket.organization,
        "created_at": iso(ticket.created_at),
        "updated_at": iso(ticket.updated_at),
    }
