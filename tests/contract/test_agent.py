"""The support team's side: every organization's tickets, replies and status changes, behind a bearer key.

Every test runs against each host.
"""

from __future__ import annotations

from typing import Any

import pytest
from contract_data import (
    AGENT_KEY,
    SIGN_IN_SUBJECT,
    add_organization,
    agent,
    confirm,
    links_in,
    listing,
    mail_ids,
    mail_to,
    numbers,
    open_ticket,
    set_status,
    sign_in,
    text_of,
    ticket_link,
)

ANA, DIEGO, EVA = "ana@cliente.com.br", "diego@outra.com.br", "eva@gmail.com"
SUPPORT = "suporte@example.com"
TEAM = {"email": SUPPORT, "name": "Equipe de suporte", "role": "agent"}

ROUTES = [
    ("GET", "/api/agent/tickets", None),
    ("GET", "/api/agent/tickets/PC-1001", None),
    ("POST", "/api/agent/tickets/PC-1001/replies", {"body": "Resposta da equipe."}),
    ("PATCH", "/api/agent/tickets/PC-1001", {"status": "resolved"}),
]


@pytest.fixture
def desk(make_host: Any, host_kind: str) -> Any:
    """A host with the support team's key; PC-1001 (cliente), PC-1002 (outra), PC-1003 (no organization)."""
    host = make_host(host_kind, agent_key=AGENT_KEY)
    add_organization(host, "cliente", "Cliente S.A.", domains=("cliente.com.br",))
    add_organization(host, "outra", "Outra Ltda.", domains=("outra.com.br",))
    for email, product, subject in [
        (ANA, "omni-crm", "Lentidão ao salvar contato"),
        (DIEGO, "omni-chat", "Fila de atendimento parada"),
        (EVA, "omni-crm", "Dúvida sobre relatórios"),
    ]:
        assert open_ticket(host, email=email, product=product, subject=subject).status == 201
    confirm(host, ANA, DIEGO, EVA)
    return host


@pytest.fixture
def opened(desk: Any) -> set[str]:
    """The e-mails of the tickets' opening: what the tests leave out of what a requester got."""
    return mail_ids(desk)


def requester_mail(host: Any, opened: set[str], email: str = ANA) -> list[Any]:
    """What the requester got since the ticket was opened, other than sign-in links."""
    return [m for m in mail_to(host, email, since=opened) if m["Subject"] != SIGN_IN_SUBJECT]


def status_of(host: Any, number: str = "PC-1001") -> str:
    return agent(host, "GET", f"/api/agent/tickets/{number}").json["status"]


# The key


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer errada"},
        {"Authorization": f"Bearer {AGENT_KEY}x"},
        {"Authorization": AGENT_KEY},
        {"Authorization": f"Basic {AGENT_KEY}"},
        {"Authorization": "Bearer "},
    ],
    ids=["missing", "wrong", "longer", "no scheme", "basic", "empty"],
)
def test_a_wrong_or_missing_key_is_refused_and_changes_nothing(desk: Any, opened: set[str], headers: dict[str, str]) -> None:
    # No key at all asks for one (401, as HTTP has it); a key that is not the team's is refused (403).
    expected = (403, "forbidden") if headers else (401, "unauthenticated")
    for method, path, body in ROUTES:
        reply = desk.request(method, path, body, headers)
        assert (reply.status, reply.error["code"]) == expected, (method, path, reply.text)
    ticket = desk.desk.store.get_ticket("PC-1001")
    assert (ticket.status, ticket.comments) == ("open", ())
    assert requester_mail(desk, opened) == []


def test_a_customers_session_is_not_the_support_teams_key(desk: Any) -> None:
    ana = sign_in(desk, ANA)
    for method, path, body in ROUTES:
        reply = ana.request(method, path, body)
        assert (reply.status, reply.error["code"]) == (401, "unauthenticated"), (method, path)


def test_without_a_key_configured_every_agent_route_is_refused(host: Any) -> None:
    assert open_ticket(host).status == 201
    for key in (AGENT_KEY, ""):
        for method, path, body in ROUTES:
            reply = agent(host, method, path, body, key=key)
            assert (reply.status, reply.error["code"]) == (403, "forbidden"), (method, path, key)
    assert host.desk.store.get_ticket("PC-1001").status == "open"


def test_a_wrong_key_on_a_number_never_given_is_still_403(desk: Any) -> None:
    reply = agent(desk, "GET", "/api/agent/tickets/PC-9999", key="errada")
    assert reply.status == 403


# Listing


def find(host: Any, **query: str | int) -> list[str]:
    return numbers(agent(host, "GET", listing("/api/agent/tickets", **query)))


