"""The customer's side of a ticket's conversation: comments, their attachments, and what they change.

Every test runs against each host.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from contract_data import EXE, PNG, add_organization, attach, later, mail_to, open_ticket, set_status, sign_in, text_of

ANA = "ana@cliente.com.br"
SUPPORT = "suporte@example.com"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


@pytest.fixture
def desk(host: Any) -> Any:
    add_organization(host, "cliente", "Cliente S.A.", domains=("cliente.com.br",))
    assert open_ticket(host).status == 201
    return host


@pytest.fixture
def ana(desk: Any) -> Any:
    return sign_in(desk, ANA)


def comment(person: Any, body: Any = "Ainda acontece hoje pela manhã.", number: str = "PC-1001", **more: Any) -> Any:
    return person.request("POST", f"/api/tickets/{number}/comments", {"body": body, **more})


def shown(person: Any, number: str = "PC-1001") -> dict[str, Any]:
    reply = person.request("GET", f"/api/tickets/{number}")
    assert reply.status == 200, reply.text
    return reply.json


def notices(host: Any) -> list[Any]:
    """Support's e-mails about the ticket, other than the new-ticket notice."""
    return [m for m in mail_to(host, SUPPORT) if "Novo chamado" not in str(m["Subject"])]


def test_a_comment_is_answered_as_stored(ana: Any) -> None:
    body = "  Segue o passo a passo:\n1. <b>Salvar</b>\n2. Esperar 30 s — ação, ênfase.  "
    reply = comment(ana, body)
    assert reply.status == 201, reply.text
    created = reply.json
    assert set(created) == {"id", "author", "body", "created_at", "attachments"}
    assert created["author"]["email"] == ANA and created["author"]["role"] == "customer"
    assert isinstance(created["author"]["name"], str)
    assert created["body"] == body  # exactly as sent: the site renders it as text
    assert ISO.match(created["created_at"]) and created["attachments"] == []
    assert created["id"]
    assert shown(ana)["comments"] == [created]


def test_comments_are_shown_oldest_first_with_the_ticket_updated(desk: Any, ana: Any) -> None:
    bruno = sign_in(desk, "bruno@cliente.com.br")
    for minutes, (person, body) in enumerate([(ana, "Primeiro"), (bruno, "Segundo"), (ana, "Terceiro")], start=1):
        later(desk, minutes=minutes)
        assert comment(person, body).status == 201
    ticket = shown(ana)
    assert [(c["author"]["email"], c["body"]) for c in ticket["comments"]] == [
        (ANA, "Primeiro"),
        ("bruno@cliente.com.br", "Segundo"),
        (ANA, "Terceiro"),
    ]
    times = [c["created_at"] for c in ticket["comments"]]
    assert times == sorted(times) and len(set(times)) == 3
    assert ticket["updated_at"] == times[-1] and ticket["created_at"] < times[0]
    assert len({c["id"] for c in ticket["comments"]}) == 3


def test_a_comment_brings_an_attachment_that_downloads_as_sent(desk: Any, ana: Any) -> None:
    upload = attach(desk, PNG, "erro na tela.png")
    reply = comment(ana, "O print do erro.", attachments=[upload])
    assert reply.status == 201, reply.text
    (sent,) = reply.json["attachments"]
    assert {k: sent[k] for k in ("id", "filename", "content_type", "size")} == {
        "id": upload,
        "filename": "erro na tela.png",
        "content_type": "image/png",
        "size": len(PNG),
    }
    (kept,) = shown(ana)["comments"][0]["attachments"]
    assert kept["filename"] == "erro na tela.png" and kept["download_url"]
    download = desk.download(kept["download_url"])
    assert (download.status, download.body) == (200, PNG)


def test_the_tickets_own_attachments_download_too(desk: Any) -> None:
    upload = attach(desk, PNG, "tela.png")
    ticket = open_ticket(desk, attachments=[upload]).json
    (kept,) = shown(sign_in(desk, ANA), ticket["number"])["attachments"]
    assert desk.download(kept["download_url"]).body == PNG


