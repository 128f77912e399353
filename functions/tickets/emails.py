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
from urllib.parse import urlencode

from . import catalog
from .records import Comment, Message, Ticket
from .settings import Settings

TEXTS = {
    "pt-BR": {
        "copy_intro": "Recebemos o seu chamado. Guarde o número para acompanhar o atendimento.",
        "unconfirmed": "Este chamado foi aberto com o seu endereço de e-mail, sem login. Se foi você, o link "
        "abaixo confirma o chamado, e só então os colegas da sua organização passam a vê-lo. Se não foi você, "
        "alguém usou o seu endereço: não abra o link e responda a este e-mail para nos avisar.",
        "unconfirmed_notice": "Aberto sem login: o endereço do solicitante ainda não foi comprovado, e o chamado "
        "não aparece para a organização até que ele entre pelo link da cópia.",
        "next": "O que acontece agora: a equipe de suporte analisa o chamado e responde por e-mail. "
        "Você também acompanha o andamento e responde pelo portal.",
        "follow": "Acompanhe o chamado",
        "notice_intro": "Um novo chamado foi aberto.",
        "number": "Número", "type": "Tipo de solicitação", "product": "Produto", "subject": "Assunto",
        "description": "Descrição", "attachments": "Anexos", "requester": "Solicitante", "none": "nenhum",
        "copy_subject": "[{number}] {subject}", "notice_subject": "[{number}] Novo chamado: {subject}",
        "status": "Situação",
        "sign_in_subject": "Seu link de acesso à Central de Ajuda",
        "sign_in_intro": "Para entrar na Central de Ajuda e acompanhar seus chamados, abra o link abaixo "
        "e confirme no botão Entrar.",
        "sign_in_outro": "O link vale por 15 minutos e só pode ser usado uma vez. "
        "Se não foi você quem pediu o acesso, ignore esta mensagem.",
        "sign_in": "Entrar na Central de Ajuda",
        "comment_subject": "[{number}] Novo comentário: {subject}",
        "comment_intro": "O cliente comentou o chamado.",
        "comment": "Comentário",
        "reply_subject": "[{number}] {subject}",
        "reply_intro": "A equipe de suporte respondeu ao seu chamado.",
        "reply": "Resposta",
        "reply_outro": "Para responder ou enviar anexos, abra o chamado no portal.",
        "status_subject": "[{number}] {status}: {subject}",
        "status_intro": "A situação do seu chamado mudou para: {status}.",
    },
    "en": {
        "copy_intro": "We received your ticket. Keep its number to follow it.",
        "unconfirmed": "This ticket was opened with your e-mail address, without signing in. If it was you, the "
        "link below confirms it, and only then do colleagues in your organization see it. If it was not you, "
        "someone used your address: do not open the link, and reply to this e-mail to let us know.",
        "unconfirmed_notice": "Opened without signing in: the requester's address is not proven yet, and the "
        "organization does not see the ticket until they sign in through the link in their copy.",
        "next": "What happens next: the support team reviews the ticket and answers by e-mail. "
        "You can also follow it and reply in the portal.",
        "follow": "Follow the ticket",
        "notice_intro": "A new ticket was opened.",
        "number": "Number", "type": "Request type", "product": "Product", "subject": "Subject",
        "description": "Description", "attachments": "Attachments", "requester": "Requester", "none": "none",
        "copy_subject": "[{number}] {subject}", "notice_subject": "[{number}] New ticket: {subject}",
        "status": "Status",
        "sign_in_subject": "Your sign-in link to the Help Center",
        "sign_in_intro": "To sign in to the Help Center and follow your tickets, open the link below and press Sign in.",
        "sign_in_outro": "The link works for 15 minutes and only once. If you did not ask to sign in, ignore this message.",
        "sign_in": "Sign in to the Help Center",
        "comment_subject": "[{number}] New comment: {subject}",
        "comment_intro": "The customer commented on the ticket.",
        "comment": "Comment",
        "reply_subject": "[{number}] {subject}",
        "reply_intro": "The support team answered your ticket.",
        "reply": "Answer",
        "reply_outro": "To reply or send attachments, open the ticket in the portal.",
        "status_subject": "[{number}] {status}: {subject}",
        "status_intro": "Your ticket's status changed to: {status}.",
    },
}


def ticket_path(number: str) -> str:
    """The ticket page on the site, where its conversation is followed."""
    return f"/chamados/chamado/?numero={number}"


def ticket_url(settings: Settings, number: str) -> str:
    return settings.site_url + ticket_path(number)


def sign_in_url(settings: Settings, token: str, next_path: str | None) -> str:
    query = {"token": token, **({"next": next_path} if next_path else {})}
    return f"{settings.site_url}/entrar/?{urlencode(query)}"


