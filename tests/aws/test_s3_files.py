"""S3Files under moto; what moto does not enforce (POST policies) is checked on what the adapter asks for."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aws_fakes import (
    BUCKET,
    PNG,
    upload,
)

from tickets.adapters.s3_files import S3Files


def test_the_upload_form_pins_key_size_type_and_a_short_expiry(s3: Any) -> None:
    files = S3Files(BUCKET, lambda: s3)
    granted = upload(size=1234, expires_at=datetime.now(UTC) + timedelta(hours=2))
    url, fields = files.upload_form(granted)
    assert BUCKET in url
    assert fields["key"] == granted.key and fields["Content-Type"] == "image/png"
    assert fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    policy = json.loads(base64.b64decode(fields["policy"]))
    assert ["content-length-range", 1, 1234] in policy["conditions"]
    assert {"Content-Type": "image/png"} in policy["conditions"]
    assert {"key": granted.key} in policy["conditions"]  # a fixed key, not a starts-with prefix
    expires = datetime.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert expires - datetime.now(UTC) <= timedelta(minutes=15)  # never longer than 15 minutes

    soon = upload(expires_at=datetime.now(UTC) + timedelta(minutes=5))
    policy = json.loads(base64.b64decode(files.upload_form(soon)[1]["policy"]))
    expires = datetime.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert expires <= soon.expires_at + timedelta(seconds=1)  # and never longer than the grant


def test_stat_reads_the_real_size_and_first_bytes(s3: Any) -> None:
    files = S3Files(BUCKET, lambda: s3)
    s3.put_object(Bucket=BUCKET, Key="uploads/abc", Body=PNG, ContentType="application/pdf")
    stored = files.stat("uploads/abc", head_bytes=16)
    assert (stored.size, stored.head) == (len(PNG), PNG[:16])
    assert files.stat("uploads/abc").head == PNG[:4096]
    s3.put_object(Bucket=BUCKET, Key="uploads/empty", Body=b"")
    assert (files.stat("uploads/empty").size, files.stat("uploads/empty").head) == (0, b"")
    assert files.stat("uploads/never-sent") is None


def test_keep_copies_the_checked_bytes_out_of_the_forms_reach(s3: Any) -> None:
    files = S3Files(BUCKET, lambda: s3)
    s3.put_object(Bucket=BUCKET, Key="uploads/abc", Body=PNG)
    checked = files.stat("uploads/abc")
    kept = files.keep("uploads/abc", checked, "abc")
    assert kept.startswith("attachments/abc/") and files.keep("uploads/abc", checked, "abc") != kept  # never reused
    s3.put_object(Bucket=BUCKET, Key="uploads/abc", Body=b"MZ" + PNG)  # the form posted again
    assert (files.stat(kept).size, files.stat(kept).head) == (len(PNG), PNG[:4096])
    # Replaced between the check and the copy: S3 refuses a copy whose source no longer has the
    # checked ETag (412). moto does not enforce the condition, so what is proved here is that the
    # copy asks for it.
    copies: list[dict[str, Any]] = []
    s3.meta.events.register("before-call.s3.CopyObject", lambda params, **_: copies.append(params))
    files.keep("uploads/abc", checked, "abc")
    assert copies[-1]["headers"]["x-amz-copy-source-if-match"] == checked.version


def test_a_download_link_saves_the_file_under_its_utf8_name(s3: Any) -> None:
    url = S3Files(BUCKET, lambda: s3).download_url("uploads/abc", 'relatório "final" ação.pdf', 300)
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert urlsplit(url).path.endswith("/uploads/abc")
    assert query["response-content-type"] == "application/octet-stream"
    assert query["response-content-disposition"] == (
        "attachment; filename=\"relatorio final acao.pdf\"; filename*=UTF-8''relat%C3%B3rio%20%22final%22%20a%C3%A7%C3%A3o.pdf"
    )
    assert query["X-Amz-Expires"] == "300"
