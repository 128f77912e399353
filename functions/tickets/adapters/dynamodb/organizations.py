"""Organizations: the domains they own (claimed by condition) and the members they list."""

from __future__ import annotations

from typing import Any

from ...ports import DomainTaken, StorageError
from ...records import Organization
from . import items
from .items import placeholders
from .layout import ORGANIZATIONS, domain_key, member_key, organization_key
from .table import ATTEMPTS, Refused, Table, pause_after_losing


class Organizations(Table):
    def save_organization(self, organization: Organization) -> None:
        domains = list(dict.fromkeys(organization.domains))  # one transaction may not touch an item twice
        names = {"#id": "id", "#name": "name"}
        values: dict[str, Any] = {"id": organization.id, "name": organization.name}
        expression = "SET #id = :id, #name = :name"
        if domains:
            names["#domains"] = "domains"
            values["domains"] = set(domains)
            expression += " ADD #domains :domains"
        writes: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": self.table,
                    "Key": organization_key(organization.id),
                    "UpdateExpression": expression,
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": placeholders(values),
                }
            }
        ]
        writes += [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": {**domain_key(domain), "organization": {"S": organization.id}},
                    # The claim itself: a domain another organization owns cancels the whole save.
                    "ConditionExpression": "attribute_not_exists(pk) OR #organization = :id",
                    "ExpressionAttributeNames": {"#organization": "organization"},
                    "ExpressionAttributeValues": placeholders({"id": organization.id}),
                }
            }
            for domain in domains
        ]
        try:
            self.write_together(writes)
        except Refused as refused:
            taken = [domains[position - 1] for position in refused.positions if position >= 1]
            if taken:
                raise DomainTaken(taken[0]) from refused
            raise StorageError(f"organization {organization.id} not saved") from refused

    def add_member(self, organization_id: str, email: str) -> bool:
        for attempt in range(ATTEMPTS):
            pause_after_losing(attempt)
            item = self.read(member_key(email))
            previous = item["organization"]["S"] if item else None
            if previous == organization_id:
                return True  # a member item names only an organization that exists
            writes = [self._membership(organization_id, "ADD", email), self._member(email, organization_id, previous)]
            if previous:
                writes.append(self._membership(previous, "DELETE", email))
            try:
                self.write_together(writes)
            except Refused as refused:
                if 0 in refused.positions:
                    return False
                if refused.positions == [1]:
                    continue
                raise StorageError(f"{email} not moved to {organization_id}") from refused
            return True
        raise StorageError(f"{email}'s membership kept changing while it was moved")

    def _member(self, email: str, organization_id: str, previous: str | None) -> dict[str, Any]:
        """The member item, now naming `organization_id`, if it still names `previous` (None: no item)."""
        put = self.put_new_write({**member_key(email), "organization": {"S": organization_id}})
        if previous:
            # As read: a move someone else made meanwhile must not be undone blindly.
            put["Put"]["ConditionExpression"] = "#organization = :previous"
            put["Put"]["ExpressionAttributeNames"] = {"#organization": "organization"}
            put["Put"]["ExpressionAttributeValues"] = placeholders({"previous": previous})
        return put

    def _membership(self, organization_id: str, action: str, email: str) -> dict[str, Any]:
        """Add the e-mail to an organization's members (ADD) or take it out (DELETE); the organization must exist."""
        return {
            "Update": {
                "TableName": self.table,
                "Key": organization_key(organization_id),
                "UpdateExpression": f"{action} #members :email",
                "ConditionExpression": "attribute_exists(pk)",
                "ExpressionAttributeNames": {"#members": "members"},
                "ExpressionAttributeValues": placeholders({"email": {email}}),
            }
        }

    def list_organizations(self) -> list[Organization]:
        return [items.organization(item) for item in self.partition(ORGANIZATIONS)]

    def organization_for(self, email: str) -> str | None:
        # Eventually consistent: membership changes are rare, and these reads come with every signed-in request.
        member = self.read(member_key(email), consistent=False)
        if member:
            return str(member["organization"]["S"])
        owner = self.read(domain_key(email.rpartition("@")[2]), consistent=False)
        return str(owner["organization"]["S"]) if owner else None
