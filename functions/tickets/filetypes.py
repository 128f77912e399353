"""The real type of an uploaded file, read from its first bytes.

Browsers and clients declare a type; what the server trusts is what the bytes
are. Formats with a signature are recognised by it (puremagic); plain text and
e-mail messages have none and are recognised as UTF-8 text.
"""

from __future__ import annotations

import puremagic

from .catalog import ALLOWED_TYPES

EXECUTABLE_SIGNATURES = (b"MZ", b"\x7fELF", b"\xfe\xed\xfa", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe", b"#!")
TEXT_TYPES = ("text/plain", "text/csv", "message/rfc822")


def real_type(head: bytes, declared: str) -> str | None:
    """The allowed type these bytes are, or None when they are not an allowed type."""
    if not head or head.startswith(EXECUTABLE_SIGNATURES):
        return None
    try:
        sniffed = puremagic.from_string(head, mime=True)
    except (puremagic.PureError, ValueError):
        sniffed = ""
    if sniffed:
        return sniffed if sniffed in ALLOWED_TYPES else None
    if _is_text(head):
        return declared if declared in TEXT_TYPES else "text/plain"
    return None


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # The first bytes may cut a character in two at the end.
        return error.start >= len(head) - 3
    return True
