"""Mail that comes in: one RFC 5322 message becomes a comment, a support reply, a new ticket, or nothing.

What it becomes is decided in this order, each step on what the message itself says:
1. Never a loop, never backscatter: automatic mail (auto-replies, bounces, lists, our own
   messages) and mail the receiving server judged forged, spam or infected is ignored, unanswered.
2. The ticket it answers: the signed reply address among its recipients, else a Message-ID
   this deployment made in In-Reply-To/References, else a `[PC-1001]` subject tag; the last
   two are only claims, so they count for a sender who may see the ticket (mail_thread).
3. The sender decides: the support team replies, whoever may see the ticket comments (a closed
   ticket refuses it and says so, once), anyone else adds nothing. Mail that answers no ticket
   opens one.
Only what the person wrote is kept (mail_text); the attachments pass the upload checks. The
Message-ID is the request's key, so a message delivered twice is taken once.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr
from functools import partial
from typing import TypeVar

from . import catalog, mail_text, mail_thread, sign_in
from .desk import Desk
from .errors import ApiError, RateLimited
from .records import ReceivedFile, Ticket
from .texts import LANGUAGES, texts_for

MAX_MESSAGE_BYTES = 40 * catalog.MiB  # SES receives at most 40 MB, headers and encoding included
LIST_PRECEDENCES = {"bulk", "junk", "list"}
DAEMONS = {"mailer-daemon", "postmaster"}
FAILED_CHECK = re.compile(r"\b(?:spf|dkim)=fail\b", re.IGNORECASE)
# Ticket e-mails begin with this line in every language the function speaks: a reply is written above it.
T = TypeVar("T")
MARKERS = tuple(texts_for(language)("mail.reply_above") for language in LANGUAGES)


@dataclass(frozen=True)
class Outcome:
    """What a message became: commented, replied, opened, told_closed or ignored (and why)."""

    action: str
    number: str | None = None
    reason: str = ""


def receive(desk: Desk, raw: bytes, recipients: Sequence[str] = (), kept: bool = False) -> Outcome:
    """Take one message. `recipients` are the envelope's (RCPT TO), as a mail server knows them;
    `kept` says the raw message is already in storage (SES put it there)."""
    if len(raw) > MAX_MESSAGE_BYTES:
        return Outcome("ignored", reason="too_large")
    message = BytesParser(policy=policy.default).parsebytes(raw)
    name, sender = _sender(message)
    why = _ignored_because(desk, message, sender)
    if why:
        return Outcome("ignored", reason=why)
    request_key = _request_key(message, raw)
    try:
        outcome = _take(desk, message, name, sender, recipients, request_key)
    except RateLimited:
        return Outcome("ignored", reason="rate_limited")  # unanswered: a flood is never fed
    except ApiError as error:
        return Outcome("ignored", reason=type(error).__name__)
    if outcome.action != "ignored" and not kept:
        desk.files.put(f"inbound/{request_key[:32]}", raw, "message/rfc822")
    return outcome


def _take(desk: Desk, message: EmailMessage, name: str, sender: str, recipients: Sequence[str], request_key: str) -> Outcome:
    body = mail_text.written_part(mail_text.message_text(message), MARKERS)
    files = _attached_files(message)
    if not body and not files:
        return Outcome("ignored", reason="empty")
    ticket, signed = _ticket_answered(desk, message, sender, recipients)
    if ticket is None and signed:
        return Outcome("ignored", reason="unknown_ticket")
    if ticket is None:
        subject = _one_line(_first(message, "Subject"))[: catalog.SUBJECT_LENGTH[1]]
        if len(subject) < catalog.SUBJECT_LENGTH[0]:
            subject = desk.settings.say("mail.no_subject")
        opened = desk.open_ticket_by_mail(sender, name, subject, body or subject, files, request_key)
        return Outcome("opened", opened.number)
    if desk.settings.is_agent(sender):
        desk.reply_by_mail(ticket.number, body, files, request_key)
        return Outcome("replied", ticket.number)
    if not desk.may_see(sender, ticket):
        return Outcome("ignored", ticket.number, "stranger")
    if ticket.status == "closed":
        desk.tell_closed(ticket, sender)
        return Outcome("told_closed", ticket.number)
    desk.comment_by_mail(ticket, sender, body, files, request_key)
    return Outcome("commented", ticket.number)


def _ticket_answered(desk: Desk, message: EmailMessage, sender: str, recipients: Sequence[str]) -> tuple[Ticket | None, bool]:
    """The ticket the message answers, and whether its signed reply address named it."""
    secret = desk.signing_secret
    written_to = [_values(message, name) for name in ("To", "Cc", "Delivered-To", "X-Original-To")]
    candidates = mail_thread.addresses([value for values in written_to for value in values] + list(recipients))
    number = mail_thread.ticket_by_address(desk.settings, secret, candidates)
    if number:
        return desk.store.get_ticket(number), True
    number = mail_thread.ticket_by_reference(
        secret, _values(message, "In-Reply-To") + _values(message, "References")
    ) or mail_thread.ticket_by_subject(_first(message, "Subject"))
    ticket = desk.store.get_ticket(number) if number else None
    if ticket and (desk.settings.is_agent(sender) or desk.may_see(sender, ticket)):
        return ticket, False
    return None, False  # a claim by someone who may not see that ticket names nothing


def _ignored_because(desk: Desk, message: EmailMessage, sender: str) -> str:
    """Why the message must not be taken (or answered), or ''."""
    settings = desk.settings
    automatic = _first(message, "Auto-Submitted").split(";")[0].strip().lower()
    if automatic and automatic != "no":
        return "automatic"
    if _values(message, "X-Autoreply") or _values(message, "X-Autorespond"):
        return "automatic"
    if _first(message, "Precedence").strip().lower() in LIST_PRECEDENCES or _values(message, "List-Id"):
        return "list"
    if not sender or sender.partition("@")[0] in DAEMONS or _first(message, "Return-Path").strip() == "<>":
        return "bounce"
    support_local, _, support_domain = settings.support_email.lower().rpartition("@")
    local, _, domain = sender.rpartition("@")
    ours = sender == parseaddr(settings.sender)[1].lower() or (
        domain == support_domain and local.split("+", 1)[0] == support_local
    )
    if ours:
        return "own"
    # The receiving server's verdicts sit on top: only the first of each header is its own.
    if any(_first(message, h).strip().upper() == "FAIL" for h in ("X-SES-Spam-Verdict", "X-SES-Virus-Verdict")):
        return "failed_checks"
    if FAILED_CHECK.search(_first(message, "Authentication-Results")):
        return "failed_checks"
    if _first(message, "Received-SPF").strip().lower().startswith("fail"):
        return "failed_checks"
    return ""


def _attached_files(message: EmailMessage) -> list[ReceivedFile]:
    """The files the sender attached: parts with a name or marked as attachments, but not the
    images a signature or an HTML body shows inline (they carry a Content-ID)."""
    files: list[ReceivedFile] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        disposition = part.get_content_disposition()
        filename = _safe(part.get_filename) or ""
        if disposition != "attachment" and (not filename or part.get("Content-ID")):
            continue
        data = _safe(partial(part.get_payload, decode=True))
        if isinstance(data, bytes):
            files.append(ReceivedFile(filename=filename, content_type=part.get_content_type(), data=data))
    return files


def _request_key(message: EmailMessage, raw: bytes) -> str:
    """The message's own name: its Message-ID, or, when it has none, its bytes."""
    message_id = _first(message, "Message-ID").strip()
    return sign_in.digest(f"mail\x00{message_id}") if message_id else hashlib.sha256(raw).hexdigest()


def _sender(message: EmailMessage) -> tuple[str, str]:
    """The From's display name and bare address (lowercased); ('', '') when it names none."""
    name, address = parseaddr(_first(message, "From"))
    return (_one_line(name), address.strip().lower()) if "@" in address else ("", "")


def _values(message: EmailMessage, header: str) -> list[str]:
    values = _safe(lambda: [str(value) for value in message.get_all(header, [])])
    return values or []


def _first(message: EmailMessage, header: str) -> str:
    values = _values(message, header)
    return values[0] if values else ""


def _safe(read: Callable[[], T]) -> T | None:
    """What a header or part reads as; None when the parser cannot read it. Received mail is
    anyone's: a malformed header must leave the message unanswered, never stop the function."""
    try:
        return read()
    except Exception:
        return None


def _one_line(text: str) -> str:
    return " ".join(text.split())
