"""Store first, send after: delivering the e-mails queued with tickets.

A message is claimed before it is sent, so two senders (a request and
`kbdesk outbox flush`, or two requests) never send it twice. A failed send is
tried again later, each time after twice the wait, so one address that cannot
take mail never holds up the rest; after MAX_ATTEMPTS, or at once when the mail
service refuses the message for good, it is given up and kept for the operator
(`kbdesk outbox list --failed`, `kbdesk outbox retry`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from .ports import Mailer, MailRejected, TicketStore
from .records import Message

log = logging.getLogger(__name__)
ADDRESS = re.compile(r"[^\s<>()\[\]:;,'\"]+@[^\s<>()\[\]:;,'\"]+")  # mail servers quote the recipient

# 1, 2, 4 ... 64 minutes, then 2 and 4 hours: a mail service's outage of half a day is ridden out.
MAX_ATTEMPTS = 10
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=4)
WAITING_AT_MOST = timedelta(days=365)  # far beyond any wait: every message waiting is due by now + this


@dataclass(frozen=True)
class Delivery:
    sent: int = 0
    failed: int = 0  # will be tried again
    given_up: int = 0

    def __add__(self, other: Delivery) -> Delivery:
        return Delivery(self.sent + other.sent, self.failed + other.failed, self.given_up + other.given_up)


def retry_delay(attempts: int) -> timedelta:
    """How long a message waits after its `attempts`-th failed send."""
    return min(FIRST_RETRY * (1 << max(attempts - 1, 0)), LONGEST_RETRY)


def deliver(store: TicketStore, mailer: Mailer, now: datetime, limit: int = 50) -> Delivery:
    """Send up to `limit` messages due now, soonest first; never raises for a failed send."""
    return send(store, mailer, store.pending_messages(now, limit), now)


def send(store: TicketStore, mailer: Mailer, messages: Sequence[Message], now: datetime) -> Delivery:
    """Send these messages, each only if this sender wins its claim."""
    total = Delivery()
    for message in messages:
        if store.claim_message(message.id, now):
            total += _send_one(store, mailer, message, now)
    return total


def _send_one(store: TicketStore, mailer: Mailer, message: Message, now: datetime) -> Delivery:
    attempts = message.attempts + 1  # the claim counted this one
    try:
        mailer.send(message)
    except Exception as error:  # any failure of the mail service: the message is kept
        reason = _reason(error)
        about = {"ticket": message.ticket, "kind": message.kind, "error": reason, "attempts": attempts}
        if isinstance(error, MailRejected) or attempts >= MAX_ATTEMPTS:
            store.give_up_message(message.id, reason, now)
            log.error("e-mail given up", extra=about)
            return Delivery(given_up=1)
        store.release_message(message.id, reason, now + retry_delay(attempts))
        log.warning("e-mail not sent, will retry", extra=about)
        return Delivery(failed=1)
    store.mark_sent(message.id, now)
    return Delivery(sent=1)


def _reason(error: Exception) -> str:
    """Why a send failed, for the operator: the error's class and message, with no one's address in it."""
    return ADDRESS.sub("<address>", f"{type(error).__name__}: {error}")[:500]


def flush(
    store: TicketStore, mailer: Mailer, now: datetime, keep_going: Callable[[], bool] = lambda: True, waiting_too: bool = False
) -> Delivery:
    """Send every message due now, batch after batch, until none is left or `keep_going` says stop.

    The scheduled sender keeps to each message's next attempt; the operator's flush, once
    what failed is fixed, makes those waiting for one due now too (`waiting_too`), so each
    is tried once more. It ends: a message tried is claimed, sent, or due again only later.
    """
    if waiting_too:
        store.hasten_messages(now)
    total = Delivery()
    while keep_going():
        batch = deliver(store, mailer, now)
        total += batch
        if batch == Delivery():
            break
    return total
