"""Tickets in one DynamoDB table: the AWS backend of the store.

`layout` says what the table holds and why (items, keys, the listing indexes);
`items` maps records to items and back; `table` is what every part shares
(conditional writes, transactions, races); each other module is one kind of
item: tickets and uploads, sign-ins, organizations, the outbox, rate limits.
"""

from .items import ticket_item
from .layout import TTL_ATTRIBUTE, table_definition
from .store import DynamoDBStore

__all__ = ["TTL_ATTRIBUTE", "DynamoDBStore", "table_definition", "ticket_item"]
