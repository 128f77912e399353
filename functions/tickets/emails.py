"""The e-mails a ticket sends, as complete RFC 5322 messages (text and HTML parts).

Composed when the ticket is stored, so what is sent later is exactly what was
queued. Everything the customer wrote is escaped in the HTML part.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from html import escape

from . import catalog
from .records import Message, Ticket
from .settings import Settings

TEXTS = {
    "pt-BR": {
        "copy_intro": "Recebemos o seu chamado. Guarde o número para acompanhar o atendimento.",
        "next": "O que acontece agora: a equipe de suporte analisa o chamado e responde por e-mail. "
        "Você também acompanha o andamento e responde pelo portal.",
        "follow": "Acompanhe o chamado",
        "notice_intro": "Um novo chamado foi aberto.",
        "number": "Número", "type": "Tipo de solicitação", "product": "Produto", "subject": "Assunto",
        "description": "Descrição", "attachments": "Anexos", "requester": "Solicitante", "none": "nenhum",
        "copy_subject": "[{number}] {subject}", "notice_subject": "[{number}] Novo chamado: {subject}",
    },
    "en": {
        "copy_intro": "We received your ticket. Keep its number to follow it.",
        "next": "What happens next: the support team reviews the ticket and answers by e-mail. "
        "You can also follow it and reply in the portal.",
        "follow": "Follow the ticket",
        "notice_intro": "A new ticket was opened.",
        "number": "Number", "type": "Request type", "product": "Product", "subject": "Subject",
        "description": "Description", "attachments": "Attachments", "requester": "Requester", "none": "none",
        "copy_subject": "[{number}] {subject}", "notice_subject": "[{number}] New ticket: {subject}",
    },
}


def ticket_url(settings: Settings, number: str) -> str:
    return f"{settings.site_url}/chamados/chamado/?numero={number}"


def new_ticket_messages(ticket: Ticket, products: dict[str, str], settings: Settings, now: datetime) -> Sequence[Message]:
    """The requester's copy and support's notice of a new ticket."""
    t = TEXTS[settings.language]
    request_type = next(r for r in catalog.REQUEST_TYPES if r.id == ticket.request_type).name(settings.language)
    facts = [
        (t["number"], ticket.number),
        (t["type"], request_type),
        (t["product"], products.get(ticket.product, ticket.product)),
        (t["subject"], ticket.subject),
        (t["attachments"], ", ".join(a.filename for a in ticket.attachments) or t["none"]),
    ]
    link = ticket_url(settings, ticket.number)
    copy = _compose(
        settings, now, ticket.requester.email,
        t["copy_subject"].format(number=ticket.number, subject=_one_line(ticket.subject)),
        [t["copy_intro"]], facts, (t["description"], ticket.description), [t["next"]], (t["follow"], link),
    )
    requester = f"{ticket.requester.name} <{ticket.requester.email}>" if ticket.requester.name else ticket.requester.email
    notice = _compose(
        settings, now, settings.support_email,
        t["notice_subject"].format(number=ticket.number, subject=_one_line(ticket.subject)),
        [t["notice_intro"]], [(t["requester"], requester), *facts], (t["description"], ticket.description), [], (t["follow"], link),
        reply_to=ticket.requester.email,
    )
    return [
        _message(ticket.number, "requester_copy", ticket.requester.email, copy, now),
        _message(ticket.number, "support_notice", settings.support_email, notice, now),
    ]


def _message(ticket: str, kind: str, recipient: str, mime: MIMEMultipart, now: datetime) -> Message:
    return Message(id=secrets.token_hex(12), ticket=ticket, kind=kind, recipient=recipient, raw=mime.as_bytes(), created_at=now)


def _compose(
    settings: Settings, now: datetime, to: str, subject: str, intro: list[str], facts: list[tuple[str, str]],
    body: tuple[str, str], outro: list[str], link: tuple[str, str], reply_to: str | None = None,
) -> MIMEMultipart:
    """A text and HTML message. Built with the email.mime classes: the modern EmailMessage
    parses every header it is given and cost most of a ticket request's time."""
    text = "\n\n".join(
        [*intro, "\n".join(f"{k}: {v}" for k, v in facts), f"{body[0]}:\n{body[1]}", *outro, f"{link[0]}: {link[1]}"]
    )
    rows = "".join(f"<tr><th align='left'>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in facts)
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in intro)
    after = "".join(f"<p>{escape(p)}</p>" for p in outro)
    html = (
        f"<!doctype html><html lang='{settings.language}'><body>{paragraphs}<table>{rows}</table>"
        f"<h3>{escape(body[0])}</h3><p style='white-space:pre-wrap'>{escape(body[1])}</p>{after}"
        f"<p><a href='{escape(link[1])}'>{escape(link[0])}</a></p></body></html>"
    )
    mime = MIMEMultipart("alternative")
    mime["From"] = _address(settings.sender)
    mime["To"] = to
    mime["Reply-To"] = reply_to or settings.support_email
    mime["Subject"] = Header(subject, "utf-8")
    mime["Date"] = format_datetime(now)
    mime["Message-ID"] = make_msgid(domain=settings.support_email.rsplit("@", 1)[-1])
    mime.attach(MIMEText(text + "\n", "plain", "utf-8"))
    mime.attach(MIMEText(html, "html", "utf-8"))
    return mime


def _address(text: str) -> str:
    name, address = parseaddr(text)
    return formataddr((name, address), charset="utf-8")


def _one_line(text: str) -> str:
    """Subjects are one line: a header with a line break would be refused or split."""
    return " ".join(text.split())
