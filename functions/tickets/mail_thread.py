"""A ticket's e-mail thread: how its messages are named, and how what comes back finds the ticket.

Every e-mail about a ticket names the thread's root in `In-Reply-To` and
`References`, so mail clients show one conversation; the root is the
requester's copy, whose Message-ID is made from the number, so no message
needs to be stored to be referred to. Replies go to the ticket's reply
address, a sub-address of the support address: `suporte+pc-1001.<tag>@…`.
Message-IDs and reply addresses carry a tag only this deployment can make
(signing.tag), so a guessed address or a made-up reference names no ticket.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import getaddresses

from . import signing
from .settings import Settings

REPLY_ADDRESS = "reply-address"
MESSAGE_ID = "message-id"
NUMBER = r"[a-z][a-z0-9]{0,9}-\d{1,12}"
OUR_MESSAGE_ID = re.compile(rf"<?({NUMBER})\.(?:([a-z0-9]{{1,32}})\.)?([a-z0-9]{{10}})@([^>\s]+)>?", re.IGNORECASE)
SUBJECT_TAG = re.compile(rf"\[({NUMBER})\]", re.IGNORECASE)


@dataclass(frozen=True)
class Thread:
    number: str
    root: str  # the Message-ID every later message refers to
    reply_to: str  # the signed reply address

    def message_id(self, secret: bytes) -> str:
        """A new Message-ID in this thread, recognisable as ours."""
        ticket, domain = self.number.lower(), self.root.rsplit("@", 1)[1].rstrip(">")
        nonce = secrets.token_hex(8)
        return f"<{ticket}.{nonce}.{signing.tag(secret, MESSAGE_ID, f'{ticket}.{nonce}')}@{domain}>"


def thread_of(settings: Settings, secret: bytes, number: str) -> Thread:
    local, _, domain = settings.support_email.rpartition("@")
    ticket = number.lower()
    return Thread(
        number=number,
        root=f"<{ticket}.{signing.tag(secret, MESSAGE_ID, ticket)}@{domain}>",
        reply_to=f"{local}+{ticket}.{signing.tag(secret, REPLY_ADDRESS, ticket)}@{domain}",
    )


def ticket_by_address(settings: Settings, secret: bytes, addresses: Iterable[str]) -> str | None:
    """The ticket whose signed reply address is among `addresses`."""
    local, _, domain = settings.support_email.lower().rpartition("@")
    for address in addresses:
        mailbox, _, host = address.lower().rpartition("@")
        base, plus, detail = mailbox.partition("+")
        ticket, dot, tag = detail.rpartition(".")
        if plus and dot and (base, host) == (local, domain) and re.fullmatch(NUMBER, ticket):
            if signing.has_tag(secret, REPLY_ADDRESS, ticket, tag):
                return ticket.upper()
    return None


def ticket_by_reference(secret: bytes, references: Iterable[str]) -> str | None:
    """The ticket a Message-ID this deployment made names, among a reply's In-Reply-To and References."""
    for reference in references:
        for match in OUR_MESSAGE_ID.finditer(reference):
            ticket, nonce, tag = match.group(1).lower(), match.group(2), match.group(3)
            if signing.has_tag(secret, MESSAGE_ID, f"{ticket}.{nonce}" if nonce else ticket, tag):
                return ticket.upper()
    return None


def ticket_by_subject(subject: str) -> str | None:
    """The `[PC-1001]` a subject carries: a claim only, for a sender who may see that ticket."""
    match = SUBJECT_TAG.search(subject)
    return match.group(1).upper() if match else None


def addresses(values: Iterable[str]) -> list[str]:
    """The bare addresses of header values such as To and Cc."""
    return [address.strip().lower() for _, address in getaddresses(list(values)) if "@" in address]
