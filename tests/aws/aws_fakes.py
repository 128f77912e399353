"""What the AWS adapters' tests share: moto's names, sample records, and ways to watch a client."""

from __future__ import annotations

import secrets
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from tickets.adapters.dynamodb import DynamoDBStore
from tickets.models import TicketIn
from tickets.records import (
    Attachment,
    Message,
    Requester,
    Ticket,
    TicketDraft,
    Upload,
)

REGION = "us-east-1"
TABLE = "kbdesk"
BUCKET = "kbdesk-attachments"
NOW = datetime(2026, 11, 28, 14, 3, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 5000
READS = {"GetItem", "BatchGetItem", "Query"}


def sent_mail() -> list[Any]:
    """What moto's SES kept: SES v2's SendEmail is served by the v1 backend, which records every message."""
    return ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages


def draft(
    email_address: str = "ana@cliente.com.br",
    attachments: tuple[Attachment, ...] = (),
    organization: str | None = None,
    name: str = "Ana Souza",
) -> TicketDraft:
    return TicketDraft(
        request_type="incident",
        product="omni-crm",
        subject="Lentidão ao salvar contato",
        description="Desde ontem, ao salvar um contato, <b>tudo</b> trava.\nLinha 2: ção, ã, é.",
        requester=Requester(email=email_address, name=name),
        organization=organization,
        created_at=NOW,
        attachments=attachments,
    )


def compose(ticket: Ticket, seconds: int = 0) -> list[Message]:
    created = NOW + timedelta(seconds=seconds)
    return [
        Message(
            id=secrets.token_hex(12),
            ticket=ticket.number,
            kind=kind,
            recipient=recipient,
            raw=f"To: {recipient}\r\nSubject: {ticket.number}\r\n\r\n{kind}\r\n".encode() + b"\x00\xff",
            created_at=created,
        )
        for kind, recipient in (("requester_copy", ticket.requester.email), ("support_notice", "suporte@example.com"))
    ]


def upload(upload_id: str | None = None, size: int = len(PNG), expires_at: datetime = NOW + timedelta(minutes=15)) -> Upload:
    upload_id = upload_id or secrets.token_urlsafe(16)
    return Upload(
        id=upload_id,
        filename="tela do erro.png",
        content_type="image/png",
        size=size,
        key=f"uploads/{upload_id}",
        expires_at=expires_at,
    )


def attachment_of(granted: Upload) -> Attachment:
    return Attachment(
        id=granted.id, filename=granted.filename, content_type=granted.content_type, size=granted.size, key=granted.key
    )


def record_operations(client: Any) -> list[str]:
    """Every API operation the client performs from now on, by name (GetItem, Query, Scan...)."""
    operations: list[str] = []
    service = client.meta.service_model.service_id.hyphenize()
    client.meta.events.register(f"before-call.{service}.*", lambda model, **_: operations.append(model.name))
    return operations


def in_threads(count: int, work: Any, meet_before: str) -> tuple[list[Any], list[BaseException]]:
    """Run `work(n, store)` in `count` threads, each with its own client, as concurrent Lambdas would.

    Each thread's first `meet_before` call waits until every thread has come to
    its own: all have read before any writes, the race a store must survive.
    """
    results: list[Any] = []
    errors: list[BaseException] = []
    everyone = threading.Barrier(count, timeout=30)

    def run(n: int) -> None:
        client = boto3.session.Session().client("dynamodb", region_name=REGION)
        first = [True]

        def meet(**_: Any) -> None:
            if first[0]:
                first[0] = False
                everyone.wait()

        client.meta.events.register(f"before-call.dynamodb.{meet_before}", meet)
        own = DynamoDBStore(TABLE, client)
        try:
            results.append(work(n, own))
        except BaseException as error:  # collected: an assertion in a thread would be lost
            errors.append(error)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def ticket_body(**changes: Any) -> dict[str, Any]:
    """A submission as the form sends it, with `changes` made."""
    return {
        "request_type": "incident",
        "product": "omni-crm",
        "subject": "Lentidão ao salvar contato",
        "description": "Desde ontem, ao salvar um contato, tudo trava.",
        "email": "ana@cliente.com.br",
        "name": "Ana Souza",
        **changes,
    }


def ticket_in(**changes: Any) -> TicketIn:
    return TicketIn.model_validate(ticket_body(**changes))
