"""The outbox: what the operator learns when an e-mail cannot go out."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path

import pytest

from test_stores import draft, mail_for
from tickets import outbox
from tickets.adapters.sqlite_store import SQLiteStore
from tickets.records import Message

NOW = datetime(2026, 11, 28, 14, 3, tzinfo=timezone.utc)


class RefusingMailServer:
    """A mail service that refuses the recipient, naming them, as SMTP servers and SES do."""

    def send(self, message: Message) -> None:
        raise ValueError(f"550 5.1.1 <{message.recipient}>: Recipient address rejected: User unknown")


def test_a_failed_send_logs_and_keeps_why_without_anyones_address(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = SQLiteStore(tmp_path / "kbdesk.sqlite3")
    store.create_ticket(draft("joana.silva@cliente.com.br"), "PC", mail_for("confirmation"))
    with caplog.at_level(logging.WARNING, logger=outbox.__name__):
        delivery = outbox.flush(store, RefusingMailServer(), NOW)
    assert (delivery.sent, delivery.failed) == (0, 1)
    (record,) = [r for r in caplog.records if r.getMessage() == "e-mail not sent, will retry"]
    reason = "ValueError: 550 5.1.1 <<address>>: Recipient address rejected: User unknown"
    assert (record.ticket, record.kind, record.error) == ("PC-1001", "confirmation", reason)
    (kept,) = store.pending_messages(NOW)
    assert kept.error == reason and "joana" not in caplog.text
