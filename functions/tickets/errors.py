"""Every error the API answers, as the contract's body: {"error": {code, message, fields?}}.

Routes and rules raise these; `render_error` is the one place they become an
answer (for the function, and for the local server's own routes), so no path
answers with a stack trace or a body of another shape.
"""

from __future__ import annotations

import json
from dataclasses import dataclass


class ApiError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, fields: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.headers = headers or {}

    def body(self) -> dict[str, object]:
        error: dict[str, object] = {"code": self.code, "message": self.message}
        if self.fields:
            error["fields"] = self.fields
        return {"error": error}


class BadRequest(ApiError):
    status, code = 400, "bad_request"


class Unauthenticated(ApiError):
    status, code = 401, "unauthenticated"


class Forbidden(ApiError):
    status, code = 403, "forbidden"


class NotFound(ApiError):
    status, code = 404, "not_found"


class IdempotencyConflict(ApiError):
    status, code = 409, "idempotency_conflict"


class IdempotencyInProgress(ApiError):
    """The first request with this key has not answered yet: the same request again, after Retry-After."""

    status, code = 409, "idempotency_in_progress"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})


class TooLarge(ApiError):
    status, code = 413, "too_large"


class MethodNotAllowed(ApiError):
    status, code = 405, "method_not_allowed"

    def __init__(self, message: str, allowed: list[str]) -> None:
        super().__init__(message, headers={"Allow": ", ".join(allowed)})


class UnsupportedMediaType(ApiError):
    status, code = 415, "unsupported_media_type"


class ValidationFailed(ApiError):
    status, code = 422, "validation_error"


class RateLimited(ApiError):
    status, code = 429, "rate_limited"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})


class Internal(ApiError):
    status, code = 500, "internal"


JSON = "application/json; charset=utf-8"


@dataclass(frozen=True)
class Rendered:
    status: int
    headers: dict[str, str]
    body: str


def render_error(error: ApiError) -> Rendered:
    """The contract's answer for an error: its status, its headers and the JSON body."""
    return Rendered(error.status, {"Content-Type": JSON, **error.headers}, json.dumps(error.body(), ensure_ascii=False))


def error_for(status: int, message: str) -> ApiError:
    """The contract's error for a status an outside part (the local file routes) decided."""
    kinds: dict[int, type[ApiError]] = {
        kind.status: kind
        for kind in (
            BadRequest,
            Unauthenticated,
            Forbidden,
            NotFound,
            TooLarge,
            UnsupportedMediaType,
            ValidationFailed,
            Internal,
        )
    }
    return kinds.get(status, BadRequest)(message)
