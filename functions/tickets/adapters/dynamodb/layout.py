"""The one table's layout: its items, their keys and the indexes that list tickets.

Single-table design on `pk`/`sk`; every read is a GetItem or a Query, never a
Scan, so cost and latency stay flat as tickets pile up:

- ticket   `TICKET#<number>` / `TICKET`, its attachments inside the item, with
  `subject_folded` (what word search reads), `sequence` (the number's
  position), `comments` (how many it has) and its keys in the listing indexes;
- comment  `TICKET#<number>` / `COMMENT#<created_at>#<n>`, its attachments
  inside: one Query on the ticket's partition reads the ticket and its
  conversation, oldest first (`n`, the ticket's comment count, orders comments
  made in the same instant as they were made);
- upload   `UPLOAD#<id>` / `UPLOAD`, with `ticket` once a ticket or comment uses it;
- request  `REQUEST#<request key>` / `REQUEST`: the ticket that request opened or
  changed (an e-mail's comment, by its Message-ID), written in the same transaction;
- unconfirmed `UNCONFIRMED#<email>` / `UNCONFIRMED`: `tickets`, the numbers of that
  requester's tickets opened without a session, which carry `unconfirmed` and are in
  no organization index until the address is proven (confirm_tickets);
- counter  `COUNTER` / `TICKET`, the last number handed out (atomic ADD);
- message  `MESSAGE#<id>` / `MESSAGE`, and while unsent also in the sparse
  `outbox` index: `outbox_pk` = PENDING with `outbox_sk` = `<next_attempt_at>#<id>`
  (so the messages due are one Query), or FAILED with `<failed_at>#<id>` once given up;
- sign-in  `SIGNIN#<token hash>` / `SIGNIN`: the e-mail, `expires_at`, `used_at` once used;
- session  `SESSION#<session hash>` / `SESSION`: the e-mail, `expires_at`;
- organization `ORGANIZATIONS` / `<id>`: `name`, and `domains` and `members` as
  string sets; one partition, so listing them is one Query;
- domain   `DOMAIN#<domain>` / `DOMAIN`: the organization owning it (claimed by
  condition, so two organizations never own one);
- member   `MEMBER#<email>` / `MEMBER`: the organization listing the e-mail;
- rate     `RATE#<key>` / `<window number>`, a hit counter per window.

Items that only matter for a while carry `ttl` (epoch seconds), so DynamoDB
deletes them without a sweeper. It deletes late (up to days after), so every
read of a sign-in or a session checks `expires_at` itself.

Listing tickets
---------------

A FilterExpression drops items only after they were read and paid for, so a
filter people use alone must instead choose the partition read. Tickets are
listed by three scopes (a requester, an organization, every ticket for
support), each plain or narrowed by a status or a request type: nine sparse
GSIs, each keyed `<index>_pk` and sorted by `sequence` (a Number: newest first
is ScanIndexForward=False, and `before` is `sequence < :before`):

    requester             REQUESTER#<email>
    requester_status      REQUESTER#<email>#STATUS#<status>
    requester_type        REQUESTER#<email>#TYPE#<request type>
    organization          ORGANIZATION#<id>                 (only tickets with one)
    organization_status   ORGANIZATION#<id>#STATUS#<status>
    organization_type     ORGANIZATION#<id>#TYPE#<request type>
    all                   TICKETS
    all_status            TICKETS#STATUS#<status>
    all_type              TICKETS#TYPE#<request type>

So a page filtered by a status or a request type reads only tickets that match
(bench/ticket_reads_dynamodb.py measures it). What remains is a
FilterExpression on that index: product, words of the subject, the second of
status and request type, and the organization when listing one requester's
tickets; the query reads on, in growing steps, until the page is full.

Why nine: a table may have 20 GSIs; these and `outbox` leave ten free. An item
sits at most once in an index, so one index per (scope, narrowing) is the only
way each of these pages reads what it returns. Their projection is ALL: a
listed ticket is whole (description, attachments), so a page is one Query and
no GetItem per ticket. The price is paid on writes, far rarer than reads: a
ticket with an organization is written to 9 indexes (6 without), each costing
its size in KB; a comment rewrites it in all of them (`updated_at` changed), and
a status change also moves it within the 3 status indexes (a delete and a put
each). For a 2 KB ticket that is about 20 write units to open it, 21 for a
comment and 26 for a status change: millionths of a dollar on demand. The `TICKETS` partition takes every new ticket; its
limit, 1,000 writes a second, is far beyond a help desk's pace. GSI reads are
eventually consistent: a ticket opened a moment ago may join a list a moment
later; its own page (get_ticket) reads the table, consistently.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ...records import Ticket, TicketFilter

TTL_ATTRIBUTE = "ttl"
OUTBOX_INDEX = "outbox"
PENDING = "PENDING"
FAILED = "FAILED"
SEQUENCE = "sequence"
ORGANIZATIONS = "ORGANIZATIONS"
SCOPES = ("requester", "organization", "all")
LISTING_INDEXES = tuple(f"{scope}{narrowing}" for scope in SCOPES for narrowing in ("", "_status", "_type"))

Item = dict[str, dict[str, Any]]


def table_definition(table_name: str) -> dict[str, Any]:
    """The kwargs of `create_table` for the store's table (the SAM template declares the same).

    TTL is switched on separately (`update_time_to_live` on TTL_ATTRIBUTE, or
    the template's TimeToLiveSpecification): CreateTable cannot do it.
    """
    strings = ("pk", "sk", "outbox_pk", "outbox_sk", *(f"{index}_pk" for index in LISTING_INDEXES))
    return {
        "TableName": table_name,
        "AttributeDefinitions": [{"AttributeName": name, "AttributeType": "S"} for name in strings]
        + [{"AttributeName": SEQUENCE, "AttributeType": "N"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": OUTBOX_INDEX,
                "KeySchema": [
                    {"AttributeName": "outbox_pk", "KeyType": "HASH"},
                    {"AttributeName": "outbox_sk", "KeyType": "RANGE"},
                ],
                # Sending needs the whole message; unsent messages are few, so copying them is cheap.
                "Projection": {"ProjectionType": "ALL"},
            },
            *(
                {
                    "IndexName": index,
                    "KeySchema": [
                        {"AttributeName": f"{index}_pk", "KeyType": "HASH"},
                        {"AttributeName": SEQUENCE, "KeyType": "RANGE"},
                    ],
                    # A page of tickets is whole in one Query (see the module's docstring).
                    "Projection": {"ProjectionType": "ALL"},
                }
                for index in LISTING_INDEXES
            ),
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }


def key(pk: str, sk: str) -> Item:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def ticket_key(number: str) -> Item:
    return key(f"TICKET#{number}", "TICKET")


def ticket_partition(number: str) -> str:
    """The partition holding a ticket and its comments."""
    return f"TICKET#{number}"


def comment_key(number: str, created_at: str, position: int) -> Item:
    """`created_at` at one fixed width, and the ticket's comment count, so comments sort as they were made."""
    return key(ticket_partition(number), f"COMMENT#{created_at}#{position:06d}")


def request_key(request_key: str) -> Item:
    return key(f"REQUEST#{request_key}", "REQUEST")


def unconfirmed_key(email: str) -> Item:
    return key(f"UNCONFIRMED#{email}", "UNCONFIRMED")


def counter_key() -> Item:
    return key("COUNTER", "TICKET")


def upload_key(upload_id: str) -> Item:
    return key(f"UPLOAD#{upload_id}", "UPLOAD")


def message_key(message_id: str) -> Item:
    return key(f"MESSAGE#{message_id}", "MESSAGE")


def sign_in_key(token_hash: str) -> Item:
    return key(f"SIGNIN#{token_hash}", "SIGNIN")


def session_key(session_hash: str) -> Item:
    return key(f"SESSION#{session_hash}", "SESSION")


def organization_key(organization_id: str) -> Item:
    return key(ORGANIZATIONS, organization_id)


def domain_key(domain: str) -> Item:
    return key(f"DOMAIN#{domain}", "DOMAIN")


def member_key(email: str) -> Item:
    return key(f"MEMBER#{email}", "MEMBER")


def rate_key(rate: str, window: int) -> Item:
    return key(f"RATE#{rate}", str(window))


def listing_keys(ticket: Ticket) -> dict[str, str]:
    """The ticket's partition in each listing index it belongs to (no organization, none of those)."""
    scopes = {"requester": f"REQUESTER#{ticket.requester.email}", "all": "TICKETS"}
    if ticket.organization is not None and ticket.confirmed:
        scopes["organization"] = f"ORGANIZATION#{ticket.organization}"
    keys: dict[str, str] = {}
    for scope, partition in scopes.items():
        keys[f"{scope}_pk"] = partition
        keys[f"{scope}_status_pk"] = f"{partition}#STATUS#{ticket.status}"
        keys[f"{scope}_type_pk"] = f"{partition}#TYPE#{ticket.request_type}"
    return keys


def listing(which: TicketFilter) -> tuple[str, str, TicketFilter]:
    """The index and partition that serve `which`, and what is left of it for a FilterExpression."""
    if which.requester is not None:
        scope, partition, rest = "requester", f"REQUESTER#{which.requester}", replace(which, requester=None)
    elif which.organization is not None:
        scope, partition, rest = "organization", f"ORGANIZATION#{which.organization}", replace(which, organization=None)
    else:
        scope, partition, rest = "all", "TICKETS", which
    if which.status is not None:
        return f"{scope}_status", f"{partition}#STATUS#{which.status}", replace(rest, status=None)
    if which.request_type is not None:
        return f"{scope}_type", f"{partition}#TYPE#{which.request_type}", replace(rest, request_type=None)
    return scope, partition, rest
