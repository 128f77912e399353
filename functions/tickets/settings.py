"""Configuration from the environment, read once per process.

Both hosts read the same variables (API.md, "Configuration the contract
relies on"); `KBDESK_BACKEND` picks the adapters: `local` (SQLite, a files
folder, an outbox folder) or `aws` (DynamoDB, S3, SES).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import catalog
from .texts import Texts, texts_for

# An address may attach up to ten files to each ticket it may open (uploads_ip). What uploads may hold
# is counted in MiB over a day, the time an unused upload is kept: an address (upload_mib_ip) or a
# signed-in person (upload_mib) never holds more than that in uploads no ticket uses.
DEFAULT_RATE_LIMITS = {
    "tickets": (10, 3600),
    "tickets_ip": (60, 3600),
    "login": (5, 3600),
    "login_ip": (30, 3600),
    "login_mailbox": (20, 3600),
    "verify_ip": (60, 3600),
    "comments": (60, 3600),
    "uploads_ip": (600, 3600),
    "upload_mib_ip": (2048, 86400),
    "upload_mib": (1024, 86400),
}
PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RATE = re.compile(r"^\s*(\w+)\s*=\s*(\d+)\s*/\s*([smhd])\s*$")


class SettingsError(ValueError):
    """A configuration value is wrong; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    backend: str = "local"
    data_dir: Path = Path("var")
    ticket_prefix: str = "PC"
    site_url: str = "http://127.0.0.1:8000"
    language: str = "pt-BR"
    sender: str = ""  # "Name <address>"; empty: the Help Center, in the language, at support_email
    support_email: str = "suporte@kbdesk.local"
    signing_secret: bytes = b""
    rate_limits: dict[str, tuple[int, int]] | None = field(default_factory=lambda: dict(DEFAULT_RATE_LIMITS))
    products_file: Path | None = None
    table_name: str = ""
    bucket_name: str = ""
    smtp_url: str = ""
    agent_key: str = ""  # the support team's bearer key; empty turns the agent routes off
    # What CloudFront sends with every request it forwards (X-Kbdesk-Origin): only such a request's
    # CloudFront-Viewer-Address is the caller's. Empty: no CloudFront in front, the connection's address is.
    origin_secret: str = ""
    # On AWS the secrets live in Secrets Manager, never in the function's configuration.
    signing_secret_arn: str = ""
    agent_key_arn: str = ""
    origin_secret_arn: str = ""
    ses_configuration_set: str = ""
    # Replies by e-mail: who is the support team (addresses, and "@domain" for a whole domain), and what
    # a ticket opened by e-mail is (empty product: the first).
    agent_emails: tuple[str, ...] = ()
    email_request_type: str = "usability"
    email_product: str = ""

    @property
    def say(self) -> Texts:
        """The function's words in its language (`texts.py`)."""
        return texts_for(self.language)

    @property
    def from_address(self) -> str:
        return self.sender or f"{self.say('mail.sender_name')} <{self.support_email}>"

    def is_agent(self, email: str) -> bool:
        """Whether an address is the support team's (KBDESK_AGENT_EMAILS)."""
        email = email.lower()
        domain = "@" + email.rpartition("@")[2]
        return any(entry == email or entry == domain for entry in self.agent_emails)

    @property
    def database(self) -> Path:
        return self.data_dir / "kbdesk.sqlite3"

    @property
    def attachments_dir(self) -> Path:
        return self.data_dir / "attachments"

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"


def parse_rate_limits(text: str) -> dict[str, tuple[int, int]] | None:
    """`off`, or 'tickets=10/h,login=5/h' over the defaults; None means no limits."""
    if text.strip().lower() == "off":
        return None
    limits = dict(DEFAULT_RATE_LIMITS)
    for part in filter(str.strip, text.split(",")):
        match = RATE.match(part)
        if not match or match.group(1) not in DEFAULT_RATE_LIMITS:
            raise SettingsError(f"KBDESK_RATE_LIMITS: cannot read '{part.strip()}' (e.g. tickets=10/h)")
        limits[match.group(1)] = (int(match.group(2)), PERIODS[match.group(3)])
    return limits


