"""What the API refuses before the resolver reads a request: unknown routes and methods, support's
routes without their key, and bodies that are too large or not a JSON object.

Powertools validates a body before any middleware runs, so these come first:
a refused request is never parsed, validated or half-handled.
"""

from __future__ import annotations

import base64
import hmac
import json
import re
from typing import Any

from . import catalog
from .errors import (
    ApiError,
    BadRequest,
    Forbidden,
    MethodNotAllowed,
    NotFound,
    TooLarge,
    Unauthenticated,
    UnsupportedMediaType,
)
from .routes.support import SUPPORT_ROUTES
from .texts import Texts

BODILESS = {"/api/auth/logout"}  # posts that carry nothing: signing out needs no body

Routes = list[tuple[re.Pattern[str], str]]


def refusal(event: dict[str, Any], routes: Routes, support_key: str | None, say: Texts) -> ApiError | None:
    """The first reason to refuse the event, if there is one."""
    return _refuse_method(event, routes, say) or _refuse_caller(event, support_key, say) or _refuse_body(event, say)


def _refuse_method(event: dict[str, Any], routes: Routes, say: Texts) -> ApiError | None:
    """A path that is no route (404), or a method it does not take (405, with those it does)."""
    method = event.get("requestContext", {}).get("http", {}).get("method", "GET").upper()
    path = event.get("rawPath") or ""
    allowed = sorted({route_method for rule, route_method in routes if rule.match(path)})
    if not allowed:
        return NotFound(say("route_not_found"))
    if method not in allowed:
        return MethodNotAllowed(say("method_not_allowed"), allowed)
    return None


def _refuse_caller(event: dict[str, Any], support_key: str | None, say: Texts) -> ApiError | None:
    """Support's routes without the support key (401) or with a wrong one (403)."""
    if not (event.get("rawPath") or "").startswith(SUPPORT_ROUTES):
        return None
    given = next((v for k, v in (event.get("headers") or {}).items() if k.lower() == "authorization"), "")
    if not given:
        return Unauthenticated(say("agent_key_missing"), headers={"WWW-Authenticate": "Bearer"})
    if not support_key or not hmac.compare_digest(given.encode(), f"Bearer {support_key}".encode()):
        return Forbidden(say("agent_key_wrong"))
    return None


def _refuse_body(event: dict[str, Any], say: Texts) -> ApiError | None:
    """Oversized, non-JSON and non-object bodies."""
    method = event.get("requestContext", {}).get("http", {}).get("method", "GET")
    if method not in ("POST", "PUT", "PATCH") or event.get("rawPath") in BODILESS:
        return None
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    body = event.get("body") or ""
    size = len(body) * 3 // 4 if event.get("isBase64Encoded") else len(body.encode())
    declared = headers.get("content-length", "0")
    if size > catalog.MAX_BODY_BYTES or (declared.isdigit() and int(declared) > catalog.MAX_BODY_BYTES):
        return TooLarge(say("body_too_large"))
    if headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        return UnsupportedMediaType(say("body_not_json_type"))
    try:
        text = base64.b64decode(body).decode("utf-8") if event.get("isBase64Encoded") else body
        parsed = json.loads(text)
    except (ValueError, UnicodeDecodeError, RecursionError):  # nested deeper than Python parses
        return BadRequest(say("body_not_json"))
    if not isinstance(parsed, dict):
        return BadRequest(say("body_not_object"))
    return None
