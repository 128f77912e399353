"""The ticket API's routes on Powertools' event handler (API Gateway HTTP API, payload v2).

Routes only translate HTTP to the desk's rules and back. Every error, whether
raised by a rule, found by validation or unexpected, is turned into the
contract's error body here, in one place.
"""

from __future__ import annotations

import base64
import hmac
import json
import re
import threading
from collections.abc import Callable, Sequence
from typing import Annotated, Any, cast

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Body, Header
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer

from . import catalog, openapi, sign_in
from .desk import Desk
from .errors import (
    JSON,
    ApiError,
    BadRequest,
    Forbidden,
    IdempotencyConflict,
    IdempotencyInProgress,
    Internal,
    MethodNotAllowed,
    NotFound,
    TooLarge,
    Unauthenticated,
    UnsupportedMediaType,
    ValidationFailed,
    render_error,
)
from .lookups import parse_query
from .models import (
    AcceptedOut,
    CatalogOut,
    CommentIn,
    CommentOut,
    ErrorOut,
    LoginIn,
    NewTicketOut,
    PersonOut,
    ReplyIn,
    StatusIn,
    TicketIn,
    TicketListOut,
    TicketOut,
    UploadIn,
    UploadOut,
    VerifyIn,
    comment_out,
    iso,
    ticket_out,
)
from .records import Person, Ticket
from .texts import Texts

logger = Logger(service="kbdesk-tickets")

