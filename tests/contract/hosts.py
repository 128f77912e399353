"""The two hosts of the ticket API, behind one client interface (`Host`) for the contract suite.

- `LocalHost`: `kbdesk serve`'s portal on a real HTTP socket, over the embedded
  default (SQLite, a files folder, an outbox folder) in a temporary data dir;
- `LambdaHost`: the Lambda handler called with API Gateway v2 events, over
  DynamoDB, S3 and SES under moto.

A test asks the host for what a user would see: HTTP answers, and the e-mails
that were sent. A `Browser` is one person's browser on a host: a `requests.Session`,
whose cookie jar keeps the cookies the API sets and sends them back by the
standard library's rules (path, expiry), as a browser on the site's origin does.
"""

from __future__ import annotations

import base64
import email
import email.policy
import json
import os
import re
import smtplib
import socket
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.utils import parseaddr
from http.cookies import Morsel, SimpleCookie
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl, urljoin, urlsplit

import requests
from browser_helpers import kbdesk_serve
from requests.cookies import MockRequest, MockResponse

from kbdesk.gateway import LocalContext
from tickets.app import create_app
from tickets.backends import local_backend
from tickets.desk import Desk
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

    def set_cookie(self, name: str) -> Morsel[str] | None:
        """The last Set-Cookie for `name` in this answer, as `http.cookies` reads it
        (`cookie["path"]`, `cookie["max-age"]`; a flag such as `cookie["httponly"]` is True or "")."""
        found = [parsed[name] for parsed in map(SimpleCookie, self.cookies) if name in parsed]
        return found[-1] if found else None


@dataclass(frozen=True)
class Download:
    status: int
    headers: dict[str, str]
    body: bytes


class Host(Protocol):
    """What the contract tests use of a host, whichever backend answers."""

    name: str
    settings: Settings

    @property
    def desk(self) -> Desk: ...

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
        cookies: dict[str, str] | None = None,
        session: requests.Session | None = None,
    ) -> Reply:
        """One request to the API: `body` as JSON or `raw` bytes; `cookies` sent as given, or the
        cookies of `session`'s jar, which keeps what the answer sets."""
        ...

    def download(self, url: str) -> Download: ...

    def upload(self, grant: dict[str, Any], content: bytes, filename: str = "arquivo.bin") -> int: ...

    def sent_mail(self) -> list[EmailMessage]: ...

    def flush_outbox(self) -> int: ...

    def receive_mail(self, raw: bytes) -> None:
        """One e-mail to the support address, as the host's mail receiving delivers it."""

    def break_mail(self) -> None: ...

    def repair_mail(self) -> None: ...

    def break_storage_mid_write(self) -> None: ...

    def die_before_recording_the_outcome(self) -> None: ...

    def lapse_requests_in_progress(self) -> None: ...

    def stop(self) -> None: ...


@dataclass
class Browser:
    """One person's browser on a host: a `requests.Session` (its cookie jar), and the header the site's scripts send.

    The site's pages send `X-Requested-With: kbdesk` with every request that
    changes something; `csrf=False` plays a page of another site that cannot.
    """

    host: Host
    session: requests.Session = field(default_factory=requests.Session)

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
        return self.host.request(method, path, body, headers, raw, session=self.session)

    def cookie(self, name: str) -> str | None:
        return self.session.cookies.get(name)


