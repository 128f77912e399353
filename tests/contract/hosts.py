"""The two hosts of the ticket API, behind one client interface for the contract suite.

- `LocalHost`: `kbdesk serve`'s portal on a real HTTP socket, over the embedded
  default (SQLite, a files folder, an outbox folder) in a temporary data dir;
- `LambdaHost`: the Lambda handler called with API Gateway v2 events, over
  DynamoDB, S3 and SES under moto.

A test asks the host for what a user would see: HTTP answers, and the e-mails
that were sent. A `Browser` is one person's browser on a host: it keeps the
cookies the API sets and sends them back, as a browser on the site's origin does.
"""

from __future__ import annotations

import base64
import email
import email.policy
import http.client
import json
import os
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from kbdesk.gateway import LocalContext
from tickets.app import create_app
from tickets.backends import local_backend
from tickets.ports import StorageError
from tickets.settings import Settings


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str
    cookies: list[str] = field(default_factory=list)  # every Set-Cookie, as sent

    @property
    def json(self) -> Any:
        return json.loads(self.text)

    @property
    def error(self) -> dict[str, Any]:
        """The contract's error body; a failed assertion that shows the answer when there is none."""
        try:
            body = json.loads(self.text)
        except ValueError:
            body = None
        assert isinstance(body, dict) and "error" in body, f"no error body: {self.status} {self.text[:500]!r}"
        return body["error"]

    def set_cookie(self, name: str) -> SetCookie | None:
        """The last Set-Cookie for `name` in this answer."""
        found = [c for c in map(SetCookie.parse, self.cookies) if c.name == name]
        return found[-1] if found else None


@dataclass(frozen=True)
class SetCookie:
    """One Set-Cookie header: the pair and its attributes (names lower-cased; flags map to "")."""

    name: str
    value: str
    attributes: dict[str, str]

    @classmethod
    def parse(cls, header: str) -> SetCookie:
        pair, *rest = header.split(";")
        name, _, value = pair.partition("=")
        attributes = {}
        for part in rest:
            key, _, attribute = part.strip().partition("=")
            if key:
                attributes[key.lower()] = attribute.strip()
        return cls(name.strip(), value.strip(), attributes)

    @property
    def path(self) -> str:
        return self.attributes.get("path") or "/"

    def removes(self) -> bool:
        """Whether a browser drops the cookie on receiving this header."""
        max_age = self.attributes.get("max-age", "")
        if max_age.lstrip("-").isdigit():  # a browser ignores a Max-Age it cannot read
            return int(max_age) <= 0
        expires = self.attributes.get("expires")
        if expires:
            try:
                return parsedate_to_datetime(expires) <= datetime.now(UTC)
            except (TypeError, ValueError):
                return False
        return False


@dataclass
class Browser:
    """One person's browser on a host: a cookie jar, and the header the site's scripts send.

    The site's pages send `X-Requested-With: kbdesk` with every request that
    changes something; `csrf=False` plays a page of another site that cannot.
    """

    host: Any
    jar: dict[str, SetCookie] = field(default_factory=dict)

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
        csrf: bool = True,
    ) -> Reply:
        headers = dict(headers or {})
        if csrf and method not in ("GET", "HEAD"):
            headers.setdefault("X-Requested-With", "kbdesk")
        reply = self.host.request(method, path, body, headers, raw, cookies=self.cookies_for(path))
        self.keep(reply.cookies)
        return reply

    def cookies_for(self, path: str) -> dict[str, str]:
        bare = path.split("?", 1)[0]
        return {c.name: c.value for c in self.jar.values() if bare == c.path or bare.startswith(c.path.rstrip("/") + "/")}

    def keep(self, headers: list[str]) -> None:
        for cookie in map(SetCookie.parse, headers):
            if cookie.removes():
                self.jar.pop(cookie.name, None)
            else:
                self.jar[cookie.name] = cookie

    def cookie(self, name: str) -> str | None:
        kept = self.jar.get(name)
        return kept.value if kept else None


@dataclass(frozen=True)
class Download:
    status: int
    headers: dict[str, str]
    body: bytes


def browser(host: Any) -> Browser:
    """A new browser (an empty cookie jar) on the host: one per person in a test."""
    return Browser(host)


def settings_for(data_dir: Path, products_file: Path, **overrides: Any) -> Settings:
    base: dict[str, Any] = dict(
        data_dir=data_dir,
        products_file=products_file,
        signing_secret=b"contract-suite-secret",
        site_url="http://help.example.com",
        support_email="suporte@example.com",
        sender="Central de Ajuda <suporte@example.com>",
        rate_limits=None,
    )
    base.update(overrides)
    return Settings(**base)


