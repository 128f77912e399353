"""Tickets and their conversations: numbered once, changed by conditional writes, listed by index."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from ...ports import FIRST_NUMBER, AlreadyChanged, AlreadyOpened, StorageError
from ...records import Message, Ticket, TicketChange, TicketDraft, TicketFilter
from ...text import fold
from . import items
from .items import placeholders
from .layout import (
    SEQUENCE,
    counter_key,
    listing,
    listing_keys,
    request_key,
    ticket_key,
    ticket_partition,
    unconfirmed_key,
)
from .table import ATTEMPTS, Refused, pause_after_losing, storage_errors
from .uploads import Uploads, refuse_repeated, taken_upload

MOST_READ_AT_ONCE = 500  # a filtered listing's Query reads at most this many items a round trip


class Tickets(Uploads):
    def create_ticket(self, draft: TicketDraft, prefix: str, compose: Callable[[Ticket], Sequence[Message]]) -> Ticket:
        upload_ids = [attachment.id for attachment in draft.attachments]
        refuse_repeated(upload_ids)
        if draft.request_key:
            self._refuse_opened(draft.request_key)  # before a number is drawn for nothing
        ticket = draft.numbered(f"{prefix}-{self._next_number()}")
        writes = [self.put_new_write(items.ticket_item(ticket))]
        if draft.request_key:
            writes.append(self.put_new_write({**request_key(draft.request_key), "ticket": {"S": ticket.number}}))
        if not draft.confirmed:
            writes.append(
                {
                    "Update": {
                        "TableName": self.table,
                        "Key": unconfirmed_key(ticket.requester.email),
                        "UpdateExpression": "ADD tickets :number",
                        "ExpressionAttributeValues": placeholders({"number": {ticket.number}}),
                    }
                }
            )
        first_upload = len(writes)
        writes += self.uses(upload_ids, ticket.number)
        writes += self.queue(compose(ticket))
        try:
            self.write_together(writes)
        except Refused as refused:
            if draft.request_key and 1 in refused.positions:  # the same request, at the same moment, won
                self._refuse_opened(draft.request_key)
            raise taken_upload(refused, upload_ids, first_upload) or StorageError(str(refused)) from refused
        return ticket

    def _refuse_opened(self, request: str) -> None:
        """Raise AlreadyOpened if a ticket already holds this request key."""
        item = self.read(request_key(request))
        if item:
            raise AlreadyOpened(item["ticket"]["S"])

    def _next_number(self) -> int:
        """The next ticket number; a failed write after it leaves a gap, never a duplicate."""
        answer = self.update_if(
            counter_key(),
            UpdateExpression="ADD #value :one",
            ExpressionAttributeNames={"#value": "value"},
            ExpressionAttributeValues=placeholders({"one": 1}),
            ReturnValues="UPDATED_NEW",
        )
        assert answer is not None  # no condition to fail
        return FIRST_NUMBER - 1 + int(answer["Attributes"]["value"]["N"])

    def get_ticket(self, number: str) -> Ticket | None:
        found = self.partition(ticket_partition(number))
        own = next((item for item in found if item["sk"]["S"] == "TICKET"), None)
        if own is None:
            return None
        comments = tuple(items.comment(item) for item in found if item["sk"]["S"].startswith("COMMENT#"))
        return replace(items.ticket(own), comments=comments)

    def confirm_tickets(self, email: str) -> list[str]:
        item = self.read(unconfirmed_key(email))
        numbers = sorted(item["tickets"]["SS"]) if item and "tickets" in item else []
        confirmed = [number for number in numbers if self._confirm(number)]
        if numbers:
            # A ticket opened meanwhile stays in the set, for the next sign-in.
            self.update_if(
                unconfirmed_key(email),
                UpdateExpression="DELETE tickets :done",
                ExpressionAttributeValues=placeholders({"done": set(numbers)}),
            )
        return confirmed

    def _confirm(self, number: str) -> bool:
        """Put an unconfirmed ticket in its organization's indexes; False if it was confirmed already."""
        for attempt in range(ATTEMPTS):
            pause_after_losing(attempt)
            item = self.read(ticket_key(number))
            if not item or "unconfirmed" not in item:
                return False
            ticket = replace(items.ticket(item), confirmed=True)
            keys = {name: key for name, key in listing_keys(ticket).items() if name.startswith("organization")}
            setting = "SET " + ", ".join(f"{name} = :{name}" for name in keys) + " " if keys else ""
            confirmed = self.update_if(
                ticket_key(number),
                UpdateExpression=setting + "REMOVE unconfirmed",
                # The organization's status index must match the status: one changed meanwhile is read again.
                ConditionExpression="attribute_exists(unconfirmed) AND #status = :status",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=placeholders({**keys, "status": ticket.status}),
            )
            if confirmed is not None:
                return True
        raise StorageError(f"{number} kept changing while it was being confirmed")

    def update_ticket(self, number: str, change: TicketChange, compose: Callable[[Ticket], Sequence[Message]]) -> Ticket | None:
        upload_ids = [attachment.id for attachment in change.comment.attachments] if change.comment else []
        refuse_repeated(upload_ids)
        for attempt in range(ATTEMPTS):
            pause_after_losing(attempt)
            item = self.read(ticket_key(number))
            if not item:
                return None
            current = items.ticket(item)
            # As the embedded store hands it over: the changed ticket without its conversation.
            changed = replace(
                current, status=change.status if change.status is not None else current.status, updated_at=change.at
            )
            comments = int(item.get("comments", {"N": "0"})["N"])
            writes = [self._ticket_change(changed, change, comments)]
            if change.comment is not None:
                writes.append(self.put_new_write(items.comment_item(number, change.comment, comments)))
            writes += self.uses(upload_ids, number)
            writes += self.queue(compose(changed))
            if change.request_key:  # last: the uploads' positions stay where taken_upload looks
                writes.append(self.put_new_write({**request_key(change.request_key), "ticket": {"S": number}}))
            try:
                self.write_together(writes)
            except Refused as refused:
                if change.request_key and len(writes) - 1 in refused.positions:
                    raise AlreadyChanged(number) from refused
                taken = taken_upload(refused, upload_ids, first_upload=2)
                if taken:
                    raise taken from refused
                if 0 in refused.positions:
                    continue  # another change came first (its comment may have taken this one's place): read again
                raise StorageError(str(refused)) from refused
            return changed
        raise StorageError(f"{number} kept changing while a change was written")

    def _ticket_change(self, changed: Ticket, change: TicketChange, comments: int) -> dict[str, Any]:
        """The ticket's own update: status, `updated_at`, its status indexes, one more comment."""
        values: dict[str, Any] = {"updated_at": items.time(change.at)}
        if change.status is not None:
            # The status indexes move with the status, in the same write, so no list shows a stale one.
            values["status"] = changed.status
            values.update({name: key for name, key in listing_keys(changed).items() if name.endswith("_status_pk")})
        names = {f"#{name}": name for name in values}
        expression = "SET " + ", ".join(f"#{name} = :{name}" for name in values)
        condition = "attribute_exists(pk)"
        if change.comment is not None:
            # Comments are numbered in the ticket's order: a second writer with the same count must read again.
            names["#comments"] = "comments"
            values.update(comments=comments, one=1)
            expression += " ADD #comments :one"
            condition += " AND (attribute_not_exists(#comments) OR #comments = :comments)"
        return {
            "Update": {
                "TableName": self.table,
                "Key": ticket_key(changed.number),
                "UpdateExpression": expression,
                "ConditionExpression": condition,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": placeholders(values),
            }
        }

    def find_tickets(self, which: TicketFilter, limit: int, before: int | None = None) -> tuple[list[Ticket], bool]:
        if which.number is not None:
            item = self.read(ticket_key(which.number), consistent=False)
            ticket = items.ticket(item) if item else None
            if ticket is None or not _matches(ticket, which) or (before is not None and ticket.sequence >= before):
                return [], False
            return [ticket], False
        index, partition, rest = listing(which)
        names = {"#partition": f"{index}_pk"}
        values: dict[str, Any] = {"partition": partition}
        condition = "#partition = :partition"
        if before is not None:
            names["#sequence"] = SEQUENCE
            values["before"] = before
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
        query["ExpressionAttributeValues"] = placeholders(values)
        return self._newest(query, limit)

    def _newest(self, query: dict[str, Any], limit: int) -> tuple[list[Ticket], bool]:
        """The first `limit` tickets the query finds and whether more match: reads on until it knows."""
        wanted = limit + 1
        found: list[Ticket] = []
        read = 0
        batch = wanted
        with storage_errors():
            while True:
                answer = self.client.query(**query, Limit=batch)
                found += [items.ticket(item) for item in answer.get("Items", [])]
                read += answer.get("ScannedCount", 0)
                if len(found) >= wanted or "LastEvaluatedKey" not in answer:
                    break
                query = {**query, "ExclusiveStartKey": answer["LastEvaluatedKey"]}
                # Limit counts items read, not items matched: ask for as many as the filter seems to need.
                missing = wanted - len(found)
                batch = min(MOST_READ_AT_ONCE, math.ceil(missing * read / len(found)) if found else batch * 2)
        return found[:limit], len(found) > limit


def _filter_expression(rest: TicketFilter, names: dict[str, str], values: dict[str, Any]) -> str:
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
            values[attribute] = wanted
            conditions.append(f"#{attribute} = :{attribute}")
    if rest.words:
        names["#subject_folded"] = "subject_folded"
    for n, word in enumerate(rest.words):
        values[f"word{n}"] = word
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
