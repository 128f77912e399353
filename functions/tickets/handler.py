"""The Lambda entry points: `tickets.handler.lambda_handler` (the API), `flush_outbox` (the
schedule) and `receive_mail` (the messages SES receiving puts in the bucket under inbound/).

The app and its backend are made on the first request and kept for the life
of the container; nothing is created per request.
"""

from __future__ import annotations

import logging
import threading
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.utilities.typing import LambdaContext

from .app import ONE_EVENT_AT_A_TIME, TicketApi, create_app, logger
from .backends import backend_for
from .desk import utc_now
from .inbound import receive
from .outbox import flush
from .settings import from_environment

FLUSH_MARGIN_MS = 10_000  # stop sending while there is still time to record what was sent

# The modules' own loggers (tickets.outbox, ...) write the same JSON lines as the service's, request id included.
logging.getLogger("tickets")
copy_config_to_registered_loggers(source_logger=logger, include={"tickets"})

_app: TicketApi | None = None
_building = threading.Lock()


def get_app() -> TicketApi:
    global _app
    with _building:  # the local server's threads may all arrive first at once
        if _app is None:
            backend = backend_for(from_environment())
            _app = create_app(backend.desk, backend.idempotency)
    return _app


def reset() -> None:
    """Forget the app, as a new container would (tests change the environment between hosts)."""
    global _app
    with _building:
        _app = None


def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with ONE_EVENT_AT_A_TIME:  # the Logger's keys are the request's too
        return _handle(event, context)


def flush_outbox(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    """The scheduled sender: the e-mails due, every few minutes; and the sweep of unused uploads."""
    with ONE_EVENT_AT_A_TIME:
        return _flush(event, context)


def receive_mail(event: dict[str, Any], context: LambdaContext) -> dict[str, list[dict[str, str]]]:
    """Each message SES stored; what it became. A failure raises, and Lambda delivers the event again:
    a message taken before is recognised by its Message-ID and taken once."""
    with ONE_EVENT_AT_A_TIME:
        return _receive(event, context)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False)
def _handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return get_app().resolve(event, context)


@logger.inject_lambda_context(log_event=False)
def _flush(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    desk = get_app().desk
    total = flush(desk.store, desk.mailer, utc_now(), lambda: context.get_remaining_time_in_millis() > FLUSH_MARGIN_MS)
    counts = {"sent": total.sent, "failed": total.failed, "given_up": total.given_up, "uploads_swept": desk.sweep()}
    logger.info("outbox flushed", extra=counts)
    return counts


@logger.inject_lambda_context(log_event=False)
def _receive(event: dict[str, Any], context: LambdaContext) -> dict[str, list[dict[str, str]]]:
    desk = get_app().desk
    results = []
    for record in event.get("Records", []):
        # S3's own notifications URL-encode the key; the template's EventBridge rule passes it as it is,
        # and SES's keys (inbound/<message id>) read the same either way.
        key = unquote_plus(record["s3"]["object"]["key"])
        raw = desk.files.read(key) if key.startswith("inbound/") else None
        if raw is None:
            logger.warning("no received message under this key", extra={"key": key})
            continue
        outcome = receive(desk, raw, kept=True)
        logger.info(
            "mail received", extra={"key": key, "action": outcome.action, "number": outcome.number, "reason": outcome.reason}
        )
        results.append({"key": key, "action": outcome.action, "number": outcome.number or "", "reason": outcome.reason})
    return {"messages": results}
