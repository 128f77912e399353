"""What every part of the store does with the table: reach it, write together, lose races well."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ...ports import StorageError
from ...records import Message
from .items import message_item
from .layout import Item

ATTEMPTS = 10  # a change that lost a race with another one is tried again, up to this many times in all


class Refused(Exception):
    """A transaction cancelled by some of its writes (their positions, from 0); see refused_writes."""

    def __init__(self, positions: list[int]) -> None:
        super().__init__(f"transaction refused by its writes {positions}")
        self.positions = positions


@contextmanager
def storage_errors() -> Iterator[None]:
    """Any failure of DynamoDB (or of reaching it) is the port's StorageError."""
    try:
        yield
    except (ClientError, BotoCoreError) as error:
        raise StorageError(str(error)) from error


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def refused_writes(error: ClientError) -> list[int]:
    """The positions of the writes that cancelled a transaction (reasons come in the writes' order).

    A write refuses when its condition fails, or when another transaction was
    changing the same item at that moment: either way it lost to someone else.
    """
    if error_code(error) != "TransactionCanceledException":
        return []
    reasons = error.response.get("CancellationReasons", [])
    return [
        position
        for position, reason in enumerate(reasons)
        if reason.get("Code") in ("ConditionalCheckFailed", "TransactionConflict")
    ]


def pause_after_losing(attempt: int) -> None:
    """Before trying again, a short random wait: writers that collided then rarely collide twice."""
    if attempt:
        time.sleep(random.uniform(0, 0.01 * attempt))


class Table:
    """The table and its client, shared by the parts of the store."""

    def __init__(self, table_name: str, client: Any) -> None:
        self.table = table_name
        self.client = client

    def read(self, key: Item, consistent: bool = True) -> Item | None:
        with storage_errors():
            item: Item | None = self.client.get_item(TableName=self.table, Key=key, ConsistentRead=consistent).get("Item")
        return item

    def put_new(self, item: Item) -> None:
        """Write an item that must not exist yet."""
        with storage_errors():
            self.client.put_item(TableName=self.table, Item=item, ConditionExpression="attribute_not_exists(pk)")

    def put_new_write(self, item: Item) -> dict[str, Any]:
        """The same, as one write of a transaction."""
        return {"Put": {"TableName": self.table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}

    def update_if(self, key: Item, **update: Any) -> dict[str, Any] | None:
        """UpdateItem under its ConditionExpression: the answer, or None if the condition did not hold."""
        try:
            answer: dict[str, Any] = self.client.update_item(TableName=self.table, Key=key, **update)
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return None
            raise StorageError(str(error)) from error
        except BotoCoreError as error:
            raise StorageError(str(error)) from error
        return answer

    def partition(self, pk: str) -> list[Item]:
        """Every item of one partition, in sort key order, as written."""
        query: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": pk}},
            "ConsistentRead": True,
        }
        items: list[Item] = []
        with storage_errors():
            while True:
                answer = self.client.query(**query)
                items += answer.get("Items", [])
                if "LastEvaluatedKey" not in answer:
                    return items
                query["ExclusiveStartKey"] = answer["LastEvaluatedKey"]

    def queue(self, messages: Sequence[Message]) -> list[dict[str, Any]]:
        """The writes that put messages in the outbox, in the transaction of what they tell."""
        return [self.put_new_write(message_item(message)) for message in messages]

    def write_together(self, writes: list[dict[str, Any]]) -> None:
        """All the writes or none; Refused names the writes whose conditions cancelled them."""
        try:
            # botocore gives the call a ClientRequestToken, so a retry after a lost answer is the same
            # transaction (not a new one cancelled by the first's success).
            self.client.transact_write_items(TransactItems=writes)
        except ClientError as error:
            refused = refused_writes(error)
            if refused:
                raise Refused(refused) from error
            raise StorageError(str(error)) from error
        except BotoCoreError as error:
            raise StorageError(str(error)) from error
