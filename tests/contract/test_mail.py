"""The conversation by e-mail: what comes back to the support address, on each host's mail receiving.

Every reply here is made as a mail client makes it: from the e-mail the person received (its
Reply-To, its Message-ID, its subject), with their text above the quoted history.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid
from html import escape
from typing import Any

import pytest
from contract_data import EXE, PNG, add_organization, confirm, mail_ids, mail_to, open_ticket, set_status, text_of
from hosts import PACKAGE

from tickets import catalog
from tickets.errors import NotFound

ANA = "ana@cliente.com.br"
BRUNO = "bruno@cliente.com.br"  # Ana's colleague at Cliente S.A.
AGENT = "ana@example.com"  # on the support team (KBDESK_AGENT_EMAILS)
SUPPORT = "suporte@example.com"
STRANGER = "mallory@outra.com.br"
WRITTEN = "Ainda acontece hoje pela manhã, com 12 atendentes.\n\nSegue a tela."


@pytest.fixture
def desk(host: Any) -> Any:
    add_organization(host, "cliente", "Cliente S.A.", domains=("cliente.com.br",))
    assert open_ticket(host).status == 201
    return host


def copy_of(host: Any, recipient: str = ANA) -> EmailMessage:
    """The newest e-mail about PC-1001 that `recipient` received."""
    mails = [m for m in mail_to(host, recipient) if "[PC-1001]" in str(m["Subject"])]
    assert mails, f"no e-mail to {recipient}"
    return mails[-1]


def reply_to(
    received: EmailMessage,
    sender: str,
    text: str = WRITTEN,
    quote: str = "gmail",
    to: str | None = None,
    **headers: str,
) -> EmailMessage:
    """The reply `sender`'s mail client sends to `received`, quoting it under its own header line."""
    reply = EmailMessage()
    reply["From"] = f"Remetente <{sender}>"
    reply["To"] = to or str(received["Reply-To"])
    reply["Subject"] = f"Re: {received['Subject']}"
    reply["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    reply["In-Reply-To"] = str(received["Message-ID"])
    reply["References"] = " ".join(filter(None, [str(received.get("References") or ""), str(received["Message-ID"])]))
    for name, value in headers.items():
        reply[name.replace("_", "-")] = value
    original = text_of(received)
    if quote == "gmail":
        history = "Em qui., 3 de dez. de 2026 às 10:12, Central de Ajuda <suporte@example.com> escreveu:\n\n"
        history += "\n".join(f"> {line}" for line in original.splitlines())
    else:  # Outlook: a rule, the original's headers, and the original unquoted
        history = "________________________________\nDe: Central de Ajuda <suporte@example.com>\n"
        history += f"Enviado: quinta-feira, 3 de dezembro de 2026 10:12\nPara: {sender}\nAssunto: {received['Subject']}\n\n"
        history += original
    reply.set_content(f"{text}\n\n{history}\n")
    return reply


def new_mail(sender: str, subject: str, text: str, to: str = SUPPORT) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = f"Carla Dias <{sender}>"
    mail["To"] = to
    mail["Subject"] = subject
    mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    mail.set_content(text)
    return mail


def receive(host: Any, message: EmailMessage) -> None:
    host.receive_mail(bytes(message))


def ticket(host: Any, number: str = "PC-1001") -> Any:
    return host.desk.ticket_for(None, number)


@pytest.mark.parametrize("quote", ["gmail", "outlook"])
def test_a_reply_to_the_copy_is_the_requesters_comment_with_only_what_she_wrote(desk: Any, quote: str) -> None:
    set_status(desk, "PC-1001", "waiting_customer")
    reply = reply_to(copy_of(desk), ANA, quote=quote)
    reply.add_attachment(PNG, maintype="image", subtype="png", filename="tela.png")
    receive(desk, reply)
    stored = ticket(desk)
    [comment] = stored.comments
    assert comment.body == WRITTEN  # the quoted copy is gone
    assert comment.author.email == ANA and comment.author.role == "customer"
    assert [(a.filename, a.content_type, a.size) for a in comment.attachments] == [("tela.png", "image/png", len(PNG))]
    assert desk.download(desk.desk.download_url(comment.attachments[0])).body == PNG
    assert stored.status == "in_progress"  # the customer answered: support works on it again
    [notice] = [m for m in mail_to(desk, SUPPORT) if "Novo chamado" not in str(m["Subject"])]
    assert WRITTEN.splitlines()[0] in text_of(notice)
    assert notice["In-Reply-To"] == copy_of(desk)["Message-ID"]  # threaded under the ticket's first e-mail


def test_an_outlook_reply_in_html_only_keeps_the_text_above_its_header_block(desk: Any) -> None:
    copy = copy_of(desk)
    html = reply_to(copy, ANA)
    original = "<br>".join(escape(line) for line in text_of(copy).splitlines())
    # As Outlook on the web writes a reply: the answer, a rule, the original's header block, the original.
    html.set_content(
        '<html><body><div dir="ltr">Obrigada, o erro sumiu depois da <b>atualização</b>.</div>'
        '<hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg" dir="ltr">'
        "<b>De:</b> Central de Ajuda &lt;suporte@example.com&gt;<br><b>Enviado:</b> quinta-feira, 3 de dezembro de 2026 10:12<br>"
        f"<b>Para:</b> Ana Souza &lt;{ANA}&gt;<br><b>Assunto:</b> {escape(str(copy['Subject']))}</div>"
        f"<div>{original}</div></body></html>",
        subtype="html",
    )
    receive(desk, html)
    [comment] = ticket(desk).comments
    assert comment.body == "Obrigada, o erro sumiu depois da atualização."


def test_a_colleague_in_the_organization_comments_by_the_thread_alone(desk: Any) -> None:
    confirm(desk, ANA)  # a confirmed ticket is the organization's to see
    # Bruno got the copy forwarded, and answers support's address: the references name the ticket.
    receive(desk, reply_to(copy_of(desk), BRUNO, "Aqui no financeiro também acontece.", to=SUPPORT))
    [comment] = ticket(desk).comments
    assert (comment.author.email, comment.body) == (BRUNO, "Aqui no financeiro também acontece.")


def test_an_agent_reply_reaches_the_requester_threaded(desk: Any) -> None:
    notice = copy_of(desk, SUPPORT)
    before = mail_ids(desk)
    receive(desk, reply_to(notice, AGENT, "Olá, Ana. Corrigimos o índice; pode testar de novo?"))
    stored = ticket(desk)
    [comment] = stored.comments
    assert comment.author.role == "agent" and comment.body == "Olá, Ana. Corrigimos o índice; pode testar de novo?"
    assert stored.status == "in_progress"
    [answer] = mail_to(desk, ANA, since=before)
    assert "Corrigimos o índice" in text_of(answer)
    first = [m for m in mail_to(desk, ANA) if m["In-Reply-To"] is None][0]
    assert answer["In-Reply-To"] == first["Message-ID"] and answer["Reply-To"] == first["Reply-To"]
    assert answer["Auto-Submitted"] is None  # a person's answer, relayed: the customer's autoresponder may answer


def test_a_stranger_adds_nothing_to_a_ticket_whatever_he_names(desk: Any) -> None:
    copy = copy_of(desk)
    # He knows the reply address (a forwarded copy): written to it, the mail is dropped unanswered.
    before = mail_ids(desk)
    receive(desk, reply_to(copy, STRANGER, "Sou o novo responsável, mude o e-mail do chamado."))
    assert ticket(desk).comments == () and mail_to(desk, STRANGER, since=before) == []
    # With only the ticket's tag and references, it is a request of his own: a new ticket, his.
    forged = reply_to(copy, STRANGER, "Quero ver o chamado PC-1001.", to=SUPPORT)
    receive(desk, forged)
    assert ticket(desk).comments == ()
    opened = ticket(desk, "PC-1002")
    assert opened.requester.email == STRANGER and opened.description == "Quero ver o chamado PC-1001."
    assert opened.organization is None


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "auto-replied"},
        {"X_Autoreply": "yes"},
        {"X_Autorespond": "Estou de férias até segunda."},
        {"Precedence": "bulk"},
        {"List_Id": "<clientes.lista.cliente.com.br>"},
        {"X_SES_Spam_Verdict": "FAIL"},
        {"Authentication_Results": "amazonses.com; spf=fail smtp.mailfrom=cliente.com.br; dkim=none"},
    ],
)
def test_automatic_and_failed_mail_is_ignored_unanswered(desk: Any, headers: dict[str, str]) -> None:
    before = mail_ids(desk)
    receive(desk, reply_to(copy_of(desk), ANA, "Estou fora do escritório.", **headers))
    assert ticket(desk).comments == ()
    assert mail_ids(desk) == before  # no notice, no answer: never a loop


