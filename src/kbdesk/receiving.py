"""The local server's mail receiving (`kbdesk serve --smtp-port`): what SES receiving does on AWS.

SMTP in (aiosmtpd), for the support address and its sub-addresses only; the
message stored under `inbound/` with the attachments; then the function's
`receive_mail` event for that key, on one of its instances, as the S3 event
reaches the function on AWS. The message is accepted (250) once the function
took or deliberately ignored it, and deferred (451) when it failed, so the
sending server tries again later and nothing is lost or bounced.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tickets.adapters.local_files import LocalFiles
from tickets.inbound import MAX_MESSAGE_BYTES

from .gateway import LocalContext

log = logging.getLogger("kbdesk.serve")
Function = Callable[..., Any]  # FunctionInstances: (event, context, handler=...); raises InstanceFailed


class Receiving:
    """The aiosmtpd handler: one message at a time from each connection, each to the function."""

    def __init__(self, support_email: str, files: LocalFiles, function: Function) -> None:
        self.local, _, self.domain = support_email.lower().rpartition("@")
        self.files = files
        self.function = function

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]) -> str:
        local, _, domain = address.lower().rpartition("@")
        if domain != self.domain or local.split("+", 1)[0] != self.local:
            return "550 5.1.1 No such mailbox here"  # an open relay for nobody: only support's mail is taken
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        # As a mail server delivering it would, name the envelope's recipients (Bcc leaves no other trace).
        delivered = b"".join(f"X-Original-To: {rcpt}\r\n".encode() for rcpt in envelope.rcpt_tos)
        try:
            await asyncio.to_thread(self._deliver, delivered + content)
        except Exception as error:  # whatever failed, deferred: a refusal here would bounce to whoever From claims
            log.error("a received message was deferred: %s", error)
            return "451 4.3.0 Try again later"
        return "250 OK"

    def _deliver(self, raw: bytes) -> None:
        key = f"inbound/{secrets.token_hex(16)}"
        self.files.put(key, raw, "message/rfc822")
        event = {"Records": [{"eventSource": "aws:s3", "s3": {"object": {"key": key, "size": len(raw)}}}]}
        self.function(event, LocalContext(aws_request_id=f"mail-{time.time_ns()}"), handler="receive_mail")


def start_receiving(host: str, port: int, support_email: str, files: LocalFiles, function: Function) -> Controller:
    """Listen for SMTP on `host:port` in a thread of its own; `.stop()` ends it."""
    controller = Controller(
        Receiving(support_email, files, function), hostname=host, port=port, data_size_limit=MAX_MESSAGE_BYTES
    )
    controller.start()
    return controller
