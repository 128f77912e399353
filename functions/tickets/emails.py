"""The e-mails a ticket sends, as complete RFC 5322 messages (text and HTML parts).

Composed when the ticket is stored, so what is sent later is exactly what was
queued. Everything the customer wrote is escaped in the HTML part. A ticket's
e-mails are one thread (mail_thread): each begins with the line above which
a reply is written, answers to the ticket's reply address, and says when it
was sent by no one (`Auto-Submitted`), so that autoresponders leave it be.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from html import escape
from urllib.parse import urlencode

from .mail_thread import Thread
from .records import Comment, Message, Ticket
from .settings import Settings


def ticket_path(number: str) -> str:
    """The ticket page on the site, where its conversation is followed."""
    return f"/chamados/chamado/?numero={number}"


def ticket_url(settings: Settings, number: str) -> str:
    return settings.site_url + ticket_path(number)


def sign_in_url(settings: Settings, token: str, next_path: str | None) -> str:
    query = {"token": token, **({"next": next_path} if next_path else {})}
    return f"{settings.site_url}/entrar/?{urlencode(query)}"


def new_ticket_messages(
    ticket: Ticket, products: dict[str, str], settings: Settings, now: datetime, follow_link: str, mail: Mail
) -> Sequence[Message]:
    """The requester's copy (its link signs them in to the ticket) and support's notice of a new ticket."""
    t = settings.say
    request_type = t(f"request_type.{ticket.request_type}")
    facts = [
        (t("mail.number"), ticket.number),
        (t("mail.type"), request_type),
        (t("mail.product"), products.get(ticket.product, ticket.product)),
        (t("mail.subject"), ticket.subject),
        (t("mail.attachments"), ", ".join(a.filename for a in ticket.attachments) or t("mail.none")),
    ]
    copy = _compose(
        settings,
        now,
        ticket.requester.email,
        t("mail.copy_subject", number=ticket.number, subject=_one_line(ticket.subject)),
        [t("mail.copy_intro"), *([] if ticket.confirmed else [t("mail.unconfirmed")])],
        facts,
        (t("mail.description"), ticket.description),
        [t("mail.next")],
        (t("mail.follow"), follow_link),
        mail.first(),
    )
    requester = f"{ticket.requester.name} <{ticket.requester.email}>" if ticket.requester.name else ticket.requester.email
    notice = _compose(
        settings,
        now,
        settings.support_email,
        t("mail.notice_subject", number=ticket.number, subject=_one_line(ticket.subject)),
        [t("mail.notice_intro"), *([] if ticket.confirmed else [t("mail.unconfirmed_notice")])],
        [(t("mail.requester"), requester), *facts],
        (t("mail.description"), ticket.description),
        [],
        (t("mail.follow"), ticket_url(settings, ticket.number)),
        mail.later(),
    )
    return [
        _message(ticket.number, "requester_copy", ticket.requester.email, copy, now),
        _message(ticket.number, "support_notice", settings.support_email, notice, now),
    ]


def sign_in_message(email: str, link: str, settings: Settings, now: datetime) -> Message:
    t = settings.say
    mime = _compose(
        settings,
        now,
        email,
        t("mail.sign_in_subject"),
        [t("mail.sign_in_intro")],
        [],
        None,
        [t("mail.sign_in_outro")],
        (t("mail.sign_in"), link),
        Headers(automatic="auto-generated"),
    )
    return _message("", "sign_in", email, mime, now)


def comment_notice(ticket: Ticket, comment: Comment, settings: Settings, now: datetime, mail: Mail) -> Message:
    """Support's notice of a customer's comment; replying to it writes to the customer."""
    t = settings.say
    facts = [
        (t("mail.number"), ticket.number),
        (t("mail.requester"), comment.author.email),
        (t("mail.status"), _status(ticket, settings)),
        (t("mail.attachments"), ", ".join(a.filename for a in comment.attachments) or t("mail.none")),
    ]
    mime = _compose(
        settings,
        now,
        settings.support_email,
        t("mail.comment_subject", number=ticket.number, subject=_one_line(ticket.subject)),
        [t("mail.comment_intro")],
        facts,
        (t("mail.comment"), comment.body),
        [],
        (t("mail.follow"), ticket_url(settings, ticket.number)),
        mail.later(),
    )
    return _message(ticket.number, "comment_notice", settings.support_email, mime, now)


def reply_message(ticket: Ticket, comment: Comment, settings: Settings, now: datetime, mail: Mail) -> Message:
    """Support's answer, to the requester, with the conversation's link."""
    t = settings.say
    facts = [
        (t("mail.number"), ticket.number),
        (t("mail.subject"), ticket.subject),
        (t("mail.status"), _status(ticket, settings)),
    ]
    mime = _compose(
        settings,
        now,
        ticket.requester.email,
        t("mail.reply_subject", number=ticket.number, subject=_one_line(ticket.subject)),
        [t("mail.reply_intro")],
        facts,
        (t("mail.reply"), comment.body),
        [t("mail.reply_outro")],
        (t("mail.follow"), ticket_url(settings, ticket.number)),
        mail.later(automatic=None),  # a person's answer, relayed: an autoresponder may answer it
    )
    return _message(ticket.number, "reply", ticket.requester.email, mime, now)


def status_message(ticket: Ticket, settings: Settings, now: datetime, mail: Mail) -> Message:
    t = settings.say
    status = _status(ticket, settings)
    facts = [(t("mail.number"), ticket.number), (t("mail.subject"), ticket.subject), (t("mail.status"), status)]
    mime = _compose(
        settings,
        now,
        ticket.requester.email,
        t("mail.status_subject", number=ticket.number, status=status, subject=_one_line(ticket.subject)),
        [t("mail.status_intro", status=status)],
        facts,
        None,
        [],
        (t("mail.follow"), ticket_url(settings, ticket.number)),
        mail.later(),
    )
    return _message(ticket.number, "status_change", ticket.requester.email, mime, now)


def closed_notice(ticket: Ticket, recipient: str, settings: Settings, now: datetime, mail: Mail) -> Message:
    """The answer to an e-mail written to a closed ticket: nothing was added, open a new one."""
    t = settings.say
    mime = _compose(
        settings,
        now,
        recipient,
        t("mail.closed_subject", number=ticket.number, subject=_one_line(ticket.subject)),
        [t("ticket_closed")],
        [(t("mail.number"), ticket.number), (t("mail.subject"), ticket.subject)],
        None,
        [],
        (t("mail.open_new"), settings.site_url + "/chamados/novo/"),
        mail.later(automatic="auto-replied"),
    )
    return _message(ticket.number, "closed_notice", recipient, mime, now)


@dataclass(frozen=True)
class Headers:
    """What makes a message part of its ticket's thread, and whether a person wrote it."""

    message_id: str = ""  # empty: a new one
    in_reply_to: str = ""
    reply_to: str = ""  # empty: the support address, and no reply marker
    automatic: str | None = None  # Auto-Submitted (RFC 3834): auto-generated, auto-replied, or None


