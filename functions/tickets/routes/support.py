"""The support team's routes. Their key is checked before the resolver reads the request (`refusals`)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from ..desk import Desk
from ..errors import JSON
from ..models import CommentOut, ReplyIn, StatusIn, TicketListOut, TicketOut
from .answers import responses, ticket_page, whole_ticket

SUPPORT_ROUTES = "/api/agent/"


def support_routes(desk: Desk) -> APIGatewayHttpRouter:
    router = APIGatewayHttpRouter()

    @router.get(
        "/api/agent/tickets",
        summary="Support: tickets of every organization, with the same filters (and `organization`)",
        responses=responses(200, "A page of tickets", TicketListOut, 400, 403),
    )
    def agent_list_tickets() -> Response[TicketListOut]:
        return ticket_page(router, desk, None)

    @router.get(
        "/api/agent/tickets/<number>",
        summary="Support: one ticket with its conversation",
        responses=responses(200, "The ticket", TicketOut, 403, 404),
    )
    def agent_get_ticket(number: str) -> Response[TicketOut]:
        return whole_ticket(desk, desk.ticket_for(None, number))

    @router.post(
        "/api/agent/tickets/<number>/replies",
        summary="Support: answer a ticket (and set its status); the requester is e-mailed",
        responses=responses(201, "The answer", CommentOut, 400, 403, 404, 415, 422),
    )
    def agent_reply(number: str, request: Annotated[ReplyIn, Body()]) -> Response[CommentOut]:
        comment = desk.reply(number, request.body, request.status)
        return Response(201, JSON, CommentOut.of(comment, desk.download_url))

    @router.patch(
        "/api/agent/tickets/<number>",
        summary="Support: change a ticket's status; the requester is e-mailed when it changes",
        responses=responses(200, "The ticket", TicketOut, 400, 403, 404, 415, 422),
    )
    def agent_status(number: str, request: Annotated[StatusIn, Body()]) -> Response[TicketOut]:
        return whole_ticket(desk, desk.change_status(number, request.status))

    return router