def test_support_lists_every_organizations_tickets(desk: Any) -> None:
    assert find(desk) == ["PC-1003", "PC-1002", "PC-1001"]
    assert find(desk, scope="mine") == ["PC-1003", "PC-1002", "PC-1001"]  # support has no "mine"
    reply = agent(desk, "GET", "/api/agent/tickets")
    assert all("comments" not in item for item in reply.json["items"])
    assert reply.json["next_cursor"] is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"organization": "cliente"}, ["PC-1001"]),
        ({"organization": "outra"}, ["PC-1002"]),
        ({"product": "omni-crm"}, ["PC-1003", "PC-1001"]),
        ({"status": "in_progress"}, ["PC-1002"]),
        ({"status": "open"}, ["PC-1003", "PC-1001"]),
        ({"request_type": "incident"}, ["PC-1003", "PC-1002", "PC-1001"]),
        ({"request_type": "technical"}, []),
        ({"created_by": EVA}, ["PC-1003"]),
        ({"q": "pc-1002"}, ["PC-1002"]),
        ({"q": "relatorios"}, ["PC-1003"]),
        ({"q": "lentidao", "organization": "outra"}, []),
        ({"product": "omni-crm", "organization": "cliente", "status": "open"}, ["PC-1001"]),
    ],
)
def test_support_narrows_the_list_with_filters(desk: Any, query: dict[str, str], expected: list[str]) -> None:
    assert agent(desk, "PATCH", "/api/agent/tickets/PC-1002", {"status": "in_progress"}).status == 200
    assert find(desk, **query) == expected


def test_support_pages_through_the_list(desk: Any) -> None:
    first = agent(desk, "GET", listing("/api/agent/tickets", limit=2)).json
    assert [i["number"] for i in first["items"]] == ["PC-1003", "PC-1002"]
    rest = agent(desk, "GET", listing("/api/agent/tickets", limit=2, cursor=first["next_cursor"])).json
    assert ([i["number"] for i in rest["items"]], rest["next_cursor"]) == (["PC-1001"], None)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "aberto"}, "status"),
        ({"product": "omni-erp"}, "product"),
        ({"limit": 0}, "limit"),
        ({"limit": "muitos"}, "limit"),
        ({"cursor": "forjado"}, "cursor"),
    ],
)
def test_a_bad_filter_is_a_400(desk: Any, query: dict[str, str | int], field: str) -> None:
    reply = agent(desk, "GET", listing("/api/agent/tickets", **query))
    assert (reply.status, reply.error["code"]) == (400, "bad_request"), reply.text
    assert field in reply.error["fields"]


def test_support_reads_a_ticket_with_its_conversation(desk: Any) -> None:
    ana = sign_in(desk, ANA)
    assert ana.request("POST", "/api/tickets/PC-1001/comments", {"body": "Mais detalhes."}).status == 201
    reply = agent(desk, "GET", "/api/agent/tickets/PC-1001")
    assert reply.status == 200, reply.text
    assert reply.json["number"] == "PC-1001"
    assert [c["body"] for c in reply.json["comments"]] == ["Mais detalhes."]
    assert reply.json == ana.request("GET", "/api/tickets/PC-1001").json


# Replies


def test_a_reply_is_stored_shown_to_the_customer_and_mailed_with_the_tickets_link(desk: Any, opened: set[str]) -> None:
    text = "Olá, Ana.\nReiniciamos o serviço de gravação. <b>Confira</b> e nos conte."
    reply = agent(desk, "POST", "/api/agent/tickets/PC-1001/replies", {"body": text})
    assert reply.status == 201, reply.text
    assert reply.json["author"] == TEAM
    assert reply.json["body"] == text and reply.json["attachments"] == []
    assert status_of(desk) == "in_progress"  # support took an open ticket

    ana = sign_in(desk, ANA)
    (shown,) = ana.request("GET", "/api/tickets/PC-1001").json["comments"]
    assert shown == reply.json

    (mail,) = requester_mail(desk, opened)
    assert "PC-1001" in str(mail["Subject"])
    assert text in text_of(mail)
    assert ticket_link(desk, "PC-1001") in links_in(mail)
    html = mail.get_body(("html",))
    if html is not None:
        assert "<b>Confira</b>" not in html.get_content()
    assert mail_to(desk, DIEGO, since=opened) == mail_to(desk, EVA, since=opened) == []


