"""The local server's API Gateway: HTTP requests in, the Lambda's own events out.

Each request to /api/* becomes the HTTP API (payload v2) event that API
Gateway would give the function, and the function's answer becomes the HTTP
response, so the same code answers the same way on one machine and on AWS.
"""

from __future__ import annotations

import base64
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from tickets.catalog import MAX_BODY_BYTES
from tickets.errors import Internal, render_error
from tickets.texts import Texts

log = logging.getLogger("kbdesk.serve")
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
StartResponse = Callable[..., Any]
TEXT_TYPES = ("application/json", "text/", "application/x-www-form-urlencoded")


@dataclass(frozen=True)
class LocalContext:
    """The parts of Lambda's context object that Powertools reads."""

    aws_request_id: str
    function_name: str = "kbdesk-tickets-local"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:local:000000000000:function:kbdesk-tickets-local"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def to_event(environ: dict[str, Any]) -> dict[str, Any]:
    """The HTTP API payload v2 event for a WSGI request (body read up to the limit and one byte)."""
    headers: dict[str, str] = {}
    for name, value in environ.items():
        if name.startswith("HTTP_"):
            headers[name[5:].replace("_", "-").lower()] = value
    for name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(name):
            headers[name.replace("_", "-").lower()] = environ[name]
    cookies = [c.strip() for c in headers.pop("cookie", "").split(";") if c.strip()]
    length = int(environ.get("CONTENT_LENGTH") or 0)
    # A body declared larger than the limit is never read: the function refuses it by its Content-Length.
    body = environ["wsgi.input"].read(length) if 0 < length <= MAX_BODY_BYTES else b""
    text = any(headers.get("content-type", "").startswith(t) for t in TEXT_TYPES)
    try:
        decoded = body.decode("utf-8") if text else None
    except UnicodeDecodeError:
        decoded = None
    query = environ.get("QUERY_STRING", "")
    params: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        params[key] = f"{params[key]},{value}" if key in params else value
    method = environ["REQUEST_METHOD"]
    path = environ.get("PATH_INFO", "/")
    request_id = str(uuid.uuid4())
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": headers.get("host", "localhost"),
            "http": {
                "method": method,
                "path": path,
                "protocol": environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
                "sourceIp": environ.get("REMOTE_ADDR", "127.0.0.1"),
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": "$default",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
            "timeEpoch": int(time.time() * 1000),
        },
        "body": decoded if decoded is not None else base64.b64encode(body).decode(),
        "isBase64Encoded": decoded is None,
    }
    if cookies:
        event["cookies"] = cookies
    if params:
        event["queryStringParameters"] = params
    return event


def status_line(status: int) -> str:
    """WSGI's status line: the code and its standard reason phrase."""
    return f"{status} {HTTPStatus(status).phrase}"


def call(handler: Handler, environ: dict[str, Any], start_response: StartResponse, say: Texts) -> Iterable[bytes]:
    """Run the function for one request and write its answer (`say` words the error if it fails)."""
    event = to_event(environ)
    try:
        result = handler(event, LocalContext(aws_request_id=event["requestContext"]["requestId"]))
    except Exception:
        # As API Gateway does when the function itself fails: an error, never the traceback.
        log.exception("the ticket function failed")
        failed = render_error(Internal(say("internal")))
        result = {"statusCode": failed.status, "headers": failed.headers, "body": failed.body}
    status = int(result.get("statusCode", 200))
    body = result.get("body") or ""
    payload = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
    headers = [(k, str(v)) for k, v in (result.get("headers") or {}).items() if k.lower() != "content-length"]
    headers += [("Set-Cookie", cookie) for cookie in result.get("cookies") or []]
    headers.append(("Content-Length", str(len(payload))))
    start_response(status_line(status), headers)
    return [payload]