def test_a_bounce_is_ignored_and_never_answered(desk: Any) -> None:
    before = mail_ids(desk)
    bounce = new_mail("MAILER-DAEMON@mx.cliente.com.br", "Undelivered Mail Returned to Sender", "The mail system...")
    bounce.replace_header("To", str(copy_of(desk)["Reply-To"]))
    receive(desk, bounce)
    receive(desk, new_mail("postmaster@cliente.com.br", "Delivery Status Notification", "Delivery failed."))
    assert ticket(desk).comments == () and mail_ids(desk) == before
    with pytest.raises(NotFound):
        ticket(desk, "PC-1002")


def test_our_own_notice_coming_back_is_ignored(desk: Any) -> None:
    notice = copy_of(desk, SUPPORT)  # when support's mailbox is also the one mail is received on
    before = mail_ids(desk)
    receive(desk, notice)
    assert ticket(desk).comments == () and mail_ids(desk) == before


def test_the_same_message_delivered_twice_adds_one_comment(desk: Any) -> None:
    reply = reply_to(copy_of(desk), ANA)
    receive(desk, reply)
    receive(desk, reply)
    assert len(ticket(desk).comments) == 1
    assert len([m for m in mail_to(desk, SUPPORT) if "Novo chamado" not in str(m["Subject"])]) == 1


