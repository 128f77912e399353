"""The customer's ticket routes: upload permissions, opening a ticket, following it, commenting."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, cast

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer

from ..desk import Desk
from ..errors import JSON
from ..models import (
    CommentIn,
    CommentOut,
    NewTicketOut,
    TicketIn,
    TicketListOut,
    TicketOut,
    UploadIn,
    UploadOut,
    iso,
)
from .answers import responses, ticket_page, whole_ticket
from .guards import Guards

IDEMPOTENCY_HOURS = 24

logger = Logger(service="kbdesk-tickets", child=True)  # the function's logger (app.logger), from this module


def ticket_routes(desk: Desk, guards: Guards, idempotency: BasePersistenceLayer) -> APIGatewayHttpRouter:
    router = APIGatewayHttpRouter()
    config = IdempotencyConfig(
        event_key_jmespath="key",
        payload_validation_jmespath="[payload, session]",  # the same key from another person is another request
        expires_after_seconds=IDEMPOTENCY_HOURS * 3600,
        use_local_cache=False,  # several processes share the store; only it knows
    )
    open_once = _idempotent(desk, idempotency, config)

    @router.post(
        "/api/uploads",
        summary="Permission to upload one attachment straight to storage",
        responses=responses(201, "The form to post the file to", UploadOut, 400, 413, 415, 422, 429),
        middlewares=[guards.identified],
    )
    def create_upload(request: Annotated[UploadIn, Body()]) -> Response[UploadOut]:
        person = guards.person(router)
        upload, url, fields = desk.grant_upload(request, guards.client_ip(router), person.email if person else None)
        body = UploadOut(upload_id=upload.id, url=url, fields=fields, expires_at=iso(upload.expires_at))
        return Response(201, JSON, body)

    @router.post(
        "/api/tickets",
        summary="Open a ticket",
        description="Signed in, the session's e-mail is the requester's (and the X-Requested-With header is required).",
        responses=responses(201, "The ticket, as stored", NewTicketOut, 400, 403, 409, 413, 415, 422, 429),
        middlewares=[guards.identified, guards.csrf_if_signed_in],
    )
    def create_ticket(
        request: Annotated[TicketIn, Body()],
        idempotency_key: Annotated[str | None, Header(alias="idempotency-key", max_length=200)] = None,
    ) -> Response[NewTicketOut]:
        caller = guards.client_ip(router)
        person = guards.person(router)
        email = person.email if person else None
        if idempotency_key:
            # Lets an in-progress record expire with the invocation that wrote it.
            config.register_lambda_context(router.lambda_context)
            payload = request.model_dump(mode="json")
            answer = open_once(request={"key": idempotency_key, "payload": payload, "session": email, "ip": caller})
            ticket = NewTicketOut.model_validate(answer)  # the first answer, as the idempotency record kept it
        else:
            ticket = NewTicketOut.opened(desk.open_ticket(request, session_email=email, client_ip=caller))
        logger.info("ticket opened", extra={"ticket": ticket.number})
        return Response(201, JSON, ticket)

    @router.get(
        "/api/tickets",
        summary="The caller's tickets, or their organization's, newest first",
        responses=responses(200, "A page of tickets", TicketListOut, 400, 401),
        middlewares=[guards.signed_in],
    )
    def list_tickets() -> Response[TicketListOut]:
        return ticket_page(router, desk, guards.customer(router))

    @router.get(
        "/api/tickets/<number>",
        summary="One ticket with its conversation, for its requester and their organization",
        responses=responses(200, "The ticket", TicketOut, 401, 404),
        middlewares=[guards.signed_in],
    )
    def get_ticket(number: str) -> Response[TicketOut]:
        return whole_ticket(desk, desk.ticket_for(guards.customer(router), number))

    @router.post(
        "/api/tickets/<number>/comments",
        summary="Comment on a ticket; support is told",
        responses=responses(201, "The comment", CommentOut, 400, 401, 403, 404, 413, 415, 422, 429),
        middlewares=[guards.signed_in, guards.csrf],
    )
    def add_comment(number: str, request: Annotated[CommentIn, Body()]) -> Response[CommentOut]:
        comment = desk.comment(guards.customer(router), number, request)
        return Response(201, JSON, CommentOut.of(comment, desk.download_url))

    return router


def _idempotent(desk: Desk, persistence: BasePersistenceLayer, config: IdempotencyConfig) -> Callable[..., dict[str, Any]]:
    """Opening a ticket once per Idempotency-Key: a repeat gets the first answer, another body a 409."""

    # A fixed prefix: by default the key names the Python function, and a refactor would orphan keys in use.
    @idempotent_function(data_keyword_argument="request", persistence_store=persistence, config=config, key_prefix="open-ticket")
    def open_once(request: dict[str, Any]) -> dict[str, Any]:
        ticket_in = TicketIn.model_validate(request["payload"])
        ticket = desk.open_ticket(
            ticket_in, session_email=request["session"], client_ip=request["ip"], idempotency_key=request["key"]
        )
        return NewTicketOut.opened(ticket).model_dump(mode="json")

    return cast("Callable[..., dict[str, Any]]", open_once)