def browser(host: Host) -> Browser:
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
        agent_emails=("ana@example.com", "@suporte.example.com"),
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
    return int(re.search(r"\d+", result.output)[0])  # the first count is of those sent, in either language


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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
        session: requests.Session | None = None,
    ) -> Reply:
        if session is None:  # a request on its own, as curl sends one: nothing the answer sets is kept
            with requests.Session() as alone:
                return self.request(method, path, body, headers, raw, cookies, alone)
        response = session.request(
            method, self.base + path, headers=headers, data=raw, json=body, cookies=cookies, allow_redirects=False, timeout=30
        )
        set_cookies = response.raw.headers.getlist("Set-Cookie")
        return Reply(
            response.status_code, _lower_case(response.headers), response.content.decode("utf-8", "replace"), set_cookies
        )

    def download(self, url: str) -> Download:
        """Follow an attachment's download_url as the browser would (relative to the site)."""
        return _download(urljoin(self.base, url))

    def upload(self, grant: dict[str, Any], content: bytes, filename: str = "arquivo.bin") -> int:
        """Post the file as a browser would: the grant's fields, then the file."""
        return _post_form(urljoin(self.base, grant["url"]), grant["fields"], content, filename)

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

    def receive_mail(self, raw: bytes) -> None:
        """`kbdesk mail receive -`, as a mail server's pipe runs it."""
        from click.testing import CliRunner

        from kbdesk.cli import main

        env = {**_lambda_environment(self.settings), "KBDESK_BACKEND": "local", "KBDESK_DATA_DIR": str(self.settings.data_dir)}
        result = CliRunner().invoke(main, ["mail", "receive", "-"], input=raw, env=env)
        assert result.exit_code == 0, result.output

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
    smtp_port: int = field(default_factory=free_port)
    running: ExitStack = field(default_factory=ExitStack, repr=False)

    def start(self) -> ServedHost:
        env = {
            **_lambda_environment(self.settings),
            "KBDESK_BACKEND": "local",
            "KBDESK_DATA_DIR": str(self.settings.data_dir),
            "KBDESK_WORKERS": "4",
            "KBDESK_SMTP_PORT": str(self.smtp_port),
        }
        self.base = self.running.enter_context(kbdesk_serve(self.settings.data_dir, self.project, env))
        self.desk = local_backend(self.settings).desk
        return self

    def receive_mail(self, raw: bytes) -> None:
        """SMTP to the server's port, as the mail server in front of it relays the support address's mail."""
        message = email.message_from_bytes(raw, policy=email.policy.default)
        with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=30) as smtp:  # 250 once the function took it
            smtp.send_message(message, "remetente@example.net", [self.settings.support_email])

    def stop(self) -> None:
        self.running.close()  # Ctrl-C, which stops the server and its workers


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
        session: requests.Session | None = None,
    ) -> Reply:
        # requests encodes the call (the JSON body, Content-Length, the Cookie header by the jar's
        # rules) for the site's address; the event carries it to the handler as API Gateway would.
        jar = session.cookies if session is not None else cookies
        prepared = requests.Request(method, self.settings.site_url + path, headers, data=raw, json=body, cookies=jar).prepare()
        result = self.handler.lambda_handler(_gateway_event(prepared), LocalContext(str(uuid.uuid4())))
        answer_headers = _lower_case(result.get("headers") or {})
        set_cookies = list(result.get("cookies") or [])
        if "set-cookie" in answer_headers:
            set_cookies.insert(0, answer_headers["set-cookie"])
        if session is not None:
            answer = Message()
            for header in set_cookies:
                answer["Set-Cookie"] = header  # adds one more header of that name
            session.cookies.extract_cookies(MockResponse(answer), MockRequest(prepared))
        return Reply(result["statusCode"], answer_headers, result.get("body") or "", set_cookies)

    def download(self, url: str) -> Download:
        """Follow a presigned S3 link (moto answers it)."""
        return _download(url)

    def upload(self, grant: dict[str, Any], content: bytes, filename: str = "arquivo.bin") -> int:
        """Post the file to S3 as a browser does (moto answers the presigned POST)."""
        return _post_form(grant["url"], grant["fields"], content, filename)

    def sent_mail(self) -> list[EmailMessage]:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.ses.models import ses_backends

        sent = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
        return [email.message_from_string(m.raw_data, policy=email.policy.default) for m in sent]

    def receive_mail(self, raw: bytes) -> None:
        """SES receiving: the message stored under inbound/, then the bucket's event to the function."""
        import boto3

        key = f"inbound/{uuid.uuid4().hex}"
        boto3.client("s3", region_name=REGION).put_object(Bucket=BUCKET, Key=key, Body=raw)
        record = {"eventSource": "aws:s3", "s3": {"bucket": {"name": BUCKET}, "object": {"key": key, "size": len(raw)}}}
        self.handler.receive_mail({"Records": [record]}, LocalContext(str(uuid.uuid4())))

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
        "KBDESK_RATE_LIMITS": _rate_limits(settings),
        "KBDESK_AGENT_KEY": settings.agent_key,
        "KBDESK_AGENT_EMAILS": ",".join(settings.agent_emails),
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
    parameters = {
        "SiteDomain": "",
        "CertificateArn": "",
        "SiteUrl": settings.site_url,
        "SenderAddress": settings.sender,
        "SupportAddress": settings.support_email,
        "TicketPrefix": settings.ticket_prefix,
        "Language": settings.language,
        "RateLimits": _rate_limits(settings),
        "AgentEmails": ",".join(settings.agent_emails),
        "EmailRequestType": settings.email_request_type,
        "EmailProduct": settings.email_product,
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


def _gateway_event(prepared: requests.PreparedRequest) -> dict[str, Any]:
    """The API Gateway (HTTP API, payload 2.0) event for the request."""
    url = urlsplit(prepared.url)
    headers = _lower_case(prepared.headers)
    data = prepared.body or b""  # bytes: requests encodes JSON and takes raw bodies as they are
    try:
        text, encoded = data.decode("utf-8"), False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(data).decode(), True
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": url.path,
        "rawQueryString": url.query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "contract",
            "domainName": "help.example.com",
            "http": {
                "method": prepared.method,
                "path": url.path,
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
    parameters = _query_parameters(url.query)
    if parameters:
        event["queryStringParameters"] = parameters
    # API Gateway moves the Cookie header into the event's `cookies` list.
    pairs = [pair.strip() for pair in headers.pop("cookie", "").split(";") if pair.strip()]
    if pairs:
        event["cookies"] = pairs
    return event


def _query_parameters(query: str) -> dict[str, str]:
    """`queryStringParameters` as API Gateway fills it: decoded, repeated names joined by commas."""
    parameters: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        parameters[name] = f"{parameters[name]},{value}" if name in parameters else value
    return parameters


def _rate_limits(settings: Settings) -> str:
    """The settings' rate limits as the deployment writes them (KBDESK_RATE_LIMITS, RateLimits)."""
    limits = settings.rate_limits
    if limits is None:
        return "off"
    period = {1: "s", 60: "m", 3600: "h", 86400: "d"}
    return ",".join(f"{name}={count}/{period[seconds]}" for name, (count, seconds) in limits.items())


def _no_site(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("404 Not Found", [("Content-Length", "0")])
    return [b""]


def _lower_case(headers: Any) -> dict[str, str]:
    """Headers by lower-case name (HTTP's names are case-insensitive)."""
    return {name.lower(): str(value) for name, value in headers.items()}


def _download(url: str) -> Download:
    response = requests.get(url, timeout=30)
    return Download(response.status_code, _lower_case(response.headers), response.content)


def _post_form(url: str, fields: dict[str, str], content: bytes, filename: str) -> int:
    """Post an upload form as a browser does: the grant's fields, then the file; the answer's status."""
    return requests.post(url, data=fields, files={"file": (filename, content)}, timeout=30).status_code
