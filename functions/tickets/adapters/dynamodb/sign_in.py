"""Sign-in links and sessions: stored by the hash of their token, read back only while unexpired."""

from __future__ import annotations

from datetime import datetime

from ...ports import StorageError
from ...records import Message
from . import items
from .items import attributes, placeholders
from .layout import TTL_ATTRIBUTE, Item, session_key, sign_in_key
from .table import Refused, Table, storage_errors


class SignIns(Table):
    def save_sign_in(self, token_hash: str, email: str, expires_at: datetime, message: Message | None = None) -> None:
        item = {**sign_in_key(token_hash), **_expiring(email, expires_at)}
        if message is None:
            self.put_new(item)
            return
        try:
            self.write_together([self.put_new_write(item), *self.queue([message])])
        except Refused as refused:
            raise StorageError(f"sign-in token or message already stored: writes {refused.positions}") from refused

    def use_sign_in(self, token_hash: str, now: datetime) -> str | None:
        # One conditional write: of two uses at once, DynamoDB lets exactly one through.
        answer = self.update_if(
            sign_in_key(token_hash),
            UpdateExpression="SET used_at = :now",
            ConditionExpression="attribute_exists(pk) AND attribute_not_exists(used_at) AND expires_at > :now",
            ExpressionAttributeValues=placeholders({"now": items.time(now)}),
            ReturnValues="ALL_NEW",
        )
        return str(answer["Attributes"]["email"]["S"]) if answer else None

    def save_session(self, session_hash: str, email: str, expires_at: datetime) -> None:
        self.put_new({**session_key(session_hash), **_expiring(email, expires_at)})

    def get_session(self, session_hash: str, now: datetime) -> str | None:
        # Consistent: a session ended a moment ago (sign-out) must not be read back as alive.
        item = self.read(session_key(session_hash))
        # DynamoDB deletes expired items late (up to days after), so the expiry is checked here.
        if not item or not item["expires_at"]["S"] > items.time(now):
            return None
        return str(item["email"]["S"])

    def end_session(self, session_hash: str) -> None:
        with storage_errors():
            self.client.delete_item(TableName=self.table, Key=session_key(session_hash))


def _expiring(email: str, expires_at: datetime) -> Item:
    return attributes({"email": email, "expires_at": items.time(expires_at), TTL_ATTRIBUTE: items.expiry(expires_at)})
