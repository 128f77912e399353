"""AWS clients and secrets for the AWS backend (assembled in `tickets.backends`).

Clients are made once per process (a Lambda container) and shared by every
request; the first request pays for them, later ones reuse their connections.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.utilities.parameters import SecretsProvider
from botocore.config import Config

from ..settings import SettingsError

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