IDEMPOTENCY_HOURS = 24
ORIGIN_HEADER = "x-kbdesk-origin"  # template.yaml's CloudFront adds it, with the origin secret, to what it forwards
VIEWER_ADDRESS_HEADER = "cloudfront-viewer-address"
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
    """The API for one backend: one resolver, one event at a time (see ONE_EVENT_AT_A_TIME).

    Bodies get a first look before the resolver: Powertools validates before any middleware runs.
    """

    def __init__(self, desk: Desk, idempotency: BasePersistenceLayer) -> None:
        self.desk = desk
        self.idempotency = idempotency
        self.resolver = create_resolver(desk, idempotency)
        # Powertools answers any method a path lacks as an unknown route; the contract says 405.
        self.routes = [(route.rule, route.method) for route in self.resolver._static_routes + self.resolver._dynamic_routes]

    def resolve(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        say = self.desk.settings.say
        refused = (
            _refuse_method(event, self.routes, say) or _refuse_caller(event, self.desk.agent_key, say) or _refuse_body(event, say)
        )
        if refused is not None:
            answer = render_error(refused)
            return {"statusCode": answer.status, "headers": answer.headers, "body": answer.body}
        with ONE_EVENT_AT_A_TIME:
            return self.resolver.resolve(_media_type_in_lower_case(event), context)


def create_app(desk: Desk, idempotency: BasePersistenceLayer) -> TicketApi:
    return TicketApi(desk, idempotency)


def create_resolver(desk: Desk, idempotency: BasePersistenceLayer) -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True)
    say = desk.settings.say
    idempotency_config = IdempotencyConfig(
        event_key_jmespath="key",
        payload_validation_jmespath="[payload, session]",  # the same key from another person is another request
        expires_after_seconds=IDEMPOTENCY_HOURS * 3600,
        use_local_cache=False,  # several processes share the store; only it knows
    )
    open_once = _idempotent(desk, idempotency, idempotency_config)

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

    @app.post(
        "/api/uploads",
        summary="Permission to upload one attachment straight to storage",
        responses=_responses(201, "The form to post the file to", UploadOut, 400, 413, 415, 422, 429),
    )
    def create_upload(request: Annotated[UploadIn, Body()]) -> Response[UploadOut]:
        person = session_person()
        upload, url, fields = desk.grant_upload(request, client_ip(), person.email if person else None)
        body = UploadOut(upload_id=upload.id, url=url, fields=fields, expires_at=iso(upload.expires_at))
        return Response(201, JSON, body)

    @app.post(
        "/api/tickets",
        summary="Open a ticket",
        description="Signed in, the session's e-mail is the requester's (and the X-Requested-With header is required).",
        responses=_responses(201, "The ticket, as stored", NewTicketOut, 400, 403, 409, 413, 415, 422, 429),
    )
    def create_ticket(
        request: Annotated[TicketIn, Body()],
        idempotency_key: Annotated[str | None, Header(alias="idempotency-key", max_length=200)] = None,
    ) -> Response[NewTicketOut]:
        payload = request.model_dump(mode="json")
        caller = client_ip()
        person = session_person()
        if person is not None:
            require_csrf()
        email = person.email if person else None
        if idempotency_key:
            # Lets an in-progress record expire with the invocation that wrote it.
            idempotency_config.register_lambda_context(app.lambda_context)
            ticket = open_once(request={"key": idempotency_key, "payload": payload, "session": email, "ip": caller})
        else:
            ticket = ticket_out(desk.open_ticket(request, session_email=email, client_ip=caller))
        logger.info("ticket opened", extra={"ticket": ticket["number"]})
        return Response(201, JSON, NewTicketOut.model_validate(ticket))

    @app.get(
        "/api/tickets",
        summary="The caller's tickets, or their organization's, newest first",
        responses=_responses(200, "A page of tickets", TicketListOut, 400, 401),
    )
    def list_tickets() -> Response[TicketListOut]:
        return page_for(signed_in())

    @app.get(
        "/api/tickets/<number>",
        summary="One ticket with its conversation, for its requester and their organization",
        responses=_responses(200, "The ticket", TicketOut, 401, 404),
    )
    def get_ticket(number: str) -> Response[TicketOut]:
        return whole(desk.ticket_for(signed_in(), number))

    @app.post(
        "/api/tickets/<number>/comments",
        summary="Comment on a ticket; support is told",
        responses=_responses(201, "The comment", CommentOut, 400, 401, 403, 404, 413, 415, 422, 429),
    )
    def add_comment(number: str, request: Annotated[CommentIn, Body()]) -> Response[CommentOut]:
        person = signed_in()
        require_csrf()
        comment = desk.comment(person, number, request)
        return Response(201, JSON, CommentOut.model_validate(comment_out(comment, desk.download_url)))

    # Signing in

    @app.post(
        "/api/auth/login",
        summary="E-mail a one-time sign-in link (always accepted: whether the address is known is never told)",
        responses=_responses(202, "Accepted", AcceptedOut, 400, 415, 422, 429),
    )
    def login(request: Annotated[LoginIn, Body()]) -> Response[AcceptedOut]:
        desk.request_sign_in(str(request.email), request.next, client_ip())
        return Response(202, JSON, AcceptedOut(status="accepted"))

    @app.post(
        "/api/auth/verify",
        summary="Trade a sign-in link's token for a session cookie",
        responses=_responses(200, "Signed in; the session cookie is set", PersonOut, 400, 401, 415, 422, 429),
    )
    def verify(request: Annotated[VerifyIn, Body()]) -> Response[PersonOut]:
        person, session = desk.verify_sign_in(request.token, client_ip())
        return Response(200, JSON, _person_out(person), cookies=sign_in.session_cookies(session, secure))

    @app.get("/api/me", summary="Who is signed in", responses=_responses(200, "The person", PersonOut, 401))
    def me() -> Response[PersonOut]:
        return Response(200, JSON, _person_out(signed_in()))

    @app.post("/api/auth/logout", summary="Sign out", responses=_responses(204, "Signed out; cookies cleared", None, 403))
    def logout() -> Response[None]:
        session = sign_in.cookie(app.current_event.cookies, sign_in.SESSION_COOKIE)
        if session is not None:
            require_csrf()
            desk.end_session(session)
        return Response(204, cookies=sign_in.cleared_cookies(secure))

    # The support team's routes: the key was checked before the resolver (`_refuse_caller`)

    @app.get(
        "/api/agent/tickets",
        summary="Support: tickets of every organization, with the same filters (and `organization`)",
        responses=_responses(200, "A page of tickets", TicketListOut, 400, 403),
    )
    def agent_list_tickets() -> Response[TicketListOut]:
        return page_for(None)

    @app.get(
        "/api/agent/tickets/<number>",
        summary="Support: one ticket with its conversation",
        responses=_responses(200, "The ticket", TicketOut, 403, 404),
    )
    def agent_get_ticket(number: str) -> Response[TicketOut]:
        return whole(desk.ticket_for(None, number))

    @app.post(
        "/api/agent/tickets/<number>/replies",
        summary="Support: answer a ticket (and set its status); the requester is e-mailed",
        responses=_responses(201, "The answer", CommentOut, 400, 403, 404, 415, 422),
    )
    def agent_reply(number: str, request: Annotated[ReplyIn, Body()]) -> Response[CommentOut]:
        comment = desk.reply(number, request.body, request.status)
        return Response(201, JSON, CommentOut.model_validate(comment_out(comment, desk.download_url)))

    @app.patch(
        "/api/agent/tickets/<number>",
        summary="Support: change a ticket's status; the requester is e-mailed when it changes",
        responses=_responses(200, "The ticket", TicketOut, 400, 403, 404, 415, 422),
    )
    def agent_status(number: str, request: Annotated[StatusIn, Body()]) -> Response[TicketOut]:
        return whole(desk.change_status(number, request.status))

    def page_for(person: Person | None) -> Response[TicketListOut]:
        """A page of what `person` (support, when None) may see, as the query string narrows it."""
        query = parse_query(app.current_event.query_string_parameters or {}, desk.products, say)
        tickets, cursor = desk.find_tickets(person, query)
        return Response(
            200,
            JSON,
            TicketListOut.model_validate({"items": [ticket_out(t, comments=False) for t in tickets], "next_cursor": cursor}),
        )

    def whole(ticket: Ticket) -> Response[TicketOut]:
        return Response(200, JSON, TicketOut.model_validate(ticket_out(ticket, desk.download_url)))

    # Who is asking

    secure = desk.settings.site_url.startswith("https://")

    def client_ip() -> str:
        """Whom rate limits count: behind CloudFront, the viewer's address it reports, but only on a
        request that carries CloudFront's secret; else the connection's (a caller straight to the API
        counts as itself, and cannot name another address)."""
        headers = app.current_event.headers
        viewer = headers.get(VIEWER_ADDRESS_HEADER, "")
        if (
            viewer
            and desk.origin_secret
            and hmac.compare_digest(headers.get(ORIGIN_HEADER, "").encode(), desk.origin_secret.encode())
        ):
            return viewer.rpartition(":")[0].strip("[]")  # "198.51.100.7:46532", "2001:db8::7:46532"
        return app.current_event.request_context.http.source_ip

    def session_person() -> Person | None:
        return desk.person(sign_in.cookie(app.current_event.cookies, sign_in.SESSION_COOKIE))

    def signed_in() -> Person:
        person = session_person()
        if person is None:
            raise Unauthenticated(say("sign_in_needed"))
        return person

    def require_csrf() -> None:
        # A cross-site form cannot set this header, and a cross-site script may not without CORS.
        if app.current_event.headers.get(sign_in.CSRF_HEADER, "") != sign_in.CSRF_VALUE:
            raise Forbidden(say("csrf_missing"))

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