def _operator_flush(env: dict[str, str]) -> int:
    """`kbdesk outbox flush` on the backend the environment (and `env`) names; how many e-mails it sent."""
    from click.testing import CliRunner

    from kbdesk.cli import main

    result = CliRunner().invoke(main, ["outbox", "flush"], env=env)
    assert result.exit_code == 0, result.output
    return int(result.output.split()[0])


@dataclass
class LocalHost:
    """The local server on 127.0.0.1, serving a tiny site and the API."""

    settings: Settings
    name: str = "local"
    server: Any = field(default=None, repr=False)

    def start(self) -> LocalHost:
        from kbdesk.portal import open_portal

        backend = local_backend(self.settings)
        self.desk, self.idempotency = backend.desk, backend.idempotency
        api = create_app(backend.desk, backend.idempotency)
        self.server = open_portal(self.settings, _no_site, lambda url: api.resolve).start()
        self.base = self.server.url
        return self

    def stop(self) -> None:
        self.server.stop()

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
        cookies: dict[str, str] | None = None,
    ) -> Reply:
        headers = dict(headers or {})
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        if cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
        return _http(self.base + path, method, data, headers)

    def download(self, url: str) -> Download:
        """Follow an attachment's download_url as the browser would (relative to the site)."""
        return _download(self.base + url if url.startswith("/") else url)

    def upload(self, grant: dict[str, Any], content: bytes, filename: str = "arquivo.bin") -> int:
        """Post the file as a browser would: the grant's fields, then the file."""
        return _post_form(
            urlsplit(self.base + grant["url"]) if grant["url"].startswith("/") else urlsplit(grant["url"]),
            grant["fields"],
            content,
            filename,
        )

    # Failures, as a test provokes them

    def break_mail(self) -> None:
        """The outbox folder cannot be written: a file stands where it should be."""
        self.settings.outbox_dir.parent.mkdir(parents=True, exist_ok=True)
        self.settings.outbox_dir.write_text("not a folder")

    def repair_mail(self) -> None:
        self.settings.outbox_dir.unlink()

    def flush_outbox(self) -> int:
        """`kbdesk outbox flush`, as the support team runs it; the e-mails it sent."""
        return _operator_flush(
            {"KBDESK_DATA_DIR": str(self.settings.data_dir), "KBDESK_PRODUCTS_FILE": str(self.settings.products_file)}
        )

    def break_storage_mid_write(self) -> None:
        """The next ticket's write fails after the ticket row is in, before the e-mails are."""
        store = self.desk.store
        real = store.create_ticket

        def failing(draft: Any, prefix: str, compose: Any) -> Any:
            def compose_then_fail(ticket: Any) -> Any:
                compose(ticket)
                raise StorageError("disk I/O error")

            store.create_ticket = real  # only once
            return real(draft, prefix, compose_then_fail)

        store.create_ticket = failing

    def die_before_recording_the_outcome(self) -> None:
        """The next request's process dies after its ticket is stored, before its idempotency record
        says so: the record stays in progress, as after a kill -9 there."""
        layer = self.idempotency

        def died(data_record: Any) -> None:
            del layer._update_record  # only once
            raise SystemError("the process died here")

        layer._update_record = died

    def lapse_requests_in_progress(self) -> None:
        """The in-progress records' deadlines pass (they last as long as the invocation could)."""
        with self.desk.store.transaction() as db:
            db.execute("UPDATE idempotency SET in_progress_expiry = 0 WHERE status = 'INPROGRESS'")

    def sent_mail(self) -> list[EmailMessage]:
        folder = self.settings.outbox_dir
        # In the order written: names sort by the second a message was made, not within it.
        files = sorted(folder.glob("*.eml"), key=lambda p: (p.stat().st_mtime_ns, p.name)) if folder.exists() else []
        return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in files]


