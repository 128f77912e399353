"""What routes answer: a page of tickets, one whole ticket, and each route's answers for OpenAPI."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from ..desk import Desk
from ..errors import JSON
from ..lookups import parse_query
from ..models import ErrorOut, TicketListOut, TicketOut, TicketSummaryOut
from ..records import Person, Ticket
from .guards import Http

ERROR_MEANINGS = {
    400: "The body is not a JSON object, or a parameter is malformed",
    401: "No session, or an expired one (or a bad sign-in token); on support's routes, no key",
    403: "The X-Requested-With header is missing, or the support key is wrong",
    404: "No such ticket, or one the caller may not see",
    409: "`idempotency_conflict`: the Idempotency-Key was used with another body; `idempotency_in_progress`: "
    "its first request has not answered yet (send the same request again after Retry-After seconds)",
    413: "The body, or an attachment, is larger than allowed",
    415: "The body is not JSON, or an attachment's type is not allowed",
    422: "Fields are wrong; `fields` maps each to a short reason",
    429: "Too many requests; see Retry-After",
}


def responses(status: int, description: str, model: type | None, *errors: int) -> dict[int, OpenAPIResponse]:
    """The route's answers for OpenAPI: its success and the contract's errors it may give."""
    answers: dict[int, OpenAPIResponse] = {status: {"description": description}}
    if model is not None:
        answers[status]["content"] = {"application/json": {"model": model}}
    for code in (*errors, 500):
        meaning = ERROR_MEANINGS.get(code, "A fault of ours or of a dependency; nothing was half-written")
        answers[code] = {"description": meaning, "content": {"application/json": {"model": ErrorOut}}}
    return answers


def ticket_page(app: Http, desk: Desk, person: Person | None) -> Response[TicketListOut]:
    """A page of what `person` (support, when None) may see, as the query string narrows it."""
    query = parse_query(app.current_event.query_string_parameters or {}, desk.products, desk.settings.say)
    tickets, cursor = desk.find_tickets(person, query)
    return Response(200, JSON, TicketListOut(items=[TicketSummaryOut.listed(t) for t in tickets], next_cursor=cursor))


def whole_ticket(desk: Desk, ticket: Ticket) -> Response[TicketOut]:
    return Response(200, JSON, TicketOut.whole(ticket, desk.download_url))
