"""Tickets in one DynamoDB table: the AWS backend of the store.

Single-table design on `pk`/`sk`; every read is a GetItem or a Query, never a
Scan, so cost and latency stay flat as tickets pile up:

- ticket   `TICKET#<number>` / `TICKET`, its attachments inside the item;
- upload   `UPLOAD#<id>` / `UPLOAD`, with `ticket` once a ticket uses it;
- counter  `COUNTER` / `TICKET`, the last number handed out (atomic ADD);
- message  `MESSAGE#<id>` / `MESSAGE`, and while unsent also in the sparse
  `outbox` index (`outbox_pk` = PENDING, `outbox_sk` = `<created_at>#<id>`);
- rate     `RATE#<key>` / `<window number>`, a hit counter per window.

Items that only matter for a while carry `ttl` (epoch seconds), so DynamoDB
deletes them without a sweeper.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ..ports import FIRST_NUMBER, STALE_CLAIM, StorageError, UploadTaken
from ..records import Attachment, Message, Requester, Ticket, TicketDraft, Upload


TTL_ATTRIBUTE = "ttl"
OUTBOX_INDEX = "outbox"
PENDING = "PENDING"
UNUSED_UPLOAD_LIFETIME = timedelta(days=1)  # long after its 15-minute grant; a used upload is kept for good

Item = dict[str, dict[str, Any]]


def table_definition(table_name: str) -> dict[str, Any]:
    """The kwargs of `create_table` for the store's table (the SAM template declares the same).

    TTL is switched on separately (`update_time_to_live` on TTL_ATTRIBUTE, or
    the template's TimeToLiveSpecification): CreateTable cannot do it.
    """
    return {
        "TableName": table_name,
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": "S"} for name in ("pk", "sk", "outbox_pk", "outbox_sk")
        ],
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
            }
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }


def _time(moment: datetime) -> str:
    # The embedded store's format: UTC ISO 8601 strings, which sort as the moments they name.
    return moment.astimezone(timezone.utc).isoformat()


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _key(pk: str, sk: str) -> Item:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def _ticket_key(number: str) -> Item:
    return _key(f"TICKET#{number}", "TICKET")


def _upload_key(upload_id: str) -> Item:
    return _key(f"UPLOAD#{upload_id}", "UPLOAD")


def _message_key(message_id: str) -> Item:
    return _key(f"MESSAGE#{message_id}", "MESSAGE")


@contextmanager
def _storage_errors() -> Iterator[None]:
    """Any failure of DynamoDB (or of reaching it) is the port's StorageError."""
    try:
        yield
    except (ClientError, BotoCoreError) as error:
        raise StorageError(str(error)) from error


def _error_code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


class DynamoDBStore:
    def __init__(self, table_name: str, client: Any) -> None:
        self.table = table_name
        self.client = client

    # Tickets

    def create_ticket(self, draft: TicketDraft, prefix: str, compose: Callable[[Ticket], Sequence[Message]]) -> Ticket:
        upload_ids = [attachment.id for attachment in draft.attachments]
        if len(set(upload_ids)) != len(upload_ids):
            # One transaction may not touch an item twice; an upload named twice is taken by its first use.
            raise UploadTaken(next(i for i in upload_ids if upload_ids.count(i) > 1))
        ticket = draft.numbered(f"{prefix}-{self._next_number()}")
        writes: list[dict[str, Any]] = [
            {"Put": {"TableName": self.table, "Item": _ticket_item(ticket), "ConditionExpression": "attribute_not_exists(pk)"}}
        ]
        writes += [
            {
                "Update": {
                    "TableName": self.table,
                    "Key": _upload_key(upload_id),
                    # Used uploads stay, as in the embedded store: a second use must find it taken, not gone.
                    "UpdateExpression": "SET #ticket = :ticket REMOVE #ttl",
                    "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(#ticket)",
                    "ExpressionAttributeNames": {"#ticket": "ticket", "#ttl": TTL_ATTRIBUTE},
                    "ExpressionAttributeValues": {":ticket": {"S": ticket.number}},
                }
            }
            for upload_id in upload_ids
        ]
        writes += [
            {"Put": {"TableName": self.table, "Item": _message_item(message), "ConditionExpression": "attribute_not_exists(pk)"}}
            for message in compose(ticket)
        ]
        try:
            # botocore gives the call a ClientRequestToken, so a retry after a lost answer is the same
            # transaction (not a new one cancelled by the first's success).
            self.client.transact_write_items(TransactItems=writes)
        except ClientError as error:
            taken = _taken_upload(error, upload_ids)
            if taken is not None:
                raise UploadTaken(taken) from error
            raise StorageError(str(error)) from error
        except BotoCoreError as error:
            raise StorageError(str(error)) from error
        return ticket

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
        with _storage_errors():
            item = self.client.get_item(TableName=self.table, Key=_ticket_key(number), ConsistentRead=True).get("Item")
        return _ticket(item) if item else None

    # Uploads

    def save_upload(self, upload: Upload) -> None:
        expires = int((upload.expires_at + UNUSED_UPLOAD_LIFETIME).timestamp())
        item = {
            **_upload_key(upload.id),
            "id": {"S": upload.id},
            "filename": {"S": upload.filename},
            "content_type": {"S": upload.content_type},
            "size": {"N": str(upload.size)},
            "key": {"S": upload.key},
            "expires_at": {"S": _time(upload.expires_at)},
            TTL_ATTRIBUTE: {"N": str(expires)},
        }
        with _storage_errors():
            self.client.put_item(TableName=self.table, Item=item, ConditionExpression="attribute_not_exists(pk)")

    def get_upload(self, upload_id: str) -> Upload | None:
        with _storage_errors():
            item = self.client.get_item(TableName=self.table, Key=_upload_key(upload_id), ConsistentRead=True).get("Item")
        if not item:
            return None
        return Upload(
            id=item["id"]["S"], filename=item["filename"]["S"], content_type=item["content_type"]["S"],
            size=int(item["size"]["N"]), key=item["key"]["S"], expires_at=_parse(item["expires_at"]["S"]),
        )

    # Outbox

    def pending_messages(self, now: datetime, limit: int = 50) -> list[Message]:
        query: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": OUTBOX_INDEX,
            "KeyConditionExpression": "outbox_pk = :pending",
            "FilterExpression": "attribute_not_exists(claimed_at) OR claimed_at < :stale",
            "ExpressionAttributeValues": {":pending": {"S": PENDING}, ":stale": {"S": _time(now - STALE_CLAIM)}},
            "ScanIndexForward": True,  # oldest first
            "Limit": limit,
        }
        messages: list[Message] = []
        with _storage_errors():
            # Limit counts items before the filter drops claimed ones, so read on until enough are found.
            while len(messages) < limit:
                page = self.client.query(**query)
                messages += [_message(item) for item in page.get("Items", [])]
                if "LastEvaluatedKey" not in page:
                    break
                query["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return messages[:limit]

    def claim_message(self, message_id: str, now: datetime) -> bool:
        try:
            self.client.update_item(
                TableName=self.table,
                Key=_message_key(message_id),
                UpdateExpression="SET claimed_at = :now ADD attempts :one",
                ConditionExpression=(
                    "attribute_exists(pk) AND attribute_not_exists(sent_at) "
                    "AND (attribute_not_exists(claimed_at) OR claimed_at < :stale)"
                ),
                ExpressionAttributeValues={
                    ":now": {"S": _time(now)}, ":one": {"N": "1"}, ":stale": {"S": _time(now - STALE_CLAIM)},
                },
            )
        except ClientError as error:
            if _error_code(error) == "ConditionalCheckFailedException":
                return False
            raise StorageError(str(error)) from error
        except BotoCoreError as error:
            raise StorageError(str(error)) from error
        return True

    def mark_sent(self, message_id: str, now: datetime) -> None:
        # Leaving the outbox index is what makes a sent message never pending again.
        self._update_message(
            message_id, "SET sent_at = :now REMOVE claimed_at, #error, outbox_pk, outbox_sk", {":now": {"S": _time(now)}}
        )

    def release_message(self, message_id: str, error: str) -> None:
        self._update_message(message_id, "SET #error = :error REMOVE claimed_at", {":error": {"S": error}})

    def _update_message(self, message_id: str, expression: str, values: Item) -> None:
        """Change a stored message; an unknown id changes nothing (an update would create it)."""
        try:
            self.client.update_item(
                TableName=self.table,
                Key=_message_key(message_id),
                UpdateExpression=expression,
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames={"#error": "error"},
                ExpressionAttributeValues=values,
            )
        except ClientError as failure:
            if _error_code(failure) != "ConditionalCheckFailedException":
                raise StorageError(str(failure)) from failure
        except BotoCoreError as failure:
            raise StorageError(str(failure)) from failure

    # Rate limits

    def count_hit(self, key: str, window_seconds: int, now: datetime) -> int:
        window = int(now.timestamp()) // window_seconds
        with _storage_errors():
            answer = self.client.update_item(
                TableName=self.table,
                Key=_key(f"RATE#{key}", str(window)),
                UpdateExpression="ADD #count :one SET #ttl = :window_end",
                ExpressionAttributeNames={"#count": "count", "#ttl": TTL_ATTRIBUTE},
                # A window's counter is useless once the window has passed.
                ExpressionAttributeValues={":one": {"N": "1"}, ":window_end": {"N": str((window + 1) * window_seconds)}},
                ReturnValues="UPDATED_NEW",
            )
        return int(answer["Attributes"]["count"]["N"])


def _taken_upload(error: ClientError, upload_ids: list[str]) -> str | None:
    """The upload whose condition cancelled the transaction, if one did.

    Reasons come in the order of the writes: the ticket first, then one per upload.
    """
    if _error_code(error) != "TransactionCanceledException":
        return None
    reasons = error.response.get("CancellationReasons", [])
    for upload_id, reason in zip(upload_ids, reasons[1:]):
        if reason.get("Code") == "ConditionalCheckFailed":
            return upload_id
    return None


def _ticket_item(ticket: Ticket) -> Item:
    item: Item = {
        **_ticket_key(ticket.number),
        "number": {"S": ticket.number},
        "status": {"S": ticket.status},
        "request_type": {"S": ticket.request_type},
        "product": {"S": ticket.product},
        "subject": {"S": ticket.subject},
        "description": {"S": ticket.description},
        "requester_email": {"S": ticket.requester.email},
        "requester_name": {"S": ticket.requester.name},
        "created_at": {"S": _time(ticket.created_at)},
        "updated_at": {"S": _time(ticket.updated_at)},
        "attachments": {"L": [{"M": _attachment_item(a)} for a in ticket.attachments]},
    }
    if ticket.organization is not None:
        item["organization"] = {"S": ticket.organization}
    return item


def _attachment_item(attachment: Attachment) -> Item:
    return {
        "id": {"S": attachment.id},
        "filename": {"S": attachment.filename},
        "content_type": {"S": attachment.content_type},
        "size": {"N": str(attachment.size)},
        "key": {"S": attachment.key},
    }


def _ticket(item: Item) -> Ticket:
    return Ticket(
        number=item["number"]["S"], status=item["status"]["S"], request_type=item["request_type"]["S"],
        product=item["product"]["S"], subject=item["subject"]["S"], description=item["description"]["S"],
        requester=Requester(email=item["requester_email"]["S"], name=item["requester_name"]["S"]),
        organization=item["organization"]["S"] if "organization" in item else None,
        created_at=_parse(item["created_at"]["S"]), updated_at=_parse(item["updated_at"]["S"]),
        attachments=tuple(
            Attachment(id=a["id"]["S"], filename=a["filename"]["S"], content_type=a["content_type"]["S"],
                       size=int(a["size"]["N"]), key=a["key"]["S"])
            for a in (entry["M"] for entry in item["attachments"]["L"])
        ),
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
        id=item["id"]["S"], ticket=item["ticket"]["S"], kind=item["kind"]["S"], recipient=item["recipient"]["S"],
        raw=item["raw"]["B"], created_at=_parse(item["created_at"]["S"]), attempts=int(item["attempts"]["N"]),
        error=item["error"]["S"] if "error" in item else None,
    )