def test_a_comments_attachment_is_checked_like_a_tickets(desk: Any, ana: Any) -> None:
    disguised = attach(desk, EXE, "foto.png")
    refused = comment(ana, "Veja a foto.", attachments=[disguised])
    assert (refused.status, refused.error["code"]) == (415, "unsupported_media_type")
    assert comment(ana, "Nunca enviado.", attachments=["nao-existe"]).status == 422
    upload = attach(desk, PNG)
    assert comment(ana, "Primeira vez.", attachments=[upload]).status == 201
    reused = comment(ana, "De novo.", attachments=[upload])
    assert reused.status == 422 and "attachments" in reused.error["fields"]
    assert [c["body"] for c in shown(ana)["comments"]] == ["Primeira vez."]


@pytest.mark.parametrize("status", ["waiting_customer", "resolved"])
def test_a_comment_brings_a_waiting_or_resolved_ticket_back_to_support(desk: Any, ana: Any, status: str) -> None:
    set_status(desk, "PC-1001", status)
    assert comment(ana).status == 201
    assert shown(ana)["status"] == "in_progress"


@pytest.mark.parametrize("status", ["open", "in_progress"])
def test_a_comment_leaves_a_ticket_support_already_has_as_it_was(desk: Any, ana: Any, status: str) -> None:
    if status != "open":
        set_status(desk, "PC-1001", status)
    assert comment(ana).status == 201
    assert shown(ana)["status"] == status


def test_a_closed_ticket_refuses_comments(desk: Any, ana: Any) -> None:
    set_status(desk, "PC-1001", "closed")
    reply = comment(ana)
    assert (reply.status, reply.error["code"]) == (422, "validation_error"), reply.text
    assert reply.error["fields"] == {"ticket": "chamado fechado"}
    ticket = shown(ana)
    assert (ticket["status"], ticket["comments"]) == ("closed", [])
    assert notices(desk) == []


def test_support_is_told_of_each_comment(desk: Any, ana: Any) -> None:
    assert comment(ana, "Ainda acontece: <i>12 atendentes</i> parados.").status == 201
    (notice,) = notices(desk)
    assert "PC-1001" in str(notice["Subject"])
    assert "Ainda acontece: <i>12 atendentes</i> parados." in text_of(notice)
    html = notice.get_body(("html",))
    if html is not None:
        assert "<i>12 atendentes</i>" not in html.get_content()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"body": ""}, "body"),
        ({}, "body"),
        ({"body": "x" * 20_001}, "body"),
        ({"body": 42}, "body"),
        ({"body": "Com anexos demais.", "attachments": [f"id-{n}" for n in range(11)]}, "attachments"),
        ({"body": "Campo a mais.", "prioridade": "alta"}, "prioridade"),
    ],
)
def test_a_wrong_comment_is_a_422_naming_the_field_and_changes_nothing(
    desk: Any, ana: Any, body: dict[str, Any], field: str
) -> None:
    reply = ana.request("POST", "/api/tickets/PC-1001/comments", body)
    assert (reply.status, reply.error["code"]) == (422, "validation_error"), reply.text
    assert field in reply.error["fields"]
    assert shown(ana)["comments"] == []
    assert notices(desk) == []


def test_the_longest_comment_is_accepted(ana: Any) -> None:
    assert comment(ana, "y" * 20_000).status == 201


def test_a_comment_on_a_number_never_given_is_404(ana: Any) -> None:
    reply = comment(ana, number="PC-9999")
    assert (reply.status, reply.error["code"]) == (404, "not_found")


def test_a_comment_sent_with_the_cookie_but_not_by_the_site_is_refused(desk: Any, ana: Any) -> None:
    reply = ana.request("POST", "/api/tickets/PC-1001/comments", {"body": "Vindo de outro site."}, csrf=False)
    assert (reply.status, reply.error["code"]) == (403, "forbidden")
    assert shown(ana)["comments"] == []
    assert notices(desk) == []


def test_a_malformed_comment_body_gets_the_error_body(ana: Any) -> None:
    reply = ana.request("POST", "/api/tickets/PC-1001/comments", headers={"Content-Type": "application/json"}, raw=b"{oops")
    assert (reply.status, reply.error["code"]) == (400, "bad_request")


def test_a_flood_of_comments_is_refused_for_a_while(make_host: Any, host_kind: str) -> None:
    host = make_host(host_kind, rate_limits={"comments": (2, 3600)})
    assert open_ticket(host).status == 201
    ana = sign_in(host, ANA)
    replies = [comment(ana, f"Comentário número {i}") for i in range(3)]
    assert [r.status for r in replies] == [201, 201, 429]
    assert replies[2].error["code"] == "rate_limited"
    assert len(shown(ana)["comments"]) == 2
