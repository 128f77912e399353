"""Who may see and comment on a ticket: its requester and the people of its organization, nobody else.

Someone who may not see a ticket cannot tell it exists: the answer is the same
as for a number never given. Every test runs against each host.
"""

from __future__ import annotations

from typing import Any

import pytest
from contract_data import (
    SESSION,
    add_organization,
    confirm,
    link_query,
    listing,
    mail_to,
    numbers,
    open_ticket,
    sign_in,
    sign_in_link,
    text_of,
)
from hosts import browser

ANA = "ana@cliente.com.br"

SEES = [
    (ANA, "the requester"),
    ("carla@parceiro.com.br", "listed by name in the requester's organization"),
    ("bruno@cliente.com.br", "at the organization's domain"),
]
DOES_NOT_SEE = [
    ("diego@outra.com.br", "another organization"),
    ("eva@gmail.com", "no organization"),
]


@pytest.fixture
def desk(host: Any) -> Any:
    """Two companies; Ana, of `cliente`, opened PC-1001 from the form, and confirmed it."""
    add_organization(host, "cliente", "Cliente S.A.", domains=("cliente.com.br",), members=("carla@parceiro.com.br",))
    add_organization(host, "outra", "Outra Ltda.", domains=("outra.com.br",))
    ticket = open_ticket(host)
    assert ticket.status == 201 and ticket.json["organization"] == "cliente", ticket.text
    confirm(host, ANA)
    return host


def comment(person: Any, number: str = "PC-1001", body: str = "Alguma novidade sobre este chamado?") -> Any:
    return person.request("POST", f"/api/tickets/{number}/comments", {"body": body})


@pytest.mark.parametrize(("email", "who"), SEES)
def test_the_requester_and_their_organization_see_the_ticket(desk: Any, email: str, who: str) -> None:
    reply = sign_in(desk, email).request("GET", "/api/tickets/PC-1001")
    assert reply.status == 200, (who, reply.text)
    assert reply.json["number"] == "PC-1001"
    assert reply.json["requester"]["email"] == ANA


@pytest.mark.parametrize(("email", "who"), DOES_NOT_SEE)
def test_anyone_else_gets_404_as_for_a_number_never_given(desk: Any, email: str, who: str) -> None:
    person = sign_in(desk, email)
    hidden = person.request("GET", "/api/tickets/PC-1001")
    missing = person.request("GET", "/api/tickets/PC-9999")
    assert (hidden.status, hidden.error["code"]) == (404, "not_found"), who
    assert (hidden.status, hidden.json) == (missing.status, missing.json)
    assert "Lentidão" not in hidden.text


@pytest.mark.parametrize(("email", "who"), SEES)
def test_the_requester_and_their_organization_comment(desk: Any, email: str, who: str) -> None:
    reply = comment(sign_in(desk, email))
    assert reply.status == 201, (who, reply.text)
    assert reply.json["author"]["email"] == email
    shown = sign_in(desk, ANA).request("GET", "/api/tickets/PC-1001").json
    assert [c["author"]["email"] for c in shown["comments"]] == [email]


@pytest.mark.parametrize(("email", "who"), DOES_NOT_SEE)
def test_anyone_else_cannot_comment_and_learns_nothing(desk: Any, email: str, who: str) -> None:
    person = sign_in(desk, email)
    hidden = comment(person)
    missing = comment(person, "PC-9999")
    assert (hidden.status, hidden.error["code"]) == (404, "not_found"), who
    assert (hidden.status, hidden.json) == (missing.status, missing.json)
    assert desk.desk.store.get_ticket("PC-1001").comments == ()
    assert not [m for m in desk.sent_mail() if "comentário" in str(m["Subject"]).lower()]


@pytest.mark.parametrize("cookies", [None, {SESSION: "forjado"}, {SESSION: ""}], ids=["no session", "forged", "empty"])
def test_without_a_valid_session_it_is_401(desk: Any, cookies: dict[str, str] | None) -> None:
    csrf = {"X-Requested-With": "kbdesk"}
    for method, path, body in [
        ("GET", "/api/tickets/PC-1001", None),
        ("GET", "/api/tickets/PC-9999", None),
        ("GET", "/api/tickets", None),
        ("POST", "/api/tickets/PC-1001/comments", {"body": "Comentário sem sessão."}),
    ]:
        reply = desk.request(method, path, body, csrf, cookies=cookies)
        assert (reply.status, reply.error["code"]) == (401, "unauthenticated"), (method, path, reply.text)
    assert desk.desk.store.get_ticket("PC-1001").comments == ()


