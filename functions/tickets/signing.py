"""One signer for what the server hands out and must recognise when it comes back.

List cursors, and on one machine the upload forms and download links, are
signed with the deployment's secret by itsdangerous (HMAC-SHA256), each
purpose with a salt of its own, so that a token made for one is never taken
for another. Where a token does not fit (the reply address and Message-IDs of
ticket e-mails), a short HMAC-SHA256 tag of its own purpose does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer


class Forged(ValueError):
    """The token was not made by this server for this purpose (or was changed since)."""


def sign(secret: bytes, purpose: str, value: Any) -> str:
    """A URL-safe token holding `value` (anything JSON can hold)."""
    return _serializer(secret, purpose).dumps(value)


def unsign(secret: bytes, purpose: str, token: str) -> Any:
    """The value a token holds; Forged if this server did not sign it for this purpose."""
    try:
        return _serializer(secret, purpose).loads(token)
    except BadSignature as error:
        raise Forged(purpose) from error


def tag(secret: bytes, purpose: str, value: str, length: int = 10) -> str:
    """A short lower-case tag that only this server could make for `value`: for addresses and
    Message-IDs, where a token does not fit (mail software may lower-case, and local parts are short)."""
    digest = hmac.new(secret, f"{purpose}\x00{value}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode().lower()[:length]


def has_tag(secret: bytes, purpose: str, value: str, given: str, length: int = 10) -> bool:
    return hmac.compare_digest(tag(secret, purpose, value, length), given.lower())


def _serializer(secret: bytes, purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=purpose, signer_kwargs={"digest_method": hashlib.sha256})
