"""The ticket desk's vocabulary and limits: one source of truth for the API and the forms.

Identifiers are fixed; their names are in each language's texts (`texts.py`).
Products are not listed here: they are the knowledge base's product folders,
which the site build writes to `products.json` (see `products.py`).
"""

from __future__ import annotations

from typing import Literal, get_args

MiB = 1024 * 1024

# Ids, in the order forms list them; their names are in `texts.py` (`request_type.<id>`, `status.<id>`).
RequestTypeId = Literal["usability", "technical", "incident", "improvement"]
StatusId = Literal["open", "in_progress", "waiting_customer", "resolved", "closed"]
REQUEST_TYPE_IDS: tuple[str, ...] = get_args(RequestTypeId)
STATUS_IDS: tuple[str, ...] = get_args(StatusId)

SUBJECT_LENGTH = (3, 200)
DESCRIPTION_LENGTH = (10, 20_000)
NAME_LENGTH = 200
MAX_ATTACHMENT_BYTES = 25 * MiB
MAX_ATTACHMENTS = 10
MAX_BODY_BYTES = 256 * 1024  # a JSON request; attachments never pass through it
UPLOAD_EXPIRY_SECONDS = 15 * 60

# What customers attach: screenshots, videos, PDFs, text, e-mails, office documents, zip.
ALLOWED_TYPES: tuple[str, ...] = (
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/bmp",
    "image/tiff",
    "image/heic",
    "video/mp4",
    "video/quicktime",
    "video/webm",
    "video/x-msvideo",
    "application/pdf",
    "text/plain",
    "text/csv",
    "message/rfc822",
    "application/vnd.ms-outlook",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/zip",
)
