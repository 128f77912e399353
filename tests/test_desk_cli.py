"""`kbdesk orgs` and `kbdesk agent` as the support team uses them, on a local data dir."""

from __future__ import annotations

import email
import email.policy
import json
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kbdesk.cli import main
from tickets.backends import local_backend
from tickets.models import TicketIn
from tickets.settings import from_environment


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "var"
    folder.mkdir()
    (folder / "products.json").write_text(json.dumps([{"id": "omni-crm", "name": "Omni CRM"}]))
    return folder


@pytest.fixture
def kbdesk(data_dir: Path) -> Callable[..., Result]:
    def run(*args: str) -> Result:
        return CliRunner().invoke(main, list(args), env={"KBDESK_DATA_DIR": str(data_dir), "KBDESK_RATE_LIMITS": "off"})

    return run


def open_ticket(data_dir: Path, requester: str, subject: str = "Lentidão ao salvar contato") -> str:
    desk = local_backend(from_environment({"KBDESK_DATA_DIR": str(data_dir), "KBDESK_RATE_LIMITS": "off"})).desk
    request = TicketIn(
        request_type="incident",
        product="omni-crm",
        subject=subject,
        description="Desde ontem o cadastro demora mais de 30 segundos.",
        email=requester,
        name="Ana",
    )
    return desk.open_ticket(request, session_email=None, client_ip="203.0.113.1").number


def mails(data_dir: Path, kind: str) -> list[EmailMessage]:
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted((data_dir / "outbox").glob(f"*-{kind}-*.eml"))
    ]


def test_organizations_are_added_listed_and_given_members(kbdesk: Callable[..., Result], data_dir: Path) -> None:
    added = kbdesk("orgs", "add", "cliente", "--name", "Cliente S.A.", "--domain", "cliente.com.br")
    assert added.exit_code == 0, added.output
    assert kbdesk("orgs", "add-member", "cliente", "Joao@Parceiro.com").exit_code == 0
    listed = kbdesk("orgs", "list")
    assert "cliente\tCliente S.A." in listed.output
    assert "domínios: cliente.com.br" in listed.output and "membros: joao@parceiro.com" in listed.output
    # A ticket opened afterwards belongs to the organization, by domain or by membership.
    number = open_ticket(data_dir, "ana@cliente.com.br")
    shown = kbdesk("agent", "show", number)
    assert "organização: cliente" in shown.output


@pytest.mark.parametrize("domain", ["gmail.com", "hotmail.com", "uol.com.br", "bol.com.br", "outlook.com", "yahoo.com"])
def test_a_public_mail_domain_never_makes_an_organization(kbdesk: Callable[..., Result], domain: str) -> None:
    result = kbdesk("orgs", "add", "todos", "--name", "Todos", "--domain", domain)
    assert result.exit_code == 1 and "é um domínio público de e-mail" in result.output
    assert "Nenhuma organização ainda" in kbdesk("orgs", "list").output


def test_a_domain_belongs_to_one_organization_and_members_need_an_organization(kbdesk: Callable[..., Result]) -> None:
    assert kbdesk("orgs", "add", "cliente", "--name", "Cliente", "--domain", "cliente.com.br").exit_code == 0
    taken = kbdesk("orgs", "add", "outra", "--name", "Outra", "--domain", "cliente.com.br")
    assert taken.exit_code == 1 and "já pertence a outra organização" in taken.output
    assert "outra" not in kbdesk("orgs", "list").output  # refused whole, not half-created
    missing = kbdesk("orgs", "add-member", "nao-existe", "ana@x.com.br")
    assert missing.exit_code == 1 and "não existe a organização 'nao-existe'" in missing.output


