"""The ticket API on Powertools' event handler (API Gateway HTTP API, payload v2): one resolver
that includes the route groups of `routes`, behind the refusals of `refusals`.

Routes only translate HTTP to the desk's rules and back. Every error, whether
raised by a rule, found by validation or unexpected, is turned into the
contract's error body here, in one place.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer

from . import openapi
from .desk import Desk
from .errors import (
    JSON,
    ApiError,
    BadRequest,
    IdempotencyConflict,
    IdempotencyInProgress,
    Internal,
    NotFound,
    ValidationFailed,
    render_error,
)
from .models import CatalogOut
from .refusals import refusal
from .routes.guards import ORIGIN_HEADER, Guards
from .routes.signing_in import sign_in_routes
from .routes.support import support_routes
from .routes.tickets import ticket_routes
from .texts import Texts

__all__ = ["ONE_EVENT_AT_A_TIME", "ORIGIN_HEADER", "TicketApi", "create_app", "create_resolver", "logger"]

logger = Logger(service="kbdesk-tickets")

IN_PROGRESS_RETRY_SECONDS = 2  # a ticket takes well under a second to open; a crashed one's record lapses in 30 s

# The table's reason for each of pydantic's error types, shown next to the field.
REASONS = {
    "missing": "reason.missing",
    "string_too_short": "reason.too_short",
    "string_too_long": "reason.too_long",
    "too_long": "reason.too_many",
    "literal_error": "reason.invalid",
    "value_error": "reason.invalid",
    "string_type": "reason.not_text",
    "int_type": "reason.not_number",
    "int_parsing": "reason.not_number",
    "list_type": "reason.not_list",
    "greater_than_equal": "reason.too_small",
    "extra_forbidden": "reason.unknown_field",
    "non_ascii_local_part": "reason.ascii_mailbox",
}


# Powertools keeps the event being handled on its router classes (`BaseRouter.current_event`,
# `lambda_context`), and its Logger keeps the request's keys process-wide: so one process is one
# function instance and takes one event at a time, as a Lambda container does. Every host that
# calls the function from several threads waits here; the local server gets its concurrency from
# several processes (`kbdesk.instances`), never from threads inside one.
ONE_EVENT_AT_A_TIME = threading.RLock()


class TicketApi:
    """The API for one backend: one resolver, one event at a time (see ONE_EVENT_AT_A_TIME)."""

    def __init__(self, desk: Desk, idempotency: BasePersistenceLayer) -> None:
        self.desk = desk
        self.idempotency = idempotency
        self.resolver = create_resolver(desk, idempotency)
        # Powertools answers any method a path lacks as an unknown route; the contract says 405.
        self.routes = [(route.rule, route.method) for route in self.resolver._static_routes + self.resolver._dynamic_routes]

    def resolve(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        refused = refusal(event, self.routes, self.desk.agent_key, self.desk.settings.say)
        if refused is not None:
            answer = render_error(refused)
            return {"statusCode": answer.status, "headers": answer.headers, "body": answer.body}
        with ONE_EVENT_AT_A_TIME:
            return self.resolver.resolve(_media_type_in_lower_case(event), context)


def create_app(desk: Desk, idempotency: BasePersistenceLayer) -> TicketApi:
    return TicketApi(desk, idempotency)


def create_resolver(desk: Desk, idempotency: BasePersistenceLayer) -> APIGatewayHttpResolver:
    """A new resolver and new routers: each TicketApi has its own, so none shares request state."""
    app = APIGatewayHttpResolver(enable_validation=True)
    say = desk.settings.say
    guards = Guards(desk)
    app.include_router(ticket_routes(desk, guards, idempotency))
    app.include_router(sign_in_routes(desk, guards))
    app.include_router(support_routes(desk))

    @app.get("/api/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/catalog", summary="What the forms need: products, request types, statuses, limits")
    def get_catalog() -> CatalogOut:
        return CatalogOut.model_validate(desk.catalog())

    @app.get("/api/openapi.json", include_in_schema=False)
    def openapi_document() -> dict[str, Any]:
        spec = json.loads(app.get_openapi_json_schema(title="kbdesk ticket API", version="1"))
        return openapi.complete(spec, list(desk.products))

    @app.exception_handler(ApiError)
    def api_error(error: ApiError) -> Response[str]:
        return _json_error(error)

    @app.exception_handler(RequestValidationError)
    def invalid_request(error: RequestValidationError) -> Response[str]:
        return _json_error(_validation_error(error.errors(), say))

    @app.exception_handler(IdempotencyValidationError)
    def idempotency_conflict(error: IdempotencyValidationError) -> Response[str]:
        return _json_error(IdempotencyConflict(say("idempotency_conflict")))

    @app.exception_handler(IdempotencyAlreadyInProgressError)
    def idempotency_in_progress(error: IdempotencyAlreadyInProgressError) -> Response[str]:
        return _json_error(IdempotencyInProgress(say("idempotency_in_progress"), IN_PROGRESS_RETRY_SECONDS))

    @app.not_found
    def not_found(error: Exception) -> Response[str]:
        return _json_error(NotFound(say("route_not_found")))

    @app.exception_handler(Exception)
    def unexpected(error: Exception) -> Response[str]:
        logger.exception("unexpected error")
        return _json_error(Internal(say("internal")))

    return app


def _media_type_in_lower_case(event: dict[str, Any]) -> dict[str, Any]:
    """Media types are case-insensitive (RFC 9110), but Powertools reads only `application/json`."""
    headers = event.get("headers") or {}
    return {**event, "headers": {k: v.lower() if k.lower() == "content-type" else v for k, v in headers.items()}}


def _validation_error(errors: Sequence[Any], say: Texts) -> ApiError:
    fields: dict[str, str] = {}
    for error in errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "header", "query")]
        name = location[0] if location else "body"
        fields.setdefault(name, say(REASONS.get(error.get("type", ""), "reason.invalid")))
    if "idempotency-key" in fields:
        return BadRequest(say("idempotency_key_invalid"), fields)
    return ValidationFailed(say("review_fields"), fields)


def _json_error(error: ApiError) -> Response[str]:
    answer = render_error(error)
    return Response(answer.status, JSON, answer.body, headers=answer.headers)
