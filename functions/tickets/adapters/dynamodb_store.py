"""Tickets in one DynamoDB table: the AWS backend of the store.

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
- request  `REQUEST#<request key>` / `REQUEST`: the ticket that request opened,
  written in the ticket's own transaction;
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

import math
import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ..ports import FIRST_NUMBER, STALE_CLAIM, UNUSED_UPLOAD_KEPT, AlreadyOpened, DomainTaken, StorageError, UploadTaken
from ..records import (
    Attachment,
    Author,
    Comment,
    Message,
    Organization,
    Requester,
    Ticket,
    TicketChange,
    TicketDraft,
    TicketFilter,
    Upload,
)
from ..text import fold

TTL_ATTRIBUTE = "ttl"
OUTBOX_INDEX = "outbox"
PENDING = "PENDING"
FAILED = "FAILED"

SEQUENCE = "sequence"
SCOPES = ("requester", "organization", "all")
LISTING_INDEXES = tuple(f"{scope}{narrowing}" for scope in SCOPES for narrowing in ("", "_status", "_type"))
ORGANIZATIONS = "ORGANIZATIONS"
MOST_READ_AT_ONCE = 500  # a filtered listing's Query reads at most this many items a round trip
ATTEMPTS = 10  # a change that lost a race with another one is tried again, up to this many times in all

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


def _time(moment: datetime) -> str:
    # The embedded store's format: UTC ISO 8601 strings, which sort as the moments they name.
    return moment.astimezone(UTC).isoformat()


def _fixed_time(moment: datetime) -> str:
    """Always to the microsecond: a sort key's parts must have one width to sort by their order."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _expiry(moment: datetime) -> dict[str, str]:
    # Rounded up: DynamoDB may delete an item once its second has passed, never before it expires.
    return {"N": str(math.ceil(moment.timestamp()))}


def _key(pk: str, sk: str) -> Item:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def _ticket_key(number: str) -> Item:
    return _key(f"TICKET#{number}", "TICKET")


def _upload_key(upload_id: str) -> Item:
    return _key(f"UPLOAD#{upload_id}", "UPLOAD")


def _message_key(message_id: str) -> Item:
    return _key(f"MESSAGE#{message_id}", "MESSAGE")


def _sign_in_key(token_hash: str) -> Item:
    return _key(f"SIGNIN#{token_hash}", "SIGNIN")


def _session_key(session_hash: str) -> Item:
    return _key(f"SESSION#{session_hash}", "SESSION")


def _organization_key(organization_id: str) -> Item:
    return _key(ORGANIZATIONS, organization_id)


def _domain_key(domain: str) -> Item:
    return _key(f"DOMAIN#{domain}", "DOMAIN")


def _member_key(email: str) -> Item:
    return _key(f"MEMBER#{email}", "MEMBER")


@contextmanager
def _storage_errors() -> Iterator[None]:
    """Any failure of DynamoDB (or of reaching it) is the port's StorageError."""
    try:
        yield
    except (ClientError, BotoCoreError) as error:
        raise StorageError(str(error)) from error


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class _Refused(Exception):
    """A transaction cancelled by some of its writes (their positions, from 0); see _refused_writes."""

    def __init__(self, positions: list[int]) -> None:
        super().__init__(f"transaction refused by its writes {positions}")
        self.positions = positions


