"""The AWS backend end to end under moto: the handler, idempotency records, secrets and the support commands."""

from __future__ import annotations

import email
import email.policy
import json
import secrets
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aws_fakes import (
    BUCKET,
    PNG,
    READS,
    TABLE,
    record_operations,
    sent_mail,
    ticket_body,
    ticket_in,
    upload,
)

from tickets.adapters import aws
from tickets.adapters.dynamodb import TTL_ATTRIBUTE, DynamoDBStore
from tickets.adapters.s3_files import S3Files
from tickets.app import create_app
from tickets.backends import aws_backend
from tickets.models import TicketIn, UploadIn
from tickets.settings import Settings, SettingsError, from_environment


def test_the_aws_backend_opens_a_ticket_and_mails_it_once(aws_settings: Settings, s3: Any) -> None:
    desk = aws_backend(aws_settings).desk
    operations = record_operations(aws.client("dynamodb"))
    granted, _, _ = desk.grant_upload(UploadIn(filename="tela.png", content_type="image/png", size=len(PNG)), "203.0.113.9")
    s3.put_object(Bucket=BUCKET, Key=granted.key, Body=PNG)

    ticket = desk.open_ticket(ticket_in(attachments=[granted.id]), session_email=None, client_ip="203.0.113.9")
    assert ticket.number == "PC-1001"
    assert [(a.id, a.content_type, a.size) for a in ticket.attachments] == [(granted.id, "image/png", len(PNG))]
    assert desk.store.get_ticket("PC-1001") == ticket
    mail = {email.message_from_string(m.raw_data, policy=email.policy.default)["To"]: m for m in sent_mail()}
    assert len(sent_mail()) == 2 and set(mail) == {"ana@cliente.com.br", "suporte@example.com"}
    assert all(set(m.destinations) == {to} for to, m in mail.items())
    assert desk.store.pending_messages(desk.clock()) == []
    assert "Scan" not in operations and set(operations) <= READS | {"PutItem", "UpdateItem", "TransactWriteItems"}


# Called without a Lambda context, Powertools cannot bound an in-progress record by the time left; it says so.
@pytest.mark.filterwarnings("ignore:Couldn't determine the remaining time left")
def test_the_aws_backend_answers_a_repeated_request_from_its_idempotency_records(aws_settings: Settings, dynamodb: Any) -> None:
    backend = aws_backend(aws_settings)
    api = create_app(backend.desk, backend.idempotency)
    operations = record_operations(aws.client("dynamodb"))
    first = api.resolve(_event({"Idempotency-Key": "chave-1"}, _body()), None)
    again = api.resolve(_event({"Idempotency-Key": "chave-1"}, _body()), None)
    other = api.resolve(_event({"Idempotency-Key": "chave-1"}, _body(subject="Outro assunto")), None)
    assert (first["statusCode"], again["statusCode"], other["statusCode"]) == (201, 201, 409)
    assert json.loads(again["body"]) == json.loads(first["body"])
    assert len(sent_mail()) == 2
    assert backend.desk.store.get_ticket("PC-1002") is None
    assert "Scan" not in operations
    # The record sits in the store's table, under its own partition, and expires through the same TTL.
    records = dynamodb.query(
        TableName=TABLE, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": "idempotency#"}}
    )["Items"]
    assert len(records) == 1 and records[0]["status"]["S"] == "COMPLETED" and TTL_ATTRIBUTE in records[0]


def test_the_aws_backend_needs_its_table_and_bucket(aws_settings: Settings) -> None:
    with pytest.raises(SettingsError, match="KBDESK_TABLE"):
        aws_backend(replace(aws_settings, table_name=""))
    with pytest.raises(SettingsError, match="KBDESK_BUCKET"):
        aws_backend(replace(aws_settings, bucket_name=""))


def _body(**changes: Any) -> str:
    return json.dumps(ticket_body(**changes))


def _event(headers: dict[str, str], body: str) -> dict[str, Any]:
    """An API Gateway HTTP API (payload v2) request for POST /api/tickets."""
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/api/tickets",
        "rawQueryString": "",
        "headers": {"content-type": "application/json", **{k.lower(): v for k, v in headers.items()}},
        "requestContext": {
            "http": {
                "method": "POST",
                "path": "/api/tickets",
                "sourceIp": "203.0.113.9",
                "protocol": "HTTP/1.1",
                "userAgent": "pytest",
            },
            "requestId": secrets.token_hex(8),
            "routeKey": "$default",
            "stage": "$default",
        },
        "body": body,
        "isBase64Encoded": False,
    }


