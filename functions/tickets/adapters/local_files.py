"""Attachments in a folder: the embedded stand-in for S3 and its presigned POST.

`upload_form` gives the browser the same shape S3 does: a URL and fields to
post before the file. The fields carry a policy (key, size limit, expiry)
signed by `tickets.signing`; `receive` checks it before taking a byte and stops as soon
as the stream passes the limit, so an oversized file is never kept.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from .. import signing
from ..records import StoredObject, Upload

UPLOAD_PATH = "/_files/upload"
DOWNLOAD_PATH = "/_files/download"
KEY_PREFIXES = frozenset({"uploads", "inbound"})
UPLOAD_POLICY, DOWNLOAD_LINK = "upload-policy", "download-link"  # the signer's purposes


class UploadRefused(Exception):
    """The posted file breaks its policy; `status` is the HTTP answer (403 or 413)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class LocalFiles:
    def __init__(self, root: Path, secret: bytes) -> None:
        self.root = root
        self.secret = secret

    # What the function asks for

    def upload_form(self, upload: Upload) -> tuple[str, dict[str, str]]:
        policy = {
            "key": upload.key,
            "max_size": upload.size,
            "content_type": upload.content_type,
            "expires": int(upload.expires_at.timestamp()),
        }
        return UPLOAD_PATH, {
            "key": upload.key,
            "Content-Type": upload.content_type,
            "policy": signing.sign(self.secret, UPLOAD_POLICY, policy),
        }

    def stat(self, key: str, head_bytes: int = 4096) -> StoredObject | None:
        path = self._path(key)
        if not path.is_file():
            return None
        with path.open("rb") as stream:
            return StoredObject(size=path.stat().st_size, head=stream.read(head_bytes))

    def keep(self, key: str, stored: StoredObject, attachment_id: str) -> str:
        """Uploads here are written once, so the checked file stays as it was where it is."""
        return key

    def download_url(self, key: str, filename: str, expires_in: int) -> str:
        link = {"key": key, "filename": filename, "expires": int(time.time()) + expires_in}
        return f"{DOWNLOAD_PATH}?{urlencode({'link': signing.sign(self.secret, DOWNLOAD_LINK, link)})}"

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        draft.write_bytes(data)
        draft.replace(path)  # whole or not at all: a reader never sees half a file

    def read(self, key: str) -> bytes | None:
        path = self._path(key)
        return path.read_bytes() if path.is_file() else None

    # What the local server does when the browser posts

    def receive(self, fields: dict[str, str], chunks: Iterable[bytes]) -> int:
        """Store the posted file under the policy's key; the bytes written."""
        policy = self._policy(fields)
        path = self._path(policy["key"])
        if path.exists():
            # Write-once: the server may already have checked (and a ticket kept) these bytes.
            raise UploadRefused(403, "This upload has already been received.")
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.part-{secrets.token_hex(6)}")
        written = 0
        try:
            with partial.open("wb") as stream:
                for chunk in chunks:
                    written += len(chunk)
                    if written > policy["max_size"]:
                        raise UploadRefused(413, "The file is larger than the size it was granted.")
                    stream.write(chunk)
            if written == 0:
                raise UploadRefused(400, "The file is empty.")
            try:
                os.link(partial, path)  # never replaces: another post of this form may have got there first
            except FileExistsError as error:
                raise UploadRefused(403, "This upload has already been received.") from error
        finally:
            partial.unlink(missing_ok=True)
        return written

    def open_download(self, query: dict[str, str]) -> tuple[Path, str]:
        """The file and its name for a signed, unexpired download link."""
        try:
            link = signing.unsign(self.secret, DOWNLOAD_LINK, query.get("link", ""))
        except signing.Forged:
            link = None
        if link is None or link["expires"] < time.time():
            raise UploadRefused(403, "This download link is not valid or has expired.")
        path = self._path(link["key"])
        if not path.is_file():
            raise UploadRefused(404, "Not found.")
        return path, link["filename"]

    def _policy(self, fields: dict[str, str]) -> dict[str, Any]:
        try:
            policy = signing.unsign(self.secret, UPLOAD_POLICY, fields.get("policy", ""))
        except signing.Forged:
            raise UploadRefused(403, "The upload form is not valid.") from None
        if policy["expires"] < time.time():
            raise UploadRefused(403, "The upload form has expired; ask for a new one.")
        if fields.get("key") != policy["key"]:
            raise UploadRefused(403, "The key does not match the upload form.")
        return dict(policy)

    def _path(self, key: str) -> Path:
        # Keys are made by the server ("uploads/<random id>", and "inbound/<id>" for a received
        # e-mail); refuse anything else outright.
        prefix, _, name = key.partition("/")
        if prefix not in KEY_PREFIXES or not name or "/" in name or "." in name:
            raise UploadRefused(403, "Unknown key.")
        return self.root / key
