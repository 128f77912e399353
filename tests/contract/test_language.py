"""A desk set to English (KBDESK_LANGUAGE=en) answers in English: errors, field reasons, the catalog and e-mails."""

from __future__ import annotations

from typing import Any

import pytest
from contract_data import AGENT_KEY, agent, mail_to, open_ticket, text_of


@pytest.fixture
def english(host_kind: str, make_host: Any) -> Any:
    return make_host(host_kind, language="en", agent_key=AGENT_KEY)


def test_a_short_subject_is_refused_in_english(english: Any) -> None:
    reply = open_ticket(english, subject="Oi")
    assert reply.status == 422
    assert reply.error == {
        "code": "validation_error",
        "message": "Check the highlighted fields.",
        "fields": {"subject": "too short"},
    }


def test_an_unknown_product_and_a_missing_email_are_named_in_english(english: Any) -> None:
    reply = open_ticket(english, product="no-such-product", email=None)
    assert reply.status == 422
    assert reply.error["message"] == "Check the e-mail and the product."
    assert reply.error["fields"] == {"email": "required", "product": "unknown product"}


def test_a_body_that_is_not_json_is_refused_in_english(english: Any) -> None:
    reply = english.request("POST", "/api/tickets", raw=b"{not json", headers={"Content-Type": "application/json"})
    assert reply.status == 400
    assert reply.error["message"] == "The body is not valid JSON."


def test_unknown_routes_and_callers_without_a_session_are_refused_in_english(english: Any) -> None:
    assert english.request("GET", "/api/nowhere").error["message"] == "No such route."
    assert english.request("GET", "/api/tickets").error["message"] == "Sign in to the Help Center to go on."


def test_a_wrong_query_is_refused_in_english(english: Any) -> None:
    reply = agent(english, "GET", "/api/agent/tickets?status=lost&limit=0")
    assert reply.status == 400
    assert reply.error == {
        "code": "bad_request",
        "message": "Check the query's parameters.",
        "fields": {"status": "unknown status", "limit": "from 1 to 100"},
    }


def test_the_catalog_names_request_types_and_statuses_in_english(english: Any) -> None:
    catalog = english.request("GET", "/api/catalog").json
    assert [t["name"] for t in catalog["request_types"]] == [
        "Usability question",
        "Technical support",
        "Error or incident",
        "Improvement or feature request",
    ]
    assert catalog["statuses"][0] == {"id": "open", "name": "Open"}


def test_the_requester_s_copy_is_in_english(english: Any) -> None:
    number = open_ticket(english).json["number"]
    copy = mail_to(english, "ana@cliente.com.br")[-1]
    assert copy["Subject"].startswith(f"[{number}] ")
    assert "We received your ticket." in text_of(copy)
    assert "Request type: Error or incident" in text_of(copy)


def test_portuguese_is_the_default(host: Any) -> None:
    assert open_ticket(host, subject="Oi").error["message"] == "Revise os campos destacados."
