"""Ticket lookups: what a customer (or support) asked for, as a store filter and a cursor.

The cursor is the last listed ticket's sequence, signed with the deployment's
secret together with who asked and with which filters: it cannot be forged,
edited, or replayed by someone else or against other filters.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass

from . import catalog, signing
from .errors import BadRequest
from .records import TicketFilter
from .text import words
from .texts import Texts

NUMBER = re.compile(r"^\s*([A-Za-z][A-Za-z0-9]{0,9})-(\d{1,12})\s*$")
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
CURSOR = "list-cursor"  # the signer's purpose
QUERY_NAMES = ("scope", "status", "request_type", "product", "created_by", "q", "limit", "cursor", "organization")


@dataclass(frozen=True)
class TicketQuery:
    """A lookup as the API receives it, checked."""

    scope: str = "mine"
    status: str | None = None
    request_type: str | None = None
    product: str | None = None
    created_by: str | None = None
    q: str | None = None
    organization: str | None = None  # support only
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None


def parse_query(params: dict[str, str], products: dict[str, str], say: Texts) -> TicketQuery:
    """The query string's values, or BadRequest naming each wrong parameter."""
    problems: dict[str, str] = {}
    given = {name: value.strip() for name, value in params.items() if name in QUERY_NAMES and value.strip()}
    if given.get("scope", "mine") not in ("mine", "organization"):
        problems["scope"] = say("reason.scope")
    if given.get("status", "open") not in catalog.STATUS_IDS:
        problems["status"] = say("reason.unknown_status")
    if given.get("request_type", "incident") not in catalog.REQUEST_TYPE_IDS:
        problems["request_type"] = say("reason.unknown_request_type")
    if "product" in given and given["product"] not in products:
        problems["product"] = say("reason.unknown_product")
    if len(given.get("q", "")) > 200:
        problems["q"] = say("reason.too_long")
    if len(given.get("created_by", "")) > 320:
        problems["created_by"] = say("reason.too_long")
    limit = given.get("limit", str(DEFAULT_LIMIT))
    if not (limit.isascii() and limit.isdigit()) or not 1 <= int(limit) <= MAX_LIMIT:
        problems["limit"] = say("reason.range", low=1, high=MAX_LIMIT)
    if problems:
        raise BadRequest(say("review_query"), problems)
    return TicketQuery(
        scope=given.get("scope", "mine"),
        status=given.get("status"),
        request_type=given.get("request_type"),
        product=given.get("product"),
        created_by=given.get("created_by", "").lower() or None,
        q=given.get("q"),
        organization=given.get("organization"),
        limit=int(limit),
        cursor=given.get("cursor"),
    )


def ticket_filter(query: TicketQuery, requester: str | None, organization: str | None) -> TicketFilter | None:
    """The store's filter: who may be seen (from the caller) narrowed by what was asked; None when nothing can match."""
    if query.created_by is not None:
        if requester is not None and query.created_by != requester:
            return None  # scope mine narrowed to someone else
        requester = query.created_by
    number: str | None = None
    subject_words: tuple[str, ...] = ()
    if query.q:
        match = NUMBER.match(query.q)
        if match:
            number = f"{match.group(1).upper()}-{int(match.group(2))}"
        else:
            subject_words = words(query.q)
    return TicketFilter(
        requester=requester,
        organization=organization,
        status=query.status,
        request_type=query.request_type,
        product=query.product,
        number=number,
        words=subject_words,
    )


def sign_cursor(secret: bytes, caller: str, which: TicketFilter, before: int) -> str:
    return signing.sign(secret, CURSOR, {"before": before, "for": _binding(caller, which)})


def read_cursor(secret: bytes, caller: str, which: TicketFilter, cursor: str, say: Texts) -> int:
    """The sequence to continue before; BadRequest for a cursor this caller and filter did not get."""
    try:
        data = signing.unsign(secret, CURSOR, cursor)
        if data["for"] != _binding(caller, which) or not isinstance(data["before"], int):
            raise ValueError("another lookup")
        return data["before"]
    except (ValueError, KeyError, TypeError):  # Forged is a ValueError
        raise BadRequest(say("cursor_invalid"), {"cursor": say("reason.invalid")}) from None


def _binding(caller: str, which: TicketFilter) -> str:
    described = json.dumps([caller, asdict(which)], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(described.encode()).hexdigest()[:32]
