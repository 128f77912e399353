"""The two hosts of the ticket API, behind one client interface for the contract suite.

- `LocalHost`: `kbdesk serve`'s portal on a real HTTP socket, over the embedded
  default (SQLite, a files folder, an outbox folder) in a temporary data dir;
- `LambdaHost`: the Lambda handler called with API Gateway v2 events, over
  DynamoDB, S3 and SES under moto.

A test asks the host for what a user would see: HTTP answers, and the e-mails
that were sent.
"""

from __future__ import annotations

import email
import email.policy
import http.client
import json
import threading
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tickets.app import create_app
from tickets.backends import local_backend
from tickets.desk import utc_now
from tickets.outbox import deliver
from tickets.ports import StorageError
from tickets.settings import Settings


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str

    @property
    def json(self) -> Any:
        return json.loads(self.text)

    @property
    def error(self) -> dict[str, Any]:
        return self.json["error"]


def settings_for(data_dir: Path, products_file: Path, **overrides: Any) -> Settings:
    base: dict[str, Any] = dict(
        data_dir=data_dir, products_file=products_file, signing_secret=b"contract-suite-secret",
        site_url="http://help.example.com", support_email="suporte@example.com",
        sender="Central de Ajuda <suporte@example.com>", rate_limits=None,
    )
    base.update(overrides)
    return Settings(**base)


@dataclass
class LocalHost:
    """The local server on 127.0.0.1, serving a tiny site and the API."""

    settings: Settings
    name: str = "local"
    server: Any = field(default=None, repr=False)

    def start(self) -> LocalHost:
        from waitress import create_server

        from kbdesk.portal import Portal
        from tickets.adapters.local_files import LocalFiles

        backend = local_backend(self.settings)
        api = create_app(backend.desk, backend.idempotency)
        files = LocalFiles(self.settings.attachments_dir, self.settings.signing_secret)
        self.desk = backend.desk
        portal = Portal(_no_site, api.resolve, files)
        self.server = create_server(portal, host="127.0.0.1", port=0, threads=8)
        threading.Thread(target=_run_until_closed, args=(self.server,), daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.effective_port}"
        return self

    def stop(self) -> None:
        self.server.close()

    def request(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
                raw: bytes | None = None) -> Reply:
        headers = dict(headers or {})
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        return _http(self.base + path, method, data, headers)

    def upload(self, grant: dict[str, Any], content: bytes, filename: str = "arquivo.bin") -> int:
        """Post the file as a browser would: the grant's fields, then the file."""
        return _post_form(urlsplit(self.base + grant["url"]) if grant["url"].startswith("/") else urlsplit(grant["url"]),
                          grant["fields"], content, filename)

    # Failures, as a test provokes them

    def break_mail(self) -> None:
        """The outbox folder cannot be written: a file stands where it should be."""
        self.settings.outbox_dir.parent.mkdir(parents=True, exist_ok=True)
        self.settings.outbox_dir.write_text("not a folder")

    def repair_mail(self) -> None:
        self.settings.outbox_dir.unlink()

    def flush_outbox(self) -> int:
        """What `kbdesk outbox flush` (or the scheduled function on AWS) does."""
        return deliver(self.desk.store, self.desk.mailer, utc_now()).sent

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

    def sent_mail(self) -> list[EmailMessage]:
        folder = self.settings.outbox_dir
        files = sorted(folder.glob("*.eml")) if folder.exists() else []
        return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in files]


def _run_until_closed(server: Any) -> None:
    try:
        server.run()
    except OSError:
        pass  # closing the server from the test ends its loop this way


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
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read().decode("utf-8", "replace"))
    finally:
        connection.close()


def _post_form(parts: Any, fields: dict[str, str], content: bytes, filename: str) -> int:
    boundary = uuid.uuid4().hex
    chunks = []
    for name, value in fields.items():
        chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    chunks.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n"
    )
    chunks.append(f"--{boundary}--\r\n".encode())
    body = b"".join(chunks)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("POST", parts.path or "/", body=body,
                           headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        return connection.getresponse().status
    finally:
        connection.close()