def new_ticket_messages(
    ticket: Ticket, products: dict[str, str], settings: Settings, now: datetime, follow_link: str
) -> Sequence[Message]:
    """The requester's copy (its link signs them in to the ticket) and support's notice of a new ticket."""
    t = TEXTS[settings.language]
    request_type = next(r for r in catalog.REQUEST_TYPES if r.id == ticket.request_type).name(settings.language)
    facts = [
        (t["number"], ticket.number),
        (t["type"], request_type),
        (t["product"], products.get(ticket.product, ticket.product)),
        (t["subject"], ticket.subject),
        (t["attachments"], ", ".join(a.filename for a in ticket.attachments) or t["none"]),
    ]
    copy = _compose(
        settings, now, ticket.requester.email,
        t["copy_subject"].format(number=ticket.number, subject=_one_line(ticket.subject)),
        [t["copy_intro"], *([] if ticket.confirmed else [t["unconfirmed"]])], facts,
        (t["description"], ticket.description), [t["next"]], (t["follow"], follow_link),
    )
    requester = f"{ticket.requester.name} <{ticket.requester.email}>" if ticket.requester.name else ticket.requester.email
    notice = _compose(
        settings, now, settings.support_email,
        t["notice_subject"].format(number=ticket.number, subject=_one_line(ticket.subject)),
        [t["notice_intro"], *([] if ticket.confirmed else [t["unconfirmed_notice"]])], [(t["requester"], requester), *facts],
        (t["description"], ticket.description), [],
        (t["follow"], ticket_url(settings, ticket.number)),
        reply_to=ticket.requester.email,
    )
    return [
        _message(ticket.number, "requester_copy", ticket.requester.email, copy, now),
        _message(ticket.number, "support_notice", settings.support_email, notice, now),
    ]


def sign_in_message(email: str, link: str, settings: Settings, now: datetime) -> Message:
    t = TEXTS[settings.language]
    mime = _compose(settings, now, email, t["sign_in_subject"], [t["sign_in_intro"]], [], None, [t["sign_in_outro"]], (t["sign_in"], link))
    return _message("", "sign_in", email, mime, now)


def comment_notice(ticket: Ticket, comment: Comment, settings: Settings, now: datetime) -> Message:
    """Support's notice of a customer's comment; replying to it writes to the customer."""
    t = TEXTS[settings.language]
    facts = [(t["number"], ticket.number), (t["requester"], comment.author.email), (t["status"], _status(ticket, settings)),
             (t["attachments"], ", ".join(a.filename for a in comment.attachments) or t["none"])]
    mime = _compose(
        settings, now, settings.support_email, t["comment_subject"].format(number=ticket.number, subject=_one_line(ticket.subject)),
        [t["comment_intro"]], facts, (t["comment"], comment.body), [], (t["follow"], ticket_url(settings, ticket.number)),
        reply_to=comment.author.email,
    )
    return _message(ticket.number, "comment_notice", settings.support_email, mime, now)


def reply_message(ticket: Ticket, comment: Comment, settings: Settings, now: datetime) -> Message:
    """Support's answer, to the requester, with the conversation's link."""
    t = TEXTS[settings.language]
    facts = [(t["number"], ticket.number), (t["subject"], ticket.subject), (t["status"], _status(ticket, settings))]
    mime = _compose(
        settings, now, ticket.requester.email, t["reply_subject"].format(number=ticket.number, subject=_one_line(ticket.subject)),
        [t["reply_intro"]], facts, (t["reply"], comment.body), [t["reply_outro"]], (t["follow"], ticket_url(settings, ticket.number)),
    )
    return _message(ticket.number, "reply", ticket.requester.email, mime, now)


def status_message(ticket: Ticket, settings: Settings, now: datetime) -> Message:
    t = TEXTS[settings.language]
    status = _status(ticket, settings)
    facts = [(t["number"], ticket.number), (t["subject"], ticket.subject), (t["status"], status)]
    mime = _compose(
        settings, now, ticket.requester.email,
        t["status_subject"].format(number=ticket.number, status=status, subject=_one_line(ticket.subject)),
        [t["status_intro"].format(status=status)], facts, None, [], (t["follow"], ticket_url(settings, ticket.number)),
    )
    return _message(ticket.number, "status_change", ticket.requester.email, mime, now)


def _status(ticket: Ticket, settings: Settings) -> str:
    return next(s for s in catalog.STATUSES if s.id == ticket.status).name(settings.language)


def _message(ticket: str, kind: str, recipient: str, mime: MIMEMultipart, now: datetime) -> Message:
    return Message(id=secrets.token_hex(12), ticket=ticket, kind=kind, recipient=recipient, raw=mime.as_bytes(), created_at=now)


def _compose(
    settings: Settings, now: datetime, to: str, subject: str, intro: list[str], facts: list[tuple[str, str]],
    body: tuple[str, str] | None, outro: list[str], link: tuple[str, str], reply_to: str | None = None,
) -> MIMEMultipart:
    """A text and HTML message. Built with the email.mime classes: the modern EmailMessage
    parses every header it is given and cost most of a ticket request's time."""
    text = "\n\n".join(filter(None, [
        *intro, "\n".join(f"{k}: {v}" for k, v in facts), f"{body[0]}:\n{body[1]}" if body else "", *outro, f"{link[0]}: {link[1]}",
    ]))
    rows = "".join(f"<tr><th align='left'>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in facts)
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in intro)
    after = "".join(f"<p>{escape(p)}</p>" for p in outro)
    quoted = f"<h3>{escape(body[0])}</h3><p style='white-space:pre-wrap'>{escape(body[1])}</p>" if body else ""
    html = (
        f"<!doctype html><html lang='{settings.language}'><body>{paragraphs}<table>{rows}</table>"
        f"{quoted}{after}"
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
