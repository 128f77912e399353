"""The ticket desk's rules: opening, finding and following tickets, signing in, answering.

Plain code over the ports: it checks what people send against the catalog,
the limits, what storage really holds and who may see what, then stores each
change with its e-mails in one atomic write and only then tries to send them.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import PurePosixPath

from . import catalog, emails, lookups, mail_thread, organizations, sign_in
from .errors import NotFound, RateLimited, TooLarge, Unauthenticated, UnsupportedMediaType, ValidationFailed
from .filetypes import real_type, refused_name
from .lookups import TicketQuery
from .models import CommentIn, TicketIn, UploadIn
from .outbox import send
from .ports import (
    UNUSED_UPLOAD_KEPT,
    AlreadyChanged,
    AlreadyOpened,
    DomainTaken,
    FileChanged,
    FileStore,
    Mailer,
    TicketStore,
    UploadTaken,
)
from .records import (
    Attachment,
    Author,
    Comment,
    Message,
    Organization,
    Person,
    ReceivedFile,
    Requester,
    StoredObject,
    Ticket,
    TicketChange,
    TicketDraft,
    Upload,
)
from .settings import Settings

DOWNLOAD_SECONDS = 300  # an attachment's link works for five minutes after the ticket is shown


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass
class Desk:
    settings: Settings
    store: TicketStore
    files: FileStore
    mailer: Mailer
    products: dict[str, str]
    clock: Callable[[], datetime] = utc_now
    # Reads a secret the deployment keeps outside the configuration (Secrets Manager on AWS).
    read_secret: Callable[[str], str] | None = None

    @cached_property
    def signing_secret(self) -> bytes:
        """Signs cursors and tags a ticket's e-mail thread; read on first use (Secrets Manager, on AWS)."""
        arn = self.settings.signing_secret_arn
        return self._secret(arn).encode() if arn else self.settings.signing_secret

    @cached_property
    def agent_key(self) -> str:
        """The support team's bearer key; read, as the signing secret, on first use."""
        arn = self.settings.agent_key_arn
        return self._secret(arn) if arn else self.settings.agent_key

    @cached_property
    def origin_secret(self) -> str:
        """What CloudFront adds to each request it forwards; read, as the others, on first use."""
        arn = self.settings.origin_secret_arn
        return self._secret(arn) if arn else self.settings.origin_secret

    def _secret(self, arn: str) -> str:
        if self.read_secret is None:
            raise RuntimeError(f"no way to read the secret {arn} on this backend")
        return self.read_secret(arn)

    def catalog(self) -> dict[str, object]:
        say = self.settings.say
        return {
            "products": [{"id": pid, "name": name} for pid, name in self.products.items()],
            "request_types": [
                {"id": rid, "name": say(f"request_type.{rid}"), "description": say(f"request_type.{rid}.description")}
                for rid in catalog.REQUEST_TYPE_IDS
            ],
            "statuses": [{"id": sid, "name": say(f"status.{sid}")} for sid in catalog.STATUS_IDS],
            "limits": {
                "max_attachment_bytes": catalog.MAX_ATTACHMENT_BYTES,
                "max_attachments": catalog.MAX_ATTACHMENTS,
                "allowed_types": list(catalog.ALLOWED_TYPES),
            },
        }

    def grant_upload(
        self, request: UploadIn, client_ip: str, session_email: str | None = None
    ) -> tuple[Upload, str, dict[str, str]]:
        """Permission to upload one file to a key the server chooses, for 15 minutes."""
        self._check_rate(f"uploads_ip:{client_ip}", "uploads_ip")
        say = self.settings.say
        if request.size > catalog.MAX_ATTACHMENT_BYTES:
            raise TooLarge(
                say("file_too_large", mb=catalog.MAX_ATTACHMENT_BYTES // catalog.MiB), {"size": say("reason.file_too_large")}
            )
        if request.content_type.split(";")[0].strip().lower() not in catalog.ALLOWED_TYPES:
            raise UnsupportedMediaType(say("file_type_refused"), {"content_type": say("reason.type_refused")})
        filename = safe_filename(request.filename) or say("unnamed_file")
        if refused_name(filename):
            raise UnsupportedMediaType(say("file_program_refused"), {"filename": say("reason.program")})
        # The bytes granted in a day bound what uploads no ticket uses may hold (they are swept after a day).
        mebibytes = math.ceil(request.size / catalog.MiB)
        self._check_rate(f"upload_mib_ip:{client_ip}", "upload_mib_ip", mebibytes)
        if session_email:
            self._check_rate(f"upload_mib:{one_mailbox(session_email)}", "upload_mib", mebibytes)
        upload_id = secrets.token_urlsafe(16)
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

    def sweep(self) -> int:
        """Remove uploads no ticket used, a day after their grant expired (as S3's lifecycle rule does);
        how many. The records go first: a file is never removed while a ticket could still take it."""
        keys = self.store.forget_unused_uploads(self.clock() - UNUSED_UPLOAD_KEPT)
        for key in keys:
            self.files.delete(key)
        return len(keys)

    def open_ticket(
        self, request: TicketIn, session_email: str | None, client_ip: str, idempotency_key: str | None = None
    ) -> Ticket:
        """Check, store (ticket and e-mails together), then try to send the e-mails.

        The requester's copy carries a sign-in link that leads to the ticket. With an
        Idempotency-Key, the same key, person and body open one ticket whatever crashed
        where: a repeat the idempotency record could not answer gets the ticket stored.
        """
        say = self.settings.say
        if request.website:
            raise ValidationFailed(say("ticket_not_sent"))
        email = session_email or (str(request.email).lower() if request.email else None)
        problems: dict[str, str] = {}
        if not email:
            problems["email"] = say("reason.missing")
        if request.product not in self.products:
            problems["product"] = say("reason.unknown_product")
        if len(request.subject.strip()) < catalog.SUBJECT_LENGTH[0]:
            problems["subject"] = say("reason.min_chars", count=catalog.SUBJECT_LENGTH[0])
        if len(request.description.strip()) < catalog.DESCRIPTION_LENGTH[0]:
            problems["description"] = say("reason.min_chars", count=catalog.DESCRIPTION_LENGTH[0])
        if problems:
            raise ValidationFailed(say("review", fields=say.listing([say(f"field.{name}") for name in problems])), problems)
        assert email is not None
        # The address first: every attempt from it counts, even one its e-mail's limit refuses.
        self._check_rate(f"tickets_ip:{client_ip}", "tickets_ip")
        self._check_rate(f"tickets:{one_mailbox(email)}", "tickets")

        now = self.clock()
        draft = TicketDraft(
            request_type=request.request_type,
            product=request.product,
            subject=request.subject,
            description=request.description,
            requester=Requester(email=email, name=request.name.strip()),
            organization=self.store.organization_for(email),
            created_at=now,
            attachments=self._attachments(request.attachments),
            request_key=_request_key(idempotency_key, email, request) if idempotency_key else None,
            # Without a session anyone could have typed the address: the ticket waits for its owner to prove it.
            confirmed=session_email is not None,
        )
        return self._open(draft)

    def open_ticket_by_mail(
        self, email: str, name: str, subject: str, description: str, files: Sequence[ReceivedFile], request_key: str
    ) -> Ticket:
        """A ticket from an e-mail to support, of the request type and product the deployment names for them.
        Anyone can write any From: it waits, as one opened without a session, for its owner to sign in."""
        self._check_rate(f"tickets:{one_mailbox(email)}", "tickets")
        attachments, description = self._received(files, description)
        product = self.settings.email_product if self.settings.email_product in self.products else next(iter(self.products))
        draft = TicketDraft(
            request_type=self.settings.email_request_type,
            product=product,
            subject=subject,
            description=description,
            requester=Requester(email=email, name=name),
            organization=self.store.organization_for(email),
            created_at=self.clock(),
            attachments=attachments,
            request_key=request_key,
            confirmed=False,
        )
        return self._open(draft)

    def _open(self, draft: TicketDraft) -> Ticket:
        email, now = draft.requester.email, draft.created_at
        token = sign_in.new_secret()
        self.store.save_sign_in(sign_in.digest(token), email, now + sign_in.TOKEN_LIFETIME)
        queued: list[Message] = []

        def compose(ticket: Ticket) -> list[Message]:
            link = emails.sign_in_url(self.settings, token, emails.ticket_path(ticket.number))
            queued[:] = emails.new_ticket_messages(ticket, self.products, self.settings, now, link, self.mail(ticket.number))
            return queued

        try:
            ticket = self.store.create_ticket(draft, self.settings.ticket_prefix, compose)
        except AlreadyOpened as opened:
            stored = self.store.get_ticket(opened.number)
            assert stored is not None  # tickets are never deleted
            return stored  # its e-mails were queued with it, and are sent once
        except UploadTaken as error:
            raise ValidationFailed(
                self.settings.say("attachment_taken"), {"attachments": self.settings.say("reason.attachment_taken")}
            ) from error
        self._send(queued)
        return ticket

    def _send(self, queued: list[Message]) -> None:
        """This request's own e-mails, now; what failed is retried by the outbox's flush, never by a request."""
        send(self.store, self.mailer, queued, self.clock())

    # Signing in

    def request_sign_in(self, email: str, next_path: str | None, client_ip: str) -> None:
        """E-mail a one-time link to anyone who asks: whether the address has tickets is never told."""
        email = email.lower()
        # Per caller and address: someone else asking for links to your address cannot lock you out.
        # Per address from everywhere, a higher bound: nobody fills an inbox from many addresses.
        self._check_rate(f"login_ip:{client_ip}", "login_ip")
        self._check_rate(f"login:{client_ip}:{one_mailbox(email)}", "login")
        self._check_rate(f"login_mailbox:{one_mailbox(email)}", "login_mailbox")
        token = sign_in.new_secret()
        now = self.clock()
        link = emails.sign_in_url(self.settings, token, sign_in.safe_next(next_path))
        message = emails.sign_in_message(email, link, self.settings, now)
        self.store.save_sign_in(sign_in.digest(token), email, now + sign_in.TOKEN_LIFETIME, message)
        self._send([message])

    def verify_sign_in(self, token: str, client_ip: str) -> tuple[Person, str]:
        """The person a link's token names, and a new session for them; the token is spent."""
        self._check_rate(f"verify_ip:{client_ip}", "verify_ip")
        email = self.store.use_sign_in(sign_in.digest(token), self.clock()) if token else None
        if email is None:
            raise Unauthenticated(self.settings.say("sign_in_link_invalid"))
        self.store.confirm_tickets(email)  # the address is proven: what was opened under it is the owner's
        session = sign_in.new_secret()
        self.store.save_session(sign_in.digest(session), email, self.clock() + sign_in.SESSION_LIFETIME)
        return self._person(email), session

    def person(self, session: str | None) -> Person | None:
        """Who holds this session cookie, with the organization they belong to now."""
        if not session or len(session) > 200:
            return None
        email = self.store.get_session(sign_in.digest(session), self.clock())
        return self._person(email) if email else None

    def end_session(self, session: str | None) -> None:
        if session and len(session) <= 200:
            self.store.end_session(sign_in.digest(session))

    def _person(self, email: str) -> Person:
        return Person(email=email, organization=self.store.organization_for(email))

    def may_see(self, email: str, ticket: Ticket) -> bool:
        """Whether the owner of `email` may see the ticket, with the organization they belong to now."""
        return _may_see(self._person(email.lower()), ticket)

    # Finding tickets

    def find_tickets(self, person: Person | None, query: TicketQuery) -> tuple[list[Ticket], str | None]:
        """A page of the tickets `person` may see (support, when None) that match, and the next page's cursor."""
        if person is None:
            which = lookups.ticket_filter(query, requester=None, organization=query.organization)
            caller = "support"
        elif query.scope == "organization" and person.organization:
            which = lookups.ticket_filter(query, requester=None, organization=person.organization)
            caller = person.email
        else:
            which = lookups.ticket_filter(query, requester=person.email, organization=None)
            caller = person.email
        if which is None:
            return [], None
        secret = self.signing_secret
        before = lookups.read_cursor(secret, caller, which, query.cursor, self.settings.say) if query.cursor else None
        tickets, more = self.store.find_tickets(which, query.limit, before)
        cursor = lookups.sign_cursor(secret, caller, which, tickets[-1].sequence) if more and tickets else None
        return tickets, cursor

    def ticket_for(self, person: Person | None, number: str) -> Ticket:
        """The ticket if `person` may see it (support, when None); NotFound otherwise, never saying which."""
        ticket = self.store.get_ticket(number.upper()) if lookups.NUMBER.match(number) else None
        if ticket is None or (person is not None and not _may_see(person, ticket)):
            raise NotFound(self.settings.say("ticket_not_found"))
        return ticket

    def download_url(self, attachment: Attachment) -> str:
        return self.files.download_url(attachment.key, attachment.filename, DOWNLOAD_SECONDS)

    # Following tickets

    def mail(self, number: str) -> emails.Mail:
        """What the ticket's e-mails need to be one thread that comes back to it."""
        return emails.Mail(mail_thread.thread_of(self.settings, self.signing_secret, number), self.signing_secret)

    def comment(self, person: Person, number: str, request: CommentIn) -> Comment:
        """A customer's comment on the site."""
        self._check_rate(f"comments:{person.email}", "comments")
        ticket = self.ticket_for(person, number)
        if ticket.status == "closed":
            raise ValidationFailed(self.settings.say("ticket_closed"), {"ticket": self.settings.say("reason.ticket_closed")})
        return self._customer_comment(ticket, person.email, request.body, self._attachments(request.attachments))

    def _customer_comment(
        self, ticket: Ticket, email: str, body: str, attachments: tuple[Attachment, ...], request_key: str | None = None
    ) -> Comment:
        """A comment by someone who may see the ticket (on the site or by e-mail): support is told,
        and a ticket waiting on the customer is worked on again. With `request_key`, made once."""
        now = self.clock()
        name = ticket.requester.name if email == ticket.requester.email else ""
        comment = Comment(
            id=secrets.token_hex(8),
            author=Author(email=email, name=name, role="customer"),
            body=body,
            created_at=now,
            attachments=attachments,
        )
        status = "in_progress" if ticket.status in ("waiting_customer", "resolved") else None
        mail = self.mail(ticket.number)
        self._change(
            ticket.number,
            TicketChange(at=now, comment=comment, status=status, request_key=request_key),
            lambda changed: [emails.comment_notice(changed, comment, self.settings, now, mail)],
        )
        return comment

    def comment_by_mail(self, ticket: Ticket, email: str, body: str, files: Sequence[ReceivedFile], request_key: str) -> Comment:
        """A reply by e-mail from someone who may see the ticket, made once however often it is delivered."""
        self._check_rate(f"comments:{email}", "comments")
        attachments, body = self._received(files, body)
        return self._customer_comment(ticket, email, body, attachments, request_key)

    def reply_by_mail(self, number: str, body: str, files: Sequence[ReceivedFile], request_key: str) -> Comment:
        """Support's answer by e-mail: as `kbdesk agent reply`, made once however often it is delivered."""
        attachments, body = self._received(files, body)
        return self.reply(number, body, None, attachments, request_key)

    def tell_closed(self, ticket: Ticket, email: str) -> None:
        """Tell someone who wrote to a closed ticket that it takes nothing more, once per ticket and address."""
        now = self.clock()
        key = sign_in.digest(f"closed\x00{ticket.number}\x00{email}")
        # A change with nothing in it but its key and e-mail: the ticket itself stays as it was.
        self._change(
            ticket.number,
            TicketChange(at=ticket.updated_at, request_key=key),
            lambda changed: [emails.closed_notice(changed, email, self.settings, now, self.mail(ticket.number))],
        )

    def reply(
        self,
        number: str,
        body: str,
        status: str | None,
        attachments: tuple[Attachment, ...] = (),
        request_key: str | None = None,
    ) -> Comment:
        """Support's answer, e-mailed to the requester; without a status an open ticket is now being worked on."""
        ticket = self.ticket_for(None, number)
        now = self.clock()
        author = Author(email=self.settings.support_email, name=self.settings.say("agent_name"), role="agent")
        comment = Comment(id=secrets.token_hex(8), author=author, body=body, created_at=now, attachments=attachments)
        new_status = status or ("in_progress" if ticket.status == "open" else None)
        mail = self.mail(ticket.number)
        self._change(
            ticket.number,
            TicketChange(at=now, comment=comment, status=new_status, request_key=request_key),
            lambda changed: [emails.reply_message(changed, comment, self.settings, now, mail)],
        )
        return comment

    def change_status(self, number: str, status: str) -> Ticket:
        """A new status, e-mailed to the requester; the same status again changes and sends nothing."""
        ticket = self.ticket_for(None, number)
        if ticket.status == status:
            return ticket
        now = self.clock()
        mail = self.mail(ticket.number)
        self._change(
            ticket.number,
            TicketChange(at=now, status=status),
            lambda changed: [emails.status_message(changed, self.settings, now, mail)],
        )
        return self.ticket_for(None, number)

    def _change(self, number: str, change: TicketChange, compose: Callable[[Ticket], list[Message]]) -> None:
        queued: list[Message] = []

        def keep(changed: Ticket) -> list[Message]:
            queued[:] = compose(changed)
            return queued

        try:
            changed = self.store.update_ticket(number, change, keep)
        except AlreadyChanged:
            return  # the same request came before (an e-mail delivered twice): it was made, and its e-mails queued, once
        except UploadTaken as error:
            raise ValidationFailed(
                self.settings.say("attachment_taken"), {"attachments": self.settings.say("reason.attachment_taken")}
            ) from error
        if changed is None:
            raise NotFound(self.settings.say("ticket_not_found"))
        self._send(queued)

    def _attachments(self, upload_ids: list[str]) -> tuple[Attachment, ...]:
        # Every file is checked before any is kept: a refused comment or ticket copies nothing.
        return tuple(self._keep(*checked) for checked in [self._check(i) for i in dict.fromkeys(upload_ids)])

    # Organizations

    def add_organization(self, organization_id: str, name: str, domains: list[str]) -> Organization:
        organization = Organization(
            id=organizations.check_id(organization_id),
            name=name.strip() or organization_id,
            domains=tuple(dict.fromkeys(organizations.check_domain(d) for d in domains)),
        )
        try:
            self.store.save_organization(organization)
        except DomainTaken as error:
            raise organizations.OrganizationError("org.domain_taken", domain=str(error)) from error
        return organization

    def add_member(self, organization_id: str, email: str) -> None:
        if "@" not in email or len(email) > 320:
            raise organizations.OrganizationError("org.bad_email", email=email)
        if not self.store.add_member(organization_id, email.strip().lower()):
            raise organizations.OrganizationError("org.unknown", id=organization_id)

    def _received(self, files: Sequence[ReceivedFile], text: str) -> tuple[tuple[Attachment, ...], str]:
        """E-mailed files under the limits and checks of uploads, and the text saying which were dropped.

        Each file that passes is stored and recorded as an upload, then kept as the form's are, so a
        ticket's files are one kind whichever way they came. (If the same e-mail comes again, its
        second copies are never used, and are swept as any unused upload is.)"""
        say = self.settings.say
        kept: list[Attachment] = []
        dropped: list[str] = []
        for file in files:
            name = safe_filename(file.filename) or say("unnamed_file")
            refusal = _refusal(len(kept), len(file.data), name)
            content_type = None if refusal else real_type(file.data[:4096], file.content_type.lower(), name)
            if content_type is None:
                dropped.append(say("mail.attachment_dropped", name=name, reason=say(refusal or "reason.type_refused")))
                continue
            upload_id = secrets.token_urlsafe(16)
            upload = Upload(
                id=upload_id,
                filename=name,
                content_type=content_type,
                size=len(file.data),
                key=f"uploads/{upload_id}",
                expires_at=self.clock() + timedelta(seconds=catalog.UPLOAD_EXPIRY_SECONDS),
            )
            self.store.save_upload(upload)
            self.files.put(upload.key, file.data, content_type)
            upload, stored, content_type = self._check(upload_id)
            kept.append(self._keep(upload, stored, content_type))
        notes = "\n".join(dropped)
        room = catalog.DESCRIPTION_LENGTH[1] - len(notes) - 2
        return tuple(kept), "\n\n".join(filter(None, [text[:room].rstrip(), notes]))

    def _check(self, upload_id: str) -> tuple[Upload, StoredObject, str]:
        """The upload as storage holds it, checked again: real size and real type."""
        say = self.settings.say
        upload = self.store.get_upload(upload_id)
        stored = self.files.stat(upload.key) if upload else None
        if upload is None or stored is None:
            raise ValidationFailed(say("attachment_missing"), {"attachments": say("reason.attachment_missing")})
        if stored.size > min(upload.size, catalog.MAX_ATTACHMENT_BYTES):
            # Larger than granted: S3's policy forbids it, but the server checks what is really stored.
            raise TooLarge(
                say("attachment_too_large", filename=upload.filename), {"attachments": say("reason.attachment_too_large")}
            )
        content_type = real_type(stored.head, upload.content_type, upload.filename)
        if content_type is None:
            raise UnsupportedMediaType(
                say("attachment_type_refused", filename=upload.filename), {"attachments": say("reason.attachment_type_refused")}
            )
        return upload, stored, content_type

    def _keep(self, upload: Upload, stored: StoredObject, content_type: str) -> Attachment:
        """The checked bytes, out of reach of the upload form that brought them."""
        try:
            key = self.files.keep(upload.key, stored, upload.id)
        except FileChanged as error:
            raise ValidationFailed(
                self.settings.say("attachment_changed"), {"attachments": self.settings.say("reason.attachment_changed")}
            ) from error
        return Attachment(id=upload.id, filename=upload.filename, content_type=content_type, size=stored.size, key=key)

    def _check_rate(self, key: str, rule: str, amount: int = 1) -> None:
        """Count `amount` hits against the rule's limit for `key`, or refuse them with RateLimited."""
        limits = self.settings.rate_limits
        if not limits or rule not in limits:
            return
        allowed, window = limits[rule]
        now = self.clock()
        previous, current = self.store.hits(key, window, now)
        elapsed = now.timestamp() % window
        # Sliding window: the window before counts as evenly spread, so the last full window's length
        # never holds more than `allowed` (fixed windows let twice through across a boundary).
        # Refused hits are not counted: a client that retries early does not push its turn back.
        if not self.store.count_hit(key, window, now, allowed - amount - previous * (1 - elapsed / window), amount):
            retry_after = seconds_until_allowed(previous, current, allowed, window, elapsed, amount)
            raise RateLimited(self.settings.say("rate_limited"), retry_after)


def seconds_until_allowed(previous: int, current: int, allowed: int, window: int, elapsed: float, amount: int = 1) -> int:
    """When the sliding count next admits `amount` more hits (the Retry-After of a refusal)."""
    if current + amount <= allowed and previous:  # in this window, once enough of the window before has slid out
        wait = window * (1 - (allowed - current - amount) / previous) - elapsed
    else:  # in the next window, once enough of this one has slid out
        wait = (window - elapsed) + window * (1 - max(allowed - amount, 0) / max(current, 1))
    return max(1, math.ceil(wait))


GMAIL_DOMAINS = {"gmail.com", "googlemail.com"}


def _request_key(idempotency_key: str, email: str, request: TicketIn) -> str:
    """The request, as its sender would repeat it: the key, from this person, with this body."""
    return sign_in.digest("\x00".join((idempotency_key, email, request.model_dump_json())))


def one_mailbox(email: str) -> str:
    """The mailbox an address delivers to, so that its variants share one quota.

    A `+tag` reaches the same mailbox at nearly every provider; Gmail also ignores dots and
    answers for googlemail.com.
    """
    local, _, domain = email.strip().lower().rpartition("@")
    local = local.split("+", 1)[0] or local
    if domain in GMAIL_DOMAINS:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def _may_see(person: Person, ticket: Ticket) -> bool:
    same_organization = ticket.organization is not None and ticket.organization == person.organization
    return ticket.requester.email == person.email or (same_organization and ticket.confirmed)


def _refusal(kept: int, size: int, filename: str) -> str | None:
    """Why an e-mailed file breaks the limits an upload has, if it does (its type is checked apart)."""
    if kept == catalog.MAX_ATTACHMENTS:
        return "reason.too_many"
    if size > catalog.MAX_ATTACHMENT_BYTES:
        return "reason.file_too_large"
    return "reason.program" if refused_name(filename) else None


def safe_filename(name: str) -> str:
    """The file's own name without any path, control characters or leading dots (empty if nothing is left)."""
    base = PurePosixPath(name.replace("\\", "/")).name
    cleaned = "".join(c for c in base if c.isprintable() and c not in '<>:"|?*').strip().lstrip(".")
    return cleaned[:200]
