"""A ticket's e-mail thread: the names its messages carry, and what finds the ticket again from them."""

from __future__ import annotations

from pathlib import Path

from tickets import mail_thread
from tickets.settings import Settings

SECRET = b"segredo-da-implantacao"
SETTINGS = Settings(data_dir=Path("var"), support_email="Suporte@Empresa.com.br", signing_secret=SECRET)


def test_a_reply_address_names_its_ticket_and_nothing_else_does() -> None:
    thread = mail_thread.thread_of(SETTINGS, SECRET, "PC-1001")
    assert thread.reply_to.startswith("Suporte+pc-1001.") and thread.reply_to.endswith("@Empresa.com.br")
    assert mail_thread.ticket_by_address(SETTINGS, SECRET, [thread.reply_to]) == "PC-1001"
    assert mail_thread.ticket_by_address(SETTINGS, SECRET, ["x@y.com", thread.reply_to.upper()]) == "PC-1001"
    guessed = thread.reply_to.replace("pc-1001", "pc-1002")
    for address in (
        guessed,
        "suporte@empresa.com.br",
        thread.reply_to.replace("Empresa", "outra"),
        "suporte+pc-1001@empresa.com.br",
    ):
        assert mail_thread.ticket_by_address(SETTINGS, SECRET, [address]) is None
    assert mail_thread.ticket_by_address(SETTINGS, b"outro-segredo", [thread.reply_to]) is None


def test_every_message_id_in_a_thread_leads_back_to_its_ticket() -> None:
    thread = mail_thread.thread_of(SETTINGS, SECRET, "PC-1001")
    later = thread.message_id(SECRET)
    assert later != thread.message_id(SECRET) != thread.root  # each message its own name
    assert mail_thread.ticket_by_reference(SECRET, [thread.root]) == "PC-1001"
    assert mail_thread.ticket_by_reference(SECRET, [f"<abc@gmail.com> {later}"]) == "PC-1001"  # in a References list
    forged = later.replace("pc-1001", "pc-1002")
    assert mail_thread.ticket_by_reference(SECRET, [forged, "<pc-1001.0123456789@empresa.com.br>"]) is None


def test_a_subject_tag_is_read_as_a_claim() -> None:
    assert mail_thread.ticket_by_subject("RE: Res: [pc-1001] Lentidão ao salvar") == "PC-1001"
    assert mail_thread.ticket_by_subject("Lentidão ao salvar") is None


def test_addresses_are_bare_and_lower_case() -> None:
    values = ['"Ana, Souza" <Ana@Cliente.com.br>, bruno@cliente.com.br', "Grupo: ;", "sem-arroba"]
    assert mail_thread.addresses(values) == ["ana@cliente.com.br", "bruno@cliente.com.br"]
