"""The one place a backend is assembled: the embedded default on one machine, or AWS.

Built once per process (a Lambda container, the local server) and reused by
every request. Each backend's modules are imported only when it is chosen, so
the local one never loads boto3's clients and a Lambda never loads SQLite's.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer

from .desk import Desk
from .products import load_products
from .settings import Settings, SettingsError


@dataclass(frozen=True)
class Backend:
    desk: Desk
    idempotency: BasePersistenceLayer


def local_backend(settings: Settings) -> Backend:
    from .adapters.local_files import LocalFiles
    from .adapters.outbox_mail import OutboxMailer
    from .adapters.sqlite_idempotency import SQLiteIdempotency
    from .adapters.sqlite_store import SQLiteStore

    store = SQLiteStore(settings.database)
    desk = Desk(
        settings=settings,
        store=store,
        files=LocalFiles(settings.attachments_dir, settings.signing_secret),
        mailer=OutboxMailer(settings.outbox_dir, settings.smtp_url),
        products=load_products(settings.products_file),
    )
    return Backend(desk, SQLiteIdempotency(store))


def aws_backend(settings: Settings) -> Backend:
    """DynamoDB (tickets, and the idempotency records beside them), S3 and SES."""
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    from .adapters.aws import client, read_secret
    from .adapters.dynamodb import TTL_ATTRIBUTE, DynamoDBStore
    from .adapters.s3_files import S3Files
    from .adapters.ses_mail import SESMailer

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


def backend_for(settings: Settings) -> Backend:
    if settings.backend == "local":
        return local_backend(settings)
    if settings.backend == "aws":
        return aws_backend(settings)
    raise ValueError(f"unknown backend '{settings.backend}' (KBDESK_BACKEND is local or aws)")