class DynamoDBStore:
    def __init__(self, table_name: str, client: Any) -> None:
        self.table = table_name
        self.client = client

    # Tickets

    def create_ticket(self, draft: TicketDraft, prefix: str, compose: Callable[[Ticket], Sequence[Message]]) -> Ticket:
        upload_ids = [attachment.id for attachment in draft.attachments]
        _refuse_repeated(upload_ids)
        if draft.request_key:
            self._refuse_opened(draft.request_key)  # before a number is drawn for nothing
        ticket = draft.numbered(f"{prefix}-{self._next_number()}")
        writes: list[dict[str, Any]] = [
            {"Put": {"TableName": self.table, "Item": ticket_item(ticket), "ConditionExpression": "attribute_not_exists(pk)"}}
        ]
        if draft.request_key:
            writes.append(
                {
                    "Put": {
                        "TableName": self.table,
                        "ConditionExpression": "attribute_not_exists(pk)",
                        "Item": {**_request_key(draft.request_key), "ticket": {"S": ticket.number}},
                    }
                }
            )
        if not draft.confirmed:
            writes.append(
                {
                    "Update": {
                        "TableName": self.table,
                        "Key": _unconfirmed_key(ticket.requester.email),
                        "UpdateExpression": "ADD tickets :number",
                        "ExpressionAttributeValues": {":number": {"SS": [ticket.number]}},
                    }
                }
            )
        first_upload = len(writes)
        writes += self._uses(upload_ids, ticket.number)
        writes += self._queue(compose(ticket))
        try:
            self._write_together(writes)
        except _Refused as refused:
            if draft.request_key and 1 in refused.positions:  # the same request, at the same moment, won
                self._refuse_opened(draft.request_key)
            raise _taken_upload(refused, upload_ids, first_upload) or StorageError(str(refused)) from refused
        return ticket

    def _refuse_opened(self, request_key: str) -> None:
        """Raise AlreadyOpened if a ticket already holds this request key."""
        with _storage_errors():
            item = self.client.get_item(TableName=self.table, Key=_request_key(request_key), ConsistentRead=True).get("Item")
        if item:
            raise AlreadyOpened(item["ticket"]["S"])

    def _next_number(self) -> int:
        """The next ticket number; a failed write after it leaves a gap, never a duplicate."""
        with _storage_errors():
            answer = self.client.update_item(
                TableName=self.table,
                Key=_key("COUNTER", "TICKET"),
                UpdateExpression="ADD #value :one",
                ExpressionAttributeNames={"#value": "value"},
                ExpressionAttributeValues={":one": {"N": "1"}},
                ReturnValues="UPDATED_NEW",
            )
        return FIRST_NUMBER - 1 + int(answer["Attributes"]["value"]["N"])

    def get_ticket(self, number: str) -> Ticket | None:
        items = self._partition(f"TICKET#{number}")
        own = next((item for item in items if item["sk"]["S"] == "TICKET"), None)
        if own is None:
            return None
        comments = tuple(_comment(item) for item in items if item["sk"]["S"].startswith("COMMENT#"))
        return replace(_ticket(own), comments=comments)

    def confirm_tickets(self, email: str) -> list[str]:
        with _storage_errors():
            item = self.client.get_item(TableName=self.table, Key=_unconfirmed_key(email), ConsistentRead=True).get("Item")
        numbers = sorted(item["tickets"]["SS"]) if item and "tickets" in item else []
        confirmed = [number for number in numbers if self._confirm(number)]
        if numbers:
            with _storage_errors():  # a ticket opened meanwhile stays in the set, for the next sign-in
                self.client.update_item(
                    TableName=self.table,
                    Key=_unconfirmed_key(email),
                    UpdateExpression="DELETE tickets :done",
                    ExpressionAttributeValues={":done": {"SS": numbers}},
                )
        return confirmed

    def _confirm(self, number: str) -> bool:
        """Put an unconfirmed ticket in its organization's indexes; False if it was confirmed already."""
        for attempt in range(ATTEMPTS):
            _pause_after_losing(attempt)
            with _storage_errors():
                item = self.client.get_item(TableName=self.table, Key=_ticket_key(number), ConsistentRead=True).get("Item")
            if not item or "unconfirmed" not in item:
                return False
            ticket = replace(_ticket(item), confirmed=True)
            keys = {name: key for name, key in _listing_keys(ticket).items() if name.startswith("organization")}
            values: Item = {f":{name}": {"S": key} for name, key in keys.items()}
            setting = "SET " + ", ".join(f"{name} = :{name}" for name in keys) + " " if keys else ""
            try:
                self.client.update_item(
                    TableName=self.table,
                    Key=_ticket_key(number),
                    UpdateExpression=setting + "REMOVE unconfirmed",
                    # The organization's status index must match the status: one changed meanwhile is read again.
                    ConditionExpression="attribute_exists(unconfirmed) AND #status = :status",
                    ExpressionAttributeNames={"#status": "status"},
                    ExpressionAttributeValues={**values, ":status": {"S": ticket.status}},
                )
            except ClientError as error:
                if _error_code(error) != "ConditionalCheckFailedException":
                    raise StorageError(str(error)) from error
                continue
            except BotoCoreError as error:
                raise StorageError(str(error)) from error
            return True
        raise StorageError(f"{number} kept changing while it was being confirmed")

    def update_ticket(self, number: str, change: TicketChange, compose: Callable[[Ticket], Sequence[Message]]) -> Ticket | None:
        upload_ids = [attachment.id for attachment in change.comment.attachments] if change.comment else []
        _refuse_repeated(upload_ids)
        for attempt in range(ATTEMPTS):
            _pause_after_losing(attempt)
            with _storage_errors():
                item = self.client.get_item(TableName=self.table, Key=_ticket_key(number), ConsistentRead=True).get("Item")
            if not item:
                return None
            current = _ticket(item)
            # As the embedded store hands it over: the changed ticket without its conversation.
            changed = replace(
                current, status=change.status if change.status is not None else current.status, updated_at=change.at
            )
            comments = int(item.get("comments", {"N": "0"})["N"])
            writes = [self._ticket_change(changed, change, comments)]
            if change.comment is not None:
                writes.append(
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": _comment_item(number, change.comment, comments),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    }
                )
            writes += self._uses(upload_ids, number)
            writes += self._queue(compose(changed))
            try:
                self._write_together(writes)
            except _Refused as refused:
                taken = _taken_upload(refused, upload_ids, first_upload=2)
                if taken:
                    raise taken from refused
                if 0 in refused.positions:
                    continue  # another change came first (its comment may have taken this one's place): read again
                raise StorageError(str(refused)) from refused
            return changed
        raise StorageError(f"{number} kept changing while a change was written")

    def _ticket_change(self, changed: Ticket, change: TicketChange, comments: int) -> dict[str, Any]:
        """The ticket's own update: status, `updated_at`, its status indexes, one more comment."""
        values: dict[str, str] = {"updated_at": _time(change.at)}
        if change.status is not None:
            # The status indexes move with the status, in the same write, so no list shows a stale one.
            values["status"] = changed.status
            values.update({name: key for name, key in _listing_keys(changed).items() if name.endswith("_status_pk")})
        names = {f"#{name}": name for name in values}
        expression_values: Item = {f":{name}": {"S": value} for name, value in values.items()}
        expression = "SET " + ", ".join(f"#{name} = :{name}" for name in values)
        condition = "attribute_exists(pk)"
        if change.comment is not None:
            # Comments are numbered in the ticket's order: a second writer with the same count must read again.
            names["#comments"] = "comments"
            expression_values[":comments"] = {"N": str(comments)}
            expression_values[":one"] = {"N": "1"}
            expression += " ADD #comments :one"
            condition += " AND (attribute_not_exists(#comments) OR #comments = :comments)"
        return {
            "Update": {
                "TableName": self.table,
                "Key": _ticket_key(changed.number),
                "UpdateExpression": expression,
                "ConditionExpression": condition,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": expression_values,
            }
        }

    def find_tickets(self, which: TicketFilter, limit: int, before: int | None = None) -> tuple[list[Ticket], bool]:
        if which.number is not None:
            with _storage_errors():
                item = self.client.get_item(TableName=self.table, Key=_ticket_key(which.number)).get("Item")
            ticket = _ticket(item) if item else None
            if ticket is None or not _matches(ticket, which) or (before is not None and ticket.sequence >= before):
                return [], False
            return [ticket], False
        index, partition, rest = _listing(which)
        names = {"#partition": f"{index}_pk"}
        values: Item = {":partition": {"S": partition}}
        condition = "#partition = :partition"
        if before is not None:
            names["#sequence"] = SEQUENCE
            values[":before"] = {"N": str(before)}
            condition += " AND #sequence < :before"
        query: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": index,
            "KeyConditionExpression": condition,
            "ScanIndexForward": False,  # newest first
        }
        filters = _filter_expression(rest, names, values)
        if filters:
            query["FilterExpression"] = filters
        query["ExpressionAttributeNames"] = names
        query["ExpressionAttributeValues"] = values
        return self._newest(query, limit)

    def _newest(self, query: dict[str, Any], limit: int) -> tuple[list[Ticket], bool]:
        """The first `limit` tickets the query finds and whether more match: reads on until it knows."""
        wanted = limit + 1
        found: list[Ticket] = []
        read = 0
        batch = wanted
        with _storage_errors():
            while True:
                answer = self.client.query(**query, Limit=batch)
                found += [_ticket(item) for item in answer.get("Items", [])]
                read += answer.get("ScannedCount", 0)
                if len(found) >= wanted or "LastEvaluatedKey" not in answer:
                    break
                query = {**query, "ExclusiveStartKey": answer["LastEvaluatedKey"]}
                # Limit counts items read, not items matched: ask for as many as the filter seems to need.
                missing = wanted - len(found)
                batch = min(MOST_READ_AT_ONCE, math.ceil(missing * read / len(found)) if found else batch * 2)
        return found[:limit], len(found) > limit

    def _partition(self, pk: str) -> list[Item]:
        """Every item of one partition, in sort key order, as written."""
        query: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": pk}},
            "ConsistentRead": True,
        }
        items: list[Item] = []
        with _storage_errors():
            while True:
                answer = self.client.query(**query)
                items += answer.get("Items", [])
                if "LastEvaluatedKey" not in answer:
                    return items
                query["ExclusiveStartKey"] = answer["LastEvaluatedKey"]

    def _uses(self, upload_ids: list[str], number: str) -> list[dict[str, Any]]:
        """The writes that mark uploads used by a ticket; each condition fails for an unknown or used one."""
        return [
            {
                "Update": {
                    "TableName": self.table,
                    "Key": _upload_key(upload_id),
                    # Used uploads stay, as in the embedded store: a second use must find it taken, not gone.
                    "UpdateExpression": "SET #ticket = :ticket REMOVE #ttl",
                    "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(#ticket)",
                    "ExpressionAttributeNames": {"#ticket": "ticket", "#ttl": TTL_ATTRIBUTE},
                    "ExpressionAttributeValues": {":ticket": {"S": number}},
                }
            }
            for upload_id in upload_ids
        ]

    def _queue(self, messages: Sequence[Message]) -> list[dict[str, Any]]:
        return [
            {"Put": {"TableName": self.table, "Item": _message_item(message), "ConditionExpression": "attribute_not_exists(pk)"}}
            for message in messages
        ]

    def _write_together(self, writes: list[dict[str, Any]]) -> None:
        """All the writes or none; _Refused names the writes whose conditions cancelled them."""
        try:
            # botocore gives the call a ClientRequestToken, so a retry after a lost answer is the same
            # transaction (not a new one cancelled by the first's success).
            self.client.transact_write_items(TransactItems=writes)
        except ClientError as error:
            refused = _refused_writes(error)
            if refused:
                raise _Refused(refused) from error
            raise StorageError(str(error)) from error
        except BotoCoreError as error:
            raise StorageError(str(error)) from error

    # Uploads

    def save_upload(self, upload: Upload) -> None:
        item = {
            **_upload_key(upload.id),
            "id": {"S": upload.id},
            "filename": {"S": upload.filename},
            "content_type": {"S": upload.content_type},
            "size": {"N": str(upload.size)},
            "key": {"S": upload.key},
            "expires_at": {"S": _time(upload.expires_at)},
            TTL_ATTRIBUTE: {"N": str(int((upload.expires_at + UNUSED_UPLOAD_KEPT).timestamp()))},
        }
        with _storage_errors():
            self.client.put_item(TableName=self.table, Item=item, ConditionExpression="attribute_not_exists(pk)")

    def forget_unused_uploads(self, expired_before: datetime) -> list[str]:
        """None to forget: an unused upload's item expires by TTL, and S3's lifecycle rule removes its file."""
        return []

    def get_upload(self, upload_id: str) -> Upload | None:
        with _storage_errors():
            item = self.client.get_item(TableName=self.table, Key=_upload_key(upload_id), ConsistentRead=True).get("Item")
        if not item:
            return None
        return Upload(
            id=item["id"]["S"],
            filename=item["filename"]["S"],
            content_type=item["content_type"]["S"],
            size=int(item["size"]["N"]),
            key=item["key"]["S"],
            expires_at=_parse(item["expires_at"]["S"]),
        )

    # Sign-in and sessions

    def save_sign_in(self, token_hash: str, email: str, expires_at: datetime, message: Message | None = None) -> None:
        item = {
            **_sign_in_key(token_hash),
            "email": {"S": email},
            "expires_at": {"S": _time(expires_at)},
            TTL_ATTRIBUTE: _expiry(expires_at),
        }
        if message is None:
            with _storage_errors():
                self.client.put_item(TableName=self.table, Item=item, ConditionExpression="attribute_not_exists(pk)")
            return
        writes = [{"Put": {"TableName": self.table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}]
        try:
            self._write_together(writes + self._queue([message]))
        except _Refused as refused:
            raise StorageError(f"sign-in token or message already stored: writes {refused.positions}") from refused

    def use_sign_in(self, token_hash: str, now: datetime) -> str | None:
        try:
            # One conditional write: of two uses at once, DynamoDB lets exactly one through.
            answer = self.client.update_item(
                TableName=self.table,
                Key=_sign_in_key(token_hash),
                UpdateExpression="SET used_at = :now",
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(used_at) AND expires_at > :now",
                ExpressionAttributeValues={":now": {"S": _time(now)}},
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if _error_code(error) == "ConditionalCheckFailedException":
                return None
            raise StorageError(str(error)) from error
        except BotoCoreError as error:
            raise StorageError(str(error)) from error
        return str(answer["Attributes"]["email"]["S"])

    def save_session(self, session_hash: str, email: str, expires_at: datetime) -> None:
        item = {
            **_session_key(session_hash),
            "email": {"S": email},
            "expires_at": {"S": _time(expires_at)},
            TTL_ATTRIBUTE: _expiry(expires_at),
        }
        with _storage_errors():
            self.client.put_item(TableName=self.table, Item=item, ConditionExpression="attribute_not_exists(pk)")

    def get_session(self, session_hash: str, now: datetime) -> str | None:
        with _storage_errors():
            # Consistent: a session ended a moment ago (sign-out) must not be read back as alive.
            item = self.client.get_item(TableName=self.table, Key=_session_key(session_hash), ConsistentRead=True).get("Item")
        if not item or not item["expires_at"]["S"] > _time(now):
            return None
        return str(item["email"]["S"])

    def end_session(self, session_hash: str) -> None:
        with _storage_errors():
            self.client.delete_item(TableName=self.table, Key=_session_key(session_hash))

    # Organizations

    def save_organization(self, organization: Organization) -> None:
        domains = list(dict.fromkeys(organization.domains))  # one transaction may not touch an item twice
        names = {"#id": "id", "#name": "name"}
        values: Item = {":id": {"S": organization.id}, ":name": {"S": organization.name}}
        expression = "SET #id = :id, #name = :name"
        if domains:
            names["#domains"] = "domains"
            values[":domains"] = {"SS": domains}
            expression += " ADD #domains :domains"
        writes: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": self.table,
                    "Key": _organization_key(organization.id),
                    "UpdateExpression": expression,
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": values,
                }
            }
        ]
        writes += [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": {**_domain_key(domain), "organization": {"S": organization.id}},
                    # The claim itself: a domain another organization owns cancels the whole save.
                    "ConditionExpression": "attribute_not_exists(pk) OR #organization = :id",
                    "ExpressionAttributeNames": {"#organization": "organization"},
                    "ExpressionAttributeValues": {":id": {"S": organization.id}},
                }
            }
            for domain in domains
        ]
        try:
            self._write_together(writes)
        except _Refused as refused:
            taken = [domains[position - 1] for position in refused.positions if position >= 1]
            if taken:
                raise DomainTaken(taken[0]) from refused
            raise StorageError(f"organization {organization.id} not saved") from refused

    def add_member(self, organization_id: str, email: str) -> bool:
        for attempt in range(ATTEMPTS):
            _pause_after_losing(attempt)
            with _storage_errors():
                item = self.client.get_item(TableName=self.table, Key=_member_key(email), ConsistentRead=True).get("Item")
            previous = item["organization"]["S"] if item else None
            if previous == organization_id:
                return True  # a member item names only an organization that exists
            writes = [self._membership(organization_id, "ADD", email), self._member(email, organization_id, previous)]
            if previous:
                writes.append(self._membership(previous, "DELETE", email))
            try:
                self._write_together(writes)
            except _Refused as refused:
                if 0 in refused.positions:
                    return False
                if refused.positions == [1]:
                    continue
                raise StorageError(f"{email} not moved to {organization_id}") from refused
            return True
        raise StorageError(f"{email}'s membership kept changing while it was moved")

    def _member(self, email: str, organization_id: str, previous: str | None) -> dict[str, Any]:
        """The member item, now naming `organization_id`, if it still names `previous` (None: no item)."""
        put: dict[str, Any] = {
            "TableName": self.table,
            "Item": {**_member_key(email), "organization": {"S": organization_id}},
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        if previous:
            # As read: a move someone else made meanwhile must not be undone blindly.
            put["ConditionExpression"] = "#organization = :previous"
            put["ExpressionAttributeNames"] = {"#organization": "organization"}
            put["ExpressionAttributeValues"] = {":previous": {"S": previous}}
        return {"Put": put}

    def _membership(self, organization_id: str, action: str, email: str) -> dict[str, Any]:
        """Add the e-mail to an organization's members (ADD) or take it out (DELETE); the organization must exist."""
        return {
            "Update": {
                "TableName": self.table,
                "Key": _organization_key(organization_id),
                "UpdateExpression": f"{action} #members :email",
                "ConditionExpression": "attribute_exists(pk)",
                "ExpressionAttributeNames": {"#members": "members"},
                "ExpressionAttributeValues": {":email": {"SS": [email]}},
            }
        }

    def list_organizations(self) -> list[Organization]:
        return [_organization(item) for item in self._partition(ORGANIZATIONS)]

    def organization_for(self, email: str) -> str | None:
        # Eventually consistent: membership changes are rare, and these reads come with every signed-in request.
        with _storage_errors():
            member = self.client.get_item(TableName=self.table, Key=_member_key(email)).get("Item")
            if member:
                return str(member["organization"]["S"])
            owner = self.client.get_item(TableName=self.table, Key=_domain_key(email.rpartition("@")[2])).get("Item")
        return str(owner["organization"]["S"]) if owner else None

    # Outbox

    def pending_messages(self, now: datetime, limit: int = 50, due_by: datetime | None = None) -> list[Message]:
        query: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": OUTBOX_INDEX,
            "KeyConditionExpression": "outbox_pk = :pending AND outbox_sk <= :due",
            "FilterExpression": "attribute_not_exists(claimed_at) OR claimed_at < :stale",
            "ExpressionAttributeValues": {
                ":pending": {"S": PENDING},
                ":due": {"S": _due_by(due_by or now)},
                ":stale": {"S": _time(now - STALE_CLAIM)},
            },
            "ScanIndexForward": True,  # soonest first
            "Limit": limit,
        }
        messages: list[Message] = []
        with _storage_errors():
            # Limit counts items before the filter drops claimed ones (a few, in flight), so read on until enough.
            while len(messages) < limit:
                page = self.client.query(**query)
                messages += [_message(item) for item in page.get("Items", [])]
                if "LastEvaluatedKey" not in page:
                    break
                query["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return messages[:limit]

    def claim_message(self, message_id: str, now: datetime) -> bool:
        return self._update_message(
            message_id,
            "SET claimed_at = :now ADD attempts :one",
            {
                ":now": {"S": _time(now)},
                ":one": {"N": "1"},
                ":pending": {"S": PENDING},
                ":due": {"S": _due_by(now)},
                ":stale": {"S": _time(now - STALE_CLAIM)},
            },
            "outbox_pk = :pending AND outbox_sk <= :due AND (attribute_not_exists(claimed_at) OR claimed_at < :stale)",
        )

    def hasten_messages(self, now: datetime) -> int:
        query: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": OUTBOX_INDEX,
            "KeyConditionExpression": "outbox_pk = :pending AND outbox_sk > :due",
            "ExpressionAttributeValues": {":pending": {"S": PENDING}, ":due": {"S": _due_by(now)}},
            "ProjectionExpression": "#id, outbox_sk",
            "ExpressionAttributeNames": {"#id": "id"},
        }
        hastened = 0
        while True:
            with _storage_errors():
                page = self.client.query(**query)
            for item in page.get("Items", []):
                message_id = item["id"]["S"]
                # Only if it is still waiting as it was read: a sender may have claimed or sent it since.
                hastened += self._update_message(
                    message_id,
                    "SET outbox_sk = :now",
                    {
                        ":now": {"S": f"{_time(now)}#{message_id}"},
                        ":pending": {"S": PENDING},
                        ":was": item["outbox_sk"],
                        ":stale": {"S": _time(now - STALE_CLAIM)},
                    },
                    "outbox_pk = :pending AND outbox_sk = :was AND (attribute_not_exists(claimed_at) OR claimed_at < :stale)",
                )
            if "LastEvaluatedKey" not in page:
                return hastened
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def mark_sent(self, message_id: str, now: datetime) -> None:
        # Leaving the outbox index is what makes a sent message never pending again.
        self._update_message(
            message_id,
            "SET sent_at = :now REMOVE claimed_at, #error, outbox_pk, outbox_sk",
            {":now": {"S": _time(now)}, ":pending": {"S": PENDING}},
            "outbox_pk = :pending",
        )

    def release_message(self, message_id: str, error: str, retry_at: datetime) -> None:
        self._update_message(
            message_id,
            "SET #error = :error, outbox_sk = :sk REMOVE claimed_at",
            {":error": {"S": error}, ":sk": {"S": f"{_time(retry_at)}#{message_id}"}, ":pending": {"S": PENDING}},
            "outbox_pk = :pending",
        )

    def give_up_message(self, message_id: str, error: str, now: datetime) -> None:
        at = _time(now)
        self._update_message(
            message_id,
            "SET #error = :error, failed_at = :at, outbox_pk = :failed, outbox_sk = :sk REMOVE claimed_at",
            {
                ":error": {"S": error},
                ":at": {"S": at},
                ":sk": {"S": f"{at}#{message_id}"},
                ":failed": {"S": FAILED},
                ":pending": {"S": PENDING},
            },
            "outbox_pk = :pending",
        )

    def failed_messages(self, limit: int = 50) -> list[Message]:
        with _storage_errors():
            page = self.client.query(
                TableName=self.table,
                IndexName=OUTBOX_INDEX,
                KeyConditionExpression="outbox_pk = :failed",
                ExpressionAttributeValues={":failed": {"S": FAILED}},
                ScanIndexForward=False,  # the latest first
                Limit=limit,
            )
        return [_message(item) for item in page.get("Items", [])]

    def retry_message(self, message_id: str, now: datetime) -> bool:
        at = _time(now)
        return self._update_message(
            message_id,
            "SET outbox_pk = :pending, outbox_sk = :sk, attempts = :none REMOVE failed_at",
            {":pending": {"S": PENDING}, ":sk": {"S": f"{at}#{message_id}"}, ":none": {"N": "0"}, ":failed": {"S": FAILED}},
            "outbox_pk = :failed",
        )

    def _update_message(self, message_id: str, expression: str, values: Item, condition: str) -> bool:
        """Change a stored message if `condition` holds (so an unknown id is never created); whether it did."""
        try:
            self.client.update_item(
                TableName=self.table,
                Key=_message_key(message_id),
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeValues=values,
                **({"ExpressionAttributeNames": {"#error": "error"}} if "#error" in expression else {}),
            )
        except ClientError as failure:
            if _error_code(failure) != "ConditionalCheckFailedException":
                raise StorageError(str(failure)) from failure
            return False
        except BotoCoreError as failure:
            raise StorageError(str(failure)) from failure
        return True

    # Rate limits

    def hits(self, key: str, window_seconds: int, now: datetime) -> tuple[int, int]:
        window = int(now.timestamp()) // window_seconds
        with _storage_errors():
            found = self.client.batch_get_item(
                RequestItems={
                    self.table: {
                        "Keys": [_key(f"RATE#{key}", str(w)) for w in (window - 1, window)],
                        "ProjectionExpression": "sk, #count",
                        "ExpressionAttributeNames": {"#count": "count"},
                    }
                }
            )
        counts = {int(item["sk"]["S"]): int(item["count"]["N"]) for item in found["Responses"].get(self.table, [])}
        return counts.get(window - 1, 0), counts.get(window, 0)

    def count_hit(self, key: str, window_seconds: int, now: datetime, at_most: float, amount: int = 1) -> bool:
        window = int(now.timestamp()) // window_seconds
        if at_most < 0:
            return False
        with _storage_errors():
            try:
                self.client.update_item(
                    TableName=self.table,
                    Key=_key(f"RATE#{key}", str(window)),
                    UpdateExpression="ADD #count :amount SET #ttl = :kept_until",
                    ConditionExpression="attribute_not_exists(#count) OR #count <= :at_most",
                    ExpressionAttributeNames={"#count": "count", "#ttl": TTL_ATTRIBUTE},
                    # A window's counter still weighs on the next window, and is useless after it.
                    ExpressionAttributeValues={
                        ":amount": {"N": str(amount)},
                        ":at_most": {"N": f"{at_most:.6f}"},
                        ":kept_until": {"N": str((window + 2) * window_seconds)},
                    },
                )
            except ClientError as error:
                if _error_code(error) == "ConditionalCheckFailedException":
                    return False
                raise
        return True


