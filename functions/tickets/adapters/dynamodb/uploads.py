"""Uploads: granted before the file is sent, used by at most one ticket or comment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ...ports import UNUSED_UPLOAD_KEPT, UploadTaken
from ...records import Upload
from . import items
from .layout import TTL_ATTRIBUTE, upload_key
from .table import Refused, Table


class Uploads(Table):
    def save_upload(self, upload: Upload) -> None:
        self.put_new(items.upload_item(upload, kept_until=upload.expires_at + UNUSED_UPLOAD_KEPT))

    def forget_unused_uploads(self, expired_before: datetime) -> list[str]:
        """None to forget: an unused upload's item expires by TTL, and S3's lifecycle rule removes its file."""
        return []

    def get_upload(self, upload_id: str) -> Upload | None:
        item = self.read(upload_key(upload_id))
        return items.upload(item) if item else None

    def uses(self, upload_ids: list[str], number: str) -> list[dict[str, Any]]:
        """The writes that mark uploads used by a ticket; each condition fails for an unknown or used one."""
        return [
            {
                "Update": {
                    "TableName": self.table,
                    "Key": upload_key(upload_id),
                    # Used uploads stay, as in the embedded store: a second use must find it taken, not gone.
                    "UpdateExpression": "SET #ticket = :ticket REMOVE #ttl",
                    "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(#ticket)",
                    "ExpressionAttributeNames": {"#ticket": "ticket", "#ttl": TTL_ATTRIBUTE},
                    "ExpressionAttributeValues": {":ticket": {"S": number}},
                }
            }
            for upload_id in upload_ids
        ]


def refuse_repeated(upload_ids: list[str]) -> None:
    # One transaction may not touch an item twice; an upload named twice is taken by its first use.
    if len(set(upload_ids)) != len(upload_ids):
        raise UploadTaken(next(i for i in upload_ids if upload_ids.count(i) > 1))


def taken_upload(refused: Refused, upload_ids: list[str], first_upload: int) -> UploadTaken | None:
    """UploadTaken for the first upload that refused, if one did (their writes start at `first_upload`)."""
    for position in refused.positions:
        if first_upload <= position < first_upload + len(upload_ids):
            return UploadTaken(upload_ids[position - first_upload])
    return None
