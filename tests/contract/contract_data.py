"""What the contract tests send: sample bodies, files, and the requests they repeat."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from hosts import Browser, Reply, browser

from tickets.desk import utc_now
from tickets.records import Organization, Requester, TicketChange, TicketDraft

PRODUCTS = [{"id": "omni-crm", "name": "Omni CRM"}, {"id": "omni-chat", "name": "Omni Chat"}]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 200
EXE = b"MZ\x90\x00" + b"\x00" * 200


def ticket_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "request_type": "incident",
        "product": "omni-crm",
        "subject": "Lentidão ao salvar contato",
        "description": "Desde ontem, ao salvar um contato, 12 atendentes esperam mais de 30 segundos.",
        "email": "ana@cliente.com.br",
        "name": "Ana Souza",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def open_ticket(host: Any, headers: dict[str, str] | None = None, **changes: Any):
    return host.request("POST", "/api/tickets", ticket_body(**changes), headers)


def attach(
    host: Any, content: bytes, filename: str = "tela.png", content_type: str = "image/png", size: int | None = None
) -> str:
    grant = host.request(
        "POST", "/api/uploads", {"filename": filename, "content_type": content_type, "size": size or len(content)}
    )
    assert grant.status == 201, grant.text
    host.upload(grant.json, content, filename)
    return grant.json["upload_id"]


# Following tickets: people, their organizations, signing in, the e-mails they get

AGENT_KEY = "chave-da-equipe-de-suporte-0123456789"
SESSION = "kbdesk_session"
SIGNED_IN = "kbdesk_signed_in"
SIGN_IN_SUBJECT = "Seu link de acesso à Central de Ajuda"
LINK = re.compile(r"https?://[^\s<>\"']+")


def add_organization(host: Any, org_id: str, name: str, domains: tuple[str, ...] = (), members: tuple[str, ...] = ()) -> None:
    """An organization as the support team sets it up (`kbdesk orgs add` / `add-member`)."""
    host.desk.store.save_organization(Organization(org_id, name, domains=domains))
    for member in members:
        assert host.desk.store.add_member(org_id, member)


def mail_ids(host: Any) -> set[str]:
    """The e-mails sent so far, by Message-ID: what a later `mail_to(..., since=)` leaves out."""
    return {str(m["Message-ID"]) for m in host.sent_mail()}


def mail_to(host: Any, recipient: str, since: set[str] | None = None) -> list[EmailMessage]:
    """The e-mails sent to `recipient` (only those sent after `since` was taken, if given)."""
    return [
        m
        for m in host.sent_mail()
        if parseaddr(str(m["To"]))[1].lower() == recipient.lower() and (since is None or str(m["Message-ID"]) not in since)
    ]


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def links_in(message: EmailMessage) -> list[str]:
    return [link.rstrip(".,;)") for link in LINK.findall(text_of(message))]


def sign_in_links(host: Any, message: EmailMessage) -> list[str]:
    """The links to the site's sign-in page that the e-mail carries."""
    return [link for link in links_in(message) if link.startswith(f"{host.settings.site_url}/entrar/?")]


def sign_in_link(host: Any, message: EmailMessage) -> str:
    found = set(sign_in_links(host, message))
    assert len(found) == 1, (message["Subject"], links_in(message))
    return found.pop()


def ticket_link(host: Any, number: str) -> str:
    """Where the e-mails point a requester to follow a ticket."""
    return f"{host.settings.site_url}/chamados/chamado/?numero={number}"


def link_query(link: str) -> dict[str, str]:
    """The link's query, decoded (as the sign-in page reads it)."""
    return dict(parse_qsl(urlsplit(link).query, keep_blank_values=True))


def ask_sign_in(host: Any, email: str, next_path: str | None = None) -> str:
    """Ask for a sign-in link and read it from the newest e-mail the person got; the link."""
    body = {"email": email, **({"next": next_path} if next_path else {})}
    before = mail_ids(host)
    reply = host.request("POST", "/api/auth/login", body)
    assert reply.status == 202, reply.text
    mails = mail_to(host, email, since=before)
    assert len(mails) == 1, "no sign-in e-mail"
    assert mails[0]["Subject"] == SIGN_IN_SUBJECT
    return sign_in_link(host, mails[0])


def sign_in(host: Any, email: str) -> Browser:
    """A browser where `email` signed in: asked for a link, opened it, pressed Entrar."""
    token = link_query(ask_sign_in(host, email))["token"]
    person = browser(host)
    reply = person.request("POST", "/api/auth/verify", {"token": token})
    assert reply.status == 200, reply.text
    assert person.cookie(SESSION)
    return person


def confirm(host: Any, *emails: str) -> None:
    """The requesters prove their addresses, as the link in a ticket's copy has them do: any sign-in
    confirms the tickets opened under an address without a session."""
    for email in dict.fromkeys(emails):
        sign_in(host, email)


def agent(host: Any, method: str, path: str, body: Any = None, key: str | None = AGENT_KEY) -> Reply:
    """A request from the support team's tools, with their bearer key."""
    headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
    return host.request(method, path, body, headers)


def listing(path: str, **query: str | int) -> str:
    return f"{path}?{urlencode(query)}" if query else path


def numbers(reply: Reply) -> list[str]:
    assert reply.status == 200, reply.text
    return [item["number"] for item in reply.json["items"]]


def later(host: Any, **delta: float) -> None:
    """Move the desk's clock forward: what happens when that much time has passed."""
    moved = timedelta(**delta)
    host.desk.clock = lambda: utc_now() + moved


def set_status(host: Any, number: str, status: str) -> None:
    """A status the support team set (as `kbdesk agent status` does, on the store)."""
    changed = host.desk.store.update_ticket(number, TicketChange(at=host.desk.clock(), status=status), lambda ticket: [])
    assert changed is not None and changed.status == status


def stored_ticket(host: Any, index: int, requester: str, organization: str | None, **changes: Any) -> str:
    """A ticket written straight to the store (for listings of hundreds); its number.

    The desk would set `organization` from the requester; here the test says it.
    """
    fields: dict[str, Any] = dict(
        request_type="incident",
        product="omni-crm",
        subject=f"Chamado de carga {index}",
        description="Descrição do chamado de carga.",
        requester=Requester(requester, requester.split("@")[0].title()),
        organization=organization,
        created_at=host.desk.clock(),
    )
    fields.update(changes)
    ticket = host.desk.store.create_ticket(TicketDraft(**fields), host.desk.settings.ticket_prefix, lambda t: [])
    return ticket.number