def _pause_after_losing(attempt: int) -> None:
    """Before trying again, a short random wait: writers that collided then rarely collide twice."""
    if attempt:
        time.sleep(random.uniform(0, 0.01 * attempt))


def _refuse_repeated(upload_ids: list[str]) -> None:
    # One transaction may not touch an item twice; an upload named twice is taken by its first use.
    if len(set(upload_ids)) != len(upload_ids):
        raise UploadTaken(next(i for i in upload_ids if upload_ids.count(i) > 1))


def _refused_writes(error: ClientError) -> list[int]:
    """The positions of the writes that cancelled a transaction (reasons come in the writes' order).

    A write refuses when its condition fails, or when another transaction was
    changing the same item at that moment: either way it lost to someone else.
    """
    if _error_code(error) != "TransactionCanceledException":
        return []
    reasons = error.response.get("CancellationReasons", [])
    return [
        position
        for position, reason in enumerate(reasons)
        if reason.get("Code") in ("ConditionalCheckFailed", "TransactionConflict")
    ]


def _unconfirmed_key(email: str) -> Item:
    return _key(f"UNCONFIRMED#{email}", "UNCONFIRMED")


def _request_key(request_key: str) -> Item:
    return _key(f"REQUEST#{request_key}", "REQUEST")


def _taken_upload(refused: _Refused, upload_ids: list[str], first_upload: int) -> UploadTaken | None:
    """UploadTaken for the first upload that refused, if one did (their writes start at `first_upload`)."""
    for position in refused.positions:
        if first_upload <= position < first_upload + len(upload_ids):
            return UploadTaken(upload_ids[position - first_upload])
    return None


