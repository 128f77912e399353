"""Attachments in S3: browsers upload straight to the bucket by presigned POST.

The POST policy pins the key the server chose, the size it granted and the
declared type, and expires with the grant. S3 enforces it; the server still
reads what was really stored (size and first bytes) before a ticket may name
the file, because the policy is a promise about the form, not about the bytes.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cached_property
from typing import Any
from urllib.parse import quote

from botocore.exceptions import ClientError

from ..ports import FileChanged, StorageError
from ..records import StoredObject, Upload

MAX_FORM_SECONDS = 900  # a presigned form is never valid for longer than 15 minutes
MISSING = {"404", "NoSuchKey", "NotFound"}  # HeadObject has no body, so its 404 has only the status as code
REPLACED = {"412", "PreconditionFailed"}
# Where tickets keep their attachments: written only by the server, never by an upload form.
ATTACHMENTS_PREFIX = "attachments/"


class S3Files:
    def __init__(self, bucket: str, connect: Callable[[], Any]) -> None:
        # The client is made on first use: a container that only opens tickets without
        # attachments never pays the S3 client's share of a cold start.
        self.bucket = bucket
        self.connect = connect

    @cached_property
    def client(self) -> Any:
        return self.connect()

    def upload_form(self, upload: Upload) -> tuple[str, dict[str, str]]:
        seconds_left = int((upload.expires_at - datetime.now(UTC)).total_seconds())
        form = self.client.generate_presigned_post(
            Bucket=self.bucket,
            Key=upload.key,
            Fields={"Content-Type": upload.content_type},
            Conditions=[["content-length-range", 1, upload.size], {"Content-Type": upload.content_type}],
            ExpiresIn=max(1, min(seconds_left, MAX_FORM_SECONDS)),
        )
        return form["url"], form["fields"]

    def stat(self, key: str, head_bytes: int = 4096) -> StoredObject | None:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=key)
            size = int(head["ContentLength"])
            if size == 0:
                return StoredObject(size=0, head=b"", version=head["ETag"])  # a range over no bytes is refused
            # IfMatch: the bytes must come from the object whose size was just read, not from a file
            # the browser posted again in between.
            body = self.client.get_object(Bucket=self.bucket, Key=key, Range=f"bytes=0-{head_bytes - 1}", IfMatch=head["ETag"])[
                "Body"
            ]
            with body:
                return StoredObject(size=size, head=body.read(), version=head["ETag"])
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code in MISSING or code in REPLACED:
                # Not there, or being replaced while read: either way not a file the server has checked.
                return None
            raise

    def keep(self, key: str, stored: StoredObject, attachment_id: str) -> str:
        """Copy the upload, only if it still holds the checked bytes, to a key no upload form can write."""
        # A key of its own for every copy: a copy must never replace one another ticket kept.
        kept = f"{ATTACHMENTS_PREFIX}{attachment_id}/{secrets.token_hex(8)}"
        try:
            self.client.copy_object(
                Bucket=self.bucket,
                Key=kept,
                CopySource={"Bucket": self.bucket, "Key": key},
                CopySourceIfMatch=stored.version,
                MetadataDirective="COPY",
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code in MISSING or code in REPLACED:
                raise FileChanged(key) from error
            raise StorageError(str(error)) from error
        return kept

    def delete(self, key: str) -> None:
        # Not needed by the deployment as it stands (DynamoDB forgets uploads by TTL, and the
        # lifecycle rule removes their files), so its role is not granted s3:DeleteObject.
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

    def read(self, key: str) -> bytes | None:
        try:
            with self.client.get_object(Bucket=self.bucket, Key=key)["Body"] as body:
                return bytes(body.read())
        except ClientError as error:
            if error.response.get("Error", {}).get("Code", "") in MISSING:
                return None
            raise

    def download_url(self, key: str, filename: str, expires_in: int) -> str:
        return str(
            self.client.generate_presigned_url(
                "get_object",
                Params={
                    "Bucket": self.bucket,
                    "Key": key,
                    "ResponseContentDisposition": content_disposition(filename),
                    # Never the stored type: a browser must save the file, not render it on our origin.
                    "ResponseContentType": "application/octet-stream",
                },
                ExpiresIn=expires_in,
            )
        )


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback name and the real UTF-8 name (RFC 6266 / RFC 5987)."""
    decomposed = unicodedata.normalize("NFKD", filename)
    fallback = "".join(c for c in decomposed if c.isascii() and c.isprintable() and c not in '"\\') or "attachment"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
