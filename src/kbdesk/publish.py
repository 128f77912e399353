"""Publishing the built site to production: the stack's site bucket, then a CloudFront invalidation.

Pages and listings are revalidated on every view (an edit shows at once after
the invalidation); files whose names carry a content hash, and Pagefind's
index chunks, are cached for a year.
"""

from __future__ import annotations

import mimetypes
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .server import IMMUTABLE
from .strings import say

REVALIDATE = "public, max-age=0, must-revalidate"
FOR_A_YEAR = "public, max-age=31536000, immutable"


class PublishError(Exception):
    """The stack or its outputs are not there; the message says what to do."""


@dataclass(frozen=True)
class Target:
    bucket: str
    distribution: str


def stack_target(cloudformation: Any, stack: str) -> Target:
    """The site bucket and distribution the stack's outputs name."""
    try:
        described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    except Exception as error:  # botocore's ClientError for a missing stack, or no access
        raise PublishError(say("cli_stack_unreadable", stack=stack, error=error)) from error
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    if "SiteBucketName" not in outputs or "DistributionId" not in outputs:
        raise PublishError(say("cli_stack_outputs", stack=stack))
    return Target(bucket=outputs["SiteBucketName"], distribution=outputs["DistributionId"])


def cache_control(key: str) -> str:
    return FOR_A_YEAR if IMMUTABLE.search("/" + key) else REVALIDATE


def upload_site(s3: Any, site_dir: Path, bucket: str) -> int:
    """Every file of the build, with its type and caching; files the build no longer has are removed."""
    keys = set()
    for path in sorted(p for p in site_dir.rglob("*") if p.is_file() and p.suffix != ".gz"):
        key = path.relative_to(site_dir).as_posix()
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type in ("application/javascript", "application/json"):
            content_type += "; charset=utf-8"
        s3.upload_file(str(path), bucket, key, ExtraArgs={"ContentType": content_type, "CacheControl": cache_control(key)})
        keys.add(key)
    stale = [
        {"Key": item["Key"]}
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        for item in page.get("Contents", [])
        if item["Key"] not in keys
    ]
    for start in range(0, len(stale), 1000):
        s3.delete_objects(Bucket=bucket, Delete={"Objects": stale[start : start + 1000], "Quiet": True})
    return len(keys)


def invalidate(cloudfront: Any, distribution: str) -> str:
    answer = cloudfront.create_invalidation(
        DistributionId=distribution,
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": f"kbdesk-{time.time_ns()}"},
    )
    return str(answer["Invalidation"]["Id"])
