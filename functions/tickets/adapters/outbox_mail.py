"""E-mail on one machine: every message is written to the outbox folder as an .eml file.

The file is the message exactly as it would be sent (RFC 5322), so a writer
or a test reads what a customer would get; with `KBDESK_SMTP_URL` set
(smtp://user:password@host:port, or smtps://) it is also sent through SMTP.
A server's permanent refusal of the recipient or the message (a 5xx reply) is
MailRejected: the outbox gives the message up rather than try it for hours.
"""

from __future__ import annotations

import os
import smtplib
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..ports import MailRejected
from ..records import Message


class OutboxMailer:
    def __init__(self, folder: Path, smtp_url: str = "") -> None:
        self.folder = folder
        self.smtp_url = smtp_url

    def send(self, message: Message) -> None:
        # The file first: writing it again on a retry is harmless, sending again is not.
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = message.created_at.strftime("%Y%m%dT%H%M%S")
        path = self.folder / f"{stamp}-{message.ticket}-{message.kind}-{message.id}.eml"
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(message.raw)
        os.replace(temporary, path)  # a reader never sees half a message
        if self.smtp_url:
            self._send_smtp(message)

    def _send_smtp(self, message: Message) -> None:
        try:
            self._deliver(message)
        except smtplib.SMTPRecipientsRefused as error:
            if all(code >= 500 for code, _ in error.recipients.values()):
                raise MailRejected(str(error)) from error
            raise
        except smtplib.SMTPDataError as error:
            if error.smtp_code >= 500:
                raise MailRejected(str(error)) from error
            raise
        except UnicodeEncodeError as error:  # an address the server could only take with SMTPUTF8
            raise MailRejected(str(error)) from error

    def _deliver(self, message: Message) -> None:
        url = urlsplit(self.smtp_url)
        client = smtplib.SMTP_SSL if url.scheme == "smtps" else smtplib.SMTP
        with client(url.hostname or "localhost", url.port or (465 if url.scheme == "smtps" else 25), timeout=10) as smtp:
            if url.scheme == "smtp+starttls":
                smtp.starttls()
            if url.username:
                smtp.login(unquote(url.username), unquote(url.password or ""))
            smtp.sendmail(message.sender, [message.recipient], message.raw)