def test_a_reply_can_set_the_status(desk: Any, opened: set[str]) -> None:
    reply = agent(
        desk,
        "POST",
        "/api/agent/tickets/PC-1001/replies",
        {"body": "Pode nos enviar o print da tela?", "status": "waiting_customer"},
    )
    assert reply.status == 201, reply.text
    assert status_of(desk) == "waiting_customer"
    sent = requester_mail(desk, opened)
    assert sent and any("Pode nos enviar o print da tela?" in text_of(m) for m in sent)


@pytest.mark.parametrize("status", ["in_progress", "waiting_customer", "resolved"])
def test_a_reply_without_status_leaves_a_taken_ticket_as_it_was(desk: Any, status: str) -> None:
    set_status(desk, "PC-1001", status)
    assert agent(desk, "POST", "/api/agent/tickets/PC-1001/replies", {"body": "Mais uma informação."}).status == 201
    assert status_of(desk) == status


def test_a_customer_comment_after_a_reply_follows_it(desk: Any) -> None:
    ana = sign_in(desk, ANA)
    assert (
        agent(
            desk, "POST", "/api/agent/tickets/PC-1001/replies", {"body": "Qual navegador?", "status": "waiting_customer"}
        ).status
        == 201
    )
    assert ana.request("POST", "/api/tickets/PC-1001/comments", {"body": "Chrome 120."}).status == 201
    ticket = ana.request("GET", "/api/tickets/PC-1001").json
    conversation = [(c["author"]["role"], c["body"]) for c in ticket["comments"]]
    assert conversation == [("agent", "Qual navegador?"), ("customer", "Chrome 120.")]
    assert ticket["status"] == "in_progress"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"body": ""}, "body"),
        ({}, "body"),
        ({"body": "x" * 20_001}, "body"),
        ({"body": "Resposta.", "status": "aberto"}, "status"),
        ({"body": "Resposta.", "autor": "x"}, "autor"),
    ],
)
def test_a_wrong_reply_is_a_422_and_changes_nothing(desk: Any, opened: set[str], body: dict[str, Any], field: str) -> None:
    reply = agent(desk, "POST", "/api/agent/tickets/PC-1001/replies", body)
    assert (reply.status, reply.error["code"]) == (422, "validation_error"), reply.text
    assert field in reply.error["fields"]
    ticket = desk.desk.store.get_ticket("PC-1001")
    assert (ticket.status, ticket.comments) == ("open", ())
    assert requester_mail(desk, opened) == []


# Status changes


def test_a_status_change_is_answered_with_the_ticket_and_mailed(desk: Any, opened: set[str]) -> None:
    reply = agent(desk, "PATCH", "/api/agent/tickets/PC-1001", {"status": "resolved"})
    assert reply.status == 200, reply.text
    assert (reply.json["number"], reply.json["status"]) == ("PC-1001", "resolved")
    assert reply.json["updated_at"] >= reply.json["created_at"]
    (mail,) = requester_mail(desk, opened)
    assert "PC-1001" in str(mail["Subject"])
    assert "Resolvido" in str(mail["Subject"]) + text_of(mail)
    assert ticket_link(desk, "PC-1001") in links_in(mail)
    assert sign_in(desk, ANA).request("GET", "/api/tickets/PC-1001").json["status"] == "resolved"


def test_setting_the_status_it_already_has_mails_nothing(desk: Any, opened: set[str]) -> None:
    assert agent(desk, "PATCH", "/api/agent/tickets/PC-1001", {"status": "resolved"}).status == 200
    again = agent(desk, "PATCH", "/api/agent/tickets/PC-1001", {"status": "resolved"})
    assert (again.status, again.json["status"]) == (200, "resolved")
    assert len(requester_mail(desk, opened)) == 1
    assert agent(desk, "PATCH", "/api/agent/tickets/PC-1003", {"status": "open"}).status == 200
    assert requester_mail(desk, opened, EVA) == []


@pytest.mark.parametrize("body", [{"status": "aberto"}, {}, {"status": None}, {"status": "resolved", "motivo": "x"}])
def test_an_invalid_status_change_is_a_422(desk: Any, opened: set[str], body: dict[str, Any]) -> None:
    reply = agent(desk, "PATCH", "/api/agent/tickets/PC-1001", body)
    assert (reply.status, reply.error["code"]) == (422, "validation_error"), reply.text
    assert status_of(desk) == "open"
    assert requester_mail(desk, opened) == []


def test_a_number_never_given_is_404_on_every_agent_route(desk: Any) -> None:
    before = mail_ids(desk)
    for method, path, body in ROUTES[1:]:
        reply = agent(desk, method, path.replace("PC-1001", "PC-9999"), body)
        assert (reply.status, reply.error["code"]) == (404, "not_found"), (method, path, reply.text)
    assert mail_ids(desk) == before  # nobody was written to
