"""The OpenAPI document: what Powertools generates from the routes, completed with what it cannot know.

Powertools describes each route from its signature. The list routes read their
query string themselves (`lookups.parse_query`), the callers prove who they are
by a cookie or a bearer key that no signature names, every error has the
contract's one body, and some values are the deployment's own (its products).
This module adds those, so that a client generated from the document, or a
fuzzer driven by it, sends what the server takes.
"""

from __future__ import annotations

from typing import Any

from . import catalog, lookups, sign_in

SESSION = "session"
AGENT_KEY = "agentKey"
SCHEMES = {
    SESSION: {
        "type": "apiKey",
        "in": "cookie",
        "name": sign_in.SESSION_COOKIE,
        "description": "The session a sign-in link starts (POST /api/auth/verify).",
    },
    AGENT_KEY: {"type": "http", "scheme": "bearer", "description": "The support team's key (KBDESK_AGENT_KEY)."},
}
LIST_ROUTES = ("/api/tickets", "/api/agent/tickets")
POWERTOOLS_422 = "#/components/schemas/HTTPValidationError"
ERROR = "#/components/schemas/ErrorOut"


def complete(spec: dict[str, Any], products: list[str]) -> dict[str, Any]:
    """The generated document, completed (in place, and returned)."""
    schemes = spec.setdefault("components", {}).setdefault("securitySchemes", {})
    schemes.update(SCHEMES)
    schemas = spec["components"].get("schemas", {})
    for path, route in spec.get("paths", {}).items():
        for method, operation in route.items():
            _one_error_body(operation)
            if "401" in operation["responses"]:
                operation["security"] = [{SESSION: []}]
            if path.startswith("/api/agent/"):
                operation["security"] = [{AGENT_KEY: []}]
                operation["responses"]["401"] = {
                    "description": "No support key",
                    "content": {"application/json": {"schema": {"$ref": ERROR}}},
                }
            if method == "get" and path in LIST_ROUTES:
                agent = path.startswith("/api/agent/")
                operation.setdefault("parameters", []).extend(_list_parameters(products, agent))
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    _deployment_values(schemas, products)
    return spec


def _one_error_body(operation: dict[str, Any]) -> None:
    """Every error answers the contract's body; a 204 has none; a route with no input never answers 422."""
    responses = operation["responses"]
    responses.get("204", {}).pop("content", None)
    validation = responses.get("422", {}).get("content", {}).get("application/json", {}).get("schema", {})
    if validation.get("$ref") == POWERTOOLS_422:
        if operation.get("parameters") or operation.get("requestBody"):
            responses["422"] = {
                "description": "Fields are wrong; `fields` maps each to a short reason",
                "content": {"application/json": {"schema": {"$ref": ERROR}}},
            }
        else:
            del responses["422"]


def _list_parameters(products: list[str], agent: bool) -> list[dict[str, Any]]:
    """The query string `lookups.parse_query` reads; an empty value is taken as if it were absent."""

    def query(name: str, description: str, **schema: Any) -> dict[str, Any]:
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], ""]
        return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}

    parameters = [
        query("status", "Only tickets in this status.", type="string", enum=sorted(catalog.STATUS_IDS)),
        query("request_type", "Only tickets of this request type.", type="string", enum=sorted(catalog.REQUEST_TYPE_IDS)),
        query("product", "Only tickets about this product.", type="string", enum=products),
        query("created_by", "Only tickets opened by this e-mail address.", type="string", maxLength=320),
        query(
            "q",
            "Words that must all appear in the subject (case and accents ignored), or a ticket number.",
            type="string",
            maxLength=200,
        ),
        query(
            "limit",
            f"Tickets per page (default {lookups.DEFAULT_LIMIT}).",
            anyOf=[{"type": "integer", "minimum": 1, "maximum": lookups.MAX_LIMIT}, {"type": "string", "enum": [""]}],
        ),
        query("cursor", "The `next_cursor` of the page before.", type="string"),
    ]
    if agent:
        parameters.append(query("organization", "Only the tickets listed under this organization.", type="string"))
    else:
        parameters.insert(
            0,
            query(
                "scope",
                "`mine`, or `organization`: the colleagues' tickets too.",
                type="string",
                enum=["mine", "organization"],
                default="mine",
            ),
        )
    return parameters


def _deployment_values(schemas: dict[str, Any], products: list[str]) -> None:
    """What only this deployment knows: its products; and the rules a field's type cannot say."""
    ticket = schemas.get("TicketIn", {}).get("properties", {})
    if "product" in ticket and products:
        ticket["product"] = {**ticket["product"], "enum": products}
    if "email" in ticket:
        ticket["email"]["description"] = "Required unless signed in (a session's address is the requester's)."
    upload = schemas.get("UploadIn", {}).get("properties", {})
    if "content_type" in upload:
        upload["content_type"] = {**upload["content_type"], "enum": list(catalog.ALLOWED_TYPES)}
