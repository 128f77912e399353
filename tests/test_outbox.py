"""The outbox: failed e-mails are retried later and later, given up when they cannot go, and never
hold up the others; on both stores."""

from __future__ import annotations

import logging
import smtplib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_stores import draft, mail_for, store  # noqa: F401 (store is the two-backend fixture)

from kbdesk.cli import main
from tickets import outbox
from tickets.adapters.outbox_mail import OutboxMailer
from tickets.adapters.sqlite_store import SQLiteStore
from tickets.outbox import MAX_ATTEMPTS, Delivery, retry_delay
from tickets.ports import MailRejected, TicketStore
from tickets.records import Message

NOW = datetime(2026, 11, 28, 14, 3, tzinfo=UTC)


class MailServer:
    """A mail service that takes every message but those to `down` addresses, which it refuses:
    for now (a 4xx, a timeout), or for good when `for_good`."""

    def __init__(self, down: set[str] | None = None, for_good: bool = False) -> None:
        self.down = down or set()
        self.for_good = for_good
        self.sent: list[str] = []
        self.tried: list[str] = []

    def send(self, message: Message) -> None:
        self.tried.append(message.recipient)
        if message.recipient in self.down:
            error = f"550 5.1.1 <{message.recipient}>: Recipient address rejected: User unknown"
            raise MailRejected(error) if self.for_good else TimeoutError(error)
        self.sent.append(message.recipient)


def open_tickets(store: TicketStore, *emails: str) -> None:
    for email in emails:
        store.create_ticket(draft(email), "PC", mail_for("confirmation"))


def test_a_failed_send_logs_and_keeps_why_without_anyones_address(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = SQLiteStore(tmp_path / "kbdesk.sqlite3")
    open_tickets(store, "joana.silva@cliente.com.br")
    with caplog.at_level(logging.WARNING, logger=outbox.__name__):
        delivery = outbox.flush(store, MailServer({"joana.silva@cliente.com.br"}), NOW)
    assert delivery == Delivery(failed=1)
    (record,) = [r for r in caplog.records if r.getMessage() == "e-mail not sent, will retry"]
    reason = "TimeoutError: 550 5.1.1 <<address>>: Recipient address rejected: User unknown"
    assert (record.ticket, record.kind, record.error, record.attempts) == ("PC-1001", "confirmation", reason, 1)
    (kept,) = store.pending_messages(NOW + timedelta(minutes=1))
    assert kept.error == reason and kept.attempts == 1 and "joana" not in caplog.text


def test_sixty_undeliverable_addresses_never_hold_up_the_rest(store: TicketStore) -> None:
    undeliverable = {f"nunca{n}@cliente.com.br" for n in range(60)}
    open_tickets(store, *sorted(undeliverable), "ana@cliente.com.br")
    server = MailServer(undeliverable)
    assert outbox.flush(store, server, NOW) == Delivery(sent=1, failed=60)  # every batch, not the first only
    assert server.sent == ["ana@cliente.com.br"]

    # Waiting out their retry, they are not tried again: a later message goes before them.
    open_tickets(store, "bia@cliente.com.br")
    server.tried.clear()
    assert outbox.flush(store, server, NOW + timedelta(seconds=30)) == Delivery(sent=1)
    assert server.tried == ["bia@cliente.com.br"]
    # A minute on, they are due again, all of them, and only they.
    assert outbox.flush(store, server, NOW + timedelta(minutes=1)) == Delivery(failed=60)
    assert set(server.tried[1:]) == undeliverable


def test_each_retry_waits_twice_as_long_until_the_message_is_given_up(store: TicketStore) -> None:
    open_tickets(store, "nunca@cliente.com.br")
    server = MailServer({"nunca@cliente.com.br"})
    at, tried_at = NOW, []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert outbox.flush(store, server, at - timedelta(seconds=1)) == Delivery()  # not due a second early
        delivery = outbox.flush(store, server, at)
        tried_at.append(at)
        at += retry_delay(attempt)
        assert delivery == (Delivery(failed=1) if attempt < MAX_ATTEMPTS else Delivery(given_up=1))
    waits = [later - earlier for earlier, later in zip(tried_at, tried_at[1:], strict=False)]
    assert waits[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)] and max(waits) == timedelta(hours=4)
    assert store.pending_messages(at + timedelta(days=1)) == []
    (given_up,) = store.failed_messages()
    assert (given_up.attempts, given_up.failed_at, given_up.recipient) == (MAX_ATTEMPTS, tried_at[-1], "nunca@cliente.com.br")


def test_a_refusal_for_good_is_given_up_at_once_and_can_be_queued_again(store: TicketStore) -> None:
    open_tickets(store, "nunca@cliente.com.br", "ana@cliente.com.br")
    server = MailServer({"nunca@cliente.com.br"}, for_good=True)
    assert outbox.flush(store, server, NOW) == Delivery(sent=1, given_up=1)
    (given_up,) = store.failed_messages()
    assert given_up.error and given_up.error.startswith("MailRejected: 550") and given_up.attempts == 1
    assert store.pending_messages(NOW + timedelta(days=1)) == []
    assert store.claim_message(given_up.id, NOW + timedelta(days=1)) is False

    assert store.retry_message(given_up.id, NOW + timedelta(hours=1)) is True
    assert store.retry_message(given_up.id, NOW + timedelta(hours=1)) is False  # no longer given up
    assert store.retry_message("nao-existe", NOW) is False
    assert store.failed_messages() == []
    server.down.clear()
    assert outbox.flush(store, server, NOW + timedelta(hours=1)) == Delivery(sent=1)


