"""Store first, send after: delivering the e-mails queued with tickets.

A message is claimed before it is sent, so two senders (a request and
`kbdesk outbox flush`, or two requests) never send it twice; a failed send
gives the message back to be retried later.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from collections.abc import Callable, Sequence
from datetime import datetime

from .ports import Mailer, TicketStore
from .records import Message

log = logging.getLogger(__name__)
ADDRESS = re.compile(r"[^\s<>()\[\]:;,'\"]+@[^\s<>()\[\]:;,'\"]+")  # mail servers quote the recipient


@dataclass(frozen=True)
class Delivery:
    sent: int
    failed: int


def deliver(store: TicketStore, mailer: Mailer, now: datetime, limit: int = 50) -> Delivery:
    """Send up to `limit` pending messages, oldest first; never raises for a failed send."""
    return send(store, mailer, store.pending_messages(now, limit), now)


def send(store: TicketStore, mailer: Mailer, messages: Sequence[Message], now: datetime) -> Delivery:
    """Send these messages, each only if this sender wins its claim."""
    sent = failed = 0
    for message in messages:
        if not store.claim_message(message.id, now):
            continue
        try:
            mailer.send(message)
        except Exception as error:  # any failure of the mail service: keep the message for later
            reason = _reason(error)
            store.release_message(message.id, reason)
            log.warning("e-mail not sent, will retry",
                        extra={"ticket": message.ticket, "kind": message.kind, "error": reason})
            failed += 1
        else:
            store.mark_sent(message.id, now)
            sent += 1
    return Delivery(sent=sent, failed=failed)


def _reason(error: Exception) -> str:
    """Why a send failed, for the operator: the error's class and message, with no one's address in it."""
    return ADDRESS.sub("<address>", f"{type(error).__name__}: {error}")[:500]


def flush(store: TicketStore, mailer: Mailer, now: datetime, keep_going: Callable[[], bool] = lambda: True) -> Delivery:
    """Send pending messages batch after batch until none is left, one fails, or `keep_going` says stop."""
    total = Delivery(sent=0, failed=0)
    while keep_going():
        batch = deliver(store, mailer, now)
        total = Delivery(total.sent + batch.sent, total.failed + batch.failed)
        if batch.sent == 0 or batch.failed:
            break
    return total
