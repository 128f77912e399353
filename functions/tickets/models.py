"""The API's JSON shapes, as pydantic models: validated on the way in, documented in OpenAPI."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from . import catalog
from .records import Attachment, Ticket

RequestTypeId = Literal["usability", "technical", "incident", "improvement"]
StatusId = Literal["open", "in_progress", "waiting_customer", "resolved", "closed"]


class TicketIn(BaseModel):
    """A customer's new ticket. `email` is required without a session."""

    model_config = ConfigDict(extra="forbid")

    request_type: RequestTypeId
    product: Annotated[str, Field(min_length=1, max_length=100)]
    subject: Annotated[str, Field(min_length=catalog.SUBJECT_LENGTH[0], max_length=catalog.SUBJECT_LENGTH[1])]
    description: Annotated[str, Field(min_length=catalog.DESCRIPTION_LENGTH[0], max_length=catalog.DESCRIPTION_LENGTH[1])]
    email: EmailStr | None = None
    name: Annotated[str, Field(max_length=catalog.NAME_LENGTH)] = ""
    attachments: Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=catalog.MAX_ATTACHMENTS)] = []
    website: str = Field(default="", description="Left empty by people; a form-filling robot fills it.")


class UploadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filename: Annotated[str, Field(min_length=1, max_length=255)]
    content_type: Annotated[str, Field(min_length=1, max_length=255)]
    size: Annotated[int, Field(ge=1)]


class UploadOut(BaseModel):
    upload_id: str
    url: str
    fields: dict[str, str]
    expires_at: str


class AttachmentOut(BaseModel):
    id: str
    filename: str
    content_type: str
    size: int


class RequesterOut(BaseModel):
    email: str
    name: str


class TicketOut(BaseModel):
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
    comments: list[dict[str, object]] = []


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


def iso(moment: datetime) -> str:
    """ISO 8601 UTC to the second, as the contract writes times: 2026-11-28T14:03:00Z."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def attachment_out(attachment: Attachment) -> dict[str, object]:
    return {"id": attachment.id, "filename": attachment.filename, "content_type": attachment.content_type, "size": attachment.size}


def ticket_out(ticket: Ticket) -> dict[str, object]:
    return {
        "number": ticket.number,
        "status": ticket.status,
        "request_type": ticket.request_type,
        "product": ticket.product,
        "subject": ticket.subject,
        "description": ticket.description,
        "requester": {"email": ticket.requester.email, "name": ticket.requester.name},
        "organization": ticket.organization,
        "created_at": iso(ticket.created_at),
        "updated_at": iso(ticket.updated_at),
        "attachments": [attachment_out(a) for a in ticket.attachments],
        "comments": [],
    }