def from_environment(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    secret = env.get("KBDESK_SIGNING_SECRET", "")
    data_dir = Path(env.get("KBDESK_DATA_DIR", "var"))
    if not secret and env.get("KBDESK_BACKEND", "local") == "local":
        secret = _local_secret(data_dir)
    if not secret and not env.get("KBDESK_SIGNING_SECRET_ARN"):
        raise SettingsError("KBDESK_SIGNING_SECRET (or KBDESK_SIGNING_SECRET_ARN) is required")
    prefix = env.get("KBDESK_TICKET_PREFIX", "PC")
    if not re.fullmatch(r"[A-Z][A-Z0-9]{0,9}", prefix):
        raise SettingsError("KBDESK_TICKET_PREFIX must be 1 to 10 capital letters or digits, starting with a letter")
    products = env.get("KBDESK_PRODUCTS_FILE")
    if not products and env.get("KBDESK_BACKEND", "local") == "local":
        products = str(data_dir / "products.json")  # kept there by `kbdesk serve` after each build
    return Settings(
        backend=env.get("KBDESK_BACKEND", "local"),
        data_dir=data_dir,
        ticket_prefix=prefix,
        site_url=env.get("KBDESK_SITE_URL", "http://127.0.0.1:8000").rstrip("/"),
        language="en" if env.get("KBDESK_LANGUAGE", "pt-BR").lower().startswith("en") else "pt-BR",
        sender=env.get("KBDESK_SENDER", ""),
        support_email=env.get("KBDESK_SUPPORT_EMAIL", Settings.support_email),
        signing_secret=secret.encode(),
        rate_limits=parse_rate_limits(env.get("KBDESK_RATE_LIMITS", "")),
        products_file=Path(products) if products else None,
        table_name=env.get("KBDESK_TABLE", ""),
        bucket_name=env.get("KBDESK_BUCKET", ""),
        smtp_url=env.get("KBDESK_SMTP_URL", ""),
        agent_key=env.get("KBDESK_AGENT_KEY", ""),
        origin_secret=env.get("KBDESK_ORIGIN_SECRET", ""),
        signing_secret_arn=env.get("KBDESK_SIGNING_SECRET_ARN", ""),
        agent_key_arn=env.get("KBDESK_AGENT_KEY_ARN", ""),
        origin_secret_arn=env.get("KBDESK_ORIGIN_SECRET_ARN", ""),
        ses_configuration_set=env.get("KBDESK_SES_CONFIGURATION_SET", ""),
        agent_emails=tuple(e.strip().lower() for e in env.get("KBDESK_AGENT_EMAILS", "").split(",") if e.strip()),
        email_request_type=_request_type(env.get("KBDESK_EMAIL_REQUEST_TYPE", "usability")),
        email_product=env.get("KBDESK_EMAIL_PRODUCT", ""),
    )


def _request_type(value: str) -> str:
    if value not in catalog.REQUEST_TYPE_IDS:
        raise SettingsError(f"KBDESK_EMAIL_REQUEST_TYPE must be one of {', '.join(catalog.REQUEST_TYPE_IDS)}")
    return value


def _local_secret(data_dir: Path) -> str:
    """On one machine the secret is made once and kept in the data dir (never in the repo).

    The server's workers may all start at once: the first to link its file in place wins, and
    nobody ever reads a half-written secret.
    """
    path = data_dir / "signing-secret"
    if not path.exists():
        import secrets
        import tempfile

        data_dir.mkdir(parents=True, exist_ok=True)
        handle, draft = tempfile.mkstemp(dir=data_dir, prefix=".signing-secret-")  # readable by its owner only
        try:
            os.write(handle, secrets.token_urlsafe(32).encode())
            os.close(handle)
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(draft)
    return path.read_text().strip()
