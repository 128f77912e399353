"""`kbdesk publish`: the built site into the stack's bucket, with the caching each file needs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from kbdesk.publish import FOR_A_YEAR, REVALIDATE, PublishError, stack_target, upload_site


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name, value in {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = boto3.client("s3")
        client.create_bucket(Bucket="site")
        yield client


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_pages_revalidate_hashed_assets_are_cached_and_removed_files_go(s3: Any, tmp_path: Path) -> None:
    site = tmp_path / "site"
    write(site / "index.html", "<h1>Como podemos ajudar?</h1>")
    write(site / "index.html.gz", "compressed copy for the local server")
    write(site / "omni-crm/boletos/index.html", "<h1>Boletos</h1>")
    write(site / "assets/javascripts/bundle.a5f9d56c.min.js", "console.log(1)")
    write(site / "pagefind/fragment/pt_1a2b3c.pf_fragment", "chunk")
    s3.put_object(Bucket="site", Key="artigo-removido/index.html", Body=b"old")

    assert upload_site(s3, site, "site") == 4
    keys = {item["Key"] for item in s3.list_objects_v2(Bucket="site")["Contents"]}
    assert keys == {
        "index.html",
        "omni-crm/boletos/index.html",
        "assets/javascripts/bundle.a5f9d56c.min.js",
        "pagefind/fragment/pt_1a2b3c.pf_fragment",
    }
    page = s3.head_object(Bucket="site", Key="omni-crm/boletos/index.html")
    assert page["ContentType"] == "text/html; charset=utf-8" and page["CacheControl"] == REVALIDATE
    bundle = s3.head_object(Bucket="site", Key="assets/javascripts/bundle.a5f9d56c.min.js")
    assert bundle["CacheControl"] == FOR_A_YEAR and "javascript" in bundle["ContentType"]
    assert s3.head_object(Bucket="site", Key="pagefind/fragment/pt_1a2b3c.pf_fragment")["CacheControl"] == FOR_A_YEAR


def test_the_target_comes_from_the_stack_outputs_and_a_missing_stack_is_a_clear_error() -> None:
    cloudformation = boto3.client("cloudformation", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(cloudformation) as stub:
        stub.add_response(
            "describe_stacks",
            {
                "Stacks": [
                    {
                        "StackName": "kbdesk",
                        "CreationTime": "2026-11-28T14:00:00Z",
                        "StackStatus": "CREATE_COMPLETE",
                        "Outputs": [
                            {"OutputKey": "SiteBucketName", "OutputValue": "kbdesk-sitebucket-1"},
                            {"OutputKey": "DistributionId", "OutputValue": "E2ABCDEF"},
                        ],
                    }
                ]
            },
            {"StackName": "kbdesk"},
        )
        target = stack_target(cloudformation, "kbdesk")
        assert (target.bucket, target.distribution) == ("kbdesk-sitebucket-1", "E2ABCDEF")
        stub.add_client_error("describe_stacks", "ValidationError", "Stack with id nada does not exist")
        with pytest.raises(PublishError, match="não foi possível ler a stack 'nada'"):
            stack_target(cloudformation, "nada")