@dataclass(frozen=True)
class Mail:
    """A ticket's thread, as the messages composed for it need it."""

    thread: Thread
    secret: bytes

    def first(self) -> Headers:
        """The requester's copy: the thread's root."""
        return Headers(message_id=self.thread.root, reply_to=self.thread.reply_to, automatic="auto-generated")

    def later(self, automatic: str | None = "auto-generated") -> Headers:
        return Headers(
            message_id=self.thread.message_id(self.secret),
            in_reply_to=self.thread.root,
            reply_to=self.thread.reply_to,
            automatic=automatic,
        )


def _status(ticket: Ticket, settings: Settings) -> str:
    return settings.say(f"status.{ticket.status}")


def _message(ticket: str, kind: str, recipient: str, mime: MIMEMultipart, now: datetime) -> Message:
    return Message(id=secrets.token_hex(12), ticket=ticket, kind=kind, recipient=recipient, raw=mime.as_bytes(), created_at=now)


def _compose(
    settings: Settings,
    now: datetime,
    to: str,
    subject: str,
    intro: list[str],
    facts: list[tuple[str, str]],
    body: tuple[str, str] | None,
    outro: list[str],
    link: tuple[str, str],
    headers: Headers,
) -> MIMEMultipart:
    """A text and HTML message. Built with the email.mime classes: the modern EmailMessage
    parses every header it is given and cost most of a ticket request's time."""
    marker = [settings.say("mail.reply_above")] if headers.reply_to else []
    text = "\n\n".join(
        filter(
            None,
            [
                *marker,
                *intro,
                "\n".join(f"{k}: {v}" for k, v in facts),
                f"{body[0]}:\n{body[1]}" if body else "",
                *outro,
                f"{link[0]}: {link[1]}",
            ],
        )
    )
    rows = "".join(f"<tr><th align='left'>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in facts)
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in [*marker, *intro])
    after = "".join(f"<p>{escape(p)}</p>" for p in outro)
    quoted = f"<h3>{escape(body[0])}</h3><p style='white-space:pre-wrap'>{escape(body[1])}</p>" if body else ""
    html = (
        f"<!doctype html><html lang='{settings.language}'><body>{paragraphs}<table>{rows}</table>"
        f"{quoted}{after}"
        f"<p><a href='{escape(link[1])}'>{escape(link[0])}</a></p></body></html>"
    )
    mime = MIMEMultipart("alternative")
    mime["From"] = _address(settings.from_address)
    mime["To"] = to
    mime["Reply-To"] = headers.reply_to or settings.support_email
    mime["Subject"] = Header(subject, "utf-8")  # type: ignore[assignment]  # compat32 encodes a Header (RFC 2047)
    mime["Date"] = format_datetime(now)
    mime["Message-ID"] = headers.message_id or make_msgid(domain=settings.support_email.rsplit("@", 1)[-1])
    if headers.in_reply_to:
        mime["In-Reply-To"] = headers.in_reply_to
        mime["References"] = headers.in_reply_to
    if headers.automatic:
        mime["Auto-Submitted"] = headers.automatic
    mime.attach(MIMEText(text + "\n", "plain", "utf-8"))
    mime.attach(MIMEText(html, "html", "utf-8"))
    return mime


def _address(text: str) -> str:
    name, address = parseaddr(text)
    return formataddr((name, address), charset="utf-8")


def _one_line(text: str) -> str:
    """Subjects are one line: a header with a line break would be refused or split."""
    return " ".join(text.split())