def _listing_keys(ticket: Ticket) -> dict[str, str]:
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


def _listing(which: TicketFilter) -> tuple[str, str, TicketFilter]:
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


def _filter_expression(rest: TicketFilter, names: dict[str, str], values: Item) -> str:
    """What the index does not narrow, as a FilterExpression; fills in its names and values."""
    conditions: list[str] = []
    for attribute, wanted in (
        ("organization", rest.organization),
        ("status", rest.status),
        ("request_type", rest.request_type),
        ("product", rest.product),
    ):
        if wanted is not None:
            names[f"#{attribute}"] = attribute
            values[f":{attribute}"] = {"S": wanted}
            conditions.append(f"#{attribute} = :{attribute}")
    if rest.words:
        names["#subject_folded"] = "subject_folded"
    for n, word in enumerate(rest.words):
        values[f":word{n}"] = {"S": word}
        conditions.append(f"contains(#subject_folded, :word{n})")
    return " AND ".join(conditions)


def _matches(ticket: Ticket, which: TicketFilter) -> bool:
    """Whether a ticket found by its number passes the rest of the filter."""
    wanted = (
        (which.requester, ticket.requester.email),
        (which.organization, ticket.organization),
        (which.status, ticket.status),
        (which.request_type, ticket.request_type),
        (which.product, ticket.product),
        (which.number, ticket.number),
    )
    subject = fold(ticket.subject)
    return all(value is None or value == actual for value, actual in wanted) and all(w in subject for w in which.words)