def test_a_ticket_stays_with_the_organization_its_requester_had_when_it_was_opened(desk: Any) -> None:
    host = desk
    before = open_ticket(host, email="gil@autonomo.com.br", subject="Antes de entrar na empresa").json
    assert (before["number"], before["organization"]) == ("PC-1002", None)
    host.desk.store.add_member("cliente", "gil@autonomo.com.br")
    after = sign_in(host, "gil@autonomo.com.br").request(
        "POST",
        "/api/tickets",
        {
            "request_type": "technical",
            "product": "omni-chat",
            "subject": "Depois de entrar na empresa",
            "description": "Como configuro as regras de distribuição?",
        },
    )
    assert (after.status, after.json["organization"]) == (201, "cliente"), after.text

    bruno = sign_in(host, "bruno@cliente.com.br")
    assert bruno.request("GET", "/api/tickets/PC-1002").status == 404  # opened before Gil joined
    assert bruno.request("GET", f"/api/tickets/{after.json['number']}").status == 200
    gil = sign_in(host, "gil@autonomo.com.br")
    assert gil.request("GET", "/api/tickets/PC-1002").status == 200  # still the requester's own
    assert gil.request("GET", "/api/tickets/PC-1001").status == 200  # now of the organization


def test_people_of_public_mail_domains_share_nothing(desk: Any) -> None:
    host = desk
    ticket = open_ticket(host, email="eva@gmail.com").json
    assert ticket["organization"] is None
    assert sign_in(host, "eva@gmail.com").request("GET", f"/api/tickets/{ticket['number']}").status == 200
    assert sign_in(host, "fabio@gmail.com").request("GET", f"/api/tickets/{ticket['number']}").status == 404


def test_leaving_the_organization_ends_access_to_its_tickets(desk: Any) -> None:
    host = desk
    carla = sign_in(host, "carla@parceiro.com.br")
    assert carla.request("GET", "/api/tickets/PC-1001").status == 200
    add_organization(host, "parceiro", "Parceiro Ltda.", domains=("parceiro.com.br",), members=("carla@parceiro.com.br",))
    assert carla.request("GET", "/api/tickets/PC-1001").status == 404
    assert carla.request("GET", "/api/me").json["organization"] == "parceiro"


def test_a_ticket_opened_without_signing_in_waits_for_its_requester_to_prove_the_address(host: Any) -> None:
    """Anyone may type anyone's address in the form: the organization sees the ticket once its owner signs in."""
    add_organization(host, "cliente", "Cliente S.A.", domains=("cliente.com.br",))
    opened = open_ticket(host, email="bia@cliente.com.br", subject="Pedido em nome de outra pessoa")
    assert opened.status == 201 and opened.json["organization"] == "cliente"
    number = opened.json["number"]
    bruno = sign_in(host, "bruno@cliente.com.br")
    assert bruno.request("GET", f"/api/tickets/{number}").status == 404
    assert number not in numbers(bruno.request("GET", listing("/api/tickets", scope="organization")))
    assert number not in numbers(bruno.request("GET", listing("/api/tickets", scope="organization", status="open")))
    assert host.desk.store.get_ticket(number).confirmed is False  # support has it, as every ticket

    (copy,) = mail_to(host, "bia@cliente.com.br")
    assert "sem login" in text_of(copy) and "responda a este e-mail para nos avisar" in text_of(copy)
    (notice,) = [m for m in mail_to(host, "suporte@example.com") if number in m["Subject"]]
    assert "ainda não foi comprovado" in text_of(notice)

    bia = browser(host)  # she opens the link in her copy and presses Entrar
    assert bia.request("POST", "/api/auth/verify", {"token": link_query(sign_in_link(host, copy))["token"]}).status == 200
    assert bruno.request("GET", f"/api/tickets/{number}").status == 200
    assert numbers(bruno.request("GET", listing("/api/tickets", scope="organization", status="open"))) == [number]

    signed_in = bruno.request(
        "POST",
        "/api/tickets",
        {
            "request_type": "technical",
            "product": "omni-chat",
            "subject": "Aberto com login",
            "description": "Como configuro as regras de distribuição?",
        },
    ).json["number"]
    assert bia.request("GET", f"/api/tickets/{signed_in}").status == 200  # a session proves the address at once
    (own_copy,) = [m for m in mail_to(host, "bruno@cliente.com.br") if signed_in in m["Subject"]]
    assert "sem login" not in text_of(own_copy)
