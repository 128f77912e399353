"""The records as the table keeps them: one mapping each way, on boto3's own type (de)serializer.

Moments are UTC ISO 8601 strings, the embedded store's format, which sort as
the moments they name. An attribute that is None is left out of the item.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from boto3.dynamodb.types import Binary, TypeDeserializer, TypeSerializer

from ...records import Attachment, Author, Comment, Message, Organization, Requester, Ticket, Upload
from ...text import fold
from .layout import (
    PENDING,
    SEQUENCE,
    TTL_ATTRIBUTE,
    Item,
    comment_key,
    listing_keys,
    message_key,
    ticket_key,
    upload_key,
)

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def attributes(values: Mapping[str, Any]) -> Item:
    """Plain values as DynamoDB attribute values; None leaves the attribute out."""
    return {name: _serializer.serialize(value) for name, value in values.items() if value is not None}


def placeholders(values: Mapping[str, Any]) -> Item:
    """ExpressionAttributeValues: each name becomes `:name`."""
    return {f":{name}": attribute for name, attribute in attributes(values).items()}


def plain(item: Item) -> dict[str, Any]:
    """An item's values as Python values (numbers as Decimal, binaries as bytes)."""
    values = {name: _deserializer.deserialize(attribute) for name, attribute in item.items()}
    return {name: value.value if isinstance(value, Binary) else value for name, value in values.items()}


def time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def fixed_time(moment: datetime) -> str:
    """Always to the microsecond: a sort key's parts must have one width to sort by their order."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def expiry(moment: datetime) -> int:
    """The TTL of an item that matters until `moment`: rounded up, so DynamoDB never deletes it early."""
    return math.ceil(moment.timestamp())


def due_by(now: datetime) -> str:
    """Above the `outbox_sk` of every message due by `now`: `<time>#<id>` sorts below `<time>~`."""
    return time(now) + "~"


def ticket_item(ticket: Ticket) -> Item:
    """A ticket's item as the table keeps it, in every listing index it belongs to (a bulk load writes these)."""
    return {
        **ticket_key(ticket.number),
        **attributes(
            {
                "number": ticket.number,
                SEQUENCE: ticket.sequence,
                "status": ticket.status,
                "request_type": ticket.request_type,
                "product": ticket.product,
                "subject": ticket.subject,
                "subject_folded": fold(ticket.subject),  # what word search reads
                "description": ticket.description,
                "requester_email": ticket.requester.email,
                "requester_name": ticket.requester.name,
                "organization": ticket.organization,
                "created_at": time(ticket.created_at),
                "updated_at": time(ticket.updated_at),
                "attachments": [_attachment_values(a) for a in ticket.attachments],
                "unconfirmed": None if ticket.confirmed else True,
                **listing_keys(ticket),
            }
        ),
    }


def ticket(item: Item) -> Ticket:
    values = plain(item)
    return Ticket(
        number=values["number"],
        status=values["status"],
        request_type=values["request_type"],
        product=values["product"],
        subject=values["subject"],
        description=values["description"],
        requester=Requester(email=values["requester_email"], name=values["requester_name"]),
        organization=values.get("organization"),
        created_at=datetime.fromisoformat(values["created_at"]),
        updated_at=datetime.fromisoformat(values["updated_at"]),
        attachments=_attachments(values["attachments"]),
        confirmed="unconfirmed" not in values,
    )


def comment_item(number: str, comment: Comment, position: int) -> Item:
    return {
        **comment_key(number, fixed_time(comment.created_at), position),
        **attributes(
            {
                "id": comment.id,
                "author_email": comment.author.email,
                "author_name": comment.author.name,
                "author_role": comment.author.role,
                "body": comment.body,
                "created_at": time(comment.created_at),
                "attachments": [_attachment_values(a) for a in comment.attachments],
            }
        ),
    }


def comment(item: Item) -> Comment:
    values = plain(item)
    return Comment(
        id=values["id"],
        author=Author(email=values["author_email"], name=values["author_name"], role=values["author_role"]),
        body=values["body"],
        created_at=datetime.fromisoformat(values["created_at"]),
        attachments=_attachments(values["attachments"]),
    )


def upload_item(upload: Upload, kept_until: datetime) -> Item:
    return {
        **upload_key(upload.id),
        **attributes(
            {
                "id": upload.id,
                "filename": upload.filename,
                "content_type": upload.content_type,
                "size": upload.size,
                "key": upload.key,
                "expires_at": time(upload.expires_at),
                TTL_ATTRIBUTE: expiry(kept_until),
            }
        ),
    }


def upload(item: Item) -> Upload:
    values = plain(item)
    return Upload(
        id=values["id"],
        filename=values["filename"],
        content_type=values["content_type"],
        size=int(values["size"]),
        key=values["key"],
        expires_at=datetime.fromisoformat(values["expires_at"]),
    )


def message_item(message: Message) -> Item:
    """A message as queued: in the outbox index, due from the moment it was made."""
    created_at = time(message.created_at)
    return {
        **message_key(message.id),
        **attributes(
            {
                "id": message.id,
                "ticket": message.ticket,
                "kind": message.kind,
                "recipient": message.recipient,
                "raw": message.raw,
                "created_at": created_at,
                "attempts": message.attempts,
                "outbox_pk": PENDING,
                "outbox_sk": f"{created_at}#{message.id}",
            }
        ),
    }


def message(item: Item) -> Message:
    values = plain(item)
    return Message(
        id=values["id"],
        ticket=values["ticket"],
        kind=values["kind"],
        recipient=values["recipient"],
        raw=values["raw"],
        created_at=datetime.fromisoformat(values["created_at"]),
        attempts=int(values["attempts"]),
        error=values.get("error"),
        failed_at=datetime.fromisoformat(values["failed_at"]) if "failed_at" in values else None,
    )


def organization(item: Item) -> Organization:
    values = plain(item)
    # Sets come back in no order; sorted, as the embedded store lists them.
    return Organization(
        id=values["id"],
        name=values["name"],
        domains=tuple(sorted(values.get("domains", ()))),
        members=tuple(sorted(values.get("members", ()))),
    )


def _attachment_values(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.id,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "key": attachment.key,
    }


def _attachments(values: list[dict[str, Any]]) -> tuple[Attachment, ...]:
    return tuple(
        Attachment(id=a["id"], filename=a["filename"], content_type=a["content_type"], size=int(a["size"]), key=a["key"])
        for a in values
    )
