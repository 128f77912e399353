"""SESMailer under moto, and the scheduled sender that drives it; SES's envelope is checked on what the adapter asks for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aws_fakes import (
    BUCKET,
    NOW,
    TABLE,
    sent_mail,
    ticket_in,
)
from botocore.exceptions import ClientError

from tickets.adapters import aws
from tickets.adapters.ses_mail import SESMailer
from tickets.records import (
    Message,
)
from tickets.settings import Settings


def test_a_message_is_sent_raw_to_its_recipient_only(sesv2: Any) -> None:
    raw = "From: Central de Ajuda <suporte@example.com>\r\nTo: ana@cliente.com.br\r\nSubject: [PC-1001] Olá\r\n\r\nção\r\n"
    message = Message(
        id="m1", ticket="PC-1001", kind="requester_copy", recipient="ana@cliente.com.br", raw=raw.encode(), created_at=NOW
    )
    requests: list[dict[str, Any]] = []
    sesv2.meta.events.register("provide-client-params.sesv2.SendEmail", lambda params, **_: requests.append(params))
    SESMailer(sesv2).send(message)
    [sent] = sent_mail()
    assert sent.raw_data == raw
    assert set(sent.destinations) == {"ana@cliente.com.br"}
    assert requests[0]["Destination"] == {"ToAddresses": ["ana@cliente.com.br"]}
    assert "ConfigurationSetName" not in requests[0]

    sesv2.create_configuration_set(ConfigurationSetName="kbdesk")
    SESMailer(sesv2, configuration_set="kbdesk").send(message)
    assert requests[1]["ConfigurationSetName"] == "kbdesk"


def test_a_refused_message_raises_for_the_outbox_to_retry(sesv2: Any) -> None:
    raw = b"From: someone@unverified.example\r\nTo: ana@cliente.com.br\r\nSubject: x\r\n\r\nx\r\n"
    message = Message(id="m1", ticket="PC-1001", kind="requester_copy", recipient="ana@cliente.com.br", raw=raw, created_at=NOW)
    with pytest.raises(ClientError):
        SESMailer(sesv2).send(message)
    assert sent_mail() == []


def test_a_message_ses_refuses_for_its_own_sake_is_mail_rejected(sesv2: Any) -> None:
    """SES says MessageRejected of a message it will never take, and of an unverified sender: only the
    first is the message's fault; the second is the deployment's, and the message waits for it."""
    from botocore.stub import Stubber

    from tickets.ports import MailRejected

    raw = b"From: Central de Ajuda <suporte@example.com>\r\nTo: ana@cliente.com.br\r\nSubject: x\r\n\r\nx\r\n"
    message = Message(id="m1", ticket="PC-1001", kind="requester_copy", recipient="ana@cliente.com.br", raw=raw, created_at=NOW)
    with Stubber(sesv2) as ses:
        ses.add_client_error("send_email", "MessageRejected", "Message contains a virus.")
        with pytest.raises(MailRejected):
            SESMailer(sesv2).send(message)
        ses.add_client_error(
            "send_email",
            "MessageRejected",
            "Email address is not verified. The following identities failed the check in region US-EAST-1: Suporte@example.com",
        )
        with pytest.raises(ClientError):
            SESMailer(sesv2).send(message)
        ses.add_client_error("send_email", "TooManyRequestsException", "Maximum sending rate exceeded.")
        with pytest.raises(ClientError):
            SESMailer(sesv2).send(message)


def test_the_scheduled_sender_keeps_to_each_messages_next_attempt(
    aws_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`tickets.handler.flush_outbox`, run by the schedule: a message that failed is tried again a minute on."""
    from kbdesk.gateway import LocalContext
    from tickets import handler

    env = {
        "KBDESK_BACKEND": "aws",
        "KBDESK_TABLE": TABLE,
        "KBDESK_BUCKET": BUCKET,
        "KBDESK_SIGNING_SECRET": "s",
        "KBDESK_PRODUCTS_FILE": str(aws_settings.products_file),
        "KBDESK_SENDER": "suporte@example.com",
        "KBDESK_SUPPORT_EMAIL": "suporte@example.com",
        "KBDESK_RATE_LIMITS": "off",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    handler.reset()
    desk = handler.get_app().desk
    aws.client("sesv2").delete_email_identity(EmailIdentity="example.com")  # SES refuses the sender: down
    desk.open_ticket(ticket_in(), session_email=None, client_ip="203.0.113.1")
    aws.client("sesv2").create_email_identity(EmailIdentity="example.com")  # and fixed

    def run_at(moment: datetime) -> dict[str, int]:
        monkeypatch.setattr(handler, "utc_now", lambda: moment)
        return handler.flush_outbox({}, LocalContext("schedule"))

    started = datetime.now(UTC)
    assert run_at(started + timedelta(seconds=30)) == {"sent": 0, "failed": 0, "given_up": 0, "uploads_swept": 0}
    assert run_at(started + timedelta(minutes=2)) == {"sent": 2, "failed": 0, "given_up": 0, "uploads_swept": 0}
    assert len(sent_mail()) == 2
    handler.reset()