def ticket_item(ticket: Ticket) -> Item:
    """A ticket's item as the table keeps it, in every listing index it belongs to (a bulk load writes these)."""
    item: Item = {
        **_ticket_key(ticket.number),
        "number": {"S": ticket.number},
        SEQUENCE: {"N": str(ticket.sequence)},
        "status": {"S": ticket.status},
        "request_type": {"S": ticket.request_type},
        "product": {"S": ticket.product},
        "subject": {"S": ticket.subject},
        "subject_folded": {"S": fold(ticket.subject)},
        "description": {"S": ticket.description},
        "requester_email": {"S": ticket.requester.email},
        "requester_name": {"S": ticket.requester.name},
        "created_at": {"S": _time(ticket.created_at)},
        "updated_at": {"S": _time(ticket.updated_at)},
        "attachments": {"L": [{"M": _attachment_item(a)} for a in ticket.attachments]},
        **{name: {"S": key} for name, key in _listing_keys(ticket).items()},
    }
    if ticket.organization is not None:
        item["organization"] = {"S": ticket.organization}
    if not ticket.confirmed:
        item["unconfirmed"] = {"BOOL": True}
    return item


def _attachment_item(attachment: Attachment) -> Item:
    return {
        "id": {"S": attachment.id},
        "filename": {"S": attachment.filename},
        "content_type": {"S": attachment.content_type},
        "size": {"N": str(attachment.size)},
        "key": {"S": attachment.key},
    }


