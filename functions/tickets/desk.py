"""The ticket desk's rules: what opening a ticket and attaching a file mean.

Plain code over the ports: it checks what the customer sent against the
catalog, the limits and what storage really holds, then stores the ticket and
its e-mails in one atomic write and only then tries to send them.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import PurePosixPath

from . import catalog, emails
from .errors import RateLimited, TooLarge, UnsupportedMediaType, ValidationFailed
from .filetypes import real_type
from .models import TicketIn, UploadIn
from .outbox import deliver, send
from .ports import FileChanged, FileStore, Mailer, TicketStore, UploadTaken
from .records import Attachment, Message, Requester, StoredObject, Ticket, TicketDraft, Upload
from .settings import Settings


RETRIES_PER_REQUEST = 5  # older pending e-mails a request also tries; the rest wait for the flush


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


@dataclass
class Desk:
    settings: Settings
    store: TicketStore
    files: FileStore
    mailer: Mailer
    products: dict[str, str]
    clock: Callable[[], datetime] = utc_now

    def catalog(self) -> dict[str, object]:
        language = self.settings.language
        return {
            "products": [{"id": pid, "name": name} for pid, name in self.products.items()],
            "request_types": [
                {"id": t.id, "name": t.name(language), "description": t.description(language)} for t in catalog.REQUEST_TYPES
            ],
            "statuses": [{"id": s.id, "name": s.name(language)} for s in catalog.STATUSES],
            "limits": {
                "max_attachment_bytes": catalog.MAX_ATTACHMENT_BYTES,
                "max_attachments": catalog.MAX_ATTACHMENTS,
                "allowed_types": list(catalog.ALLOWED_TYPES),
            },
        }

    def grant_upload(self, request: UploadIn) -> tuple[Upload, str, dict[str, str]]:
        """Permission to upload one file to a key the server chooses, for 15 minutes."""
        if request.size > catalog.MAX_ATTACHMENT_BYTES:
            raise TooLarge(f"O arquivo passa do limite de {catalog.MAX_ATTACHMENT_BYTES // catalog.MiB} MB.", {"size": "grande demais"})
        if request.content_type.split(";")[0].strip().lower() not in catalog.ALLOWED_TYPES:
            raise UnsupportedMediaType("Este tipo de arquivo não é aceito.", {"content_type": "tipo não aceito"})
        upload_id = secrets.token_urlsafe(16)
        filename = safe_filename(request.filename)
        upload = Upload(
            id=upload_id,
            filename=filename,
            content_type=request.content_type.split(";")[0].strip().lower(),
            size=request.size,
            key=f"uploads/{upload_id}",
            expires_at=self.clock() + timedelta(seconds=catalog.UPLOAD_EXPIRY_SECONDS),
        )
        self.store.save_upload(upload)
        url, fields = self.files.upload_form(upload)
        return upload, url, fields

    def open_ticket(self, request: TicketIn, session_email: str | None, client_ip: str) -> Ticket:
        """Check, store (ticket and e-mails together), then try to send the e-mails."""
        if request.website:
            raise ValidationFailed("Não foi possível enviar o chamado.")
        email = session_email or (str(request.email).lower() if request.email else None)
        problems: dict[str, str] = {}
        if not email:
            problems["email"] = "obrigatório"
        if request.product not in self.products:
            problems["product"] = "produto desconhecido"
        if len(request.subject.strip()) < catalog.SUBJECT_LENGTH[0]:
            problems["subject"] = f"mínimo de {catalog.SUBJECT_LENGTH[0]} caracteres"
        if len(request.description.strip()) < catalog.DESCRIPTION_LENGTH[0]:
            problems["description"] = f"mínimo de {catalog.DESCRIPTION_LENGTH[0]} caracteres"
        if problems:
            raise ValidationFailed(_summary(problems), problems)
        assert email is not None
        # The address first: every attempt from it counts, even one its e-mail's limit refuses.
        self._check_rate(f"tickets_ip:{client_ip}", "tickets_ip")
        self._check_rate(f"tickets:{email}", "tickets")

        now = self.clock()
        draft = TicketDraft(
            request_type=request.request_type,
            product=request.product,
            subject=request.subject,
            description=request.description,
            requester=Requester(email=email, name=request.name.strip()),
            organization=None,
            created_at=now,
            # Every file is checked before any is kept: a refused ticket copies nothing.
            attachments=tuple(self._keep(*checked) for checked in [self._check(i) for i in dict.fromkeys(request.attachments)]),
        )
        queued: list[Message] = []

        def compose(ticket: Ticket) -> list[Message]:
            queued[:] = emails.new_ticket_messages(ticket, self.products, self.settings, now)
            return queued

        try:
            ticket = self.store.create_ticket(draft, self.settings.ticket_prefix, compose)
        except UploadTaken as error:
            raise ValidationFailed("Um dos anexos já pertence a outro chamado.", {"attachments": "anexo já usado"}) from error
        # This ticket's e-mails now, then a few that failed earlier: retried with later requests.
        send(self.store, self.mailer, queued, self.clock())
        deliver(self.store, self.mailer, self.clock(), limit=RETRIES_PER_REQUEST)
        return ticket

    def _check(self, upload_id: str) -> tuple[Upload, StoredObject, str]:
        """The upload as storage holds it, checked again: real size and real type."""
        upload = self.store.get_upload(upload_id)
        stored = self.files.stat(upload.key) if upload else None
        if upload is None or stored is None:
            raise ValidationFailed("Um dos anexos não foi recebido; envie o arquivo de novo.", {"attachments": "anexo não recebido"})
        if stored.size > min(upload.size, catalog.MAX_ATTACHMENT_BYTES):
            # Larger than granted: S3's policy forbids it, but the server checks what is really stored.
            raise TooLarge(f"“{upload.filename}” é maior do que o informado ou passa do limite.", {"attachments": "arquivo grande demais"})
        content_type = real_type(stored.head, upload.content_type)
        if content_type is None:
            raise UnsupportedMediaType(f"“{upload.filename}” não é de um tipo aceito.", {"attachments": "tipo de arquivo não aceito"})
        return upload, stored, content_type

    def _keep(self, upload: Upload, stored: StoredObject, content_type: str) -> Attachment:
        """The checked bytes, out of reach of the upload form that brought them."""
        try:
            key = self.files.keep(upload.key, stored, upload.id)
        except FileChanged as error:
            raise ValidationFailed("Um dos anexos mudou depois de enviado; envie o arquivo de novo.", {"attachments": "anexo alterado"}) from error
        return Attachment(id=upload.id, filename=upload.filename, content_type=content_type, size=stored.size, key=key)

    def _check_rate(self, key: str, rule: str) -> None:
        limits = self.settings.rate_limits
        if not limits or rule not in limits:
            return
        allowed, window = limits[rule]
        now = self.clock()
        if self.store.count_hit(key, window, now) > allowed:
            retry_after = window - int(now.timestamp()) % window
            raise RateLimited("Muitas solicitações em pouco tempo. Tente novamente mais tarde.", retry_after)


def safe_filename(name: str) -> str:
    """The file's own name without any path, control characters or leading dots."""
    base = PurePosixPath(name.replace("\\", "/")).name
    cleaned = "".join(c for c in base if c.isprintable() and c not in '<>:"|?*').strip().lstrip(".")
    return cleaned[:200] or "arquivo"


def _summary(problems: dict[str, str]) -> str:
    labels = {"email": "o e-mail", "product": "o produto", "subject": "o assunto", "description": "a descrição"}
    names = [labels.get(name, name) for name in problems]
    return "Revise " + (", ".join(names[:-1]) + " e " + names[-1] if len(names) > 1 else names[0]) + "."
