"""The store on one DynamoDB table: its parts, one per kind of item, over one table and client."""

from __future__ import annotations

from .organizations import Organizations
from .outbox import Outbox
from .rates import Rates
from .sign_in import SignIns
from .tickets import Tickets


class DynamoDBStore(Tickets, SignIns, Organizations, Outbox, Rates):
    """The TicketStore port on DynamoDB: every read a GetItem or a Query, never a Scan (see layout)."""
