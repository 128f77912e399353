"""Signing in by e-mailed link: asking for a link, trading it for a session, who is signed in, signing out."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from .. import sign_in
from ..desk import Desk
from ..errors import JSON
from ..models import AcceptedOut, LoginIn, PersonOut, VerifyIn
from ..records import Person
from .answers import responses
from .guards import Guards


def sign_in_routes(desk: Desk, guards: Guards) -> APIGatewayHttpRouter:
    router = APIGatewayHttpRouter()
    secure = desk.settings.site_url.startswith("https://")

    @router.post(
        "/api/auth/login",
        summary="E-mail a one-time sign-in link (always accepted: whether the address is known is never told)",
        responses=responses(202, "Accepted", AcceptedOut, 400, 415, 422, 429),
    )
    def login(request: Annotated[LoginIn, Body()]) -> Response[AcceptedOut]:
        desk.request_sign_in(str(request.email), request.next, guards.client_ip(router))
        return Response(202, JSON, AcceptedOut(status="accepted"))

    @router.post(
        "/api/auth/verify",
        summary="Trade a sign-in link's token for a session cookie",
        responses=responses(200, "Signed in; the session cookie is set", PersonOut, 400, 401, 415, 422, 429),
    )
    def verify(request: Annotated[VerifyIn, Body()]) -> Response[PersonOut]:
        person, session = desk.verify_sign_in(request.token, guards.client_ip(router))
        return Response(200, JSON, _person_out(person), cookies=sign_in.session_cookies(session, secure))

    @router.get(
        "/api/me",
        summary="Who is signed in",
        responses=responses(200, "The person", PersonOut, 401),
        middlewares=[guards.signed_in],
    )
    def me() -> Response[PersonOut]:
        return Response(200, JSON, _person_out(guards.customer(router)))

    @router.post(
        "/api/auth/logout",
        summary="Sign out",
        responses=responses(204, "Signed out; cookies cleared", None, 403),
        middlewares=[guards.csrf_if_session_cookie],
    )
    def logout() -> Response[None]:
        session = guards.session(router)
        if session is not None:
            desk.end_session(session)
        return Response(204, cookies=sign_in.cleared_cookies(secure))

    return router


def _person_out(person: Person) -> PersonOut:
    return PersonOut(email=person.email, organization=person.organization)
