"""E-mail through Amazon SES (v2 API): each stored message is sent as raw MIME.

Raw, because the outbox stores the whole RFC 5322 message when the ticket is
made (text and HTML parts, Reply-To): what SES sends is exactly what was
queued. Any failure is raised, so the outbox keeps the message and retries.
"""

from __future__ import annotations

from typing import Any

from ..records import Message


class SESMailer:
    def __init__(self, client: Any, configuration_set: str | None = None) -> None:
        self.client = client
        self.configuration_set = configuration_set

    def send(self, message: Message) -> None:
        request: dict[str, Any] = {
            "Content": {"Raw": {"Data": message.raw}},
            # The envelope names only the message's recipient, whatever the headers say.
            "Destination": {"ToAddresses": [message.recipient]},
        }
        if self.configuration_set:
            request["ConfigurationSetName"] = self.configuration_set
        self.client.send_email(**request)