def test_a_claimed_message_is_not_due_until_its_lease_runs_out(store: TicketStore) -> None:
    open_tickets(store, "ana@cliente.com.br")
    (message,) = store.pending_messages(NOW)
    assert store.claim_message(message.id, NOW) and not store.claim_message(message.id, NOW)
    assert store.pending_messages(NOW + timedelta(minutes=9)) == []  # a sender may still be at it
    (again,) = store.pending_messages(NOW + timedelta(minutes=11))  # it crashed: the message comes back
    assert again.attempts == 1
    store.mark_sent(message.id, NOW)
    assert store.pending_messages(NOW + timedelta(days=1)) == [] and store.failed_messages() == []


def test_an_smtp_server_refusing_the_recipient_for_good_is_mail_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    refusals = {
        "recipient": smtplib.SMTPRecipientsRefused({"nunca@cliente.com.br": (550, b"5.1.1 User unknown")}),
        "content": smtplib.SMTPDataError(554, b"5.7.1 Message refused"),
    }
    message = Message(
        id="m1",
        ticket="PC-1001",
        kind="confirmation",
        recipient="nunca@cliente.com.br",
        raw=b"From: suporte@example.com\r\nTo: nunca@cliente.com.br\r\n\r\nx\r\n",
        created_at=NOW,
    )
    mailer = OutboxMailer(tmp_path / "outbox", "smtp://localhost:2525")
    for refusal in refusals.values():
        monkeypatch.setattr(mailer, "_deliver", lambda m, refusal=refusal: (_ for _ in ()).throw(refusal))
        with pytest.raises(MailRejected):
            mailer.send(message)
    # A server that is busy, or a mailbox full for now (4xx), is tried again later.
    for passing in (
        smtplib.SMTPRecipientsRefused({"nunca@cliente.com.br": (452, b"4.2.2 Mailbox full")}),
        smtplib.SMTPDataError(451, b"4.3.0 Try later"),
        ConnectionRefusedError(111, "refused"),
    ):
        monkeypatch.setattr(mailer, "_deliver", lambda m, passing=passing: (_ for _ in ()).throw(passing))
        with pytest.raises(type(passing)):
            mailer.send(message)


def test_the_operator_lists_what_was_given_up_and_queues_it_again(tmp_path: Path) -> None:
    products = tmp_path / "products.json"
    products.write_text('[{"id": "omni-crm", "name": "Omni CRM"}]')
    env = {"KBDESK_DATA_DIR": str(tmp_path), "KBDESK_PRODUCTS_FILE": str(products), "KBDESK_BACKEND": "local"}
    store = SQLiteStore(tmp_path / "kbdesk.sqlite3")
    open_tickets(store, "nunca@cliente.com.br", "ana@cliente.com.br")
    assert outbox.flush(store, MailServer({"nunca@cliente.com.br"}, for_good=True), NOW) == Delivery(sent=1, given_up=1)

    runner = CliRunner()
    listed = runner.invoke(main, ["outbox", "list", "--failed"], env=env)
    (given_up,) = store.failed_messages()
    assert listed.exit_code == 0, listed.output
    assert (
        f"{given_up.id}  PC-1001  confirmation  nunca@cliente.com.br  tentativas: 1  abandonado em 2026-11-28 14:03"
        in listed.output
    )
    assert "MailRejected: 550 5.1.1 <<address>>" in listed.output
    assert runner.invoke(main, ["outbox", "list"], env=env).output == "Nenhum e-mail à espera.\n"

    queued = runner.invoke(main, ["outbox", "retry", given_up.id, "nao-existe"], env=env)
    assert queued.exit_code == 1 and "E-mails de volta à fila: 1." in queued.output and "nao-existe" in queued.output
    assert runner.invoke(main, ["outbox", "list", "--failed"], env=env).output == "Nenhum e-mail abandonado.\n"
    waiting = runner.invoke(main, ["outbox", "list"], env=env).output
    assert f"{given_up.id}  PC-1001  confirmation  nunca@cliente.com.br  tentativas: 0" in waiting
    flushed = runner.invoke(main, ["outbox", "flush"], env=env)  # the outbox folder takes it now
    assert (flushed.exit_code, flushed.output) == (0, "E-mails enviados: 1; a tentar de novo: 0; abandonados: 0.\n")


def test_the_operators_flush_sends_what_waits_for_a_retry_and_the_schedule_keeps_to_it(store: TicketStore) -> None:
    open_tickets(store, "ana@cliente.com.br")
    server = MailServer({"ana@cliente.com.br"})
    assert outbox.flush(store, server, NOW) == Delivery(failed=1)  # the mail service is down
    # Flushed by hand while it is still down, the message is tried once more, not until it is given up.
    assert outbox.flush(store, server, NOW + timedelta(seconds=2), waiting_too=True) == Delivery(failed=1)
    assert server.tried == ["ana@cliente.com.br"] * 2
    server.down.clear()  # and back
    assert outbox.flush(store, server, NOW + timedelta(seconds=5)) == Delivery()  # the schedule waits a minute
    assert outbox.flush(store, server, NOW + timedelta(seconds=5), waiting_too=True) == Delivery(sent=1)
    assert outbox.flush(store, server, NOW + timedelta(days=1), waiting_too=True) == Delivery()  # never twice
