"""The AWS backend: DynamoDB, S3 and SES behind the desk's ports.

Clients are made once per process (a Lambda container) and shared by every
request; the first request pays for them, later ones reuse their connections.
Idempotency records live in the store's own table, beside the tickets.
"""

from __future__ import annotations

from functools import cache, partial
from typing import Any

import boto3
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
from aws_lambda_powertools.utilities.parameters import SecretsProvider
from botocore.config import Config

from ..backends import Backend
from ..desk import Desk
from ..products import load_products
from ..settings import Settings, SettingsError
from .dynamodb_store import TTL_ATTRIBUTE, DynamoDBStore
from .s3_files import S3Files
from .ses_mail import SESMailer


# Presigned forms and links: SigV4 (what S3 requires in newer regions and what the POST policy is
# written for), on the bucket's own regional host (us-east-1 included) so a browser is never
# redirected mid-upload, and so the site's Content-Security-Policy can name that one origin.
S3_SIGNING: dict[str, Any] = {
    "signature_version": "s3v4",
    "s3": {"addressing_style": "virtual", "us_east_1_regional_endpoint": "regional"},
}


@cache
def client(service: str) -> Any:
    """One client per service for the life of the process, retrying throttles and faults in standard mode.

    All from boto3's default session: a session of their own would each load
    botocore's service data again, which made a cold start a quarter second slower.
    """
    signing = S3_SIGNING if service == "s3" else {}
    return boto3.client(service, config=Config(retries={"mode": "standard"}, **signing))


def read_secret(arn: str) -> str:
    """A secret's text from Secrets Manager, read when the desk first needs it (its client made then too)."""
    value = SecretsProvider(boto3_client=client("secretsmanager")).get(arn)
    if not isinstance(value, str) or not value:
        raise SettingsError(f"the secret {arn} holds no text")
    return value


def aws_backend(settings: Settings) -> Backend:
    if not settings.table_name:
        raise SettingsError("KBDESK_TABLE is required for the aws backend")
    if not settings.bucket_name:
        raise SettingsError("KBDESK_BUCKET is required for the aws backend")
    dynamodb = client("dynamodb")
    desk = Desk(
        settings=settings,
        store=DynamoDBStore(settings.table_name, dynamodb),
        files=S3Files(settings.bucket_name, partial(client, "s3")),
        mailer=SESMailer(client("sesv2"), settings.ses_configuration_set or None),
        products=load_products(settings.products_file),
        read_secret=read_secret,
    )
    idempotency = DynamoDBPersistenceLayer(
        table_name=settings.table_name,
        key_attr="pk",
        sort_key_attr="sk",
        expiry_attr=TTL_ATTRIBUTE,
        boto3_client=dynamodb,
    )
    return Backend(desk, idempotency)