@dataclass
class ServedHost(LocalHost):
    """`kbdesk serve` itself, in a process of its own: the site, and the function in its worker processes.

    The test reaches the same data dir through a desk of its own (SQLite is shared between processes),
    but it cannot reach into the server: nothing here moves its clock or breaks its storage.
    """

    name: str = "served"
    project: Path = Path()
    process: Any = field(default=None, repr=False)

    def start(self) -> ServedHost:
        import subprocess
        import sys

        env = {
            **os.environ,
            **_lambda_environment(self.settings),
            "KBDESK_BACKEND": "local",
            "KBDESK_DATA_DIR": str(self.settings.data_dir),
            "KBDESK_WORKERS": "4",
        }
        self.log = self.settings.data_dir.with_name(self.settings.data_dir.name + "-serve.log")
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [
                    str(Path(sys.executable).parent / "kbdesk"),
                    "serve",
                    "--port",
                    "0",
                    "--no-watch",
                    "--data-dir",
                    str(self.settings.data_dir),
                ],
                cwd=self.project,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.base = f"http://127.0.0.1:{self._port()}"
        self.desk = local_backend(self.settings).desk
        return self

    def _port(self) -> int:
        """The port the server says it listens on, once it does."""
        import time

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            found = re.search(r"serving on http://127\.0\.0\.1:(\d+)/", self.log.read_text())
            if found:
                return int(found.group(1))
            assert self.process.poll() is None, self.log.read_text()
            time.sleep(0.1)
        raise AssertionError(f"kbdesk serve did not start:\n{self.log.read_text()}")

    def stop(self) -> None:
        import signal

        self.process.send_signal(signal.SIGINT)
        assert self.process.wait(timeout=30) == 0, self.log.read_text()  # Ctrl-C stops it and its workers


REGION = "us-east-1"
ORIGIN_SECRET = "o-segredo-que-a-cloudfront-envia"  # X-Kbdesk-Origin, as the distribution adds it
TABLE = "kbdesk-contract"
BUCKET = "kbdesk-contract-attachments"


