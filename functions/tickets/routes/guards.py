"""Who is asking, checked before a route runs: the caller's address, their session, the CSRF header.

The checks are Powertools middlewares, so a route names what it needs
(`middlewares=[guards.signed_in, guards.csrf]`) and its body starts where they
leave off. They run after request validation, so a malformed body is a 422
whoever sends it. The person found is kept in the resolver's context, which
Powertools clears after every event.
"""

from __future__ import annotations

import hmac

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from .. import sign_in
from ..desk import Desk
from ..errors import Forbidden, Unauthenticated
from ..records import Person

ORIGIN_HEADER = "x-kbdesk-origin"  # template.yaml's CloudFront adds it, with the origin secret, to what it forwards
VIEWER_ADDRESS_HEADER = "cloudfront-viewer-address"
PERSON = "person"

# A route reads the event through its router, a middleware through the resolver: the same event.
Http = APIGatewayHttpResolver | APIGatewayHttpRouter


class Guards:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.say = desk.settings.say

    # What a route reads

    def client_ip(self, app: Http) -> str:
        """Whom rate limits count: behind CloudFront, the viewer's address it reports, but only on a
        request that carries CloudFront's secret; else the connection's (a caller straight to the API
        counts as itself, and cannot name another address)."""
        headers = app.current_event.headers
        viewer = headers.get(VIEWER_ADDRESS_HEADER, "")
        secret = self.desk.origin_secret
        if viewer and secret and hmac.compare_digest(headers.get(ORIGIN_HEADER, "").encode(), secret.encode()):
            return viewer.rpartition(":")[0].strip("[]")  # "198.51.100.7:46532", "2001:db8::7:46532"
        return app.current_event.request_context.http.source_ip

    @staticmethod
    def person(app: Http) -> Person | None:
        """The person `identified` or `signed_in` found (None: nobody signed in)."""
        person: Person | None = app.context.get(PERSON)
        return person

    def customer(self, app: Http) -> Person:
        """The person `signed_in` found. Never None: to the desk, no person means support's full view."""
        person = self.person(app)
        if person is None:  # a route that forgot its middleware fails closed
            raise Unauthenticated(self.say("sign_in_needed"))
        return person

    @staticmethod
    def session(app: Http) -> str | None:
        return sign_in.cookie(app.current_event.cookies, sign_in.SESSION_COOKIE)

    # Middlewares

    def identified(self, app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[object]:
        """Whoever the session names, if anyone: the route serves both."""
        app.context[PERSON] = self.desk.person(self.session(app))
        return next_middleware(app)

    def signed_in(self, app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[object]:
        """Only for a live session: 401 otherwise."""
        person = self.desk.person(self.session(app))
        if person is None:
            raise Unauthenticated(self.say("sign_in_needed"))
        app.context[PERSON] = person
        return next_middleware(app)

    def csrf(self, app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[object]:
        """A change made with the session cookie carries the site's header (403 otherwise)."""
        self._require_header(app)
        return next_middleware(app)

    def csrf_if_signed_in(self, app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[object]:
        """As `csrf`, when `identified` found someone: anonymous requests use no cookie to protect."""
        if self.person(app) is not None:
            self._require_header(app)
        return next_middleware(app)

    def csrf_if_session_cookie(self, app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[object]:
        """As `csrf`, when the session cookie is sent at all, live or not (signing out uses it either way)."""
        if self.session(app) is not None:
            self._require_header(app)
        return next_middleware(app)

    def _require_header(self, app: Http) -> None:
        # A cross-site form cannot set this header, and a cross-site script may not without CORS.
        if app.current_event.headers.get(sign_in.CSRF_HEADER, "") != sign_in.CSRF_VALUE:
            raise Forbidden(self.say("csrf_missing"))