def test_the_support_commands_reach_dynamodb_and_ses_when_configured_for_aws(
    dynamodb: Any, sesv2: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`kbdesk orgs` and `kbdesk agent` on the AWS backend: the same commands, configured only by environment."""
    from click.testing import CliRunner

    from kbdesk.cli import main

    aws.client("s3").create_bucket(Bucket=BUCKET)
    products = tmp_path / "products.json"
    products.write_text(json.dumps([{"id": "omni-crm", "name": "Omni CRM"}]))
    env = {
        "KBDESK_BACKEND": "aws",
        "KBDESK_TABLE": TABLE,
        "KBDESK_BUCKET": BUCKET,
        "KBDESK_SIGNING_SECRET": "s",
        "KBDESK_PRODUCTS_FILE": str(products),
        "KBDESK_SENDER": "suporte@example.com",
        "KBDESK_SUPPORT_EMAIL": "suporte@example.com",
        "KBDESK_RATE_LIMITS": "off",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    def kbdesk(*args: str) -> str:
        result = CliRunner().invoke(main, list(args))
        assert result.exit_code == 0, result.output
        return result.output

    kbdesk("orgs", "add", "cliente", "--name", "Cliente S.A.", "--domain", "cliente.com.br")
    kbdesk("orgs", "add-member", "cliente", "joao@parceiro.com")
    assert "membros: joao@parceiro.com" in kbdesk("orgs", "list")
    assert DynamoDBStore(TABLE, dynamodb).organization_for("ana@cliente.com.br") == "cliente"

    desk = aws_backend(from_environment()).desk
    request = TicketIn(
        request_type="incident",
        product="omni-crm",
        subject="Lentidão ao salvar",
        description="O cadastro demora mais de 30 segundos.",
        email="ana@cliente.com.br",
    )
    number = desk.open_ticket(request, session_email="ana@cliente.com.br", client_ip="203.0.113.1").number
    kbdesk("agent", "reply", number, "--message", "Corrigido, pode testar?", "--status", "waiting_customer")
    assert "status: waiting_customer" in kbdesk("agent", "show", number)
    assert number in kbdesk("agent", "list", "--organization", "cliente", "--status", "waiting_customer")
    mails = [email.message_from_string(m.raw_data, policy=email.policy.default) for m in sent_mail()]
    answers = [m for m in mails if "Corrigido, pode testar?" in m.get_body(("plain",)).get_content()]
    assert [m["To"] for m in answers] == ["ana@cliente.com.br"]


def test_on_aws_the_secrets_come_from_secrets_manager_and_the_mail_from_the_configuration_set(
    dynamodb: Any, sesv2: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the template gives the function: secrets' ARNs, never their values, and the SES configuration set."""
    secrets_manager = aws.client("secretsmanager")
    signing = secrets_manager.create_secret(Name="kbdesk/signing-secret", SecretString="s" * 48)["ARN"]
    agent = secrets_manager.create_secret(Name="kbdesk/agent-key", SecretString="chave-do-suporte")["ARN"]
    sesv2.create_configuration_set(ConfigurationSetName="kbdesk")
    products = tmp_path / "products.json"
    products.write_text(json.dumps([{"id": "omni-crm", "name": "Omni CRM"}]))
    env = {
        "KBDESK_BACKEND": "aws",
        "KBDESK_TABLE": TABLE,
        "KBDESK_BUCKET": BUCKET,
        "KBDESK_PRODUCTS_FILE": str(products),
        "KBDESK_SIGNING_SECRET_ARN": signing,
        "KBDESK_AGENT_KEY_ARN": agent,
        "KBDESK_SES_CONFIGURATION_SET": "kbdesk",
    }
    settings = from_environment(env)
    assert settings.signing_secret == b"" and settings.agent_key == ""  # nothing secret in the environment

    calls = record_operations(secrets_manager)
    backend = aws_backend(settings)
    assert calls == []  # a cold start that opens a ticket never waits for them
    assert backend.desk.signing_secret == b"s" * 48
    assert backend.desk.agent_key == "chave-do-suporte"
    assert calls == ["GetSecretValue", "GetSecretValue"]
    assert backend.desk.agent_key == "chave-do-suporte" and len(calls) == 2  # read once per container
    assert backend.desk.mailer.configuration_set == "kbdesk"
    with pytest.raises(SettingsError):
        from_environment({k: v for k, v in env.items() if k != "KBDESK_SIGNING_SECRET_ARN"})


@pytest.mark.parametrize("region", ["us-east-1", "sa-east-1"])
def test_upload_forms_post_to_the_origin_the_site_policy_allows(
    aws_env: None, monkeypatch: pytest.MonkeyPatch, region: str
) -> None:
    """template.yaml's CSP names https://<bucket RegionalDomainName>: the form must post exactly there."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", region)
    aws.client.cache_clear()
    files = S3Files(BUCKET, lambda: aws.client("s3"))
    url, _ = files.upload_form(upload())
    assert url.startswith(f"https://{BUCKET}.s3.{region}.amazonaws.com/")


def test_the_outbox_reports_a_failed_send_as_the_services_json_log_line() -> None:
    """What CloudWatch Logs Insights queries (DEPLOY.md): one JSON object a line, with the ticket and no address."""
    import logging

    import tickets.handler  # configures the modules' loggers as the function's

    # The very handler (and formatter) the service logs through.
    shared = [h for h in logging.getLogger("tickets").handlers if h in tickets.handler.logger.handlers]
    assert shared
    handler = shared[0]
    outbox = logging.getLogger("tickets.outbox")
    record = outbox.makeRecord(
        outbox.name,
        logging.WARNING,
        __file__,
        1,
        "e-mail not sent, will retry",
        (),
        None,
        extra={"ticket": "PC-1001", "kind": "reply"},
    )
    line = handler.format(record)
    parsed = json.loads(line)
    assert parsed["service"] == "kbdesk-tickets" and parsed["level"] == "WARNING" and "\n" not in line
    assert parsed["ticket"] == "PC-1001" and parsed["name"] == "tickets.outbox"