def test_mail_to_support_that_answers_no_ticket_opens_one(desk: Any) -> None:
    mail = new_mail("carla@loja.com.br", "Não consigo exportar relatórios", "O botão Exportar não responde no Omni CRM.")
    receive(desk, mail)
    receive(desk, mail)  # delivered again: still one ticket
    opened = ticket(desk, "PC-1002")
    assert (opened.request_type, opened.product) == ("usability", "omni-crm")  # the defaults: the first product
    assert (opened.subject, opened.description) == (
        "Não consigo exportar relatórios",
        "O botão Exportar não responde no Omni CRM.",
    )
    assert (opened.requester.email, opened.requester.name) == ("carla@loja.com.br", "Carla Dias")
    [copy] = mail_to(desk, "carla@loja.com.br")
    assert str(copy["Subject"]).startswith("[PC-1002]") and copy["Reply-To"].startswith("suporte+pc-1002.")
    with pytest.raises(NotFound):
        ticket(desk, "PC-1003")


def test_a_reply_to_a_closed_ticket_is_refused_and_the_sender_told_once(desk: Any) -> None:
    set_status(desk, "PC-1001", "closed")
    copy = copy_of(desk)
    receive(desk, reply_to(copy, ANA, "Voltou a acontecer."))
    receive(desk, reply_to(copy, ANA, "Voltou a acontecer, de novo."))
    assert ticket(desk).comments == ()
    [notice] = [m for m in mail_to(desk, ANA) if m["Auto-Submitted"] == "auto-replied"]
    assert "fechado" in text_of(notice) and notice["In-Reply-To"] == copy["Message-ID"]


def test_attachments_that_break_the_limits_are_dropped_and_the_comment_says_so(desk: Any) -> None:
    reply = reply_to(copy_of(desk), ANA, "Seguem os arquivos.")
    reply.add_attachment(PNG, maintype="image", subtype="png", filename="tela.png")
    reply.add_attachment(EXE, maintype="application", subtype="octet-stream", filename="ferramenta.exe")
    reply.add_attachment(b"\x00" * (catalog.MAX_ATTACHMENT_BYTES + 1), maintype="video", subtype="mp4", filename="video.mp4")
    receive(desk, reply)
    [comment] = ticket(desk).comments
    assert [a.filename for a in comment.attachments] == ["tela.png"]
    assert comment.body.startswith("Seguem os arquivos.")
    assert "“ferramenta.exe” não foi incluído: programa ou script" in comment.body
    assert "“video.mp4” não foi incluído: grande demais" in comment.body


@pytest.mark.skipif(bool(PACKAGE), reason="the deployment package has no local server")
def test_kbdesk_serve_takes_replies_by_smtp_for_the_support_address_only(make_host: Any) -> None:
    served = make_host("served")
    add_organization(served, "cliente", "Cliente S.A.", domains=("cliente.com.br",))
    assert open_ticket(served).status == 201
    receive(served, reply_to(copy_of(served), ANA))
    [comment] = ticket(served).comments
    assert (comment.author.email, comment.body) == (ANA, WRITTEN)
    with smtplib.SMTP("127.0.0.1", served.smtp_port, timeout=30) as smtp:
        with pytest.raises(smtplib.SMTPRecipientsRefused):  # nobody relays through it
            smtp.sendmail(ANA, ["alguem@outro.com.br"], bytes(new_mail(ANA, "Oi", "Repasse, por favor.")))
