"""Choosing the adapters: the embedded default on one machine, or AWS.

Built once per process (a Lambda container, the local server) and reused by
every request; AWS clients are created here, at module scope of the handler.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer

from .desk import Desk
from .products import load_products
from .settings import Settings


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


def backend_for(settings: Settings) -> Backend:
    if settings.backend == "local":
        return local_backend(settings)
    if settings.backend == "aws":
        from .adapters.aws import aws_backend  # boto3's clients only where they are used

        return aws_backend(settings)
    raise ValueError(f"unknown backend '{settings.backend}' (KBDESK_BACKEND is local or aws)")