def _idempotent(desk: Desk, persistence: BasePersistenceLayer, config: IdempotencyConfig) -> Callable[..., dict[str, Any]]:
    """Opening a ticket once per Idempotency-Key: a repeat gets the first answer, another body a 409."""

    # A fixed prefix: by default the key names the Python function, and a refactor would orphan keys in use.
    @idempotent_function(data_keyword_argument="request", persistence_store=persistence, config=config, key_prefix="open-ticket")
    def open_once(request: dict[str, Any]) -> dict[str, Any]:
        ticket_in = TicketIn.model_validate(request["payload"])
        return ticket_out(
            desk.open_ticket(ticket_in, session_email=request["session"], client_ip=request["ip"], idempotency_key=request["key"])
        )

    return cast("Callable[..., dict[str, Any]]", open_once)


def _person_out(person: Person) -> PersonOut:
    return PersonOut(email=person.email, organization=person.organization)


BODILESS = {"/api/auth/logout"}  # posts that carry nothing: signing out needs no body


AGENT_ROUTES = "/api/agent/"


def _refuse_method(event: dict[str, Any], routes: list[tuple[re.Pattern[str], str]], say: Texts) -> ApiError | None:
    """A path that is no route (404), or a method it does not take (405, with those it does), refused
    before anything else is read."""
    method = event.get("requestContext", {}).get("http", {}).get("method", "GET").upper()
    path = event.get("rawPath") or ""
    allowed = sorted({route_method for rule, route_method in routes if rule.match(path)})
    if not allowed:
        return NotFound(say("route_not_found"))
    if method not in allowed:
        return MethodNotAllowed(say("method_not_allowed"), allowed)
    return None


def _refuse_caller(event: dict[str, Any], agent_key: str | None, say: Texts) -> ApiError | None:
    """Support's routes without the support key (401) or with a wrong one (403), refused before their body
    is read or validated."""
    if not (event.get("rawPath") or "").startswith(AGENT_ROUTES):
        return None
    given = next((v for k, v in (event.get("headers") or {}).items() if k.lower() == "authorization"), "")
    if not given:
        return Unauthenticated(say("agent_key_missing"), headers={"WWW-Authenticate": "Bearer"})
    if not agent_key or not hmac.compare_digest(given.encode(), f"Bearer {agent_key}".encode()):
        return Forbidden(say("agent_key_wrong"))
    return None


def _media_type_in_lower_case(event: dict[str, Any]) -> dict[str, Any]:
    """Media types are case-insensitive (RFC 9110), but Powertools reads only `application/json`."""
    headers = event.get("headers") or {}
    return {**event, "headers": {k: v.lower() if k.lower() == "content-type" else v for k, v in headers.items()}}


def _refuse_body(event: dict[str, Any], say: Texts) -> ApiError | None:
    """Oversized, non-JSON and non-object bodies, refused before anything parses them."""
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


def _responses(status: int, description: str, model: type | None, *errors: int) -> dict[int, OpenAPIResponse]:
    """The route's answers for OpenAPI: its success and the contract's errors it may give."""
    answers: dict[int, OpenAPIResponse] = {status: {"description": description}}
    if model is not None:
        answers[status]["content"] = {"application/json": {"model": model}}
    for code in (*errors, 500):
        meaning = ERROR_MEANINGS.get(code, "A fault of ours or of a dependency; nothing was half-written")
        answers[code] = {"description": meaning, "content": {"application/json": {"model": ErrorOut}}}
    return answers


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
