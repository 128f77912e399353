"""E-mail through Amazon SES (v2 API): each stored message is sent as raw MIME.

Raw, because the outbox stores the whole RFC 5322 message when the ticket is
made (text and HTML parts, Reply-To): what SES sends is exactly what was
queued. Any failure is raised, so the outbox keeps the message and retries;
one SES refuses for this message's sake, whatever the moment, as MailRejected,
so that it is given up at once. SES says MessageRejected of an unverified
sender too, naming it: that is the deployment's to fix, and the message waits.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from ..ports import MailRejected
from ..records import Message

# SES's answers about the message itself (an address that cannot be, content it refuses); throttling,
# a paused account or an unverified sender are the deployment's and pass.
REFUSALS = {"MessageRejected", "BadRequestException"}


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
        try:
            self.client.send_email(**request)
        except ClientError as error:
            failure = error.response.get("Error", {})
            if failure.get("Code") in REFUSALS and message.sender.lower() not in failure.get("Message", "").lower():
                raise MailRejected(str(error)) from error
            raise
