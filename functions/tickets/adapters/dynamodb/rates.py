"""Rate limits: a hit counter per key and fixed window, each window weighing on the next."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from .items import placeholders
from .layout import TTL_ATTRIBUTE, rate_key
from .table import Table, storage_errors


class Rates(Table):
    def hits(self, key: str, window_seconds: int, now: datetime) -> tuple[int, int]:
        window = int(now.timestamp()) // window_seconds
        with storage_errors():
            found = self.client.batch_get_item(
                RequestItems={
                    self.table: {
                        "Keys": [rate_key(key, w) for w in (window - 1, window)],
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
        counted = self.update_if(
            rate_key(key, window),
            UpdateExpression="ADD #count :amount SET #ttl = :kept_until",
            ConditionExpression="attribute_not_exists(#count) OR #count <= :at_most",
            ExpressionAttributeNames={"#count": "count", "#ttl": TTL_ATTRIBUTE},
            # A window's counter still weighs on the next window, and is useless after it.
            ExpressionAttributeValues=placeholders(
                {"amount": amount, "at_most": Decimal(f"{at_most:.6f}"), "kept_until": (window + 2) * window_seconds}
            ),
        )
        return counted is not None
