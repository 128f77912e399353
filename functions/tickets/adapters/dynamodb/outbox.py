"""The outbox: messages queued with what they tell, in a sparse index while unsent.

`outbox_pk` is PENDING with `outbox_sk` = `<next attempt at>#<id>`, so the
messages due are one Query; FAILED with `<failed at>#<id>` once given up.
Every change is conditional on the message's place in that index, so two
senders never both claim one, and a sent message is never pending again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ...ports import STALE_CLAIM
from ...records import Message
from . import items
from .items import placeholders
from .layout import FAILED, OUTBOX_INDEX, PENDING, message_key
from .table import Table, storage_errors


class Outbox(Table):
    def pending_messages(self, now: datetime, limit: int = 50, due_by: datetime | None = None) -> list[Message]:
        query: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": OUTBOX_INDEX,
            "KeyConditionExpression": "outbox_pk = :pending AND outbox_sk <= :due",
            "FilterExpression": "attribute_not_exists(claimed_at) OR claimed_at < :stale",
            "ExpressionAttributeValues": placeholders(
                {"pending": PENDING, "due": items.due_by(due_by or now), "stale": items.time(now - STALE_CLAIM)}
            ),
            "ScanIndexForward": True,  # soonest first
            "Limit": limit,
        }
        messages: list[Message] = []
        with storage_errors():
            # Limit counts items before the filter drops claimed ones (a few, in flight), so read on until enough.
            while len(messages) < limit:
                page = self.client.query(**query)
                messages += [items.message(item) for item in page.get("Items", [])]
                if "LastEvaluatedKey" not in page:
                    break
                query["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return messages[:limit]

    def claim_message(self, message_id: str, now: datetime) -> bool:
        return self._update_message(
            message_id,
            "SET claimed_at = :now ADD attempts :one",
            {
                "now": items.time(now),
                "one": 1,
                "pending": PENDING,
                "due": items.due_by(now),
                "stale": items.time(now - STALE_CLAIM),
            },
            "outbox_pk = :pending AND outbox_sk <= :due AND (attribute_not_exists(claimed_at) OR claimed_at < :stale)",
        )

    def hasten_messages(self, now: datetime) -> int:
        query: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": OUTBOX_INDEX,
            "KeyConditionExpression": "outbox_pk = :pending AND outbox_sk > :due",
            "ExpressionAttributeValues": placeholders({"pending": PENDING, "due": items.due_by(now)}),
            "ProjectionExpression": "#id, outbox_sk",
            "ExpressionAttributeNames": {"#id": "id"},
        }
        hastened = 0
        while True:
            with storage_errors():
                page = self.client.query(**query)
            for item in page.get("Items", []):
                message_id = item["id"]["S"]
                # Only if it is still waiting as it was read: a sender may have claimed or sent it since.
                hastened += self._update_message(
                    message_id,
                    "SET outbox_sk = :now",
                    {
                        "now": f"{items.time(now)}#{message_id}",
                        "pending": PENDING,
                        "was": item["outbox_sk"]["S"],
                        "stale": items.time(now - STALE_CLAIM),
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
            {"now": items.time(now), "pending": PENDING},
            "outbox_pk = :pending",
        )

    def release_message(self, message_id: str, error: str, retry_at: datetime) -> None:
        self._update_message(
            message_id,
            "SET #error = :error, outbox_sk = :sk REMOVE claimed_at",
            {"error": error, "sk": f"{items.time(retry_at)}#{message_id}", "pending": PENDING},
            "outbox_pk = :pending",
        )

    def give_up_message(self, message_id: str, error: str, now: datetime) -> None:
        at = items.time(now)
        self._update_message(
            message_id,
            "SET #error = :error, failed_at = :at, outbox_pk = :failed, outbox_sk = :sk REMOVE claimed_at",
            {"error": error, "at": at, "sk": f"{at}#{message_id}", "failed": FAILED, "pending": PENDING},
            "outbox_pk = :pending",
        )

    def failed_messages(self, limit: int = 50) -> list[Message]:
        with storage_errors():
            page = self.client.query(
                TableName=self.table,
                IndexName=OUTBOX_INDEX,
                KeyConditionExpression="outbox_pk = :failed",
                ExpressionAttributeValues=placeholders({"failed": FAILED}),
                ScanIndexForward=False,  # the latest first
                Limit=limit,
            )
        return [items.message(item) for item in page.get("Items", [])]

    def retry_message(self, message_id: str, now: datetime) -> bool:
        return self._update_message(
            message_id,
            "SET outbox_pk = :pending, outbox_sk = :sk, attempts = :none REMOVE failed_at",
            {"pending": PENDING, "sk": f"{items.time(now)}#{message_id}", "none": 0, "failed": FAILED},
            "outbox_pk = :failed",
        )

    def _update_message(self, message_id: str, expression: str, values: dict[str, Any], condition: str) -> bool:
        """Change a stored message if `condition` holds (so an unknown id is never created); whether it did."""
        names = {"ExpressionAttributeNames": {"#error": "error"}} if "#error" in expression else {}
        changed = self.update_if(
            message_key(message_id),
            UpdateExpression=expression,
            ConditionExpression=condition,
            ExpressionAttributeValues=placeholders(values),
            **names,
        )
        return changed is not None