def _attachments(item: Item) -> tuple[Attachment, ...]:
    return tuple(
        Attachment(
            id=a["id"]["S"],
            filename=a["filename"]["S"],
            content_type=a["content_type"]["S"],
            size=int(a["size"]["N"]),
            key=a["key"]["S"],
        )
        for a in (entry["M"] for entry in item["attachments"]["L"])
    )


def _ticket(item: Item) -> Ticket:
    return Ticket(
        number=item["number"]["S"],
        status=item["status"]["S"],
        request_type=item["request_type"]["S"],
        product=item["product"]["S"],
        subject=item["subject"]["S"],
        description=item["description"]["S"],
        requester=Requester(email=item["requester_email"]["S"], name=item["requester_name"]["S"]),
        organization=item["organization"]["S"] if "organization" in item else None,
        created_at=_parse(item["created_at"]["S"]),
        updated_at=_parse(item["updated_at"]["S"]),
        attachments=_attachments(item),
        confirmed="unconfirmed" not in item,
    )


def _comment_item(number: str, comment: Comment, position: int) -> Item:
    return {
        **_key(f"TICKET#{number}", f"COMMENT#{_fixed_time(comment.created_at)}#{position:06d}"),
        "id": {"S": comment.id},
        "author_email": {"S": comment.author.email},
        "author_name": {"S": comment.author.name},
        "author_role": {"S": comment.author.role},
        "body": {"S": comment.body},
        "created_at": {"S": _time(comment.created_at)},
        "attachments": {"L": [{"M": _attachment_item(a)} for a in comment.attachments]},
    }


