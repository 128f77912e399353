"""moto's AWS for one test at a time, and the backend's own clients on it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_fakes import BUCKET, REGION, TABLE
from moto import mock_aws
from moto.core.botocore_stubber import BotocoreStubber

from tickets.adapters import aws
from tickets.adapters.dynamodb import TTL_ATTRIBUTE, DynamoDBStore, table_definition
from tickets.settings import Settings


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fake credentials and moto's AWS; clients cached by the backend never outlive one test."""
    for name, value in {
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)  # Powertools names its records' partition after it
    aws.client.cache_clear()
    with mock_aws():
        yield
    aws.client.cache_clear()


@pytest.fixture
def dynamodb(aws_env: None) -> Any:
    client = aws.client("dynamodb")
    client.create_table(**table_definition(TABLE))
    client.update_time_to_live(TableName=TABLE, TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE})
    return client


@pytest.fixture
def store(dynamodb: Any) -> DynamoDBStore:
    return DynamoDBStore(TABLE, dynamodb)


@pytest.fixture
def s3(aws_env: None) -> Any:
    """The backend's own S3 client: how it signs is part of what the tests check."""
    client = aws.client("s3")
    client.create_bucket(Bucket=BUCKET)
    return client


@pytest.fixture
def sesv2(aws_env: None) -> Any:
    client = aws.client("sesv2")
    client.create_email_identity(EmailIdentity="example.com")
    return client


@pytest.fixture
def one_call_at_a_time_in_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto is not thread-safe where DynamoDB is: its TransactWriteItems deep-copies the table (to roll
    back) while other threads write to it. Each call runs alone inside moto; the threads still race
    between their calls, which is where the store's numbering could go wrong."""
    lock = threading.Lock()
    process = BotocoreStubber.process_request

    def one_at_a_time(self: BotocoreStubber, request: Any) -> Any:
        with lock:
            return process(self, request)

    monkeypatch.setattr(BotocoreStubber, "process_request", one_at_a_time)


@pytest.fixture
def aws_settings(dynamodb: Any, s3: Any, sesv2: Any, tmp_path: Path) -> Settings:
    products = tmp_path / "products.json"
    products.write_text(json.dumps([{"id": "omni-crm", "name": "Omni CRM"}]))
    return Settings(
        backend="aws",
        table_name=TABLE,
        bucket_name=BUCKET,
        products_file=products,
        signing_secret=b"aws-adapters-secret",
        site_url="http://help.example.com",
        support_email="suporte@example.com",
        sender="Central de Ajuda <suporte@example.com>",
    )