@dataclass
class LambdaHost:
    """`tickets.handler.lambda_handler`, configured only through its environment, over moto."""

    settings: Settings
    name: str = "lambda"

    def start(self) -> LambdaHost:
        import boto3
        from moto import mock_aws

        from tickets import handler
        from tickets.adapters.dynamodb import TTL_ATTRIBUTE, table_definition

        self.saved_env = dict(os.environ)
        os.environ.update(_lambda_environment(self.settings) if not PACKAGE else _lambda_runtime())
        self.mock = mock_aws()
        self.mock.start()
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        dynamodb.create_table(**(table_definition(TABLE) if not PACKAGE else _template_table()))
        dynamodb.update_time_to_live(TableName=TABLE, TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE})
        boto3.client("s3", region_name=REGION).create_bucket(Bucket=BUCKET)
        self.ses = boto3.client("ses", region_name=REGION)
        self.ses.verify_email_identity(EmailAddress=self.sender)
        if PACKAGE:
            os.environ.update(_template_environment(self.settings))
        handler.reset()  # a new container: the next event builds the app from this environment
        self.handler = handler
        self.operations: list[str] = []
        from tickets.adapters.aws import client

        client("dynamodb").meta.events.register("before-call.dynamodb.*", self._record)
        return self

    @property
    def sender(self) -> str:
        return parseaddr(self.settings.sender)[1]

    @property
    def desk(self) -> Any:
        return self.handler.get_app().desk

    def _record(self, model: Any, **_: Any) -> None:
        self.operations.append(model.name)

    def stop(self) -> None:
        from tickets.adapters.aws import client

        client("dynamodb").meta.events.unregister("before-call.dynamodb.*", self._record)
        self.handler.reset()
        self.mock.stop()
        os.environ.clear()
        os.environ.update(self.saved_env)

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
        cookies: dict[str, str] | None = None,
    ) -> Reply:
        headers = {k.lower(): v for k, v in (headers or {}).items()}
        raw_path, _, query = path.partition("?")
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            headers.setdefault("content-type", "application/json")
        if data is not None:
            headers["content-length"] = str(len(data))
        try:
            text, encoded = (data.decode("utf-8"), False) if data is not None else ("", False)
        except UnicodeDecodeError:
            text, encoded = base64.b64encode(data).decode(), True
        event: dict[str, Any] = {
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": raw_path,
            "rawQueryString": query,
            "headers": headers,
            "requestContext": {
                "accountId": "123456789012",
                "apiId": "contract",
                "domainName": "help.example.com",
                "http": {
                    "method": method,
                    "path": raw_path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": "203.0.113.9",
                    "userAgent": "contract",
                },
                "requestId": str(uuid.uuid4()),
                "routeKey": "$default",
                "stage": "$default",
                "timeEpoch": 0,
            },
            "body": text,
            "isBase64Encoded": encoded,
        }
        parameters = _query_parameters(query)
        if parameters:
            event["queryStringParameters"] = parameters
        # API Gateway moves the Cookie header into the event's `cookies` list.
        pairs = [c.strip() for c in headers.pop("cookie", "").split(";") if c.strip()]
        pairs += [f"{name}={value}" for name, value in (cookies or {}).items()]
        if pairs:
            event["cookies"] = pairs
        result = self.handler.lambda_handler(event, LocalContext(str(uuid.uuid4())))
        answer_headers = {k.lower(): str(v) for k, v in (result.get("headers") or {}).items()}
        set_cookies = list(result.get("cookies") or [])
        if "set-cookie" in answer_headers:
            set_cookies.insert(0, answer_headers["set-cookie"])
        return Reply(result["statusCode"], answer_headers, result.get("body") or "", set_cookies)

    def download(self, url: str) -> Download:
        """Follow a presigned S3 link (moto answers it)."""
        import requests

        response = requests.get(url, timeout=30)
        return Download(response.status_code, {k.lower(): v for k, v in response.headers.items()}, response.content)

    def upload(self, grant: dict[str, Any], content: bytes, filename: str = "arquivo.bin") -> int:
        """Post the file to S3 as a browser does (moto answers the presigned POST)."""
        import requests

        return requests.post(grant["url"], data=grant["fields"], files={"file": (filename, content)}, timeout=30).status_code

    def sent_mail(self) -> list[EmailMessage]:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.ses.models import ses_backends

        sent = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
        return [email.message_from_string(m.raw_data, policy=email.policy.default) for m in sent]

    def break_mail(self) -> None:
        """SES refuses to send: the sender's identity is not verified."""
        self.ses.delete_identity(Identity=self.sender)

    def repair_mail(self) -> None:
        self.ses.verify_email_identity(EmailAddress=self.sender)

    def flush_outbox(self) -> int:
        """`kbdesk outbox flush` on the deployment's settings, as the support team runs it; the e-mails it sent."""
        return _operator_flush({})

    def break_storage_mid_write(self) -> None:
        """The next ticket's transaction fails in DynamoDB: nothing of it may be written."""
        from botocore.exceptions import ClientError

        from tickets.adapters.aws import client

        events = client("dynamodb").meta.events

        def fail_once(**_: Any) -> None:
            events.unregister("before-call.dynamodb.TransactWriteItems", fail_once)
            raise ClientError({"Error": {"Code": "InternalServerError", "Message": "injected"}}, "TransactWriteItems")

        events.register("before-call.dynamodb.TransactWriteItems", fail_once)

    def die_before_recording_the_outcome(self) -> None:
        """The next invocation ends after its ticket is stored, before its idempotency record says so."""
        from tickets.adapters.aws import client

        events = client("dynamodb").meta.events

        def died(params: dict[str, Any], **_: Any) -> None:
            if params["Key"]["pk"]["S"].startswith("idempotency#"):
                events.unregister("provide-client-params.dynamodb.UpdateItem", died)
                raise SystemError("the invocation ended here")

        events.register("provide-client-params.dynamodb.UpdateItem", died)

    def lapse_requests_in_progress(self) -> None:
        """The in-progress records' deadlines pass (they last as long as the invocation could)."""
        import boto3

        dynamodb = boto3.client("dynamodb", region_name=REGION)  # not the function's: it never scans
        for item in dynamodb.scan(TableName=TABLE)["Items"]:
            if item["pk"]["S"].startswith("idempotency#") and item.get("status", {}).get("S") == "INPROGRESS":
                dynamodb.update_item(
                    TableName=TABLE,
                    Key={"pk": item["pk"], "sk": item["sk"]},
                    UpdateExpression="SET in_progress_expiration = :past",
                    ExpressionAttributeValues={":past": {"N": "0"}},
                )


def _lambda_environment(settings: Settings) -> dict[str, str]:
    """The function's environment for these settings, as the deployment sets it."""
    limits = settings.rate_limits
    rate = (
        "off" if limits is None else ",".join(f"{name}={count}/{_period(seconds)}" for name, (count, seconds) in limits.items())
    )
    return {
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_LAMBDA_FUNCTION_NAME": "kbdesk-tickets",
        "KBDESK_BACKEND": "aws",
        "KBDESK_TABLE": TABLE,
        "KBDESK_BUCKET": BUCKET,
        "KBDESK_PRODUCTS_FILE": str(settings.products_file),
        "KBDESK_SIGNING_SECRET": settings.signing_secret.decode(),
        "KBDESK_SITE_URL": settings.site_url,
        "KBDESK_SUPPORT_EMAIL": settings.support_email,
        "KBDESK_SENDER": settings.sender,
        "KBDESK_LANGUAGE": settings.language,
        "KBDESK_TICKET_PREFIX": settings.ticket_prefix,
        "KBDESK_RATE_LIMITS": rate,
        "KBDESK_AGENT_KEY": settings.agent_key,
        "KBDESK_ORIGIN_SECRET": ORIGIN_SECRET,
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }


