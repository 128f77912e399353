"""Passwordless sign-in: one-time links by e-mail, then a session cookie.

Tokens and session ids are random and only their SHA-256 hashes are stored, so
a copy of the table signs nobody in. Links are single-use and short-lived;
sessions last a working day.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from aws_lambda_powertools.shared.cookies import Cookie, SameSite

TOKEN_LIFETIME = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=12)
SESSION_COOKIE = "kbdesk_session"
# Not a secret: tells the static pages someone is signed in, so they need not ask the API on every view.
SIGNED_IN_COOKIE = "kbdesk_signed_in"
CSRF_HEADER = "x-requested-with"
CSRF_VALUE = "kbdesk"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def safe_next(path: str | None) -> str | None:
    """A place on this site to return to after signing in; anything else (another origin) is dropped."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path or len(path) > 500:
        return None
    if any(ord(c) < 32 for c in path):
        return None
    return path


def session_cookies(session: str, secure: bool) -> list[Cookie]:
    seconds = int(SESSION_LIFETIME.total_seconds())
    return [
        Cookie(SESSION_COOKIE, session, path="/api", secure=secure, http_only=True, max_age=seconds, same_site=SameSite.LAX_MODE),
        Cookie(SIGNED_IN_COOKIE, "1", path="/", secure=secure, max_age=seconds, same_site=SameSite.LAX_MODE),
    ]


def cleared_cookies(secure: bool) -> list[Cookie]:
    return [
        Cookie(SESSION_COOKIE, "", path="/api", secure=secure, http_only=True, max_age=0, same_site=SameSite.LAX_MODE),
        Cookie(SIGNED_IN_COOKIE, "", path="/", secure=secure, max_age=0, same_site=SameSite.LAX_MODE),
    ]


def cookie(cookies: list[str] | None, name: str) -> str | None:
    """A cookie's value from the request's cookies (API Gateway v2 passes them as `name=value` strings).

    Two different values under one name are none: a cookie planted from a sibling domain or path
    must not choose whose session this is.
    """
    values = {value for key, _, value in (pair.strip().partition("=") for pair in cookies or []) if key == name}
    return values.pop() if len(values) == 1 else None