def _comment(item: Item) -> Comment:
    return Comment(
        id=item["id"]["S"],
        author=Author(email=item["author_email"]["S"], name=item["author_name"]["S"], role=item["author_role"]["S"]),
        body=item["body"]["S"],
        created_at=_parse(item["created_at"]["S"]),
        attachments=_attachments(item),
    )


def _organization(item: Item) -> Organization:
    # Sets come back in no order; sorted, as the embedded store lists them.
    return Organization(
        id=item["id"]["S"],
        name=item["name"]["S"],
        domains=tuple(sorted(item.get("domains", {}).get("SS", []))),
        members=tuple(sorted(item.get("members", {}).get("SS", []))),
    )


def _message_item(message: Message) -> Item:
    created_at = _time(message.created_at)
    return {
        **_message_key(message.id),
        "id": {"S": message.id},
        "ticket": {"S": message.ticket},
        "kind": {"S": message.kind},
        "recipient": {"S": message.recipient},
        "raw": {"B": message.raw},
        "created_at": {"S": created_at},
        "attempts": {"N": str(message.attempts)},
        "outbox_pk": {"S": PENDING},
        "outbox_sk": {"S": f"{created_at}#{message.id}"},
    }


def _message(item: Item) -> Message:
    return Message(
        id=item["id"]["S"],
        ticket=item["ticket"]["S"],
        kind=item["kind"]["S"],
        recipient=item["recipient"]["S"],
        raw=item["raw"]["B"],
        created_at=_parse(item["created_at"]["S"]),
        attempts=int(item["attempts"]["N"]),
        error=item["error"]["S"] if "error" in item else None,
        failed_at=_parse(item["failed_at"]["S"]) if "failed_at" in item else None,
    )


def _due_by(now: datetime) -> str:
    """Above the `outbox_sk` of every message due by `now`: `<time>#<id>` sorts below `<time>~`."""
    return _time(now) + "~"