def test_support_lists_shows_answers_and_closes_a_ticket(kbdesk: Callable[..., Result], data_dir: Path) -> None:
    number = open_ticket(data_dir, "ana@cliente.com.br")
    other = open_ticket(data_dir, "bruno@outra.com.br", subject="Erro ao emitir nota fiscal")
    listed = kbdesk("agent", "list")
    assert listed.output.index(other) < listed.output.index(number)  # newest first
    assert number not in kbdesk("agent", "list", "--q", "nota fiscal").output

    answered = kbdesk(
        "agent", "reply", number, "--message", "Já corrigimos; pode testar de novo?", "--status", "waiting_customer"
    )
    assert answered.exit_code == 0, answered.output
    shown = kbdesk("agent", "show", number)
    assert "status: waiting_customer" in shown.output and "Já corrigimos; pode testar de novo?" in shown.output
    reply = mails(data_dir, "reply")[-1]
    assert reply["To"] == "ana@cliente.com.br" and reply["Subject"].startswith(f"[{number}]")
    text = reply.get_body(("plain",)).get_content()
    assert "Já corrigimos; pode testar de novo?" in text and f"/chamados/chamado/?numero={number}" in text

    assert kbdesk("agent", "status", number, "resolved").exit_code == 0
    assert mails(data_dir, "status_change")[-1]["Subject"] == f"[{number}] Resolvido: Lentidão ao salvar contato"
    assert "status: resolved" in kbdesk("agent", "show", number).output
    assert kbdesk("agent", "status", number, "resolved").exit_code == 0
    assert len(mails(data_dir, "status_change")) == 1  # the same status again sends nothing
    assert number in kbdesk("agent", "list", "--status", "resolved").output
    assert number not in kbdesk("agent", "list", "--status", "open").output


def test_support_commands_refuse_what_does_not_exist(kbdesk: Callable[..., Result]) -> None:
    for args in (
        ("agent", "show", "PC-9999"),
        ("agent", "reply", "PC-9999", "--message", "Olá"),
        ("agent", "status", "PC-9999", "closed"),
    ):
        result = kbdesk(*args)
        assert result.exit_code == 1 and "Chamado não encontrado" in result.output
    assert kbdesk("agent", "status", "PC-1001", "done").exit_code == 2  # not a status: click names the choices


def test_a_customers_terminal_escapes_are_never_printed(kbdesk: Callable[..., Result], data_dir: Path) -> None:
    hostile = "Lentidão \x1b]0;pwned\x07\x1b[2J\x1b[31mvermelho\u202etxt.exe"
    number = open_ticket(data_dir, "ana@cliente.com.br", subject=hostile)
    for args in (["agent", "show", number], ["agent", "list"]):
        shown = kbdesk(*args)
        assert shown.exit_code == 0, shown.output
        assert not set(shown.output) & {"\x1b", "\x07", "\u202e"}
        assert "Lentidão" in shown.output and "vermelho" in shown.output and "\n" in shown.output


def test_mail_receive_says_what_a_message_became_and_asks_for_it_again_when_it_cannot_keep_it(
    kbdesk: Callable[..., Result], data_dir: Path, tmp_path: Path
) -> None:
    number = open_ticket(data_dir, "ana@cliente.com.br")
    [copy] = mails(data_dir, "requester_copy")
    reply = EmailMessage()
    reply["From"], reply["To"], reply["Subject"] = "ana@cliente.com.br", copy["Reply-To"], f"Re: {copy['Subject']}"
    reply["Message-ID"] = "<resposta-1@cliente.com.br>"
    reply.set_content("Ainda acontece.")
    message = tmp_path / "resposta.eml"
    message.write_bytes(bytes(reply))
    taken = kbdesk("mail", "receive", str(message))
    assert (taken.exit_code, taken.output) == (0, f"{number}: comentário do cliente adicionado.\n")
    reply.replace_header("Message-ID", "<resposta-2@cliente.com.br>")
    reply["Auto-Submitted"] = "auto-replied"
    message.write_bytes(bytes(reply))
    ignored = kbdesk("mail", "receive", str(message))
    assert (ignored.exit_code, ignored.output) == (0, "ignorado: automatic\n")
    # The database cannot be written: the mail server must keep the message and deliver it again, not bounce it.
    reply.replace_header("Message-ID", "<resposta-3@cliente.com.br>")
    del reply["Auto-Submitted"]
    message.write_bytes(bytes(reply))
    database = data_dir / "kbdesk.sqlite3"
    kept = database.read_bytes()
    database.write_bytes(b"not a database" * 100)
    deferred = kbdesk("mail", "receive", str(message))
    assert deferred.exit_code == 75, deferred.output
    database.write_bytes(kept)
    again = kbdesk("mail", "receive", str(message))  # delivered again once storage is back
    assert again.exit_code == 0, again.output
    desk = local_backend(from_environment({"KBDESK_DATA_DIR": str(data_dir)})).desk
    assert [c.body for c in desk.ticket_for(None, number).comments] == ["Ainda acontece.", "Ainda acontece."]
