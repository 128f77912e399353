"""What the tests that use the real portal share.

`kbdesk serve` in a process of its own (the browser tests of the ticket form and the contract
suite's `served` host start it), and for the browser tests: a customer's browser on a portal,
signing in, opening tickets, reading what the portal e-mails, and waiting for its pages.
"""

from __future__ import annotations

import os
import re
import signal
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from browser_page import Watched, watch

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}
SIGN_IN_SUBJECT = "Seu link de acesso à Central de Ajuda"
LINK = re.compile(r"https?://\S+")


# `kbdesk serve` itself


def serve_log(data_dir: Path) -> Path:
    """Where `kbdesk_serve` writes what the server prints: beside its data dir."""
    return data_dir.with_name(data_dir.name + "-serve.log")


@contextmanager
def kbdesk_serve(data_dir: Path, project: Path, env: Mapping[str, str]) -> Iterator[str]:
    """`kbdesk serve` in a process of its own: `project`'s site and the ticket API over `data_dir`,
    with `env` added to this environment, on a port the system picks; its address (no trailing
    slash) once it listens. At the end it gets Ctrl-C, as a person stops it, and must exit cleanly.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = serve_log(data_dir)
    command = [str(Path(sys.executable).parent / "kbdesk"), "serve", "--port", "0", "--no-watch", "--data-dir", str(data_dir)]
    with log_path.open("w") as log:
        # A session of its own: a Ctrl-C typed at pytest reaches pytest alone, which then stops the server.
        process = subprocess.Popen(
            command, cwd=project, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        url = _listening_at(process, log_path)
    except BaseException:
        process.kill()
        process.wait()
        raise
    try:
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0, log_path.read_text()  # Ctrl-C stops it and its workers


def _listening_at(process: subprocess.Popen[bytes], log_path: Path) -> str:
    """The address the server says it serves on (it says so once its port is open)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = re.search(r"serving on (http://127\.0\.0\.1:\d+)/", log_path.read_text())
        if found:
            return found.group(1)
        assert process.poll() is None, log_path.read_text()
        time.sleep(0.1)
    raise AssertionError(f"kbdesk serve did not start:\n{log_path.read_text()}")


@dataclass(frozen=True)
class LocalPortal:
    """A running portal (site and API on one origin) and the data dir it keeps tickets and e-mails in."""

    url: str  # with a trailing slash
    data_dir: Path

    def outbox(self) -> list[Path]:
        return sorted((self.data_dir / "outbox").glob("*.eml"))

    def command_env(self) -> dict[str, str]:
        """The environment under which `kbdesk` commands work on this portal's data, as its server does."""
        return {"KBDESK_DATA_DIR": str(self.data_dir), "KBDESK_SITE_URL": self.url.rstrip("/"), "KBDESK_RATE_LIMITS": "off"}


# A customer's browser


@contextmanager
def customer(
    browser: Any, portal: LocalPortal, viewport: dict[str, int] = DESKTOP, allowed: tuple[str, ...] = (), **options: Any
) -> Iterator[Watched]:
    """A browser of its own on the portal; the test fails on a console error not `allowed`, on a
    request that leaves the site's origin, and on a dialog a script puts up."""
    context = browser.new_context(viewport=viewport, locale="pt-BR", **options)
    watched = watch(context.new_page(), portal.url)
    dialogs: list[str] = []
    watched.page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        yield watched
    finally:
        context.close()
    assert [e for e in watched.errors if e not in allowed] == [], "errors in the browser console"
    assert watched.foreign_requests == [], "requests left the site's origin"
    assert dialogs == [], "a script put up a dialog"


def logged(status: int) -> str:
    """The line Chromium itself logs for every HTTP error answer; tests that expect one allow exactly it.
    The reason phrase is the server's: http.HTTPStatus's."""
    return f"Failed to load resource: the server responded with a status of {status} ({HTTPStatus(status).phrase})"


# What the portal e-mails


def read_mail(path: Path) -> EmailMessage:
    return message_from_bytes(path.read_bytes(), policy=policy.default)


def text_of(mail: EmailMessage) -> str:
    return mail.get_body(preferencelist=("plain",)).get_content()


def mails_since(portal: LocalPortal, before: set[Path], to: str) -> list[EmailMessage]:
    return [mail for mail in map(read_mail, sorted(set(portal.outbox()) - before)) if mail["To"] == to]


def sign_in_link(portal: LocalPortal, before: set[Path], email: str) -> str:
    """The link of the one sign-in e-mail sent to `email` since `before`."""
    mails = [m for m in mails_since(portal, before, email) if m["Subject"] == SIGN_IN_SUBJECT]
    assert len(mails) == 1, f"expected one sign-in e-mail to {email}"
    links = [link for link in LINK.findall(text_of(mails[0])) if "/entrar/?" in link]
    assert len(links) == 1
    return links[0]


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


# Signing in and opening tickets


def sign_in_by_api(tab: Watched, portal: LocalPortal, email: str) -> None:
    """A session in the tab's browser without going through the pages (they have tests of their own)."""
    before = set(portal.outbox())
    request = tab.page.context.request
    assert request.post(portal.url + "api/auth/login", data={"email": email}).status == 202
    token = token_of(sign_in_link(portal, before, email))
    assert request.post(portal.url + "api/auth/verify", data={"token": token}).status == 200


def open_ticket(
    portal: LocalPortal,
    email: str,
    subject: str,
    *,
    name: str = "",
    product: str = "omni-crm",
    request_type: str = "incident",
    description: str = "Desde ontem, salvar um contato leva 40 segundos.",
    confirmed: bool = True,
) -> str:
    """Open a ticket through the API as a customer who is not signed in; its number.

    Then, unless `confirmed` is False, the customer opens the link in the ticket's copy, which proves
    the address: only then do their colleagues see the ticket.
    """
    before = set(portal.outbox())
    body = {
        "request_type": request_type,
        "product": product,
        "subject": subject,
        "description": description,
        "email": email,
        "name": name,
    }
    opened = requests.post(portal.url + "api/tickets", json=body, timeout=10)
    assert opened.status_code == 201, opened.text
    number: str = opened.json()["number"]
    if confirmed:
        (copy,) = [m for m in mails_since(portal, before, email) if number in m["Subject"]]
        (link,) = [link for link in LINK.findall(text_of(copy)) if "/entrar/?" in link]
        verified = requests.post(portal.url + "api/auth/verify", json={"token": token_of(link)}, timeout=10)
        assert verified.status_code == 200, verified.text
    return number


# The pages


def query_of(page: Any) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def wait_for_list(page: Any) -> list[str]:
    """Wait until the requests page shows a list; the numbers in it, top to bottom."""
    page.wait_for_selector('#rq-results[aria-busy="false"]')
    return page.locator("#rq-rows tr").evaluate_all("rows => rows.map(r => r.dataset.number)")


def wait_for_ticket(page: Any) -> None:
    page.wait_for_selector("#tk-ticket:not([hidden]), #tk-not-found:not([hidden])")


def tiny_png() -> bytes:
    """A real 1x1 PNG, so the server's check of the bytes recognises it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b"")
    )
