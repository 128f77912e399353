"""The Content-Security-Policy the site is served with, on AWS and on one machine.

Scripts may come only from the site itself, plus WebAssembly for Pagefind's
search and the few inline scripts the theme writes into pages, each allowed
by its SHA-256. The build collects those hashes (they change with the theme's
version and with how deep a page sits) into `_kb/script-hashes.txt`; the
local server reads them from its build, and `make deploy` gives them to
CloudFront's response-headers policy in template.yaml, which writes the same
policy (a test compares the two).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

HASHES_FILE = "_kb/script-hashes.txt"
SCRIPT = re.compile(r"<script(?P<attributes>[^>]*)>(?P<body>.*?)</script>", re.S | re.I)
DATA_TYPE = re.compile(r"""\btype\s*=\s*["']?application/(ld\+)?json""", re.I)


def inline_scripts(html: str) -> list[str]:
    """The bodies of the scripts a page runs inline (not those with src, not JSON data blocks)."""
    return [
        match.group("body")
        for match in SCRIPT.finditer(html)
        if "src=" not in match.group("attributes").lower()
        and not DATA_TYPE.search(match.group("attributes"))
        and match.group("body").strip()
    ]


def script_hash(body: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"


def content_security_policy(script_hashes: Iterable[str], upload_origin: str = "") -> str:
    """The policy; `upload_origin` is where browsers post attachments when it is not the site (the S3 bucket)."""
    uploads = f" {upload_origin}" if upload_origin else ""
    return "; ".join(
        [
            "default-src 'self'",
            " ".join(["script-src 'self' 'wasm-unsafe-eval'", *script_hashes]),
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            f"connect-src 'self'{uploads}",
            f"form-action 'self'{uploads}",
            "frame-ancestors 'none'",
            "base-uri 'self'",
            "object-src 'none'",
        ]
    )