# The deployment package's test (tests/test_package.py) runs these cases against the function as
# `sam build` packages it, with the environment template.yaml gives it and its table as declared there.
PACKAGE = os.environ.get("KBDESK_CONTRACT_PACKAGE", "")


def _lambda_runtime() -> dict[str, str]:
    """What Lambda itself puts in every function's environment (credentials, region, name)."""
    return {
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_LAMBDA_FUNCTION_NAME": "kbdesk-tickets",
    }


def _template_table() -> dict[str, Any]:
    from template_yaml import load_template

    (table,) = [r["Properties"] for r in load_template()["Resources"].values() if r["Type"] == "AWS::DynamoDB::Table"]
    keys = ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode")
    return {"TableName": TABLE, **{key: table[key] for key in keys}}


def _template_environment(settings: Settings) -> dict[str, str]:
    """template.yaml's Globals environment, its references resolved to what this host made in moto.

    The secrets and the SES configuration set are made here, as the stack makes them; the stack's
    parameters take the test's settings; the site has no domain of its own (SiteUrl is used).
    """
    import boto3
    from template_yaml import load_template

    secrets = boto3.client("secretsmanager", region_name=REGION)
    boto3.client("sesv2", region_name=REGION).create_configuration_set(ConfigurationSetName="kbdesk")
    resources = {
        "TicketsTable": TABLE,
        "AttachmentsBucket": BUCKET,
        "SigningSecret": secrets.create_secret(Name="signing", SecretString=settings.signing_secret.decode())["ARN"],
        "AgentKey": secrets.create_secret(Name="agent", SecretString=settings.agent_key or "unused-agent-key")["ARN"],
        "OriginSecret": secrets.create_secret(Name="origin", SecretString=ORIGIN_SECRET)["ARN"],
        "EmailConfigurationSet": "kbdesk",
    }
    limits = settings.rate_limits
    parameters = {
        "SiteDomain": "",
        "CertificateArn": "",
        "SiteUrl": settings.site_url,
        "SenderAddress": settings.sender,
        "SupportAddress": settings.support_email,
        "TicketPrefix": settings.ticket_prefix,
        "Language": settings.language,
        "RateLimits": "off" if limits is None else ",".join(f"{n}={c}/{_period(s)}" for n, (c, s) in limits.items()),
    }

    def resolve(value: Any) -> str:
        if isinstance(value, str):
            return value
        if "Ref" in value:
            return parameters[value["Ref"]] if value["Ref"] in parameters else resources[value["Ref"]]
        if "Fn::If" in value and value["Fn::If"][0] == "HasDomain":
            return resolve(value["Fn::If"][2])
        if "Fn::Sub" in value:
            return re.sub(r"\$\{(\w+)\}", lambda m: resolve({"Ref": m.group(1)}), value["Fn::Sub"])
        raise AssertionError(f"cannot resolve {value}")

    variables = load_template()["Globals"]["Function"]["Environment"]["Variables"]
    return {name: resolve(value) for name, value in variables.items()}


def _query_parameters(query: str) -> dict[str, str]:
    """`queryStringParameters` as API Gateway fills it: decoded, repeated names joined by commas."""
    parameters: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        parameters[name] = f"{parameters[name]},{value}" if name in parameters else value
    return parameters


def _period(seconds: int) -> str:
    return {1: "s", 60: "m", 3600: "h", 86400: "d"}[seconds]


def _no_site(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("404 Not Found", [("Content-Length", "0")])
    return [b""]


def _http(url: str, method: str, data: bytes | None, headers: dict[str, str]) -> Reply:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        pairs = response.getheaders()
        cookies = [v for k, v in pairs if k.lower() == "set-cookie"]
        return Reply(response.status, {k.lower(): v for k, v in pairs}, response.read().decode("utf-8", "replace"), cookies)
    finally:
        connection.close()


def _download(url: str) -> Download:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
        response = connection.getresponse()
        return Download(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        connection.close()


def _post_form(parts: Any, fields: dict[str, str], content: bytes, filename: str) -> int:
    boundary = uuid.uuid4().hex
    chunks = []
    for name, value in fields.items():
        chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    chunks.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    chunks.append(f"--{boundary}--\r\n".encode())
    body = b"".join(chunks)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.hostname, parts.port, timeout=30)
    try:
        connection.request(
            "POST", parts.path or "/", body=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )
        return connection.getresponse().status
    finally:
        connection.close()
